// The learning-rate fan and fair tuning (engine: src/tune.rs, through src/web/tune.rs). Every
// number and every piece of text in the table comes from the engine; the fan and the tuned runs
// are ordinary runs of the scenario, so the address reproduces them.
import { fan_json, unfan_json, mark_fan_json, with_tuned_table_json } from './pkg/optimizer_playground.js';

let ctx = null;
const FAN_DEFAULT = 7;
const FAN_MIN = 3;
const FAN_MAX = 11;
const BUDGET_DEFAULT = 16;
const errText = (e) => (e instanceof Error ? e.message : String(e));
const $ = (id) => document.getElementById(id);

// A fan run's label starts with this (src/tune.rs FAN_PREFIX).
const FAN_PREFIX = 'fan η=';
const isFan = (r) => typeof r.label === 'string' && r.label.startsWith(FAN_PREFIX);

// ------------------------------------------------------------------ the fan

function fanSize() {
  const n = Number($('fan-n')?.value);
  return Number.isInteger(n) && n >= FAN_MIN && n <= FAN_MAX ? n : FAN_DEFAULT;
}

// The button on each run's card.
export function fanButton(i) {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = 'btn fan-btn';
  b.textContent = 'Fan';
  b.title = 'Try several learning rates around this run’s (log-spaced; the best is marked)';
  b.setAttribute('aria-label', 'Fan out this run over learning rates');
  b.addEventListener('click', () => {
    try { fan(i, fanSize()); } catch (e) { ctx.showMessage(errText(e)); }
  });
  return b;
}

function colors() {
  return JSON.parse(ctx.app.readouts_json()).map((r) => r.color);
}

function fan(runIndex, n = FAN_DEFAULT) {
  const i = Number(runIndex);
  const k = Number(n);
  if (!Number.isInteger(i) || i < 0) throw new Error('fan(runIndex, n): runIndex must be a whole number ≥ 0');
  if (!Number.isInteger(k)) throw new Error(`fan(runIndex, n): n must be a whole number from ${FAN_MIN} to ${FAN_MAX}`);
  let out;
  try {
    out = JSON.parse(fan_json(ctx.app.scenario_json(), i, k, colors()[i] ?? '#3a86ff'));
    ctx.app.edit_json(out.scenario);
  } catch (e) {
    throw new Error(errText(e));
  }
  afterRuns();
  const best = out.best === null ? null : out.first + out.best;
  setMark(best, out.ends[out.best] ?? null);
  const bad = out.diverged.filter(Boolean).length;
  ctx.showMessage(out.best === null
    ? `Fan of ${k} learning rates: every one diverged.`
    : `Fan of ${k} learning rates from ${out.labels[0]} to ${out.labels.at(-1)}: the best is η=${out.labels[out.best]} (lowest final loss)` + (bad ? `; ${bad} diverged.` : '.'), 'info');
  return { first: out.first, rates: out.rates, best, diverged: out.diverged };
}

function unfan() {
  try { ctx.app.edit_json(unfan_json(ctx.app.scenario_json())); } catch (e) { throw new Error(errText(e)); }
  setMark(null, null);
  afterRuns();
}

function afterRuns() {
  ctx.buildRuns();
  ctx.afterChange();
  lastKey = fanKey();
  $('fan-remove').disabled = !ctx.scenario().runs.some(isFan);
  fillRuns();
}

// The marker of the best fan run on the map: at the point where that run ends, kept in place
// as the view moves.
let mark = null;
function setMark(run, end) {
  mark = run === null || !end ? null : { run, end };
  const m = $('fan-best');
  if (!mark) { m.hidden = true; return; }
  const r = ctx.scenario().runs[run];
  m.textContent = '★ best ' + (r?.label ?? '').slice('fan '.length).split(' · ')[0];
  m.hidden = false;
  if (!placing) requestAnimationFrame(placeMark);
  placing = true;
}

