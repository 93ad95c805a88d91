// The bulk engine in the page (headless Chromium, playwright-core): a 256×256 hyperparameter
// map of 200-step Adam runs on Rosenbrock (13.1 million steps; columns lr 1e-4 … 1 log-spaced,
// rows β₂ 0.9 … 0.9999, start (−1.5, 2), tolerance 1e-3), the map benches/bulk.rs times
// natively. Timed with performance.now() around `bulk_map` (src/web/bulk.rs): on the page's
// main thread in one call, in 2 Web Workers (half the rows each, as the page's maps compute),
// and through the single-run path (`reference`) on 16 rows, scaled to the map.
//
//   node www/bench/bulk.mjs                  (REPS=5 by default)
//
// Also the page's stepping: frames.mjs's 8 runs on Rosenbrock, 100,000 iterations through the
// page's App.step (one synchronous call), against benches/bulk.rs's `Session` figure.
//
// The page/native ratios use criterion's latest estimates, if `cargo bench --bench bulk` has
// run ($CARGO_TARGET_DIR/criterion/…/new/estimates.json).
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { serve } from '../scripts/serve.mjs';

const REPS = Number(process.env.REPS ?? 5);
const N = 256;
const SCENARIO = JSON.stringify({
  surface: { name: 'rosenbrock' }, start: [-1.5, 2], steps: 200,
  runs: [{ optimizer: { name: 'adam', lr: 0.01 } }],
});
const X = JSON.stringify({ name: 'lr', lo: 1e-4, hi: 1, n: N, log: true });
const Y = JSON.stringify({ name: 'beta2', lo: 0.9, hi: 0.9999, n: N });

if (!fs.existsSync(new URL('../pkg/optimizer_playground_bg.wasm', import.meta.url))) {
  console.error('www/pkg is missing: build it with `bash www/scripts/build.sh`');
  process.exit(1);
}

const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const ms = (v) => `${v.toFixed(1)} ms`;

/// In the page: the map on the main thread, `reps` times; the reference on 16 rows once.
async function inPage({ sc, x, y, n, reps }) {
  const m = await import(new URL('www/pkg/optimizer_playground.js', location.href).href);
  const times = [];
  let out;
  m.bulk_map(sc, 0, x, y, 0, 8, 1e-3, false); // warm-up (tier-up)
  for (let r = 0; r < reps; r++) {
    const t = performance.now();
    out = m.bulk_map(sc, 0, x, y, 0, n, 1e-3, false);
    times.push(performance.now() - t);
  }
  const t = performance.now();
  const ref = m.bulk_map(sc, 0, x, y, 0, 16, 1e-3, true);
  const refMs = performance.now() - t;
  let same = true;
  for (let i = 0; i < ref.length; i++) if (!Object.is(ref[i], out[i])) same = false;
  return { times, refMs, same, len: out.length };
}

/// In the page: the map in 2 Web Workers, half the rows each, `reps` times.
async function inWorkers({ sc, x, y, n, reps }) {
  const url = new URL('www/pkg/optimizer_playground.js', location.href).href;
  const code = `import init, { bulk_map } from '${url}';
    const ready = init();
    onmessage = async (e) => {
      await ready;
      const { sc, x, y, r0, r1 } = e.data;
      const out = bulk_map(sc, 0, x, y, r0, r1, 1e-3, false);
      postMessage(out.length, []);
    };`;
  const blob = URL.createObjectURL(new Blob([code], { type: 'text/javascript' }));
  const workers = [0, 1].map(() => new Worker(blob, { type: 'module' }));
  const run = (r0s) => Promise.all(workers.map((w, i) => new Promise((resolve) => {
    w.onmessage = (e) => resolve(e.data);
    w.postMessage({ sc, x, y, r0: r0s[i][0], r1: r0s[i][1] });
  })));
  await run([[0, 4], [4, 8]]); // warm-up (module load, tier-up)
  const times = [];
  for (let r = 0; r < reps; r++) {
    const t = performance.now();
    await run([[0, n / 2], [n / 2, n]]);
    times.push(performance.now() - t);
  }
  workers.forEach((w) => w.terminate());
  return times;
}

