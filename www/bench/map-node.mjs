// Map pipeline benchmark in Node 20: the wasm engine (grid evaluation + marching-squares contour
// segments) side by side with the standard JavaScript peer (a hand-written JS grid + d3-contour)
// on the same grid and the same contour levels.
//
//   node www/bench/map-node.mjs            (RUNS=20 WARMUP=3 by default; env RUNS / WARMUP override)
//
// Every figure is a median over RUNS timed calls after WARMUP untimed ones; a full GC runs (untimed)
// before each timed call so the garbage one method leaves does not bill another.
import fs from 'node:fs';
import v8 from 'node:v8';
import vm from 'node:vm';
import { initSync, map_pipeline, map_inputs } from '../pkg/optimizer_playground.js';
import { contours } from 'd3-contour';

if (!fs.existsSync(new URL('../pkg/optimizer_playground_bg.wasm', import.meta.url))) {
  console.error('www/pkg is missing: build it with `bash www/scripts/build.sh`');
  process.exit(1);
}

initSync({ module: fs.readFileSync(new URL('../pkg/optimizer_playground_bg.wasm', import.meta.url)) });

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

const RUNS = Number(process.env.RUNS ?? 20);
const WARMUP = Number(process.env.WARMUP ?? 3);
const LEVELS = 24;
const SIZES = [[500, 350], [1000, 700]];

// src/web/ documents `map_pipeline(expr, view: Float64Array, nx, ny, levels)`; an older build of
// www/pkg exports `map_pipeline(expr, x0, x1, y0, y1, nx, ny, levels)`. Call whichever is built.
const SPREAD = map_pipeline.length >= 8;
const callView = (fn, expr, view, nx, ny, levels) =>
  SPREAD ? fn(expr, view[0], view[1], view[2], view[3], nx, ny, levels)
    : fn(expr, Float64Array.from(view), nx, ny, levels);

const TAU = 2 * Math.PI;
const SURFACES = [
  {
    name: 'rosenbrock', expr: '(1-x)^2 + 100*(y-x^2)^2', view: [-2, 2, -1, 3],
    f: (x, y) => { const a = 1 - x, b = y - x * x; return a * a + 100 * (b * b); },
  },
  {
    name: 'himmelblau', expr: '(x^2 + y - 11)^2 + (x + y^2 - 7)^2', view: [-5, 5, -5, 5],
    f: (x, y) => { const a = x * x + y - 11, b = x + y * y - 7; return a * a + b * b; },
  },
  {
    name: 'rastrigin', expr: '20 + x^2 - 10*cos(2*pi*x) + y^2 - 10*cos(2*pi*y)', view: [-5.12, 5.12, -5.12, 5.12],
    f: (x, y) => 20 + x * x - 10 * Math.cos(TAU * x) + y * y - 10 * Math.cos(TAU * y),
  },
];

// The grid exactly as src/surface/mod.rs `Surface::grid`: row-major, row 0 at y_max, cell centres.
function jsGrid(f, view, nx, ny, out) {
  const [x0, x1, y0, y1] = view;
  const dx = (x1 - x0) / nx;
  const dy = (y1 - y0) / ny;
  let k = 0;
  for (let j = 0; j < ny; j++) {
    const y = y1 - (j + 0.5) * dy;
    for (let i = 0; i < nx; i++) out[k++] = f(x0 + (i + 0.5) * dx, y);
  }
  return out;
}