// While there is a mark, every frame puts it where its point is drawn now.
let placing = false;
function placeMark() {
  placing = !!mark;
  if (!mark) return;
  requestAnimationFrame(placeMark);
  const m = $('fan-best');
  const [x0, x1, y0, y1] = ctx.app.view();
  const [px, py, w, h] = ctx.app.plot();
  const x = px + (mark.end[0] - x0) / (x1 - x0) * w;
  const y = py + (y1 - mark.end[1]) / (y1 - y0) * h;
  const inside = x >= px && x <= px + w && y >= py && y <= py + h;
  // The style is written only when the mark moves (no style work in a frame where it stays).
  const at = `${inside}:${Math.round(x)},${Math.round(y)}:${m.textContent}`;
  if (at === placedAt && !m.hidden) return;
  placedAt = at;
  m.style.visibility = inside ? 'visible' : 'hidden';
  m.style.transform = `translate(${Math.round(x)}px, ${Math.round(y)}px)`;
}
let placedAt = '';

// What decides how the fan's runs end: when it changes (a new surface, start, step budget, or a
// fan run's settings), the marks are set afresh by the engine.
let lastKey = '';
function fanKey() {
  const sc = ctx.scenario();
  const runs = sc.runs.filter(isFan).map((r) => ({ ...r, label: r.label.split(' · ')[0] }));
  if (!runs.length) return '';
  return JSON.stringify({ ...sc, runs });
}

let lastText = '';
let lastVersion = -1;
function watchFan() {
  const v = ctx.app.state_version();
  if (v === lastVersion) return;
  lastVersion = v;
  const text = ctx.app.scenario_json();
  if (text === lastText) return;
  lastText = text;
  if ($('tune-panel').open && !running) { fillRuns(); fillAlso(); }
  const key = fanKey();
  if (key === lastKey) return;
  lastKey = key;
  if (!key) { setMark(null, null); return; }
  try {
    const sc = ctx.app.scenario_json();
    const out = JSON.parse(mark_fan_json(sc));
    if (out.scenario !== sc) {
      ctx.app.edit_json(out.scenario);
      ctx.buildRuns();
      ctx.afterChange();
    }
    setMark(out.best, out.end);
  } catch (e) {
    setMark(null, null);
  }
  $('fan-remove').disabled = !key;
}

// ------------------------------------------------------------------ fair tuning

let running = null;

// The tunings run in a worker of their own (www/tune-worker.js), so the page's thread only
// shows the progress; started at the first tuning.
let worker = null;
let lastId = 0;
const listeners = new Map();
function tuneWorker() {
  if (!worker) {
    worker = new Worker(new URL('./tune-worker.js', import.meta.url), { type: 'module' });
    worker.onmessage = (e) => listeners.get(e.data.id)?.(e.data);
    worker.onerror = (e) => {
      for (const l of listeners.values()) l({ error: e.message || 'the tuning worker failed' });
      worker = null;
    };
  }
  return worker;
}

// Runs the tuning in the worker; resolves with the table (or rejects with the engine's
// message, or 'tuning cancelled') after adding the tuned runs to the scenario as it is then.
async function tune(opts = {}) {
  if (running) throw new Error('a tuning is already running');
  const o = opts && typeof opts === 'object' ? opts : {};
  const runs = Array.isArray(o.runs) ? o.runs.map(Number) : [];
  if (runs.some((i) => !Number.isInteger(i) || i < 0 || i > 4294967295)) throw new Error('runs: run indices must be whole numbers ≥ 0');
  const budget = o.budget === undefined ? BUDGET_DEFAULT : Number(o.budget);
  const evals = o.evals === undefined || o.evals === null || o.evals === '' ? undefined : Number(o.evals);
  const also = o.also ? String(o.also) : undefined;
  const id = ++lastId;
  const me = { id, cancel: null };
  running = me;
  const status = $('tune-status');
  const bar = $('tune-progress');
  let started = false;
  try {
    const done = await new Promise((resolve, reject) => {
      me.cancel = () => {
        worker?.postMessage({ cancel: id });
        reject(new Error('tuning cancelled'));
      };
      listeners.set(id, (m) => {
        if (m.error) { reject(new Error(m.error)); return; }
        if (!started) { started = true; showRunning(true); }
        bar.max = m.total;
        bar.value = m.done;
        if (m.table) resolve(m);
        else status.textContent = `Tuning: ${m.done} of ${m.total} runs`;
      });
      tuneWorker().postMessage({ id, scenario: ctx.app.scenario_json(), runs, budget, evals, also });
    });
    const out = JSON.parse(done.table);
    showTable(out);
    try {
      ctx.app.edit_json(with_tuned_table_json(ctx.app.scenario_json(), done.table));
      afterRuns();
    } catch (e) {
      ctx.showMessage(errText(e));
    }
    status.textContent = `Tuned ${out.table.rows.length} optimizer${out.table.rows.length === 1 ? '' : 's'} with ${done.total} runs; the tuned runs are on the map.`;
    return out;
  } catch (e) {
    if (started) status.textContent = errText(e);
    throw e;
  } finally {
    listeners.delete(id);
    running = null;
    showRunning(false);
  }
}

