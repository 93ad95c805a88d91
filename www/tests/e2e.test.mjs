// End-to-end tests of the real page in Debian's Chromium, driven by playwright-core.
// Run: node --test www/tests/  (after `bash www/scripts/build.sh` and a native `cargo build`).
// Screenshots for a person to look at are written to www/screenshots/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { isDeepStrictEqual } from 'node:util';
import { root, shots, golden, cli, usePage, trace, goldenCase, scenarioLink, close, inked } from './helpers.mjs';

const { open } = usePage();

test('the page loads, draws the map, overlay and charts, and looks right', async () => {
  const page = await open();
  await page.evaluate(() => window.playground.step(200));
  await page.waitForTimeout(100);
  assert.ok(await inked(page, 'map') > 100000, 'the colour map is drawn');
  assert.ok(await inked(page, 'overlay') > 500, 'trajectories are drawn');
  assert.ok(await inked(page, 'loss') > 2000, 'the loss chart is drawn');
  assert.ok(await inked(page, 'lr') > 2000, 'the learning-rate chart is drawn');
  const sc = await page.evaluate(() => window.playground.scenario());
  assert.equal(sc.surface.name, 'rosenbrock');
  assert.ok(sc.runs.length >= 3);
  await page.screenshot({ path: path.join(shots, 'page-1280x800.png'), fullPage: true });
  await page.done();
  const big = await open('', { width: 1920, height: 1080 });
  await big.evaluate(() => window.playground.step(300));
  await big.screenshot({ path: path.join(shots, 'page-1920x1080.png') });
  await big.done();
});

test('the page and `optimizer-playground render` draw the same map', async () => {
  const page = await open();
  await page.evaluate(() => window.playground.step(150));
  await page.waitForTimeout(50);
  const sc = await page.evaluate(() => window.playground.scenario());
  const [w, h] = await page.evaluate(() => [document.getElementById('map').width, document.getElementById('map').height]);
  const out = path.join(shots, 'cli-map.png');
  execFileSync(cli, ['render', '-', '--out', out, '--panels', 'map', '--no-legend', '--step', '150',
    '--width', String(w), '--height', String(h)], { input: JSON.stringify(sc) });
  // In the page: its map (the base canvas with the overlay of trajectories and current points on
  // top) against the command line's PNG, decoded by the browser, pixel by pixel.
  const cmp = await page.evaluate(async (b64) => {
    const [m, o] = [document.getElementById('map'), document.getElementById('overlay')];
    const pixels = (draw, w, h) => {
      const c = document.createElement('canvas');
      c.width = w; c.height = h;
      const g = c.getContext('2d');
      draw(g);
      return g.getImageData(0, 0, w, h).data;
    };
    const a = pixels((g) => { g.drawImage(m, 0, 0); g.drawImage(o, 0, 0); }, m.width, m.height);
    const img = new Image();
    img.src = 'data:image/png;base64,' + b64;
    await img.decode();
    const b = pixels((g) => g.drawImage(img, 0, 0), img.width, img.height);
    let sum = 0, close = 0;
    const n = m.width * m.height;
    for (let i = 0; i < n; i++) {
      let worst = 0;
      for (let c = 0; c < 3; c++) {
        const d = Math.abs(a[4 * i + c] - b[4 * i + c]);
        sum += d;
        worst = Math.max(worst, d);
      }
      if (worst <= 40) close++;
    }
    return { size: [img.width, img.height], mean: sum / (3 * n), share: close / n };
  }, fs.readFileSync(out).toString('base64'));
  assert.deepEqual(cmp.size, [w, h]);
  console.log(`  page map vs CLI figure, ${w}x${h}: mean channel difference ${cmp.mean.toFixed(2)}, ${(100 * cmp.share).toFixed(1)}% of pixels within 40`);
  // Same colour map, contours, axes, colour bar, minima, trajectories and markers; only
  // anti-aliasing, text rasterization and the canvas's smoothing differ.
  assert.ok(cmp.mean < 4, `mean channel difference ${cmp.mean}`);
  assert.ok(cmp.share > 0.98, `${cmp.share} of pixels within 40`);
  await page.done();
});

test('paths() equals the command line to the last bit', async () => {
  const scenarios = [
    goldenCase('three-runs-rosenbrock').scenario,
    goldenCase('lbfgs-rosenbrock-wolfe').scenario,
    goldenCase('adam-beale-warm-restarts').scenario,
    {
      surface: { name: 'rastrigin', params: { a: 8 } }, start: [-4.3, 3.7], steps: 300,
      runs: [
        { optimizer: { name: 'adam', lr: 0.1 }, schedule: { name: 'exponential', decay: 0.01, warmup: 10 } },
        { optimizer: { name: 'nesterov', lr: 0.002 }, clip: { norm: 2 }, l2: 0.01 },
        { optimizer: { name: 'newton', damping: 2 } },
        { optimizer: { name: 'gd', lr: 5 } },
      ],
    },
    {
      surface: { expr: 'sin(x)*cos(y) + 0.1*(x^2 + y^2) + tanh(x*y)' }, start: [2.5, -1.7], steps: 250,
      runs: [{ optimizer: { name: 'lion', lr: 0.01 } }, { optimizer: { name: 'lookahead', k: 3, inner: { name: 'rmsprop', lr: 0.01 } } }, { optimizer: { name: 'bfgs', line_search: 'armijo' } }],
    },
    {
      data: { kind: 'linear', n: 50, noise: 0.6, seed: 11, features: 'standardized' }, start: [-2, -1], steps: 200, batch_size: 5,
      runs: [
        { optimizer: { name: 'gd', lr: 0.05 } },
        { optimizer: { name: 'momentum', lr: 0.02 }, batch_size: 1, seed: 3 },
        { optimizer: { name: 'adam', lr: 0.05 }, batch_size: 50, noise: 0.3 },
        { optimizer: { name: 'lbfgs' }, batch_size: 10 },
      ],
    },
    {
      data: { kind: 'logistic', n: 40, noise: 0.8, seed: 2 }, start: [-1, 1], steps: 150,
      runs: [{ optimizer: { name: 'sgd_hd', lr: 0.01 }, batch_size: 4 }, { optimizer: { name: 'newton', damping: 0.1 }, batch_size: 8 }],
    },
    {
      data: { kind: 'linear', n: 30, noise: 0.3, seed: 5, features: 'batchnorm' }, start: [0, 0], steps: 100,
      runs: [{ optimizer: { name: 'gd', lr: 0.1 }, batch_size: 6 }],
    },
  ];
  const page = await open();
  for (const sc of scenarios) {
    const want = trace(sc);
    const got = await page.evaluate((sc) => { window.playground.load(sc); window.playground.step(sc.steps); return window.playground.paths(); }, sc);
    assert.deepEqual(got, want);
    assert.deepEqual(await page.evaluate(() => window.playground.scenario()), sc, 'scenario() gives back what load() took');
  }
  // step(n) advances every run n iterations.
  const partial = await page.evaluate(() => { window.playground.load({ surface: { name: 'booth' }, start: [-6, -8], steps: 100, runs: [{ optimizer: { name: 'adam', lr: 0.1 } }] }); window.playground.step(7); return window.playground.paths(); });
  assert.equal(partial[0].path.length, 8);
  await page.done();
});

