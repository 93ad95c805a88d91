// Runs a fair tuning off the page's thread (www/tune.js asks): the same wasm as the page, some
// 50 ms of candidates at a time, telling the page its progress after each slice and reading
// its messages (a cancel) between them. The finished table goes back as JSON text; the page
// adds the tuned runs to its scenario as it is then.
import init, { TuneJob } from './pkg/optimizer_playground.js';
import { breathe } from './breathe.js';

const ready = init();
const cancelled = new Set();
const say = (err) => String(err && err.message || err);

self.onmessage = async (e) => {
  const m = e.data;
  if (m.cancel !== undefined) { cancelled.add(m.cancel); return; }
  try { await ready; } catch (err) { self.postMessage({ id: m.id, error: say(err) }); return; }
  let job;
  try {
    job = new TuneJob(m.scenario, new Uint32Array(m.runs), m.budget, m.evals, m.also);
  } catch (err) {
    self.postMessage({ id: m.id, error: say(err) });
    return;
  }
  try {
    self.postMessage({ id: m.id, done: 0, total: job.total() });
    while (!job.done()) {
      const t0 = performance.now();
      do job.step(1); while (!job.done() && performance.now() - t0 < 50);
      self.postMessage({ id: m.id, done: job.done_count(), total: job.total() });
      await breathe();
      if (cancelled.has(m.id)) { cancelled.delete(m.id); return; }
    }
    self.postMessage({ id: m.id, done: job.done_count(), total: job.total(), table: job.table_json() });
  } catch (err) {
    self.postMessage({ id: m.id, error: say(err) });
  } finally {
    job.free();
  }
};
