// "Learn to optimize": the view meta-trains a fresh learned optimizer in a Web Worker while the
// page stays responsive (the meta-loss falls, pause/resume/reset work, input is answered
// promptly), it fits a phone, and `learned` is an ordinary run of the normal view whose path is
// `trace`'s. Run: node --test www/tests/learn.test.mjs (after `bash www/scripts/build.sh` and
// `cargo build --bin optimizer-playground`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { root, shots, usePage, trace } from './helpers.mjs';

const { open } = usePage();

const curve = (page) => page.evaluate(() => ({
  text: document.getElementById('learn-status').textContent,
  value: Number(document.getElementById('learn-bar').value),
}));
const iteration = async (page) => (await curve(page)).value;

test('the view meta-trains while the page answers input; pause, resume and reset', async () => {
  const page = await open();
  await page.click('#learn-open');
  assert.ok(await page.locator('#learn').isVisible());
  // Ready, untrained: the status names the untrained meta-loss.
  await page.waitForFunction(() => /Ready/.test(document.getElementById('learn-status').textContent));
  const surfaces = await page.locator('#learn-surface option').count();
  assert.equal(surfaces, 4, 'one held-out surface of each kind');
  // A short training: 80 iterations (a few seconds).
  await page.fill('#learn-iterations', '80');
  await page.click('#learn-reset');
  await page.waitForFunction(() => /Ready: iteration 0 of 80/.test(document.getElementById('learn-status').textContent));
  await page.click('#learn-run');
  assert.equal(await page.textContent('#learn-run'), 'Pause');

  // While it trains, the page's thread is free: timers fire on time and a key press on the
  // surface menu is handled at once.
  const gaps = await page.evaluate(() => new Promise((resolve) => {
    let last = performance.now(); let worst = 0; let n = 0;
    const tick = () => {
      const now = performance.now(); worst = Math.max(worst, now - last); last = now;
      if (++n < 40) setTimeout(tick, 10); else resolve(worst);
    };
    setTimeout(tick, 10);
  }));
  assert.ok(gaps < 200, `the page's thread stalled ${gaps.toFixed(0)} ms while training`);
  await page.focus('#learn-surface');
  const t0 = await page.evaluate(() => performance.now());
  await page.keyboard.press('ArrowDown');
  const answered = await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => resolve(performance.now()))));
  assert.equal(await page.inputValue('#learn-surface'), '1', 'the key changed the surface');
  assert.ok(answered - t0 < 500, `answered after ${(answered - t0).toFixed(0)} ms`);

  // Pause: the iterations stop advancing.
  await page.waitForFunction(() => Number(document.getElementById('learn-bar').value) >= 2);
  await page.click('#learn-run');
  await page.waitForFunction(() => /Paused/.test(document.getElementById('learn-status').textContent));
  const paused = await iteration(page);
  await page.waitForTimeout(600);
  assert.equal(await iteration(page), paused, 'no progress while paused');
  assert.equal(await page.textContent('#learn-run'), 'Resume');
  // Resume to the end: the meta-loss fell.
  await page.click('#learn-run');
  await page.waitForFunction(() => /Done/.test(document.getElementById('learn-status').textContent), null, { timeout: 60000 });
  const done = await curve(page);
  assert.equal(done.value, 80);
  const [, now, before] = done.text.match(/meta-loss (-?[\d.]+) \(untrained (-?[\d.]+)\)/).map(Number);
  assert.ok(now < before - 0.3, `meta-loss ${before} → ${now}`);
  // The map and the curve are drawn.
  const inked = await page.evaluate(() => ['learn-curve', 'learn-map'].map((id) => {
    const c = document.getElementById(id);
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && !(d[i] > 245 && d[i + 1] > 245 && d[i + 2] > 245)) n++;
    return n;
  }));
  assert.ok(inked[0] > 200 && inked[1] > 5000, `inked ${inked}`);
  await page.screenshot({ path: path.join(shots, 'learn.png') });
  // Reset: a fresh network, back to iteration 0 with the untrained meta-loss.
  await page.click('#learn-reset');
  await page.waitForFunction(() => /Ready: iteration 0 of 80/.test(document.getElementById('learn-status').textContent));
  assert.match((await curve(page)).text, new RegExp(`meta-loss ${before.toFixed(3)}`));
  // Escape closes the view; the page's shortcuts did not fire while it was open.
  await page.keyboard.press('Escape');
  assert.ok(!(await page.locator('#learn').isVisible()));
  await page.done();
});