test('a #scenario= link restores exactly that state, and the reference path', async () => {
  const g = goldenCase('adam-rosenbrock-cosine-clipnorm');
  const page = await open(scenarioLink(g.scenario));
  assert.deepEqual(await page.evaluate(() => window.playground.scenario()), g.scenario);
  const runs = await page.evaluate((n) => { window.playground.step(n); return window.playground.paths(); }, g.scenario.steps);
  assert.equal(runs[0].path.length, g.expected.paths[0].length);
  runs[0].path.forEach((p, i) => p.forEach((v, c) => assert.ok(close(v, g.expected.paths[0][i][c]), `point ${i}`)));
  await page.done();
});

test('share link round trip', async () => {
  const page = await open();
  await page.selectOption('#surface', 'himmelblau');
  await page.selectOption('#add-kind', 'amsgrad');
  await page.click('#add');
  await page.click('#share');
  const url = page.url();
  assert.ok(url.includes('#scenario='));
  const sc = await page.evaluate(() => window.playground.scenario());
  assert.equal(sc.surface.name, 'himmelblau');
  assert.equal(sc.runs.at(-1).optimizer.name, 'amsgrad');
  await page.done();
  const again = await open(url.slice(url.indexOf('#')));
  assert.deepEqual(await again.evaluate(() => window.playground.scenario()), sc);
  await again.done();
});

test('a broken or hostile link shows a clear message and the default scenario', async () => {
  for (const hash of ['#scenario=%E0%A4%A', '#scenario=' + encodeURIComponent('{"surface": {"expr": "<img src=x onerror=window.pwned=1>"}, "start": [0,0], "steps": 5, "runs": []}'), '#scenario=' + encodeURIComponent('{"surface":{"name":"rosenbrock"},"start":[0,0],"steps":1e9,"runs":[]}')]) {
    const page = await open(hash);
    const msg = await page.locator('#message');
    assert.ok(await msg.isVisible(), 'a message is shown');
    const text = await msg.textContent();
    assert.match(text, /link|scenario/i);
    assert.equal(await page.evaluate(() => document.querySelectorAll('img').length), 0, 'no markup from the link');
    assert.equal(await page.evaluate(() => window.pwned), undefined);
    const sc = await page.evaluate(() => window.playground.scenario());
    assert.equal(sc.surface.name, 'rosenbrock', 'the default scenario is shown');
    await page.screenshot({ path: path.join(shots, 'bad-link.png') });
    await page.done();
  }
});

test('picking a surface, adding an optimizer and moving a slider re-runs it', async () => {
  const page = await open();
  await page.selectOption('#surface', 'six_hump_camel');
  assert.equal(await page.evaluate(() => window.playground.scenario().surface.name), 'six_hump_camel');
  assert.match(await page.textContent('#surface-desc'), /minima/);
  const n0 = await page.evaluate(() => window.playground.scenario().runs.length);
  await page.selectOption('#add-kind', 'nesterov');
  await page.click('#add');
  const sc = await page.evaluate(() => window.playground.scenario());
  assert.equal(sc.runs.length, n0 + 1);
  await page.evaluate(() => window.playground.step(50));
  const before = await page.evaluate(() => window.playground.paths().at(-1).path.at(-1));
  const card = page.locator('.run').last();
  const lr = card.locator('input[aria-label="learning rate η value"]');
  await lr.fill('0.01');
  await lr.press('Enter');
  const after = await page.evaluate(() => ({ sc: window.playground.scenario(), p: window.playground.paths().at(-1) }));
  assert.equal(after.sc.runs.at(-1).optimizer.lr, 0.01);
  assert.equal(after.p.path.length, 51, 're-run from the start up to where the others are');
  assert.notDeepEqual(after.p.path.at(-1), before);
  // The slider itself moves the value too.
  await card.locator('input[type=range][aria-label="learning rate η"]').fill('100');
  const lr2 = await page.evaluate(() => window.playground.scenario().runs.at(-1).optimizer.lr);
  assert.ok(lr2 > 0 && lr2 !== 0.01);
  // An absurd value is refused with a message and nothing changes.
  await lr.fill('-3');
  await lr.press('Enter');
  assert.ok(await page.locator('#message').isVisible());
  assert.equal(await page.evaluate(() => window.playground.scenario().runs.at(-1).optimizer.lr), lr2);
  await page.done();
});

