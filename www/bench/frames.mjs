// Page benchmark in headless Chromium (playwright-core): frame time while 8 optimizers race on
// Rosenbrock, map recompute after a zoom on a 1000×700 map canvas (and for every named surface),
// and the wasm's size.
//
//   node www/bench/frames.mjs
//
// (a) and (b) are timed inside the page with performance.now() around synchronous calls into the
// wasm App, all within one page.evaluate, so the page's own requestAnimationFrame loop cannot run
// in between; those figures leave out the canvas rasterisation Chromium defers to paint time.
// (a2) lets the page's own rAF loop play for a few seconds and reports the real frame intervals,
// raster included. (b) also reports a variant forcing the raster (1-px getImageData per canvas);
// (a) does not use that variant: at 30 000+ iterations a single forced-raster frame takes seconds.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { chromium } from 'playwright-core';
import { serve } from '../scripts/serve.mjs';

const FRAMES_100 = 300;   // frames at 100 it/frame (→ 30 000 iterations)
const FRAMES_1000 = 90;   // frames at 1000 it/frame (→ 90 000 iterations; the limit is 100 000)
const ZOOMS = 30;
const WARM = 30;
const PLAY_MS = 3000;  // real-playback windows

const wasmUrl = new URL('../pkg/optimizer_playground_bg.wasm', import.meta.url);
if (!fs.existsSync(wasmUrl)) {
  console.error('www/pkg is missing: build it with `bash www/scripts/build.sh`');
  process.exit(1);
}

const pct = (a, p) => {
  const s = [...a].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))];
};
const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const ms = (v) => v.toFixed(2).padStart(7) + ' ms';
const stats = (t) => {
  const k = Math.max(1, Math.round(t.length / 10));
  return `median ${ms(median(t))}  p90 ${ms(pct(t, 0.9))}  (first 10% ${ms(median(t.slice(0, k)))}, last 10% ${ms(median(t.slice(-k)))}, n=${t.length})`;
};

// The 8-run race (also the native benchmark's `session_8_runs`, benches/engine.rs).
const ROSEN = JSON.parse(fs.readFileSync(new URL('./eight-runs.json', import.meta.url), 'utf8'));
const RUNS = ROSEN.runs;
const scenario = (surface, start, steps) => ({ surface, start, steps, runs: RUNS });


// In the page: load a scenario (fresh session), then time `n` frames at `speed` it/frame.
// With `flush`, each frame also reads one pixel of every canvas, which forces Chromium to
// rasterise the 2-D commands that frame recorded (otherwise deferred to the next paint).
function framesInPage({ sc, n, speed, flush }) {
  window.playground.load(sc);
  const app = window.playground._app;
  const ctxs = flush ? [...document.querySelectorAll('canvas')].map((c) => c.getContext('2d')) : [];
  app.set_speed(speed);
  app.set_playing(true);
  const t = [];
  try {
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      const still = app.frame(performance.now());
      for (const c of ctxs) c.getImageData(0, 0, 1, 1);
      t.push(performance.now() - t0);
      if (!still) break;
    }
  } finally {
    app.set_playing(false);
  }
  return { t, iterations: app.iterations(), readouts: JSON.parse(app.readouts_json()).map((r) => `${r.label}: ${r.status || 'running'}`) };
}

// In the page: load `sc`, step `from` iterations, then let the page's own rAF loop play at `speed`
// for `ms` milliseconds; returns the rAF intervals and the iterations gained.
async function playInPage({ sc, from, speed, ms }) {
  window.playground.load(sc);
  const app = window.playground._app;
  if (from) app.step(from);
  app.draw();
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  const it0 = Number(app.iterations());
  app.set_speed(speed);
  app.set_playing(true);
  const ts = [];
  await new Promise((resolve) => {
    const tick = (t) => { ts.push(t); if (t - ts[0] < ms) requestAnimationFrame(tick); else resolve(); };
    requestAnimationFrame(tick);
  });
  app.set_playing(false);
  return { d: ts.slice(1).map((t, i) => t - ts[i]), its: Number(app.iterations()) - it0 };
}

// In the page: time `n` zoom+draw pairs (alternating ×1.25 and ×0.8 about (500, 350)), and the
// same number of overlay+charts-only redraws for comparison.
function zoomInPage({ sc, n, warm, flush }) {
  window.playground.load(sc);
  const app = window.playground._app;
  app.step(sc.steps);
  app.reset_view();
  app.resize();
  app.draw();
  const ctxs = flush ? [...document.querySelectorAll('canvas')].map((c) => c.getContext('2d')) : [];
  const zoomDraw = (i) => { app.zoom(500, 350, i % 2 ? 0.8 : 1.25); app.draw(); for (const c of ctxs) c.getImageData(0, 0, 1, 1); };
  const redrawTop = () => { app.step(0); app.draw(); for (const c of ctxs) c.getImageData(0, 0, 1, 1); };
  for (let i = 0; i < warm; i++) { zoomDraw(i); redrawTop(); }
  const z = [], o = [];
  for (let i = 0; i < n; i++) {
    let t0 = performance.now();
    zoomDraw(i);
    z.push(performance.now() - t0);
    t0 = performance.now();
    redrawTop();
    o.push(performance.now() - t0);
  }
  // The plot area (where hover answers) along the centre lines, to report the grid size.
  const edge = (lo, hi, inside) => { for (let k = 0; k < 40; k++) { const m = (lo + hi) / 2; if (inside(m)) hi = m; else lo = m; } return hi; };
  const inX = (x) => app.hover(x, 350) !== '';
  const inY = (y) => app.hover(500, y) !== '';
  const left = edge(0, 500, inX), right = 1000 - edge(0, 500, (d) => inX(1000 - d));
  const top = edge(0, 350, inY), bottom = 700 - edge(0, 350, (d) => inY(700 - d));
  const plot = { w: right - left, h: bottom - top };
  return { z, o, view: app.view(), plot, grid: [Math.max(16, Math.round(plot.w * 0.5)), Math.max(16, Math.round(plot.h * 0.5))] };
}