function showRunning(on) {
  $('tune-go').disabled = on;
  $('tune-cancel').hidden = !on;
  $('tune-progress').hidden = !on;
}

function showTable({ table, cells }) {
  const t = document.createElement('table');
  t.className = 'tune-table';
  const cap = document.createElement('caption');
  cap.textContent = `Tuned: best of ${table.budget} runs per optimizer`;
  t.append(cap);
  const note = document.createElement('p');
  note.id = 'tune-note';
  note.className = 'tune-help';
  note.textContent = `Metric: ${table.metric}. Search: ${table.search}.`;
  t.setAttribute('aria-describedby', note.id);
  const head = document.createElement('thead');
  const hr = document.createElement('tr');
  for (const h of cells[0]) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = h;
    hr.append(th);
  }
  head.append(hr);
  const body = document.createElement('tbody');
  for (const row of cells.slice(1)) {
    const tr = document.createElement('tr');
    row.forEach((c, k) => {
      const cell = document.createElement(k === 1 ? 'th' : 'td');
      if (k === 1) cell.scope = 'row';
      cell.textContent = c;
      tr.append(cell);
    });
    body.append(tr);
  }
  t.append(head, body);
  const wrap = document.createElement('div');
  wrap.className = 'tune-table-wrap';
  // It may scroll sideways on a narrow screen: reachable and scrollable with the keyboard.
  wrap.tabIndex = 0;
  wrap.setAttribute('role', 'region');
  wrap.setAttribute('aria-label', 'Tuning results');
  wrap.append(t);
  $('tune-table').replaceChildren(wrap, note);
}

// The choice of one more hyper-parameter: those the scenario's optimizers take, besides lr.
function fillAlso() {
  const sel = $('tune-also');
  const keep = sel.value;
  const names = new Map();
  const add = (cfg) => {
    const info = ctx.optInfo(cfg.name);
    for (const p of info?.params ?? []) if (p.name !== 'lr') names.set(p.name, p.label);
    if (cfg.inner) add(cfg.inner);
  };
  for (const r of ctx.scenario().runs) if (!isFan(r)) add(r.optimizer);
  const opts = [['', 'learning rate only'], ...[...names].map(([n, l]) => [n, 'and ' + l])];
  sel.replaceChildren(...opts.map(([v, t]) => { const o = document.createElement('option'); o.value = v; o.textContent = t; return o; }));
  sel.value = names.has(keep) ? keep : '';
}

// The optimizers to tune: one checkbox per run (not the fan's or earlier tuned runs), checked
// unless unchecked before.
const unchecked = new Set();
function fillRuns() {
  const box = $('tune-runs');
  for (const c of box.querySelectorAll('input')) if (!c.checked) unchecked.add(c.dataset.key); else unchecked.delete(c.dataset.key);
  const legend = document.createElement('legend');
  legend.textContent = 'optimizers to tune';
  const items = [];
  ctx.scenario().runs.forEach((r, i) => {
    if (isFan(r) || (r.label ?? '').startsWith('tuned ')) return;
    const c = document.createElement('input');
    c.type = 'checkbox';
    c.value = String(i);
    c.dataset.key = i + ':' + JSON.stringify(r.optimizer);
    c.checked = !unchecked.has(c.dataset.key);
    const l = document.createElement('label');
    l.append(c, ' ' + (r.label || ctx.optInfo(r.optimizer.name)?.title || r.optimizer.name));
    items.push(l);
  });
  box.replaceChildren(legend, ...items);
}