test('play, pause, step and the timeline scrub', async () => {
  const page = await open();
  await page.click('#play');
  await page.waitForFunction(() => window.playground.paths()[0].path.length > 30);
  await page.click('#play');
  const its = await page.evaluate(() => window.playground.paths()[0].path.length - 1);
  await page.waitForTimeout(100);
  assert.equal(await page.evaluate(() => window.playground.paths()[0].path.length - 1), its, 'paused');
  await page.click('#stepbtn');
  assert.equal(await page.evaluate(() => window.playground.paths()[0].path.length - 1), its + 1);
  await page.locator('#timeline').fill('10');
  assert.match(await page.textContent('#stepcount'), /^step 10 \//);
  assert.match(await page.locator('.readout').first().textContent(), /step 10 /);
  // Scrubbed back, Step moves along the timeline without computing more.
  await page.click('#stepbtn');
  assert.match(await page.textContent('#stepcount'), /^step 11 \//);
  assert.equal(await page.evaluate(() => window.playground.paths()[0].path.length - 1), its + 1);
  await page.click('#reset');
  assert.equal(await page.evaluate(() => window.playground.paths()[0].path.length), 1);
  // The keyboard: → steps once, space plays, R resets.
  await page.locator('#overlay').focus();
  await page.keyboard.press('ArrowRight');
  assert.equal(await page.evaluate(() => window.playground.paths()[0].path.length), 2);
  await page.keyboard.press(' ');
  await page.waitForFunction(() => window.playground.paths()[0].path.length > 10);
  await page.keyboard.press(' ');
  await page.keyboard.press('r');
  assert.equal(await page.evaluate(() => window.playground.paths()[0].path.length), 1);
  await page.done();
});

test('a diverging run stops and says so while the others go on', async () => {
  const page = await open();
  await page.evaluate(() => {
    window.playground.load({ surface: { name: 'quadratic' }, start: [1, 1], steps: 150, runs: [{ optimizer: { name: 'gd', lr: 0.12 } }, { optimizer: { name: 'gd', lr: 0.05 } }] });
    window.playground.step(150);
  });
  const runs = await page.evaluate(() => window.playground.paths());
  assert.equal(runs[0].diverged_at, 82);
  assert.equal(runs[1].path.length, 151);
  assert.match(await page.locator('.readout').first().textContent(), /diverged at step 82/);
  await page.done();
});

test('click sets the start, hover shows x, y and L, wheel zooms, double-click resets', async () => {
  const page = await open();
  const box = await page.locator('#overlay').boundingBox();
  const x = box.x + box.width * 0.4, y = box.y + box.height * 0.6;
  await page.mouse.move(x, y);
  const hover = await page.textContent('#hover');
  const m = hover.match(/x = (\S+)\s+y = (\S+)\s+L = (\S+)/);
  assert.ok(m, hover);
  const num = (s) => Number(s.replace('−', '-'));
  const s0 = await page.evaluate(() => JSON.stringify(window.playground.scenario().start));
  await page.mouse.click(x, y);
  // A single click acts once it cannot be a double-click.
  await page.waitForFunction((s0) => JSON.stringify(window.playground.scenario().start) !== s0, s0);
  const sc = await page.evaluate(() => window.playground.scenario());
  assert.ok(Math.abs(sc.start[0] - num(m[1])) < 2e-3 * Math.max(1, Math.abs(sc.start[0])), `${sc.start} vs ${hover}`);
  assert.ok(Math.abs(sc.start[1] - num(m[2])) < 2e-3 * Math.max(1, Math.abs(sc.start[1])));
  assert.equal(await page.evaluate(() => window.playground.paths()[0].path.length), 1, 'every run restarts there');
  const view0 = await page.evaluate(() => window.playground._app.view());
  await page.mouse.wheel(0, -400);
  const view1 = await page.evaluate(() => window.playground._app.view());
  assert.ok(view1[1] - view1[0] < view0[1] - view0[0], 'zoomed in');
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x + 80, y + 30, { steps: 4 });
  await page.mouse.up();
  const view2 = await page.evaluate(() => window.playground._app.view());
  assert.ok(view2[0] < view1[0], 'dragged right pans left');
  assert.deepEqual(await page.evaluate(() => window.playground.scenario().start), sc.start, 'a drag does not move the start');
  await page.mouse.dblclick(x + 40, y - 40);
  await page.waitForTimeout(400);
  const view3 = await page.evaluate(() => window.playground._app.view());
  assert.deepEqual(view3, view0);
  assert.deepEqual(await page.evaluate(() => window.playground.scenario().start), sc.start, 'a double-click does not move the start');
  await page.done();
});

test('a bad expression shows its error with the position and keeps the last good surface', async () => {
  const page = await open();
  await page.fill('#expr', 'x^2 + 3*y^2');
  await page.waitForFunction(() => window.playground.scenario().surface.expr === 'x^2 + 3*y^2');
  await page.fill('#expr', '1 + sinn(x)');
  await page.waitForSelector('#expr-error:not([hidden])');
  assert.match(await page.textContent('#expr-error'), /unknown function 'sinn' at column 5/);
  assert.equal(await page.evaluate(() => window.playground.scenario().surface.expr), 'x^2 + 3*y^2');
  await page.screenshot({ path: path.join(shots, 'expr-error.png') });
  await page.fill('#expr', '<b>x</b>');
  await page.waitForFunction(() => document.getElementById('expr-error').textContent.includes('column'));
  assert.equal(await page.evaluate(() => document.querySelectorAll('#expr-error b').length), 0);
  await page.done();
});

test('the script API rejects bad input with a clear error and keeps the state', async () => {
  const page = await open();
  const before = await page.evaluate(() => window.playground.scenario());
  const err = await page.evaluate(() => { try { window.playground.load({ surface: { name: 'rosenbrock' }, start: [0, 0], steps: 10, runs: [{ optimizer: { name: 'adam', lr: -1 } }] }); return null; } catch (e) { return e.message; } });
  assert.match(err, /runs\[0\]\.optimizer\.lr/);
  assert.deepEqual(await page.evaluate(() => window.playground.scenario()), before);
  const err2 = await page.evaluate(() => { try { window.playground.step(-1); return null; } catch (e) { return e.message; } });
  assert.ok(err2);
  await page.done();
});

test('data surfaces: batch size, noise, seed, the scatter plot and the epoch counter', async () => {
  const page = await open();
  await page.selectOption('#surface', '__data:linear');
  let sc = await page.evaluate(() => window.playground.scenario());
  assert.equal(sc.data.kind, 'linear');
  assert.ok(await page.locator('#scatter').isVisible(), 'the scatter plot is shown');
  await page.selectOption('.data-controls select', 'standardized');
  sc = await page.evaluate(() => window.playground.scenario());
  assert.equal(sc.data.features, 'standardized');
  const card = page.locator('.run').first();
  const batch = card.locator('input[aria-label="batch size value"]');
  await batch.fill('4');
  await batch.press('Enter');
  sc = await page.evaluate(() => window.playground.scenario());
  assert.equal(sc.runs[0].batch_size, 4);
  await page.evaluate(() => window.playground.step(40));
  assert.match(await page.locator('.readout').first().textContent(), /epoch 2\.6 · batch 4 of 60/);
  const runs = await page.evaluate(() => window.playground.paths());
  assert.equal(runs[0].batch_loss.length, 40, 'mini-batch losses are recorded');
  assert.deepEqual(runs, trace({ ...sc, steps: 40 }), 'the command line replays the same path');
  assert.ok(await inked(page, 'scatter') > 2000, 'the scatter plot is drawn');
  await page.screenshot({ path: path.join(shots, 'data-linear.png'), fullPage: true });
  // A different seed gives a different path; the same seed the same one.
  const other = await page.evaluate((sc) => { const s = structuredClone(sc); s.runs[0].seed = 99; window.playground.load(s); window.playground.step(40); return window.playground.paths()[0].path; }, sc);
  assert.notDeepEqual(other, runs[0].path);
  const same = await page.evaluate((sc) => { window.playground.load(sc); window.playground.step(40); return window.playground.paths()[0].path; }, sc);
  assert.deepEqual(same, runs[0].path);
  await page.done();
});

test('every reference case, opened through a #scenario= link, matches in the page', async () => {
  const page = await open();
  const names = fs.readdirSync(golden).filter((f) => f.endsWith('.json')).sort();
  assert.ok(names.length >= 40);
  for (const name of names) {
    const g = JSON.parse(fs.readFileSync(path.join(golden, name), 'utf8'));
    const hash = scenarioLink(g.scenario);
    await page.evaluate((h) => { location.hash = h; }, hash);
    let loaded = false;
    for (let tries = 0; tries < 100 && !loaded; tries++) {
      loaded = isDeepStrictEqual(await page.evaluate(() => window.playground.scenario()), g.scenario);
      if (!loaded) await page.waitForTimeout(20);
    }
    assert.ok(loaded, `${name}: the link's scenario is loaded`);
    const runs = await page.evaluate((n) => { window.playground.step(n); return window.playground.paths(); }, g.scenario.steps);
    assert.equal(runs.length, g.expected.paths.length, name);
    runs.forEach((r, i) => {
      assert.equal(r.diverged_at, g.expected.diverged_at[i], `${name} run ${i} diverged_at`);
      assert.equal(r.path.length, g.expected.paths[i].length, `${name} run ${i} length`);
      r.path.forEach((p, j) => p.forEach((v, c) => assert.ok(close(v, g.expected.paths[i][j][c]), `${name} run ${i} point ${j}`)));
    });
  }
  await page.done();
});

// ------------------------------------------------------------------ hardening (issue 8)

test('links with values near the limit of f64 open, draw clamped charts, and the page answers', { timeout: 60000 }, async () => {
  const cases = [
    // A constant loss of −1.7e308: its chart's range used to be padded to −∞.
    { surface: { expr: '-1.7e308+0*x' }, start: [0, 0], steps: 20, runs: [{ optimizer: { name: 'gd', lr: 0.1 } }] },
    // exp(x) at 709.7: losses near 1.6e308 with a tiny rate.
    { surface: { expr: 'exp(x)' }, start: [709.7, 0], steps: 20, runs: [{ optimizer: { name: 'gd', lr: 1e-300 } }] },
    // A rate of 1.7e308 on a flat surface.
    { surface: { expr: '0*x + 1' }, start: [0, 0], steps: 20, runs: [{ optimizer: { name: 'gd', lr: 1.7e308 } }] },
  ];
  for (const sc of cases) {
    const page = await open(scenarioLink(sc));
    assert.deepEqual(await page.evaluate(() => window.playground.scenario()), sc, 'the link opened');
    await page.click('#stepbtn');
    const runs = await page.evaluate(() => { window.playground.step(1); return window.playground.paths(); });
    assert.equal(runs[0].path.length, 3, 'Step and step(1) both answered');
    await page.evaluate(() => window.playground.step(20));
    await page.waitForTimeout(50);
    assert.ok(await inked(page, 'loss') > 500, 'the loss chart is drawn');
    assert.ok(await inked(page, 'lr') > 500, 'the learning-rate chart is drawn');
    assert.ok(await inked(page, 'map') > 10000, 'the map is drawn');
    await page.done();
  }
});

test('a failing load() never poisons the page: each throws a clear error and a normal load works after it', async () => {
  const page = await open();
  const ok = { surface: { name: 'booth' }, start: [-6, -8], steps: 10, runs: [{ optimizer: { name: 'adam', lr: 0.1 } }] };
  const errors = await page.evaluate((ok) => {
    const attempts = {
      getter: () => { const o = structuredClone(ok); Object.defineProperty(o, 'steps', { enumerable: true, get() { throw new Error('boom'); } }); return o; },
      proxy: () => new Proxy(structuredClone(ok), { get(t, k) { if (k === 'runs') throw new Error('trap'); return t[k]; }, ownKeys(t) { return Reflect.ownKeys(t); }, getOwnPropertyDescriptor(t, k) { return Reflect.getOwnPropertyDescriptor(t, k); } }),
      deep: () => { const o = structuredClone(ok); let x = o.runs[0].optimizer; for (let i = 0; i < 100000; i++) { x.inner = {}; x = x.inner; } return o; },
      cycle: () => { const o = structuredClone(ok); o.inner = o; return o; },
      bigint: () => ({ ...structuredClone(ok), steps: 10n }),
      undefined: () => undefined,
    };
    const out = {};
    for (const [name, make] of Object.entries(attempts)) {
      try { window.playground.load(make()); out[name] = null; } catch (e) { out[name] = e.message; }
      // After each failure: a normal load, a step and the paths.
      window.playground.load(ok);
      window.playground.step(3);
      out[name + ' then'] = window.playground.paths()[0].path.length;
    }
    return out;
  }, ok);
  for (const name of ['getter', 'proxy', 'deep', 'cycle', 'bigint', 'undefined']) {
    assert.ok(typeof errors[name] === 'string' && errors[name].length > 0, `${name}: ${errors[name]}`);
    assert.doesNotMatch(errors[name], /recursive use|unreachable/, name);
    assert.equal(errors[name + ' then'], 4, `${name}: the page works after it`);
  }
  await page.done();
});

test('numbers are read exactly: load(obj), its share link and the command line give the same bits', async () => {
  const sc = { surface: { name: 'rastrigin' }, start: [2.2, -1.7], steps: 2000, runs: [{ optimizer: { name: 'momentum', lr: 0.012546558280276739 } }] };
  const want = trace(sc);
  const page = await open();
  const viaLoad = await page.evaluate((sc) => { window.playground.load(sc); window.playground.step(sc.steps); return window.playground.paths(); }, sc);
  assert.deepEqual(viaLoad, want, 'load(obj) = command line');
  await page.done();
  const linked = await open(scenarioLink(sc));
  const viaLink = await linked.evaluate((n) => { window.playground.step(n); return window.playground.paths(); }, sc.steps);
  assert.deepEqual(viaLink, want, 'share link = command line');
  // The same number written two ways is the same number.
  const spelled = JSON.stringify(sc).replace('0.012546558280276739', '0.0125465582802767390');
  const respelled = await linked.evaluate((t) => { window.playground.load(JSON.parse(t)); window.playground.step(10); return window.playground.paths()[0].path; }, spelled);
  assert.deepEqual(respelled, want[0].path.slice(0, 11));
  // A start set by clicking on the map reopens from its link to the same bits.
  const box = await linked.locator('#overlay').boundingBox();
  await linked.mouse.click(box.x + box.width * 0.37, box.y + box.height * 0.61);
  await linked.waitForFunction(() => window.playground.scenario().start[0] !== 2.2);
  const clicked = await linked.evaluate(() => window.playground.scenario());
  const url = linked.url().split('#')[0] + '#scenario=' + encodeURIComponent(await linked.evaluate(() => window.playground._app.scenario_json()));
  await linked.done();
  const reopened = await open(url.slice(url.indexOf('#')));
  assert.deepEqual(await reopened.evaluate(() => window.playground.scenario().start), clicked.start);
  await reopened.done();
});

test('a heavy scenario slows down instead of freezing: no frame blocks longer than the budget', { timeout: 120000 }, async () => {
  const page = await open();
  await page.evaluate(() => {
    window.__long = [];
    new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__long.push(e.duration); }).observe({ type: 'longtask', buffered: false });
  });
  const runs = Array.from({ length: 32 }, (_, i) => ({ optimizer: { name: 'newton', damping: 0.1 + 0.01 * i } }));
  const sc = { data: { kind: 'logistic', n: 2000, noise: 0.5, seed: 1 }, start: [-1, 1], steps: 3000, runs };
  await page.evaluate((sc) => window.playground.load(sc), sc);
  // The highest speed, playing for two seconds through the page's own animation frames.
  await page.evaluate(() => { const a = window.playground._app; a.set_speed(1000); a.set_playing(true); });
  await page.waitForTimeout(2000);
  const state = await page.evaluate(() => {
    const a = window.playground._app;
    a.set_playing(false);
    return { its: Number(a.iterations()), real: Number(a.last_frame_iterations()), shown: document.getElementById('speed-out').textContent, long: window.__long };
  });
  const worst = Math.max(0, ...state.long);
  console.log(`  32 Newton runs on 2,000 points at 1000 it/frame: ${state.its} iterations in 2 s, last frame ${state.real} it, speed shows "${state.shown}", ${state.long.length} long tasks, longest ${worst.toFixed(0)} ms`);
  assert.ok(state.its > 0 && state.its < 3000, `it slowed down (${state.its} iterations)`);
  assert.match(state.shown, /^1000 \(now [\d.]+\)$/, 'the speed says how many iterations a frame really runs');
  // Long tasks are those over 50 ms; a frame's stepping budget is 10 ms, its drawing a few more,
  // and on a quiet machine no task reaches 60 ms. The bound is wall-clock time, which a busy
  // machine stretches (a lone clone beside a busy loop saw 130 ms); a frame that ignored the
  // budget would step 1000 iterations of 32 Newton runs on 2,000 points, over a second.
  assert.ok(worst < 250, `longest task ${worst} ms`);
  // The page still answers at once.
  assert.equal(await page.evaluate(() => window.playground.paths().length), 32);
  await page.done();
});

