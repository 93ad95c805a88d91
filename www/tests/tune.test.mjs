// The learning-rate fan and fair tuning in the page (www/tune.js, src/web/tune.rs): the fan adds
// N runs and marks the best (checked against the command line's trace), the address reopens it,
// removing it restores the scenario; tuning shows a real table, adds the tuned runs, gives the
// command line's table, and the page answers input while it runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { usePage, trace, scenarioLink, shots, cli } from './helpers.mjs';

const { open } = usePage();

const SC = {
  surface: { name: 'rosenbrock' }, start: [-1.5, 2], steps: 300,
  runs: [
    { optimizer: { name: 'momentum', lr: 0.001, momentum: 0.9 }, color: '#f77f00' },
    { optimizer: { name: 'adam', lr: 0.05 }, color: '#00a6fb' },
  ],
};

const lastLoss = (t) => t.loss.at(-1);

test('the fan adds N runs at log-spaced rates, marks the best by trace, and the address reopens it', async () => {
  const page = await open(scenarioLink(SC));
  await page.click('#tune-panel summary');
  await page.fill('#fan-n', '7');
  // The Fan button on the first run's card.
  await page.locator('.run').nth(0).locator('.fan-btn').click();
  const sc = await page.evaluate(() => window.playground.scenario());
  assert.equal(sc.runs.length, 2 + 7);
  const fan = sc.runs.slice(2);
  const rates = fan.map((r) => r.optimizer.lr);
  for (let i = 1; i < rates.length; i++) {
    assert.ok(Math.abs(rates[i] / rates[i - 1] / (rates[1] / rates[0]) - 1) < 1e-12, 'log-spaced');
  }
  assert.equal(rates[3], 0.001, "the middle rate is the run's own");
  assert.ok(Math.abs(rates[6] / rates[0] / 100 - 1) < 1e-12, 'two decades');
  // The best is the lowest final loss of trace over the fan's runs; diverged ones say so.
  const ts = trace(sc).slice(2);
  const ok = ts.map((t, i) => [t, i]).filter(([t]) => t.diverged_at === null);
  const best = ok.reduce((a, b) => (lastLoss(b[0]) < lastLoss(a[0]) ? b : a))[1];
  fan.forEach((r, i) => {
    assert.equal(r.label.endsWith('★ best'), i === best, r.label);
    assert.equal(r.label.endsWith('diverged'), ts[i].diverged_at !== null, r.label);
  });
  assert.ok(ts.some((t) => t.diverged_at !== null), 'momentum 0.01 diverges on Rosenbrock');
  // Marked in the runs panel and on the map.
  const names = await page.locator('.run .name').allTextContents();
  assert.equal(names.filter((n) => n.endsWith('★ best')).length, 1);
  assert.ok(names[2 + best].endsWith('★ best'));
  const marker = page.locator('#fan-best');
  await marker.waitFor({ state: 'visible' });
  assert.match(await marker.textContent(), /^★ best η=/);
  // One colour family: the fan's colours all differ.
  assert.equal(new Set(fan.map((r) => r.color)).size, 7);
  await page.evaluate(() => window.playground.step(300));
  await page.screenshot({ path: path.join(shots, 'tune-fan.png') });

  // The address reopens the fan as it is, marks and all.
  await page.click('#share');
  const link = await page.evaluate(() => location.hash);
  const again = await open(link);
  assert.deepEqual(await again.evaluate(() => window.playground.scenario()), sc);
  await again.locator('#fan-best').waitFor({ state: 'visible' });
  // Removing the fan (one action) gives the scenario back.
  await again.click('#tune-panel summary');
  await again.click('#fan-remove');
  assert.deepEqual(await again.evaluate(() => window.playground.scenario()), SC);
  assert.equal(await again.locator('#fan-best').isVisible(), false);
  await again.done();

  // window.playground.fan: N from 3 to 11, a new fan replaces the old, mistakes are named.
  const r = await page.evaluate(() => window.playground.fan(1, 5));
  assert.equal(r.first, 2);
  assert.equal(r.rates.length, 5);
  assert.equal((await page.evaluate(() => window.playground.scenario())).runs.length, 2 + 5);
  const err = await page.evaluate(() => { try { window.playground.fan(0, 40); } catch (e) { return e.message; } });
  assert.match(err, /^n: a fan has from 3 to 11 runs/);
  const err2 = await page.evaluate(() => { try { window.playground.fan(9); } catch (e) { return e.message; } });
  assert.match(err2, /^run: the scenario has 7 runs/);
  await page.done();
});

