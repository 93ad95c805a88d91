// Computes hyperparameter and basin maps off the page's thread (www/maps.js asks): the same
// wasm as the page, a few rows at a time, at each size asked for in turn (coarse first), so a
// newer request replaces an older one between two slices of rows.
import init, { MapJob } from './pkg/optimizer_playground.js';
import { breathe } from './breathe.js';

const ready = init();
let latest = -1;

self.onmessage = async (e) => {
  const req = e.data;
  latest = req.id;
  try { await ready; } catch (err) { self.postMessage({ id: req.id, error: String(err && err.message || err) }); return; }
  for (const [w, h] of req.sizes) {
    if (latest !== req.id) return;
    const t0 = performance.now();
    let job;
    try {
      const ask = { kind: req.kind, run: req.run, width: w, height: h };
      if (req.params) ask.params = req.params;
      if (req.view && req.view.length === 4) ask.view = req.view;
      if (Number.isFinite(req.tol)) ask.tol = req.tol;
      job = new MapJob(req.scenario, JSON.stringify(ask));
    } catch (err) {
      self.postMessage({ id: req.id, error: String(err && err.message || err) });
      return;
    }
    // About 2000 pixels a slice: a few tens of milliseconds.
    const rows = Math.max(1, Math.floor(2000 / w));
    while (!job.step_rows(rows)) {
      await breathe();
      if (latest !== req.id) { job.free(); return; }
    }
    const meta = job.meta_json();
    const packed = job.packed();
    job.free();
    const ms = performance.now() - t0;
    const last = w === req.sizes.at(-1)[0] && h === req.sizes.at(-1)[1];
    self.postMessage({ id: req.id, size: [w, h], meta, packed, ms, last, kind: req.kind }, [packed.buffer]);
    await breathe();
  }
};