// ------------------------------------------------------------------ rough edges (issue 9)

test('every entry of the Add menu can be added on every surface, and its link reopens to the same scenario', { timeout: 120000 }, async () => {
  const page = await open();
  const surfaces = await page.evaluate(() => [...document.querySelectorAll('#surface option')].map((o) => o.value).filter((v) => v !== '__expr'));
  const kinds = await page.evaluate(() => [...document.querySelectorAll('#add-kind option')].map((o) => o.value));
  assert.ok(surfaces.length >= 18 && kinds.length >= 18, `${surfaces.length} surfaces, ${kinds.length} optimizers`);
  const links = [];
  for (const surface of surfaces) {
    await page.selectOption('#surface', surface);
    for (const kind of kinds) {
      await page.selectOption('#add-kind', kind);
      await page.click('#add');
    }
    assert.equal(await page.locator('#message.error').isVisible(), false, `${surface}: ${await page.textContent('#message-text')}`);
    const sc = await page.evaluate(() => window.playground.scenario());
    assert.equal(sc.runs.length, 4 + kinds.length, surface);
    await page.click('#share');
    links.push([page.url().slice(page.url().indexOf('#')), sc]);
    await page.evaluate(() => window.playground.load(JSON.parse(JSON.stringify({ ...window.playground.scenario(), runs: window.playground.scenario().runs.slice(0, 4) }))));
  }
  await page.done();
  const again = await open();
  for (const [hash, sc] of links) {
    await again.evaluate((h) => { location.hash = h; }, hash);
    await again.waitForFunction((n) => window.playground.scenario().runs.length === n, sc.runs.length);
    assert.deepEqual(await again.evaluate(() => window.playground.scenario()), sc);
  }
  await again.done();
});