test('a bad setting is a message, not a crash', async () => {
  const page = await open();
  await page.click('#learn-open');
  await page.fill('#learn-iterations', '0');
  await page.click('#learn-reset');
  await page.waitForFunction(() => /iterations: must be an integer from 1 to 100000/.test(document.getElementById('learn-status').textContent));
  await page.done();
});

test('the view fits a phone 390 px wide', async () => {
  const page = await open('', { width: 390, height: 844 }, { hasTouch: true, isMobile: true, deviceScaleFactor: 2 });
  await page.click('#learn-open');
  await page.waitForFunction(() => /Ready/.test(document.getElementById('learn-status').textContent));
  const box = await page.evaluate(() => {
    const out = [];
    for (const e of document.querySelectorAll('#learn *')) {
      const r = e.getBoundingClientRect();
      if (r.width && (r.left < -0.5 || r.right > window.innerWidth + 0.5)) out.push(e.id || e.tagName);
    }
    return out;
  });
  assert.deepEqual(box, []);
  await page.screenshot({ path: path.join(shots, 'learn-390.png') });
  await page.done();
});

test('learned is a run of the normal view, and its path is trace\'s', async () => {
  const page = await open();
  await page.selectOption('#add-kind', 'learned');
  await page.click('#add');
  const sc = await page.evaluate(() => window.playground.scenario());
  assert.equal(sc.runs.at(-1).optimizer.name, 'learned');
  const got = await page.evaluate((sc) => { window.playground.load(sc); window.playground.step(sc.steps); return window.playground.paths(); }, sc);
  assert.deepEqual(got, trace(sc));
  // On an expression too, with a schedule, clipping and L2.
  const sc2 = { surface: { expr: '0.5*((x - 0.3)^2 + 20*(y + 0.2)^2)' }, start: [-1.5, 1], steps: 120,
    runs: [{ optimizer: { name: 'learned', lr: 0.7 }, schedule: { name: 'cosine', t_max: 120 }, clip: { norm: 2 }, l2: 0.01 }] };
  const got2 = await page.evaluate((sc) => { window.playground.load(sc); window.playground.step(sc.steps); return window.playground.paths(); }, sc2);
  assert.deepEqual(got2, trace(sc2));
  await page.done();
});

test('meta-training in the page reproduces the shipped weights bit for bit', async () => {
  const src = fs.readFileSync(path.join(root, 'src/optim/learned_weights.rs'), 'utf8');
  const shipped = src.split('\n').filter((l) => /^ {4}-?[\d.e-]+,$/.test(l)).map((l) => Number(l.trim().slice(0, -1)));
  assert.equal(shipped.length, 129);
  const page = await open();
  const got = await page.evaluate(() => new Promise((resolve, reject) => {
    const w = new Worker(new URL('www/learn-worker.js', location.href), { type: 'module' });
    w.onmessage = (e) => {
      if (e.data.type === 'error') reject(new Error(e.data.message));
      if (e.data.type === 'progress' && e.data.done) { resolve(Array.from(e.data.weights)); w.terminate(); }
    };
    w.postMessage({ cmd: 'start', seed: 1, iterations: 150, run: true });
  }));
  assert.equal(got.length, shipped.length);
  got.forEach((v, i) => assert.ok(Object.is(v, shipped[i]), `weight ${i}: ${v} ≠ ${shipped[i]}`));
  await page.done();
});