test('the fan is re-marked when the surface changes', async () => {
  const page = await open(scenarioLink(SC));
  await page.evaluate(() => window.playground.fan(1, 5));
  const sc = await page.evaluate(() => window.playground.scenario());
  const moved = { ...sc, surface: { name: 'himmelblau' }, start: [0.5, -0.5] };
  await page.evaluate((s) => window.playground.load(s), moved);
  await page.waitForFunction(() => {
    const runs = window.playground.scenario().runs.slice(2);
    return runs.some((r) => r.label.endsWith('★ best'));
  });
  // The marks now follow trace on the new surface.
  await page.waitForTimeout(400);
  const now = await page.evaluate(() => window.playground.scenario());
  const ts = trace(now).slice(2);
  const ok = ts.map((t, i) => [t, i]).filter(([t]) => t.diverged_at === null);
  const best = ok.reduce((a, b) => (lastLoss(b[0]) < lastLoss(a[0]) ? b : a))[1];
  now.runs.slice(2).forEach((r, i) => assert.equal(r.label.endsWith('★ best'), i === best, r.label));
  await page.done();
});

test('fair tuning shows an accessible table equal to the command line, adds the tuned runs, and the page answers meanwhile', async () => {
  const sc = { ...SC, runs: [...SC.runs, { optimizer: { name: 'newton' } }] };
  const page = await open(scenarioLink(sc));
  await page.click('#tune-panel summary');
  await page.fill('#tune-budget', '12');
  await page.fill('#tune-evals', '150');
  await page.click('#tune-go');
  await page.locator('.tune-table').waitFor();
  const table = page.locator('.tune-table');
  assert.equal(await table.locator('caption').textContent(), 'Tuned: best of 12 runs per optimizer');
  // The metric, described to the table.
  const note = await table.getAttribute('aria-describedby');
  assert.match(await page.locator('#' + note).textContent(), /^Metric: final loss after 150 gradient evaluations/);
  const heads = await table.locator('thead th[scope=col]').allTextContents();
  assert.deepEqual(heads, ['run', 'optimizer', 'best lr', 'final loss', 'grad evals', 'runs (diverged)']);
  const rows = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
  assert.equal(rows.length, 3);
  assert.deepEqual(rows.map((r) => r[1]), ['momentum', 'adam', 'newton']);
  assert.equal(await table.locator('tbody th[scope=row]').count(), 3);
  // The command line's table, cell for cell.
  const file = JSON.stringify(sc);
  const text = execFileSync(cli, ['tune', '-', '--budget', '12', '--evals', '150'], { input: file }).toString();
  const lines = text.trim().split('\n');
  const at = lines.findIndex((l) => l.startsWith('run  optimizer'));
  lines.slice(at + 1).forEach((l, i) => {
    const cells = l.split(/\s{2,}/);
    assert.deepEqual(cells, rows[i].map((c) => c.trim()), l);
  });
  // The tuned runs are ordinary runs of the scenario, added after the others.
  const after = await page.evaluate(() => window.playground.scenario());
  assert.equal(after.runs.length, 6);
  const json = JSON.parse(execFileSync(cli, ['tune', '-', '--budget', '12', '--evals', '150', '--json'], { input: file }).toString());
  assert.deepEqual(after.runs.slice(3), json.rows.map((r) => r.tuned));
  await page.evaluate(() => window.playground.step(300));
  await page.screenshot({ path: path.join(shots, 'tune-table.png') });

  // window.playground.tune gives the same table; a heavy tuning leaves the page answering.
  const again = await page.evaluate(() => window.playground.tune({ budget: 12, evals: 150 }).then((t) => t.table));
  assert.deepEqual(again.rows.map((r) => r.lr), json.rows.map((r) => r.lr));
  await page.evaluate(() => { window.__heavy = window.playground.tune({ budget: 400, evals: 4000 }); window.__heavy.catch(() => {}); });
  await page.locator('#tune-progress').waitFor({ state: 'visible' });
  const t0 = Date.now();
  await page.click('#play');
  const answered = Date.now() - t0;
  assert.equal(await page.locator('#play').getAttribute('aria-label'), 'Pause', 'the click was handled');
  assert.ok(await page.locator('#tune-progress').isVisible(), 'still tuning after the click');
  const progress = await page.evaluate(() => document.getElementById('tune-progress').value);
  assert.ok(progress > 0 && answered < 5000, `answered in ${answered} ms at ${progress}`);
  await page.click('#tune-cancel');
  const msg = await page.evaluate(() => window.__heavy.then(() => 'finished', (e) => e.message));
  assert.equal(msg, 'tuning cancelled');
  // Mistakes are named.
  const bad = await page.evaluate(() => window.playground.tune({ budget: 1 }).then(() => 'ok', (e) => e.message));
  assert.equal(bad, 'budget: from 3 to 1024 runs per optimizer (got 1)');
  const bad2 = await page.evaluate(() => window.playground.tune({ also: 'beta9' }).then(() => 'ok', (e) => e.message));
  assert.match(bad2, /^also: unknown hyper-parameter 'beta9'/);
  await page.done();
});