test('rough edges: colours, the usage hint, the charts row, Play at the end, dismissible errors', async () => {
  const page = await open();
  // Runs without a colour get the colour the map draws them in, on their cards too, and no two
  // of 32 runs share one.
  await page.evaluate(() => {
    const runs = Array.from({ length: 32 }, (_, i) => ({ optimizer: { name: 'gd', lr: 0.001 * (1 + i / 10) } }));
    window.playground.load({ surface: { name: 'booth' }, start: [-6, -8], steps: 20, runs });
  });
  const cards = await page.evaluate(() => [...document.querySelectorAll('.run')].map((c) => c.style.getPropertyValue('--run')));
  const drawn = await page.evaluate(() => JSON.parse(window.playground._app.readouts_json()).map((r) => r.color));
  assert.deepEqual(cards, drawn);
  assert.equal(new Set(cards).size, 32);
  // The usage hint reads on any map: light text on a dark pill.
  const hint = await page.evaluate(() => getComputedStyle(document.querySelector('.map-hint')).backgroundColor);
  assert.match(hint, /rgba\(15, 18, 30, 0\.6/);
  // No data set: no scatter plot and no empty band under the charts.
  const band = await page.evaluate(() => { const r = document.querySelector('.chart-row').getBoundingClientRect(); return r.height; });
  assert.ok(band < 260, `charts row ${band} px high`);
  // Play at the end replays the timeline from the first step.
  await page.evaluate(() => window.playground.step(20));
  const replay = await page.evaluate(() => { document.getElementById('play').click(); const a = window.playground._app; return [a.playing(), Number(a.cursor())]; });
  assert.deepEqual(replay, [true, 0], 'Play at the end plays from the first step');
  await page.waitForFunction(() => !window.playground._app.playing());
  assert.equal(await page.evaluate(() => Number(window.playground._app.cursor())), 20);
  assert.match(await page.textContent('#stepcount'), /^step 20 \//);
  // An error stays until dismissed, with its ✕ or Escape.
  await page.fill('#limit', '0');
  await page.press('#limit', 'Enter');
  assert.ok(await page.locator('#message').isVisible());
  await page.waitForTimeout(4500);
  assert.ok(await page.locator('#message').isVisible(), 'an error stays');
  await page.click('#message-close');
  assert.equal(await page.locator('#message').isVisible(), false);
  await page.fill('#limit', '-5');
  await page.press('#limit', 'Enter');
  assert.ok(await page.locator('#message').isVisible());
  await page.locator('#overlay').focus();
  await page.keyboard.press('Escape');
  assert.equal(await page.locator('#message').isVisible(), false);
  await page.done();
});

// ------------------------------------------------------------------ the page as a teacher

const lessonsDir = path.join(root, 'www/lessons');
const lessonIndex = () => JSON.parse(fs.readFileSync(path.join(lessonsDir, 'index.json'), 'utf8')).lessons;

test('every lesson and scene loads, plays and shows its text; keys 1–9 open the first nine', { timeout: 180000 }, async () => {
  const lessons = lessonIndex();
  assert.ok(lessons.length >= 9, 'at least nine lessons');
  const page = await open();
  for (const [i, l] of lessons.entries()) {
    for (const [k, scene] of l.scenes.entries()) {
      await page.evaluate(([i, k]) => window.playground.openLesson(i, k), [i, k]);
      // The scene is its file: the page's runs are the command line's, to the bit.
      const file = JSON.parse(fs.readFileSync(path.join(lessonsDir, scene.scenario), 'utf8'));
      const want = trace(file);
      await page.evaluate((n) => window.playground.step(n), file.steps);
      const got = await page.evaluate(() => window.playground.paths());
      assert.deepEqual(got.map((r) => r.path), want.map((r) => r.path), `${l.id} scene ${k + 1}: the scenario is the file`);
      await page.evaluate(() => window.playground._app.set_cursor(0));
      assert.equal(await page.textContent('#lesson-title'), `${i + 1}. ${l.title}`);
      assert.equal(await page.textContent('#lesson-text'), scene.text);
      assert.equal(await page.textContent('#lesson-watch'), scene.watch);
      assert.equal(await page.evaluate(() => window.playground._app.x_axis()), scene.axis || 'steps');
      assert.ok(page.url().includes('#lesson=' + encodeURIComponent(l.id)), 'the address names the lesson');
      await page.evaluate(() => window.playground.step(60));
      const paths = await page.evaluate(() => window.playground.paths());
      assert.ok(paths.every((p) => p.path.length > 1), `${l.id} scene ${k + 1}: every run moved`);
      assert.ok(await inked(page, 'overlay') > 200, `${l.id}: trajectories drawn`);
    }
  }
  // Keys 1–9 (focus on the page, not in a field).
  for (const [i, l] of lessons.slice(0, 9).entries()) {
    await page.click('#surface-title');
    await page.keyboard.press(String(i + 1));
    await page.waitForFunction((t) => document.getElementById('lesson-title').textContent === t, `${i + 1}. ${l.title}`);
  }
  // A lesson link opens the lesson.
  const last = lessons.at(-1);
  const p2 = await open('#lesson=' + encodeURIComponent(last.id));
  await p2.waitForFunction((t) => document.getElementById('lesson-title').textContent === t, `${lessons.length}. ${last.title}`);
  await p2.done();
  await page.done();
});

test('every documented key works', { timeout: 60000 }, async () => {
  const page = await open();
  const app = (expr) => page.evaluate(`window.playground._app.${expr}`);
  const view = () => app('view()').then((v) => Array.from(v));
  const width = (v) => v[1] - v[0];
  const press = async (key) => { await page.click('#surface-title'); await page.keyboard.press(key); await page.waitForTimeout(80); };
  const multi = lessonIndex().findIndex((l) => l.scenes.length > 1);
  const checks = {
    'Space': async () => { await press('Space'); assert.equal(await app('playing()'), true); await press('Space'); assert.equal(await app('playing()'), false); },
    '→': async () => {
      const c = Number(await app('cursor()')); await press('ArrowRight'); await page.waitForTimeout(100); assert.equal(Number(await app('cursor()')), c + 1);
      // Scrubbed back, it moves along the timeline.
      await page.evaluate(() => window.playground.step(10));
      const n = Number(await app('iterations()'));
      await press('Home'); await press('ArrowRight'); await press('ArrowRight');
      assert.equal(Number(await app('cursor()')), 2); assert.equal(Number(await app('iterations()')), n);
    },
    '←': async () => { await page.evaluate(() => window.playground.step(10)); const c = Number(await app('cursor()')); await press('ArrowLeft'); assert.equal(Number(await app('cursor()')), c - 1); },
    'Home': async () => { await press('Home'); assert.equal(Number(await app('cursor()')), 0); },
    'End': async () => { await press('End'); assert.equal(Number(await app('cursor()')), Number(await app('iterations()'))); },
    '+': async () => { const a = width(await view()); await press('+'); assert.ok(width(await view()) < a * 0.9); },
    '−': async () => { const a = width(await view()); await press('-'); assert.ok(width(await view()) > a * 1.1); },
    '0': async () => { await press('+'); await press('0'); const v = await view(); await press('0'); assert.deepEqual(await view(), v); await press('+'); assert.notDeepEqual(await view(), v); await press('0'); assert.deepEqual(await view(), v); },
    'R': async () => { await page.evaluate(() => window.playground.step(20)); await press('r'); assert.equal(Number(await app('iterations()')), 0); },
    'I': async () => { await press('i'); assert.equal(await app('show_inner()'), true); assert.equal(await page.isVisible('#inner-text'), true); await press('i'); assert.equal(await app('show_inner()'), false); },
    'X': async () => { assert.equal(await app('x_axis()'), 'steps'); await press('x'); assert.equal(await app('x_axis()'), 'evals'); await press('x'); assert.equal(await app('x_axis()'), 'steps'); },
    '1…9': async () => { await press('2'); assert.match(await page.textContent('#lesson-title'), /^2\. /); },
    'Page Down': async () => { await press(String(multi + 1)); await page.waitForTimeout(200); await press('PageDown'); await page.waitForFunction(() => /scene 2 of/.test(document.getElementById('scene-count').textContent)); },
    'Page Up': async () => {
      await press('PageUp'); await page.waitForFunction(() => /scene 1 of/.test(document.getElementById('scene-count').textContent));
      // Across lessons: back from lesson 2's first scene to lesson 1, forward again.
      await press('2'); await page.waitForFunction(() => /^2\. /.test(document.getElementById('lesson-title').textContent));
      await press('PageUp'); await page.waitForFunction(() => /^1\. /.test(document.getElementById('lesson-title').textContent));
      await press('PageDown'); await page.waitForFunction(() => /^2\. /.test(document.getElementById('lesson-title').textContent));
    },
    'P': async () => { await press('p'); assert.equal(await page.evaluate(() => document.body.classList.contains('present')), true); assert.equal(await app('emphasis()'), 1.75); await press('p'); assert.equal(await app('emphasis()'), 1); },
    'F': async () => { await press('f'); await page.waitForTimeout(200); assert.equal(await page.evaluate(() => !!document.fullscreenElement), true); await press('f'); await page.waitForTimeout(200); assert.equal(await page.evaluate(() => !!document.fullscreenElement), false); },
    '?': async () => { await press('?'); assert.equal(await page.isVisible('#help'), true); },
    'Esc': async () => { await page.keyboard.press('Escape'); assert.equal(await page.isVisible('#help'), false); },
  };
  // The help lists exactly the keys checked here: a key added without a check fails.
  await press('?');
  const listed = await page.$$eval('#help-keys tr td:first-child', (tds) => tds.map((td) => td.textContent.replace(/\s+/g, '')));
  await page.keyboard.press('Escape');
  assert.deepEqual(listed.sort(), Object.keys(checks).map((k) => k.replace(/\s+/g, '')).sort());
  for (const [key, check] of Object.entries(checks)) {
    try { await check(); } catch (e) { throw new Error(`key ${key}: ${e.message}`); }
  }
  await page.done();
});

test('presentation mode scales type and lines, folds the runs into a drawer, and survives forced colours', { timeout: 60000 }, async () => {
  const page = await open('', { width: 1920, height: 1080 });
  const size = (sel) => page.$eval(sel, (e) => parseFloat(getComputedStyle(e).fontSize));
  const before = { body: await size('.playbar'), head: await size('.top h1') };
  await page.click('#present');
  assert.equal(await page.getAttribute('#present', 'aria-pressed'), 'true');
  assert.ok(await size('.playbar') >= 1.3 * before.body, 'larger type');
  assert.ok(await size('.top h1') >= 1.3 * before.head, 'larger title');
  assert.equal(await page.isVisible('#runs-panel'), false, 'runs folded');
  await page.click('#runs-toggle');
  assert.equal(await page.isVisible('#runs-panel'), true, 'the drawer opens');
  await page.click('#runs-toggle');
  await page.evaluate(() => window.playground.openLesson(0));
  await page.evaluate(() => window.playground.step(100));
  await page.waitForTimeout(150);
  await page.screenshot({ path: path.join(shots, 'present-1920x1080.png') });
  // Forced colours: the runs' own colours stay on the map.
  await page.emulateMedia({ forcedColors: 'active' });
  await page.waitForTimeout(100);
  const colours = await page.evaluate(() => window.playground.scenario().runs.map((r) => r.color).filter(Boolean));
  const found = await page.evaluate((colours) => {
    const c = document.getElementById('overlay');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const rgb = colours.map((h) => [1, 3, 5].map((j) => parseInt(h.slice(j, j + 2), 16)));
    return rgb.map((want) => {
      for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - want[0]) + Math.abs(d[i + 1] - want[1]) + Math.abs(d[i + 2] - want[2]) < 12) return true;
      return false;
    });
  }, colours);
  assert.ok(found.every(Boolean), `every run's colour is on the map: ${found}`);
  const filter = await page.$eval('#overlay', (e) => getComputedStyle(e).forcedColorAdjust);
  assert.equal(filter, 'none');
  await page.screenshot({ path: path.join(shots, 'present-forced-colors.png') });
  await page.emulateMedia({ forcedColors: 'none', reducedMotion: 'reduce' });
  const t = await page.$eval('.btn', (e) => getComputedStyle(e).transitionDuration);
  assert.equal(t, '0s');
  await page.done();
});