const EIGHT = {
  surface: { name: 'rosenbrock' }, start: [-1.5, 2], steps: 100000,
  runs: [
    { optimizer: { name: 'gd', lr: 1e-3 } },
    { optimizer: { name: 'momentum', lr: 1e-3, momentum: 0.9 } },
    { optimizer: { name: 'nesterov', lr: 1e-3, momentum: 0.9 } },
    { optimizer: { name: 'adam', lr: 0.05 } },
    { optimizer: { name: 'rmsprop', lr: 0.01 } },
    { optimizer: { name: 'adagrad', lr: 0.5 } },
    { optimizer: { name: 'lbfgs' } },
    { optimizer: { name: 'newton' } },
  ],
};

/// In the page: the 8 runs stepped 100,000 iterations in one App.step call, `reps` times.
function stepInPage({ sc, reps }) {
  const times = [];
  for (let r = 0; r <= reps; r++) {
    window.playground.load(sc);
    const app = window.playground._app;
    const t = performance.now();
    app.step(100000);
    const dt = performance.now() - t;
    if (Number(app.iterations()) !== 100000) throw new Error(`stepped ${app.iterations()}`);
    if (r > 0) times.push(dt); // the first is a warm-up
  }
  return times;
}

function criterionMs(group, name) {
  const target = process.env.CARGO_TARGET_DIR ?? new URL('../../target', import.meta.url).pathname;
  try {
    const at = path.join(target, 'criterion', group, name, 'new', 'estimates.json');
    return JSON.parse(fs.readFileSync(at, 'utf8')).median.point_estimate / 1e6;
  } catch { return null; }
}

function nativeMs() {
  const map = (name) => criterionMs('bulk_adam_rosenbrock_256x256x200', name);
  return { one: map('run_jobs_1_thread'), two: map('run_jobs_2_threads'), eight: criterionMs('session_8_runs_rosenbrock_100000', 'step') };
}

const server = await serve(0);
let browser;
try {
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'],
  });
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  await page.evaluate(() => window.playgroundReady.then(() => true));
  const args = { sc: SCENARIO, x: X, y: Y, n: N, reps: REPS };
  const main = await page.evaluate(inPage, args);
  const workers = await page.evaluate(inWorkers, args);
  const eight = median(await page.evaluate(stepInPage, { sc: EIGHT, reps: REPS }));
  const one = median(main.times);
  const two = median(workers);
  const ref = main.refMs * (N / 16);
  console.log(`256×256 Adam map on Rosenbrock, 200 steps (13.1 M steps), median of ${REPS}:`);
  console.log(`  page, main thread (run_jobs):     ${ms(one)}   (${(one * 1e6 / (N * N * 200)).toFixed(1)} ns a step)`);
  console.log(`  page, 2 Web Workers (run_jobs):   ${ms(two)}`);
  console.log(`  (every repetition: main thread ${main.times.map(ms).join(", ")}; workers ${workers.map(ms).join(", ")})`);
  console.log(`  page, single-run path (reference): ${ms(ref)} (16 rows × ${N / 16})   speed-up ${(ref / one).toFixed(1)}×`);
  console.log(`  16 rows through both paths give the same bits: ${main.same} (${main.len} numbers)`);
  const nat = nativeMs();
  if (nat.one) {
    console.log(`  native (criterion's latest): 1 thread ${ms(nat.one)}, 2 threads ${nat.two ? ms(nat.two) : '?'}`);
    console.log(`  page/native: main thread ${(one / nat.one).toFixed(2)}×, 2 workers ${nat.two ? (two / nat.two).toFixed(2) + '×' : '?'}`);
  } else {
    console.log('  native: run `cargo bench --bench bulk` first for the page/native ratio');
  }
  console.log(`8 runs on Rosenbrock stepped 100,000 iterations, page (App.step): ${ms(eight)}` +
    (nat.eight ? `, native (Session): ${ms(nat.eight)}, page/native ${(eight / nat.eight).toFixed(2)}×` : ''));
} finally {
  await browser?.close();
  server.close();
}