function field(label, input) {
  const l = document.createElement('label');
  l.append(label + ' ', input);
  return l;
}

function numberInput(id, value, min, max) {
  const i = document.createElement('input');
  Object.assign(i, { id, type: 'number', min: String(min), max: String(max), step: '1' });
  i.value = value;
  return i;
}

function button(id, text, title) {
  const b = document.createElement('button');
  Object.assign(b, { id, type: 'button', className: 'btn', textContent: text, title });
  return b;
}

function buildPanel() {
  const box = $('tune-box');
  const fanRow = document.createElement('div');
  fanRow.className = 'tune-row';
  const remove = button('fan-remove', 'Remove fan', 'Remove the fan’s runs');
  remove.disabled = true;
  remove.addEventListener('click', unfan);
  fanRow.append(field('fan size', numberInput('fan-n', FAN_DEFAULT, FAN_MIN, FAN_MAX)), remove);
  const fanHelp = document.createElement('p');
  fanHelp.className = 'tune-help';
  fanHelp.textContent = 'Fan on a run adds copies of it at log-spaced learning rates (a decade each way) and marks the lowest final loss.';

  const chooser = document.createElement('fieldset');
  chooser.id = 'tune-runs';
  chooser.className = 'tune-runs';
  const row = document.createElement('div');
  row.className = 'tune-row';
  const evals = numberInput('tune-evals', '', 1, 100000);
  evals.placeholder = 'steps';
  const also = document.createElement('select');
  also.id = 'tune-also';
  also.setAttribute('aria-label', 'Also search');
  also.addEventListener('focus', fillAlso);
  row.append(
    field('runs per optimizer', numberInput('tune-budget', BUDGET_DEFAULT, 3, 1024)),
    field('gradient evaluations', evals),
    also,
  );
  const go = button('tune-go', 'Tune fairly', 'Search every run’s learning rate with the same budget of runs and gradient evaluations');
  go.classList.add('primary');
  const cancel = button('tune-cancel', 'Cancel', 'Stop the tuning');
  cancel.hidden = true;
  cancel.addEventListener('click', () => { running?.cancel?.(); });
  const progress = document.createElement('progress');
  progress.id = 'tune-progress';
  progress.hidden = true;
  progress.setAttribute('aria-label', 'Tuning progress');
  go.addEventListener('click', () => {
    const v = (id) => $(id).value.trim();
    const runs = [...document.querySelectorAll('#tune-runs input:checked')].map((c) => Number(c.value));
    if (!runs.length) { ctx.showMessage('Choose at least one optimizer to tune.'); return; }
    tune({
      runs,
      budget: v('tune-budget') === '' ? undefined : Number(v('tune-budget')),
      evals: v('tune-evals') === '' ? undefined : Number(v('tune-evals')),
      also: v('tune-also') || undefined,
    }).catch((e) => { if (errText(e) !== 'tuning cancelled') ctx.showMessage(errText(e)); });
  });
  const actions = document.createElement('div');
  actions.className = 'tune-row';
  actions.append(go, cancel, progress);
  const status = document.createElement('p');
  Object.assign(status, { id: 'tune-status', className: 'tune-help' });
  status.setAttribute('role', 'status');
  const table = document.createElement('div');
  table.id = 'tune-table';
  box.append(fanRow, fanHelp, chooser, row, actions, status, table);
  fillAlso();
  fillRuns();
  $('tune-panel').addEventListener('toggle', () => { fillRuns(); fillAlso(); });

  const m = document.createElement('div');
  m.id = 'fan-best';
  m.className = 'fan-best';
  m.hidden = true;
  document.querySelector('.map-wrap').append(m);
}

// Sets up the panel; returns what window.playground gains (fan, unfan, tune).
export function tuneUi(c) {
  ctx = c;
  buildPanel();
  setInterval(watchFan, 300);
  return {
    fan: (runIndex, n = fanSize()) => fan(runIndex, n),
    unfan: () => unfan(),
    tune: (opts) => tune(opts),
  };
}
