// The "Learn to optimize" view's worker: meta-trains a fresh learned optimizer with the same
// WebAssembly engine as the page (src/web/learn.rs, src/meta.rs), an iteration at a time, and
// posts its progress in chunks of about 60 ms so that pause, reset and a new surface are heard
// between chunks. The page's thread only draws (www/learn.js).
import init, { MetaTrain } from './pkg/optimizer_playground.js';

const ready = init({ module_or_path: new URL('./pkg/optimizer_playground_bg.wasm', import.meta.url) });
let mt = null;
let running = false;
let surface = 0;
let timer = 0;
const CHUNK_MS = 60;

const progress = () => {
  postMessage({
    type: 'progress',
    iteration: mt.iteration(),
    iterations: mt.iterations(),
    horizon: mt.horizon(),
    curve: mt.curve(),
    path: mt.path(surface),
    initial: mt.initial_path(surface),
    running,
    done: mt.done(),
    // The weights once done (the end-to-end test compares them with the shipped ones).
    weights: mt.done() ? mt.weights() : null,
  });
};

const field = () => {
  const n = 160;
  const rgba = mt.field_rgba(surface, n, n);
  const contours = mt.contours(surface, n, n, 14);
  postMessage({ type: 'field', surface, nx: n, ny: n, rgba, contours }, [rgba.buffer, contours.buffer]);
};

const loop = () => {
  timer = 0;
  if (!running || !mt) return;
  const t0 = performance.now();
  do mt.step(1); while (!mt.done() && performance.now() - t0 < CHUNK_MS);
  if (mt.done()) running = false;
  progress();
  if (running) timer = setTimeout(loop, 0);
};

const stop = () => { running = false; if (timer) clearTimeout(timer); timer = 0; };

self.onmessage = async (e) => {
  const m = e.data;
  try {
    await ready;
    if (m.cmd === 'start') {
      stop();
      mt?.free();
      mt = new MetaTrain(m.seed, m.iterations);
      surface = 0;
      postMessage({ type: 'surfaces', surfaces: JSON.parse(mt.surfaces_json()) });
      field();
      running = !!m.run;
      progress();
      if (running) timer = setTimeout(loop, 0);
    } else if (!mt) {
      return;
    } else if (m.cmd === 'pause') {
      stop();
      progress();
    } else if (m.cmd === 'resume') {
      if (!running && !mt.done()) { running = true; timer = setTimeout(loop, 0); }
      progress();
    } else if (m.cmd === 'surface') {
      surface = m.surface;
      field();
      progress();
    }
  } catch (err) {
    stop();
    postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  }
};