test('the narration says when a run diverges and when a loss level is reached', async () => {
  const sc = {
    surface: { name: 'rosenbrock' }, start: [-1.5, 2], steps: 200,
    runs: [{ optimizer: { name: 'gd', lr: 0.01 } }, { optimizer: { name: 'bfgs' }, label: 'BFGS' }],
  };
  const [gd, bfgs] = trace(sc);
  const page = await open(scenarioLink(sc));
  assert.equal(await page.getAttribute('#narration', 'aria-live'), 'polite');
  await page.click('#play');
  await page.waitForFunction(() => window.playground._app.iterations() >= 200, null, { timeout: 20000 });
  await page.waitForTimeout(300);
  const said = await page.textContent('#narration');
  const k = bfgs.loss.findIndex((l) => l <= 1e-9);
  assert.match(said, new RegExp(`BFGS reached loss 1e−9 at step ${k}`));
  // Scrubbing back and forward again says the divergence again.
  const scrub = (v) => page.$eval('#timeline', (e, v) => { e.value = v; e.dispatchEvent(new Event('input')); }, String(v));
  await scrub(2);
  await page.waitForTimeout(200);
  await scrub(gd.diverged_at + 1);
  await page.waitForTimeout(200);
  assert.match(await page.textContent('#narration'), new RegExp(`gd diverged at step ${gd.diverged_at}`));
  await page.done();
});