const server = await serve(0);
let browser;
const errors = [];
try {
  const url = `http://127.0.0.1:${server.address().port}/`;
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push('pageerror: ' + e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push('console: ' + m.text()); });
  await page.goto(url);
  await page.evaluate(() => window.playgroundReady.then(() => true));
  console.log(`Chromium ${browser.version()} headless, viewport 1280x800 @1x, ${url}`);
  const sizes = await page.evaluate(() => [...document.querySelectorAll('canvas')].map((c) => `${c.id} ${c.width}x${c.height}`).join(', '));
  console.log(`canvases: ${sizes}`);

  // ---------------------------------------------------------------- (a) frames
  console.log('\n(a) Frame time: 8 runs on rosenbrock (gd, momentum, nesterov, adam, rmsprop, adagrad, lbfgs, newton), limit 100000');
  console.log('    one frame = App.frame(): step every run `speed` iterations + redraw overlay + loss and lr charts');
  await page.evaluate(framesInPage, { sc: ROSEN, n: WARM, speed: 100, flush: false }); // warm-up (JIT, wasm tier-up)
  const f100 = await page.evaluate(framesInPage, { sc: ROSEN, n: FRAMES_100, speed: 100, flush: false });
  console.log(`  100 it/frame            ${stats(f100.t)}  -> ${f100.iterations} iterations`);
  const f1000 = await page.evaluate(framesInPage, { sc: ROSEN, n: FRAMES_1000, speed: 1000, flush: false });
  console.log(`  1000 it/frame           ${stats(f1000.t)}  -> ${f1000.iterations} iterations`);
  console.log(`  runs at the end: ${f1000.readouts.join('; ')}`);
  console.log('  (synchronous calls only: Chromium records the 2-D canvas commands here and rasterises them later, at paint)');

  // Real playback: the page's own requestAnimationFrame loop plays, so each interval includes the
  // canvas rasterisation and compositing that the synchronous figures above leave out.
  console.log(`\n(a2) Real playback through the page's own rAF loop, ${PLAY_MS / 1000} s windows (rAF interval = frame() + raster + composite; headless rAF ticks at 60 Hz)`);
  const rms1e3 = { ...ROSEN, runs: RUNS.map((r) => (r.optimizer.name === 'rmsprop' ? { optimizer: { name: 'rmsprop', lr: 1e-3 } } : r)) };
  for (const [label, sc, from, speed] of [
    ['100 it/frame, from 0 its', ROSEN, 0, 100],
    ['100 it/frame, from 10000 its', ROSEN, 10000, 100],
    ['1000 it/frame, from 0 its', ROSEN, 0, 1000],
    ['100 it/frame, from 10000 its, rmsprop lr 1e-3', rms1e3, 10000, 100],
  ]) {
    const r = await page.evaluate(playInPage, { sc, from, speed, ms: PLAY_MS });
    console.log(`  ${label.padEnd(46)} interval median ${ms(median(r.d))}  p90 ${ms(pct(r.d, 0.9))}  (${r.d.length} frames, +${r.its} its, ${Math.round(r.its / (PLAY_MS / 1000))} it/s)`);
  }
  console.log('  rmsprop at lr 0.01 zig-zags across the valley by more than the overlay\'s 0.75 px decimation step, so nearly');
  console.log('  every one of its points is kept (9962 of 10001 at 10000 its, vs 7 to 814 for the other runs) and stroked twice');
  console.log('  (4.2 px and 2 px, round joins) every frame: the raster cost grows with its history.');

  // ---------------------------------------------------------------- (b) zoom
  await page.evaluate(() => {
    document.querySelector('.layout').style.display = 'block';
    const w = document.querySelector('.map-wrap');
    // .map-wrap is border-box with a 1 px border: 1002×702 gives a 1000×700 map canvas.
    w.style.width = '1002px';
    w.style.height = '702px';
  });
  const mapSize = await page.evaluate(() => { const c = document.getElementById('map'); return `${c.clientWidth}x${c.clientHeight} CSS px`; });
  console.log(`\n(b) Map recompute after a zoom: map canvas ${mapSize}, median of ${ZOOMS} zoom(500, 350, 1.25 / 0.8 alternating) + draw()`);
  console.log('    each zoom re-samples the grid, recomputes 24-level contours, colours, axes, colour bar, then overlay + charts');
  const HIMMEL = scenario({ expr: '(x^2 + y - 11)^2 + (x + y^2 - 7)^2' }, [0, 0], 500);
  for (const [name, sc] of [['rosenbrock (named)', scenario({ name: 'rosenbrock' }, [-1.5, 2], 500)], ['himmelblau (expr)', HIMMEL]]) {
    const r = await page.evaluate(zoomInPage, { sc, n: ZOOMS, warm: 6, flush: false });
    const rf = await page.evaluate(zoomInPage, { sc, n: ZOOMS, warm: 6, flush: true });
    const base = median(r.z) - median(r.o);
    console.log(`  ${name.padEnd(19)} zoom+draw ${ms(median(r.z))} (p90 ${ms(pct(r.z, 0.9))})   overlay+charts only ${ms(median(r.o))}   map part (derived) ${ms(base)}`);
    console.log(`  ${''.padEnd(19)} with raster ${ms(median(rf.z))} (p90 ${ms(pct(rf.z, 0.9))})   overlay+charts only ${ms(median(rf.o))}`);
    console.log(`  ${''.padEnd(19)} plot area ${r.plot.w.toFixed(0)}x${r.plot.h.toFixed(0)} px -> grid ${r.grid[0]}x${r.grid[1]} (0.5 cells/CSS px), 8 runs x 500 steps drawn, view [${r.view.map((v) => v.toPrecision(4)).join(', ')}]`);
  }

  // ---------------------------------------------------------------- (d) stepping against native
  // The same 8 runs stepped 100,000 iterations by the page's engine (`App.step`, which records
  // every point as `trace` does; `playground.step` would also draw them all) and natively
  // (criterion's `session_8_runs`).
  const stepMs = [];
  for (let i = 0; i < 5; i++) {
    stepMs.push(await page.evaluate((sc) => {
      window.playground.load(sc);
      const app = window.playground._app;
      const t0 = performance.now();
      app.step(sc.steps);
      return performance.now() - t0;
    }, ROSEN));
  }
  const est = path.join(process.env.CARGO_TARGET_DIR || 'target', 'criterion/session_8_runs/100000/new/estimates.json');
  const native = fs.existsSync(est) ? JSON.parse(fs.readFileSync(est, 'utf8')).median.point_estimate / 1e6 : null;
  console.log(`\n(d) Stepping: 8 runs x 100,000 iterations on rosenbrock (${ROSEN.runs.map((r) => r.optimizer.name).join(', ')})`);
  console.log(`  page App.step: median ${ms(median(stepMs.slice(1)))} of ${stepMs.length - 1} (after one warm-up): ${stepMs.map((t) => t.toFixed(0)).join(', ')} ms`);
  console.log(native === null
    ? '  native: run `cargo bench --bench engine -- session_8_runs` first for the ratio'
    : `  native (criterion session_8_runs, latest estimate): ${ms(native)}   page / native ${(median(stepMs.slice(1)) / native).toFixed(2)}x (goal <= 1.2x)`);

  // ---------------------------------------------------------------- (b2) every named surface
  console.log(`\n(b2) The colour map and contours of every named surface on the ${mapSize} map: median of ${ZOOMS} zoom+draw`);
  console.log('    with one run (so overlay and charts cost little), minus the overlay+charts-only redraw = the map part');
  const names = JSON.parse(fs.readFileSync(new URL('../pkg/catalog.json', import.meta.url), 'utf8')).surfaces.map((x) => x.name);
  const parts = [];
  for (const name of names) {
    const sc = { surface: { name }, start: [0.5, 0.5], steps: 50, runs: [{ optimizer: { name: 'gd', lr: 1e-4 } }] };
    const r = await page.evaluate(zoomInPage, { sc, n: ZOOMS, warm: 4, flush: false });
    const part = median(r.z) - median(r.o);
    parts.push(part);
    console.log(`  ${name.padEnd(17)} zoom+draw ${ms(median(r.z))} (p90 ${ms(pct(r.z, 0.9))})   map part ${ms(part)}   grid ${r.grid[0]}x${r.grid[1]}`);
  }
  console.log(`  slowest map part ${ms(Math.max(...parts))} (goal: within one 16 ms frame)`);
} finally {
  if (browser) await browser.close();
  await new Promise((resolve) => server.close(resolve));
}

// ---------------------------------------------------------------- (c) size
const buf = fs.readFileSync(wasmUrl);
const gz = zlib.gzipSync(buf, { level: 9 });
const st = fs.statSync(wasmUrl);
console.log(`\n(c) www/pkg/optimizer_playground_bg.wasm: ${buf.length} bytes raw (${(buf.length / 1024).toFixed(1)} KiB), ${gz.length} bytes gzip -9 (${(gz.length / 1024).toFixed(1)} KiB); built ${st.mtime.toISOString()}`);
if (errors.length) console.log(`\npage errors (${errors.length}):\n  ${errors.slice(0, 10).join('\n  ')}`);
process.exit(0);