test('at 390 px wide the panel and its table fit', async () => {
  const page = await open(scenarioLink(SC), { width: 390, height: 844 });
  const toggle = page.locator('#runs-toggle');
  if (await toggle.isVisible()) await toggle.click();
  await page.click('#tune-panel summary');
  // One checkbox per run; the unchecked one is left out.
  const boxes = page.locator('#tune-runs input[type=checkbox]');
  assert.equal(await boxes.count(), 2);
  assert.deepEqual(await page.locator('#tune-runs label').allTextContents(), [' Momentum', ' Adam']);
  await boxes.nth(1).uncheck();
  await page.fill('#tune-budget', '6');
  await page.fill('#tune-evals', '100');
  await page.click('#tune-go');
  await page.locator('.tune-table').waitFor();
  assert.equal(await page.locator('.tune-table tbody tr').count(), 1);
  // The tuned run is not offered for tuning again; the choice is kept.
  assert.equal(await boxes.count(), 2);
  assert.equal(await boxes.nth(1).isChecked(), false);
  await page.locator('#tune-runs').evaluate((f) => { for (const c of f.querySelectorAll('input')) c.checked = true; });
  await page.evaluate(() => window.playground.tune({ budget: 6, evals: 100 }));
  assert.equal(await page.locator('.tune-table tbody tr').count(), 2);
  await page.locator('.tune-table').scrollIntoViewIfNeeded();
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(wide <= 390, `the page is ${wide} px wide`);
  const [scroll, client] = await page.locator('.tune-table-wrap').evaluate((w) => [w.scrollWidth, w.clientWidth]);
  assert.ok(scroll <= client, `the table is ${scroll} px wide in ${client} px`);
  const box = await page.locator('#tune-panel').boundingBox();
  assert.ok(box.x >= 0 && box.x + box.width <= 390, JSON.stringify(box));
  await page.locator('#tune-panel').screenshot({ path: path.join(shots, 'tune-390.png') });
  await page.done();
});