test('each card shows its optimizer\'s update rule and sentence; data surfaces offer an epochs axis', async () => {
  const catalog = JSON.parse(execFileSync(cli, ['catalog']).toString());
  const page = await open();
  const cards = await page.$$eval('.run', (cs) => cs.map((c) => ({ rule: c.querySelector('.rule')?.textContent, what: c.querySelector('.what')?.textContent })));
  const sc = await page.evaluate(() => window.playground.scenario());
  for (const [i, r] of sc.runs.entries()) {
    const info = catalog.optimizers.find((o) => o.name === r.optimizer.name);
    assert.equal(cards[i].rule, info.rule);
    assert.equal(cards[i].what, info.summary);
  }
  assert.equal(await page.isVisible('#x-epochs'), false);
  await page.selectOption('#surface', '__data:linear');
  assert.equal(await page.isVisible('#x-epochs'), true);
  await page.click('#x-epochs');
  assert.equal(await page.evaluate(() => window.playground._app.x_axis()), 'epochs');
  assert.equal(await page.getAttribute('#x-epochs', 'aria-pressed'), 'true');
  await page.selectOption('#surface', 'himmelblau');
  assert.equal(await page.isVisible('#x-epochs'), false);
  assert.equal(await page.evaluate(() => window.playground._app.x_axis()), 'steps');
  await page.done();
});