function median(a) {
  const s = [...a].sort((p, q) => p - q);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

// Median ms of `fn` over RUNS timed calls after WARMUP untimed ones.
function bench(fn) {
  for (let i = 0; i < WARMUP; i++) fn();
  const t = [];
  for (let i = 0; i < RUNS; i++) {
    gc();
    const t0 = performance.now();
    fn();
    t.push(performance.now() - t0);
  }
  return median(t);
}

let sink = 0; // keeps results alive so nothing is optimised away
const started = performance.now();
const rows = [];
for (const s of SURFACES) {
  for (const [nx, ny] of SIZES) {
    const n = nx * ny;
    // Levels and grid exactly as the wasm pipeline uses them.
    const inputs = callView(map_inputs, s.expr, s.view, nx, ny, LEVELS);
    const nLevels = inputs.length - n;
    const levels = Array.from(inputs.subarray(0, nLevels));
    const wasmGrid = inputs.slice(nLevels);
    const segments = callView(map_pipeline, s.expr, s.view, nx, ny, LEVELS);

    // Check the JS formula reproduces the wasm grid.
    const jg = jsGrid(s.f, s.view, nx, ny, new Float64Array(n));
    let maxRel = 0;
    for (let i = 0; i < n; i++) {
      const d = Math.abs(jg[i] - wasmGrid[i]) / Math.max(1, Math.abs(wasmGrid[i]));
      if (!(d <= maxRel)) maxRel = d;
    }
    const d3c = contours().size([nx, ny]).thresholds(levels);
    const d3Out = d3c(wasmGrid);
    let rings = 0, points = 0;
    for (const mp of d3Out) for (const poly of mp.coordinates) for (const ring of poly) { rings++; points += ring.length; }

    const tWasm = bench(() => { sink += callView(map_pipeline, s.expr, s.view, nx, ny, LEVELS); });
    const tWasmGrid = bench(() => { sink += callView(map_inputs, s.expr, s.view, nx, ny, LEVELS).length; });
    const tJsGrid = bench(() => { sink += jsGrid(s.f, s.view, nx, ny, new Float64Array(n))[n - 1]; });
    const tJs = bench(() => {
      const g = jsGrid(s.f, s.view, nx, ny, new Float64Array(n));
      sink += contours().size([nx, ny]).thresholds(levels)(g).length;
    });
    const tD3 = bench(() => { sink += d3c(wasmGrid).length; });
    rows.push({
      surface: s.name, size: `${nx}x${ny}`, levels: nLevels, segments, rings, points, maxRel,
      tWasm, tWasmGrid, tWasmContour: tWasm - tWasmGrid, tJsGrid, tJs, tD3,
    });
    process.stderr.write(`  ${s.name} ${nx}x${ny} done (${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
  }
}

const f1 = (v) => v.toFixed(1);
const fr = (v) => (v > 0 ? (v).toFixed(2) + 'x' : 'n/a');
const cols = [
  ['surface', (r) => r.surface],
  ['grid', (r) => r.size],
  ['lv', (r) => String(r.levels)],
  ['wasm pipe', (r) => f1(r.tWasm)],
  ['JS grid+d3', (r) => f1(r.tJs)],
  ['JS/wasm', (r) => fr(r.tJs / r.tWasm)],
  ['wasm grid*', (r) => f1(r.tWasmGrid)],
  ['JS grid', (r) => f1(r.tJsGrid)],
  ['JS/wasm', (r) => fr(r.tJsGrid / r.tWasmGrid)],
  ['wasm cont†', (r) => f1(r.tWasmContour)],
  ['d3 cont', (r) => f1(r.tD3)],
  ['d3/wasm', (r) => fr(r.tD3 / r.tWasmContour)],
  ['wasm segs', (r) => String(r.segments)],
  ['d3 rings/pts', (r) => `${r.rings}/${r.points}`],
];
const cells = rows.map((r) => cols.map(([, g]) => g(r)));
const w = cols.map(([h], i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
const line = (c) => c.map((v, i) => (i < 2 ? v.padEnd(w[i]) : v.padStart(w[i]))).join('  ');

console.log(`Map pipeline, Node ${process.version}, ${LEVELS} levels requested, median of ${RUNS} runs after ${WARMUP} warm-up (ms)`);
console.log(`www/pkg/optimizer_playground_bg.wasm built ${fs.statSync(new URL('../pkg/optimizer_playground_bg.wasm', import.meta.url)).mtime.toISOString()}`);
console.log(`wasm API: map_pipeline(${SPREAD ? 'expr, x0, x1, y0, y1, nx, ny, levels' : 'expr, view: Float64Array, nx, ny, levels'})`);
console.log('');
console.log(line(cols.map(([h]) => h)));
console.log(line(w.map((n) => '-'.repeat(n))));
for (const c of cells) console.log(line(c));
console.log('');
console.log('wasm pipe   map_pipeline: parse expr + grid (interpreted expression) + min/max + 10% quantile + levels + marching squares -> segments in data coords');
console.log('JS grid+d3  hand-written JS formula on the same cell centres + d3-contour contours().size([nx,ny]).thresholds(levels) -> MultiPolygons');
console.log('            (levels are given to JS, not computed: JS skips the min/max/quantile work that wasm pipe includes)');
console.log('wasm grid*  map_inputs: everything in wasm pipe except marching squares, plus copying levels+grid out to a JS Float64Array');
console.log('wasm cont†  DERIVED = wasm pipe - wasm grid* (not measured directly; understated by map_inputs\' extra copy-out)');
console.log('d3 cont     d3-contour alone on the wasm grid values (same levels)');
console.log('lv = levels Field::levels(24) actually returned (log-spaced: n-1; linear nice ticks strictly inside (min, max): varies)');
console.log('Outputs differ in kind: wasm emits unjoined segments (> level, saddles by centre mean); d3 stitches rings into');
console.log('MultiPolygons with holes (>= level, closed along the grid border, linear smoothing), so it does more work per level.');
console.log(`JS grid vs wasm grid: max relative difference ${Math.max(...rows.map((r) => r.maxRel)).toExponential(2)} (same grid)`);
console.log(`total ${((performance.now() - started) / 1000).toFixed(1)} s${sink === -1 ? ' ' : ''}`);
process.exit(0);
