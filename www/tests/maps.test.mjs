// End-to-end tests of the Maps panel (www/maps.js, www/maps-worker.js): the hyperparameter map
// and the basins appear coarse at once and refine, computed in a worker while the page keeps
// answering input; a click on a pixel sets the run's hyperparameters or the start; the map
// follows the surface. Run after `bash www/scripts/build.sh` and a native `cargo build`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { shots, usePage, scenarioLink, inked, cli } from './helpers.mjs';

const { open } = usePage();

const HIMMELBLAU = {
  surface: { name: 'himmelblau' }, start: [0.5, -0.5], steps: 200,
  runs: [{ optimizer: { name: 'adam', lr: 0.05 } }],
};

const state = (page) => page.evaluate(() => window.playground.mapState());

// Waits until the map shown has `size` pixels across (and is of `kind`).
async function shownAt(page, size, kind) {
  await page.waitForFunction(([n, k]) => {
    const s = window.playground.mapState().shown;
    return s && s.size[0] === n && s.kind === k;
  }, [size, kind], { timeout: 60000 });
}

// The position ∈ [0, 1] of value v along a map axis.
const position = (axis, v) => axis.log
  ? (Math.log10(v) - Math.log10(axis.min)) / (Math.log10(axis.max) - Math.log10(axis.min))
  : (v - axis.min) / (axis.max - axis.min);

test('the hyperparameter map appears coarse at once, refines, and a click sets the sliders', async (t) => {
  const page = await open(scenarioLink(HIMMELBLAU));
  await page.click('#maps-hyper');
  await shownAt(page, 32, 'hyper');
  const first = await state(page);
  t.diagnostic(`coarse 32×32 map shown ${first.times[32].since.toFixed(0)} ms after the click (computed in ${first.times[32].compute.toFixed(0)} ms)`);
  // Not blank: most of the canvas is the map's colours; the canvas is its box at the density.
  const size = await page.evaluate(() => { const c = document.getElementById('maps-canvas'); return [c.width, c.height, c.clientWidth, c.clientHeight]; });
  assert.equal(size[0], size[2]);
  assert.equal(size[1], size[3]);
  assert.ok(await inked(page, 'maps-canvas') > 0.4 * size[0] * size[1], 'the map is drawn');
  // It refines to 256 × 256 without being asked again.
  await shownAt(page, 256, 'hyper');
  const done = await state(page);
  for (const n of [64, 128, 256]) assert.ok(done.times[n], `a ${n}×${n} map was shown`);
  t.diagnostic(`in the page: 128×128 in ${done.times[128].compute.toFixed(0)} ms, 256×256 in ${done.times[256].compute.toFixed(0)} ms (200-step Adam on Himmelblau)`);
  t.diagnostic(`the page's thread took ${done.times[256].main.toFixed(1)} ms to show the 256×256 map`);
  await page.screenshot({ path: path.join(shots, 'maps-hyper.png'), fullPage: true });

  // The grid through window.playground, at a small size: the command line's numbers.
  const grid = await page.evaluate(() => window.playground.map('hyper', 'lr,beta2', { size: 32, tol: 0.001 }));
  assert.equal(grid.width, 32);
  assert.equal(grid.loss.length, 32 * 32);
  assert.equal(grid.x.name, 'lr');
  assert.equal(grid.y.name, 'beta2');
  const sc = await page.evaluate(() => window.playground.scenario());
  const native = JSON.parse(execFileSync(cli, ['map', '-', '--params', 'lr,beta2', '--size', '32x32', '--tol', '0.001'], { input: JSON.stringify(sc) }).toString());
  assert.deepEqual(grid, native, 'the page\'s map is the command line\'s');

  // A click on a pixel sets the run's two hyperparameters to the pixel's centre, through the
  // sliders' path: the scenario and the run card show them.
  await page.locator('#maps-canvas').scrollIntoViewIfNeeded();
  const box = await page.locator('#maps-canvas').boundingBox();
  await page.mouse.click(box.x + box.width * 0.35, box.y + box.height * 0.5);
  const after = await page.evaluate(() => window.playground.scenario().runs[0].optimizer);
  assert.notEqual(after.lr, 0.05);
  for (const [axis, v] of [[grid.x, after.lr], [grid.y, after.beta2]]) {
    const u = position(axis, v) * 32 - 0.5;
    assert.ok(Math.abs(u - Math.round(u)) < 1e-6, `${axis.name} = ${v} is a pixel's centre`);
  }
  const shownLr = await page.locator('#runs input[aria-label="learning rate η value"]').inputValue();
  assert.equal(Number(shownLr.replace('−', '-')).toPrecision(3), after.lr.toPrecision(3));
  // The hover read-out names the values under the pointer.
  await page.mouse.move(box.x + box.width * 0.35, box.y + box.height * 0.5);
  assert.match(await page.locator('#maps-hover').textContent(), /learning rate η = .* · β₂ = .* · L = /);
  await page.done();
});