test('inside the optimizer: the selected run\'s step drawn on the map, its numbers beside it', async () => {
  const sc = {
    surface: { expr: 'x^2 - y^2 + y^4/4' }, start: [0.8, 0.3], steps: 30,
    runs: [{ optimizer: { name: 'momentum', lr: 0.05, momentum: 0.9 }, clip: { norm: 0.5 } }, { optimizer: { name: 'newton' } }, { optimizer: { name: 'bfgs', line_search: 'wolfe' } }],
  };
  const page = await open(scenarioLink(sc));
  await page.evaluate(() => window.playground.step(30));
  const scrub = (v) => page.$eval('#timeline', (e, v) => { e.value = v; e.dispatchEvent(new Event('input')); }, String(v));
  await scrub(3);
  const plain = await inked(page, 'overlay');
  await page.click('#inner');
  assert.equal(await page.getAttribute('#inner', 'aria-pressed'), 'true');
  await page.waitForTimeout(100);
  assert.ok(await inked(page, 'overlay') > plain + 200, 'the overlay draws more');
  const text = () => page.textContent('#inner-text');
  assert.match(await text(), /clip/i);
  // Selecting Newton's run: its model, and whether its Hessian is indefinite there.
  await page.click('.run:nth-child(2) .name');
  await page.waitForTimeout(100);
  assert.match(await text(), /Hessian/);
  await page.click('.run:nth-child(3) .name');
  await page.waitForTimeout(100);
  assert.match(await text(), /trial/);
  await page.screenshot({ path: path.join(shots, 'inner-1280x800.png') });
  await page.click('#inner');
  assert.equal(await page.isVisible('#inner-text'), false);
  await page.done();
});

test('stopping rules and a held-out split are set from the page and reach the engine', async () => {
  const sc = { data: { kind: 'linear', n: 40, seed: 3, noise: 2, features: 'standardized' }, start: [0, 0], steps: 400, runs: [{ optimizer: { name: 'gd', lr: 0.1 } }] };
  const page = await open(scenarioLink(sc));
  await page.click('#stop-rules summary');
  await page.fill('#stop-fields input[aria-label="‖∇L‖ below"]', '1e-3');
  await page.press('#stop-fields input[aria-label="‖∇L‖ below"]', 'Enter');
  const got = await page.evaluate(() => window.playground.scenario());
  assert.deepEqual(got.stop, { grad_tol: 0.001 });
  await page.evaluate(() => window.playground.step(400));
  const [run] = await page.evaluate(() => window.playground.paths());
  const [want] = trace({ ...sc, stop: { grad_tol: 0.001 } });
  assert.equal(run.stopped_at, want.stopped_at);
  assert.ok(run.stopped_at > 0 && run.stopped_at < 400, `stopped at ${run.stopped_at}`);
  assert.match(await page.textContent('.readout .status'), /stopped at step \d+ \(gradient norm below 0\.001\)/);
  // A bad value: a clear message naming the field, and nothing changes.
  await page.fill('#stop-fields input[aria-label="gradient evaluations"]', '-5');
  await page.press('#stop-fields input[aria-label="gradient evaluations"]', 'Enter');
  assert.match(await page.textContent('#message-text'), /stop\.max_evals/);
  assert.deepEqual((await page.evaluate(() => window.playground.scenario())).stop, { grad_tol: 0.001 });
  // Held out: the slider's value box; then early stopping is offered.
  assert.equal(await page.$('#stop-fields input[aria-label="no held-out gain for"]'), null);
  await page.fill('input[aria-label="held out value"]', '0.25');
  await page.press('input[aria-label="held out value"]', 'Enter');
  assert.equal((await page.evaluate(() => window.playground.scenario())).data.validation, 0.25);
  assert.ok(await page.$('#stop-fields input[aria-label="no held-out gain for"]'));
  await page.evaluate(() => window.playground.step(50));
  const [r2] = await page.evaluate(() => window.playground.paths());
  assert.equal(r2.val_loss.length, r2.path.length);
  await page.done();
});