test('the page answers input within 100 ms while a map computes', async (t) => {
  // Runs long enough (256×256 of 5000 steps: several seconds) that the map is still computing
  // when the test has pressed its keys and counted its frames, on a fast machine too.
  const page = await open(scenarioLink({ ...HIMMELBLAU, steps: 5000 }));
  await page.evaluate(() => {
    window.__lag = [];
    window.addEventListener('keydown', (e) => window.__lag.push(performance.now() - e.timeStamp));
  });
  await page.click('#maps-hyper');
  await shownAt(page, 32, 'hyper');
  let presses = 0;
  const before = Number(await page.evaluate(() => window.playground.paths()[0].path.length));
  for (let i = 0; i < 8; i++) {
    assert.ok((await state(page)).computing, 'the map is still computing');
    // A key, and a button whose work is the page's own (a step of the run).
    await page.keyboard.press('Shift');
    presses++;
    const t0 = Date.now();
    await page.click('#stepbtn');
    assert.ok(Date.now() - t0 < 1000);
    await page.waitForTimeout(50);
  }
  const lag = await page.evaluate(() => window.__lag);
  assert.equal(lag.length, presses);
  t.diagnostic(`key handled after ${Math.max(...lag).toFixed(1)} ms at most while computing`);
  assert.ok(Math.max(...lag) < 100, `keys handled within 100 ms: ${lag.map((v) => v.toFixed(0)).join(', ')}`);
  const gaps = await page.evaluate(() => new Promise((resolve) => {
    const ts = [];
    const f = (t) => { ts.push(t); if (ts.length < 30) requestAnimationFrame(f); else resolve(ts.slice(1).map((v, i) => v - ts[i])); };
    requestAnimationFrame(f);
  }));
  t.diagnostic(`frames while computing: longest gap ${Math.max(...gaps).toFixed(0)} ms`);
  assert.ok((await state(page)).computing, 'still computing during the frames');
  assert.ok(Number(await page.evaluate(() => window.playground.paths()[0].path.length)) >= before, 'the run steps on');
  await page.done();
});

test('basins on Himmelblau: four minima, a click sets the start, the map follows the surface', async (t) => {
  const page = await open(scenarioLink(HIMMELBLAU));
  const grid = await page.evaluate(() => window.playground.map('basin', undefined, { size: 64 }));
  assert.equal(grid.kind, 'basin');
  assert.equal(grid.basins.labels.length, 64 * 64);
  const known = grid.basins.minima.filter((m) => m.known);
  assert.equal(known.length, 4);
  assert.ok(known.every((m) => m.count > 200), JSON.stringify(known));
  // The map's starts span the contour map's view.
  const view = await page.evaluate(() => [...window.playground._app.view()]);
  assert.deepEqual([grid.x.min, grid.x.max, grid.y.min, grid.y.max], view);
  await page.click('#maps-basin');
  await shownAt(page, 128, 'basin');
  assert.ok(await inked(page, 'maps-canvas') > 10000);
  // The finest map, so that the pixel clicked below is the one the state names.
  await shownAt(page, 256, 'basin');
  assert.ok(!(await state(page)).computing);
  // The basins on the contour map too, translucent, in its plot.
  await page.waitForFunction(() => window.playground.mapState().layer);
  assert.ok(await inked(page, 'basin-layer') > 10000, 'the basins are on the contour map');
  await page.screenshot({ path: path.join(shots, 'maps-basins.png'), fullPage: true });
  // A click sets the start to the pixel's centre.
  await page.locator('#maps-canvas').scrollIntoViewIfNeeded();
  const box = await page.locator('#maps-canvas').boundingBox();
  await page.mouse.click(box.x + box.width * 0.3, box.y + box.height * 0.3);
  const start = await page.evaluate(() => window.playground.scenario().start);
  assert.notDeepEqual(start, HIMMELBLAU.start);
  assert.ok(start[0] >= view[0] && start[0] <= view[1] && start[1] >= view[2] && start[1] <= view[3], String(start));
  const s = await state(page);
  for (const [k, v] of [[0, start[0]], [2, start[1]]]) {
    const u = (v - s.shown.axes[k]) / (s.shown.axes[k + 1] - s.shown.axes[k]) * s.shown.size[0] - 0.5;
    assert.ok(Math.abs(u - Math.round(u)) < 1e-6, `${v} is a pixel's centre`);
  }
  // Another surface: the map is recomputed over its view.
  await page.selectOption('#surface', 'six_hump_camel');
  await page.waitForFunction((old) => {
    const s = window.playground.mapState().shown;
    const v = [...window.playground._app.view()];
    return s && s.size[0] >= 64 && s.axes.every((a, i) => a === v[i]) && v[0] !== old[0];
  }, view, { timeout: 60000 });
  t.diagnostic('the basin map followed the surface to the six-hump camel');
  // A hyperparameter map takes the basins off the contour map.
  await page.click('#maps-hyper');
  await page.waitForFunction(() => !window.playground.mapState().layer);
  await page.done();
});
