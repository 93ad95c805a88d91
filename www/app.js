// DOM wiring only: every number comes from the Rust engine (www/pkg, built from src/web/).
import init, {
  App, default_scenario_json, slider_value, slider_pos,
  format_number, parse_number,
} from './pkg/optimizer_playground.js';
import { touchGestures } from './touch.js';
import { exportsUi } from './exports.js';
import * as embed from './embed.js';
import { fanButton, tuneUi } from './tune.js';
import { mapsUi } from './maps.js';

const $ = (id) => document.getElementById(id);
const el = (tag, attrs = {}, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const kid of kids) if (kid) e.append(kid);
  return e;
};
const errText = (e) => (e instanceof Error ? e.message : String(e));

let app;
// What the engine offers, from its own declarations (src/optim/config.rs, src/schedule.rs,
// src/surface/) through its catalog: nothing here repeats a name, a default or a range.
let SURFACES = [];
let OPTIMIZERS = [];
let OPTIONS = {};
const optInfo = (name) => OPTIMIZERS.find((o) => o.name === name);
const scenario = () => JSON.parse(app.scenario_json());

// A message above the map (as text, never as HTML): an error stays until dismissed with its ✕
// or Escape; information goes after four seconds.
function showMessage(text, kind = 'error') {
  const m = $('message');
  $('message-text').textContent = text;
  m.className = 'message ' + kind;
  m.hidden = !text;
  clearTimeout(showMessage.t);
  if (text && kind !== 'error') showMessage.t = setTimeout(() => { m.hidden = true; }, 4000);
}

// ------------------------------------------------------------------ surface picker

function buildSurfacePicker() {
  const sel = $('surface');
  sel.replaceChildren();
  const lib = el('optgroup', { label: 'Test functions' });
  for (const s of SURFACES) lib.append(el('option', { value: s.name, text: s.title }));
  const data = el('optgroup', { label: 'Models trained on data' },
    ...OPTIONS.data_kinds.map((k) => el('option', { value: '__data:' + k.name, text: k.title + ' (data)' })));
  sel.append(lib, data, el('option', { value: '__expr', text: 'Custom expression…' }));
}

// What the surface picker shows: the scenario's surface, described by the catalog.
function surfaceView() {
  const sc = scenario();
  if (sc.data) {
    const k = OPTIONS.data_kinds.find((d) => d.name === sc.data.kind);
    return { data: sc.data, title: k.title, description: k.description, formula: k.formula, params: [] };
  }
  const info = sc.surface.name && SURFACES.find((s) => s.name === sc.surface.name);
  if (!info) return { expr: sc.surface.expr, title: 'Custom expression', description: '', formula: sc.surface.expr || '', params: [] };
  const given = sc.surface.params || {};
  return {
    name: info.name, title: info.title, description: info.description, formula: info.formula,
    params: info.params.map((p) => ({ ...p, value: given[p.name] ?? p.default })),
  };
}

function syncSurface() {
  const cur = surfaceView();
  const sel = $('surface');
  const expr = $('expr');
  const box = $('surface-params');
  box.replaceChildren();
  const isData = !!cur.data;
  if ($('scatter').hidden === isData) {
    $('scatter').hidden = !isData;
    $('scatter').parentElement.classList.toggle('with-data', isData);
    app.resize();
  }
  $('scatter').parentElement.classList.toggle('with-data', isData);
  $('x-epochs').hidden = !isData;
  syncStop();
  showAxis();
  expr.disabled = isData;
  $('surface-title').textContent = cur.title;
  $('surface-desc').textContent = cur.description;
  if (document.activeElement !== expr || isData) expr.value = cur.formula;
  if (isData) {
    const d = cur.data;
    sel.value = '__data:' + d.kind;
    const setD = (field, v) => { app.set_data_field(field, String(v)); syncStop(); buildRuns(); afterChange(); };
    const features = OPTIONS.features.filter((f) => f.kinds.includes(d.kind)).map((f) => [f.name, f.title]);
    box.append(el('span', { class: 'data-controls' },
      slider({ label: 'points n', min: 2, max: 1000, log: true, integer: true, value: d.n, set: (v) => setD('n', v) }, 'inline'),
      slider({ label: 'noise', min: 0, max: 3, log: false, value: d.noise, set: (v) => setD('noise', v) }, 'inline'),
      slider({ label: 'held out', min: 0, max: 0.9, log: false, value: d.validation ?? 0, set: (v) => setD('validation', Math.round(v * 100) / 100) }, 'inline'),
      numberField('seed', d.seed, (v) => setD('seed', v)),
      selectField('features', features, d.features || 'raw', (v) => setD('features', v))));
    return;
  }
  sel.value = cur.name || '__expr';
  for (const p of cur.params || []) {
    box.append(slider({
      label: p.name, min: p.min, max: p.max, log: p.log, value: p.value,
      set: (v) => { app.set_surface_param(p.name, v); afterChange(); },
    }, 'inline'));
  }
}

// The scenario's stopping rules (empty: none), for every run.
function syncStop() {
  const sc = scenario();
  const stop = sc.stop || {};
  const set = (field) => (v) => {
    const next = scenario();
    const rules = { ...(next.stop || {}) };
    if (v === undefined) delete rules[field]; else rules[field] = v;
    if (Object.keys(rules).length) next.stop = rules; else delete next.stop;
    app.edit_json(JSON.stringify(next));
    buildRuns();
    afterChange();
  };
  const opt = (title) => ({ optional: true, placeholder: 'none', title });
  const box = $('stop-fields');
  box.replaceChildren(
    numberField('‖∇L‖ below', stop.grad_tol, set('grad_tol'), opt('Stop a run at the first point where the exact gradient norm is below this')),
    numberField('gradient evaluations', stop.max_evals, set('max_evals'), opt('Stop a run once it has used this many gradient evaluations')));
  if (sc.data && sc.data.validation) {
    box.append(numberField('no held-out gain for', stop.patience, set('patience'), opt('Early stopping: stop a run once its held-out loss has not improved for this many steps')));
  }
  $('stop-rules').open = !!sc.stop;
}

function setExprError(msg) {
  const box = $('expr-error');
  box.textContent = msg ? 'Expression error: ' + msg + ' — the last good surface stays.' : '';
  box.hidden = !msg;
  $('expr').parentElement.classList.toggle('bad', !!msg);
}

// ------------------------------------------------------------------ sliders

// A labelled slider with an editable value; positions map through the engine's scale.
function slider({ label, min, max, log, integer, value, set }, cls = 'param') {
  const steps = 1000;
  const range = el('input', { type: 'range', min: 0, max: steps, step: 1, 'aria-label': label });
  const text = el('input', { type: 'text', 'aria-label': label + ' value' });
  const show = (v) => {
    text.value = format_number(v);
    range.value = String(Math.round(slider_pos(min, max, log, v) * steps));
    text.classList.remove('bad');
  };
  show(value);
  const apply = (v) => {
    try {
      set(v);
      show(v);
    } catch (e) {
      text.classList.add('bad');
      showMessage(errText(e));
    }
  };
  range.addEventListener('input', () => {
    let v = slider_value(min, max, log, Number(range.value) / steps);
    if (integer) v = Math.round(v);
    text.value = format_number(v);
    try { set(v); text.classList.remove('bad'); } catch (e) { showMessage(errText(e)); }
  });
  text.addEventListener('change', () => {
    let v;
    try { v = parse_number(text.value); } catch (e) { text.classList.add('bad'); showMessage(errText(e)); return; }
    if (integer) v = Math.round(v);
    apply(v);
  });
  if (cls === 'inline') {
    return el('label', { class: 'param inline' }, el('span', { text: label }), range, text);
  }
  return el('div', { class: 'param' }, el('span', { text: label, title: label }), range, text);
}

function numberField(label, value, onSet, opts = {}) {
  const input = el('input', { type: 'text', value: value === undefined ? '' : format_number(value), 'aria-label': label, placeholder: opts.placeholder || '' });
  if (opts.title) input.title = opts.title;
  input.addEventListener('change', () => {
    try {
      const v = input.value.trim() === '' && opts.optional ? undefined : parse_number(input.value);
      onSet(v);
      input.classList.remove('bad');
    } catch (e) {
      input.classList.add('bad');
      showMessage(errText(e));
    }
  });
  return el('div', { class: 'param' }, el('span', { text: label }), el('span'), input);
}

function selectField(label, options, value, onSet) {
  const sel = el('select', { 'aria-label': label });
  for (const [v, t] of options) sel.append(el('option', { value: v, text: t }));
  sel.value = value;
  sel.addEventListener('change', () => {
    try { onSet(sel.value); } catch (e) { showMessage(errText(e)); }
  });
  return el('div', { class: 'param' }, el('span', { text: label }), sel);
}

// ------------------------------------------------------------------ runs panel

const scheduleInfo = (name) => OPTIONS.schedules.find((s) => s.name === name);

// Edits run i's options: the scenario goes back to the engine, which restarts that run alone.
function updateRun(i, mutate) {
  const sc = scenario();
  mutate(sc.runs[i]);
  app.edit_json(JSON.stringify(sc));
  afterChange();
}

function hyperSliders(i, info, cfg, into) {
  for (const p of info.params) {
    const v = cfg[p.name] ?? p.default;
    into.append(slider({
      label: p.label, min: p.min, max: p.max, log: p.log, integer: p.integer, value: v,
      set: (x) => { app.set_hyper(i, p.name, x); afterChange(); },
    }));
  }
}

function runCard(i, spec, color) {
  const info = optInfo(spec.optimizer.name);
  const card = el('div', { class: 'run' + (spec.enabled === false ? ' off' : '') });
  card.style.setProperty('--run', color);
  const on = el('input', { type: 'checkbox', 'aria-label': 'show run' });
  on.checked = spec.enabled !== false;
  on.addEventListener('change', () => { app.set_enabled(i, on.checked); card.classList.toggle('off', !on.checked); afterChange(); });
  const remove = el('button', { type: 'button', class: 'btn icon', title: 'Remove this run', 'aria-label': 'Remove run', text: '✕' });
  remove.addEventListener('click', () => { app.remove_run(i); buildRuns(); afterChange(); });
  const data = scenario().data;
  if (i === app.selected() && (data || app.show_inner())) card.classList.add('selected');
  const name = el('span', { class: 'name', text: (spec.label || info.title), title: info.title + ' (click: select it' + (data ? ', show its model on the data' : '') + ', look inside it)' });
  name.addEventListener('click', () => { app.select_run(i); buildRuns(); afterChange(); });
  card.append(el('div', { class: 'run-head' },
    el('span', { class: 'dot' }),
    name,
    el('label', {}, on, document.createTextNode('on')),
    fanButton(i),
    remove));
  card.append(el('p', { class: 'what', text: info.summary || info.description }));
  if (info.rule) card.append(el('div', { class: 'rule', role: 'math', 'aria-label': 'update rule: ' + info.rule, text: info.rule }));
  card.append(el('div', { class: 'readout', 'data-run': String(i) }));
  hyperSliders(i, info, spec.optimizer, card);
  if (spec.optimizer.name === 'lookahead') {
    const inner = spec.optimizer.inner;
    card.append(selectField('inner', OPTIMIZERS.filter((o) => o.first_order && o.name !== 'lookahead').map((o) => [o.name, o.title]), inner.name, (name) => {
      updateRun(i, (s) => {
        const io = optInfo(name);
        const lr = io.params.find((p) => p.name === 'lr');
        s.optimizer.inner = { name, ...(lr && lr.default === null ? { lr: s.optimizer.inner.lr ?? 0.01 } : {}) };
      });
      buildRuns();
    }));
    hyperSliders(i, optInfo(inner.name), inner, card);
  }
  if (info.line_search) {
    card.append(selectField('line search', OPTIONS.line_searches.map((l) => [l.name, l.title]),
      spec.optimizer.line_search || OPTIONS.line_searches[0].name, (v) => updateRun(i, (s) => { s.optimizer.line_search = v; })));
  }
  const more = el('details', { class: 'more' }, el('summary', { text: 'schedule' + (info.first_order ? ', clipping, L2' : '') + ', noise' }));
  const sched = spec.schedule;
  more.append(selectField('schedule', OPTIONS.schedules.map((s) => [s.name, s.title]),
    sched ? sched.name : 'constant', (name) => {
      updateRun(i, (s) => {
        if (name === 'constant') delete s.schedule;
        else s.schedule = Object.fromEntries([['name', name], ...scheduleInfo(name).fields.filter((f) => f.required).map((f) => [f.name, f.default])]);
      });
      buildRuns();
    }));
  if (sched) {
    for (const f of [...scheduleInfo(sched.name).fields, OPTIONS.warmup]) {
      more.append(numberField(f.name, sched[f.name] ?? f.default, (v) => updateRun(i, (s) => {
        if (!f.required && v === f.default) delete s.schedule[f.name]; else s.schedule[f.name] = v;
      }), { title: f.meaning }));
    }
  }
  if (info.first_order) {
    const clipKind = spec.clip ? Object.keys(spec.clip)[0] : 'none';
    more.append(selectField('clipping', [['none', 'none'], ...OPTIONS.clips.map((c) => [c.name, c.title])], clipKind, (k) => {
      updateRun(i, (s) => { if (k === 'none') delete s.clip; else s.clip = { [k]: 1.0 }; });
      buildRuns();
    }));
    if (spec.clip) {
      more.append(numberField('clip at', spec.clip[clipKind], (v) => updateRun(i, (s) => { s.clip = { [clipKind]: v }; })));
    }
    more.append(numberField('L2 λ', spec.l2 ?? 0, (v) => updateRun(i, (s) => { if (v) s.l2 = v; else delete s.l2; })));
  }
  if (data) {
    card.append(slider({
      label: 'batch size', min: 1, max: data.n, log: true, integer: true, value: Math.min(spec.batch_size ?? data.n, data.n),
      set: (v) => updateRun(i, (s) => { if (v >= data.n) delete s.batch_size; else s.batch_size = v; }),
    }));
  }
  more.append(el('div', { class: 'sub', text: 'noise' }));
  more.append(slider({
    label: 'gradient noise σ', min: 0, max: 5, log: false, value: spec.noise ?? 0,
    set: (v) => updateRun(i, (s) => { if (v > 0) s.noise = v; else delete s.noise; }),
  }));
  more.append(numberField('seed', spec.seed ?? (data ? data.seed : 0), (v) => updateRun(i, (s) => { s.seed = v; })));
  if (spec.schedule || spec.clip || spec.l2 || spec.noise) more.open = true;
  card.append(more);
  return card;
}

function buildRuns() {
  const box = $('runs');
  box.replaceChildren();
  const sc = scenario();
  // Each run's colour as the engine draws it (its own, or the palette's).
  const colors = JSON.parse(app.readouts_json()).map((r) => r.color);
  sc.runs.forEach((spec, i) => box.append(runCard(i, spec, colors[i])));
  if (!sc.runs.length) box.append(el('p', { class: 'readout', text: 'No runs yet: add an optimizer above.' }));
}

function refreshReadouts() {
  const rs = JSON.parse(app.readouts_json());
  for (const [i, r] of rs.entries()) {
    const box = document.querySelector(`.readout[data-run="${i}"]`);
    if (!box) continue;
    const line1 = el('div', {}, 'step ', el('b', { text: String(r.step) }), '  ·  L = ', el('b', { text: r.loss }), '  ·  ‖∇L‖ = ', el('b', { text: r.grad_norm }));
    const line2 = el('div', {}, 'θ = ', el('b', { text: r.point }), '  ·  lr = ', el('b', { text: r.lr }));
    const line3 = el('div', { text: r.evals });
    const kids = [line1, line2, line3];
    if (r.epoch) kids.push(el('div', { class: 'epoch', text: r.epoch }));
    // At the end: how the last point looks (minimum, saddle, …), from the exact Hessian.
    const end = r.end && !r.diverged && !r.status.includes(r.end) ? ' · ' + r.end : '';
    if (r.status) kids.push(el('div', { class: 'status' + (r.diverged ? ' bad' : ''), text: r.status + end }));
    box.replaceChildren(...kids);
  }
}

// ------------------------------------------------------------------ playback

function refreshPlaybar() {
  const playing = app.playing();
  const play = $('play');
  play.textContent = playing ? '❚❚ Pause' : '▶ Play';
  play.setAttribute('aria-label', playing ? 'Pause' : 'Play');
  const tl = $('timeline');
  const its = Number(app.iterations());
  tl.max = String(its);
  tl.value = String(app.cursor());
  $('stepcount').textContent = `step ${app.cursor()} / ${app.steps()}`;
  $('limit').value = String(app.steps());
}

function refresh() {
  refreshPlaybar();
  refreshReadouts();
  narrate();
  refreshInner();
}

// ------------------------------------------------------------------ inside the optimizer

// The selected run's step at the timeline's point, drawn by the engine on the map; its numbers
// (from the engine's state, as text) in a box over the map.
function refreshInner() {
  const on = app.show_inner();
  const box = $('inner-text');
  box.hidden = !on;
  $('inner').setAttribute('aria-pressed', String(on));
  if (on) box.textContent = JSON.parse(app.inner_text_json()).join('\n');
}

function toggleInner() {
  app.set_show_inner(!app.show_inner());
  buildRuns();
  afterChange();
}

// ------------------------------------------------------------------ narration

// Milestones (a run diverging, a loss level reached) said once as the timeline passes them,
// in an aria-live line under the map. The sentences come from the engine.
let narrated = 0;
function narrate() {
  const cur = Number(app.cursor());
  if (cur < narrated) { narrated = cur; return; }
  if (cur === narrated) return;
  const said = JSON.parse(app.milestones_json(narrated, cur));
  narrated = cur;
  if (said.length) $('narration').textContent = said.slice(-3).join(' · ');
}
function resetNarration() {
  narrated = 0;
  $('narration').textContent = '';
}

function afterChange() {
  app.draw();
  refresh();
}

// The speed asked for, and what frames really run when a heavy scenario fills their time.
function showSpeed(real) {
  const asked = Number(app.speed());
  const out = $('speed-out');
  const slow = real !== undefined && real < asked - 0.5;
  const shown = real >= 10 ? String(Math.round(real)) : real === undefined ? '' : real.toFixed(1);
  out.textContent = slow ? `${asked} (now ${shown})` : String(asked);
  out.title = slow
    ? `Each frame has about 8 ms for stepping: this scenario runs about ${shown} iterations a frame, not ${asked}.`
    : '';
}

function speedUi() {
  const s = $('speed');
  const show = () => showSpeed();
  s.value = String(slider_pos(1, 1000, true, Number(app.speed())));
  show();
  s.addEventListener('input', () => { app.set_speed(Math.round(slider_value(1, 1000, true, Number(s.value)))); show(); });
}

// ------------------------------------------------------------------ map interaction

function mapUi() {
  const ov = $('overlay');
  let drag = null;
  let clickTimer;
  const pos = (e) => { const r = ov.getBoundingClientRect(); return [e.clientX - r.left, e.clientY - r.top]; };
  // Fingers are www/touch.js's; the mouse and the pen are handled here.
  const touch = (e) => e.pointerType === 'touch';
  ov.addEventListener('pointerdown', (e) => {
    if (touch(e)) return;
    const [x, y] = pos(e);
    drag = { x, y, moved: false };
    ov.setPointerCapture(e.pointerId);
  });
  ov.addEventListener('pointermove', (e) => {
    if (touch(e)) return;
    const [x, y] = pos(e);
    if (drag) {
      const dx = x - drag.x, dy = y - drag.y;
      if (drag.moved || Math.hypot(dx, dy) > 4) {
        drag.moved = true;
        ov.classList.add('dragging');
        app.pan(dx, dy);
        drag.x = x; drag.y = y;
        app.draw();
      }
    }
    $('hover').textContent = app.hover(x, y);
  });
  ov.addEventListener('pointerup', (e) => {
    if (touch(e)) return;
    const [x, y] = pos(e);
    const wasDrag = drag && drag.moved;
    drag = null;
    ov.classList.remove('dragging');
    if (!wasDrag && e.button === 0) {
      // A single click sets the start, once it is clear that it is no double-click (which
      // resets the view and must not move the start on its way).
      clearTimeout(clickTimer);
      if (e.detail >= 2) return;
      clickTimer = setTimeout(() => {
        try { if (app.click(x, y)) afterChange(); } catch (err) { showMessage(errText(err)); }
      }, 250);
    }
  });
  ov.addEventListener('pointerleave', () => { $('hover').textContent = ''; });
  ov.addEventListener('wheel', (e) => {
    e.preventDefault();
    const [x, y] = pos(e);
    app.zoom(x, y, Math.exp(-e.deltaY * (e.deltaMode === 1 ? 0.05 : 0.0015)));
    app.draw();
    $('hover').textContent = app.hover(x, y);
  }, { passive: false });
  ov.addEventListener('dblclick', (e) => { e.preventDefault(); clearTimeout(clickTimer); app.reset_view(); app.draw(); });
  touchGestures(ov, {
    pan: (dx, dy) => { app.pan(dx, dy); app.draw(); },
    zoom: (x, y, f) => { app.zoom(x, y, f); app.draw(); },
    tap: (x, y) => { try { if (app.click(x, y)) afterChange(); } catch (err) { showMessage(errText(err)); } },
    reset: () => { app.reset_view(); app.draw(); },
    hover: (x, y) => { $('hover').textContent = x === null ? '' : app.hover(x, y); },
  });
}

// ------------------------------------------------------------------ share links

// The scenario with its view, axis and step (see www/embed.js).
function shareLink() {
  return embed.shareAddress();
}

// Opens the address's scenario or lesson, then its view, axis and step (`&view=…` after it;
// on the first load also the query's, and an embed's autoplay).
function loadFromHash(initial = false) {
  const { head, params } = embed.splitHash(location.hash);
  const loaded = loadHead(head);
  Promise.resolve(loaded).then(() => embed.applyState(params, initial));
  return loaded;
}

function loadHead(h) {
  if (h.startsWith('#lesson=')) {
    const [id, scene] = decodeURIComponentSafe(h.slice('#lesson='.length))?.split('/') ?? [];
    const i = LESSONS.findIndex((l) => l.id === id);
    if (i < 0) { showMessage(`This link names a lesson that does not exist ('${id}'), so the default scenario is shown.`); return false; }
    return openLesson(i, Math.max(0, Number(scene || 1) - 1) || 0);
  }
  if (!h.startsWith('#scenario=')) return false;
  let text;
  try {
    text = decodeURIComponent(h.slice('#scenario='.length));
  } catch (e) {
    showMessage('This link is damaged (its encoding is broken), so the default scenario is shown.');
    return false;
  }
  try {
    app.load_json(text);
    return true;
  } catch (e) {
    showMessage('This link could not be opened: ' + errText(e) + '. The default scenario is shown.');
    app.load_json(default_scenario_json());
    return false;
  }
}

// ------------------------------------------------------------------ charts' x axis

const AXES = [['steps', 'x-steps'], ['evals', 'x-evals'], ['epochs', 'x-epochs']];

function showAxis() {
  const shown = app.x_axis();
  for (const [name, id] of AXES) {
    $(id).classList.toggle('on', name === shown);
    $(id).setAttribute('aria-pressed', String(name === shown));
  }
}

function setX(name) {
  app.set_x_axis(name);
  showAxis();
  app.draw();
}

// The next axis offered (epochs only on data surfaces).
function cycleAxis() {
  const offered = AXES.filter(([, id]) => !$(id).hidden).map(([n]) => n);
  setX(offered[(offered.indexOf(app.x_axis()) + 1) % offered.length]);
}

// ------------------------------------------------------------------ lessons

let LESSONS = [];
// The lesson shown: its index and scene.
let lesson = null;

async function openLesson(i, scene = 0) {
  const l = LESSONS[i];
  if (!l) return;
  const k = Math.min(Math.max(0, scene | 0), l.scenes.length - 1);
  const sc = l.scenes[k];
  let text;
  try {
    const r = await fetch(new URL('./lessons/' + sc.scenario, import.meta.url));
    if (!r.ok) throw new Error(`${sc.scenario}: ${r.status} ${r.statusText}`);
    text = await r.text();
    app.set_playing(false);
    app.load_json(text);
  } catch (e) {
    showMessage(`The lesson "${l.title}" could not be opened: ${errText(e)}`);
    return;
  }
  lesson = { i, scene: k };
  resetNarration();
  setX(sc.axis || 'steps');
  showLesson();
  syncSurface(); buildRuns(); afterChange();
  history.replaceState(null, '', location.href.split('#')[0] + '#lesson=' + encodeURIComponent(l.id) + (k ? '/' + (k + 1) : ''));
  embed.noteLesson();
}

function showLesson() {
  const panel = $('lesson-panel');
  $('lesson').value = lesson ? String(lesson.i) : '';
  panel.hidden = !lesson;
  if (!lesson) return;
  const l = LESSONS[lesson.i];
  const sc = l.scenes[lesson.scene];
  $('lesson-title').textContent = `${lesson.i + 1}. ${l.title}`;
  $('lesson-text').textContent = sc.text;
  $('lesson-watch').textContent = sc.watch;
  const many = l.scenes.length > 1;
  $('scene-count').textContent = many ? `scene ${lesson.scene + 1} of ${l.scenes.length}` : '';
  const first = lesson.i === 0 && lesson.scene === 0;
  const last = lesson.i === LESSONS.length - 1 && lesson.scene === l.scenes.length - 1;
  $('scene-prev').disabled = first;
  $('scene-next').disabled = last;
  $('scene-next').textContent = lesson.scene === l.scenes.length - 1 ? 'Next lesson ▶' : 'Next ▶';
  $('scene-prev').textContent = lesson.scene === 0 ? '◀ Previous lesson' : '◀ Previous';
}

// The next or previous scene; past a lesson's last scene the next lesson, so a presenter's
// clicker (Page Down / Page Up) walks through the whole course.
function moveScene(d) {
  if (!lesson) return;
  const k = lesson.scene + d;
  const n = LESSONS[lesson.i].scenes.length;
  if (k >= 0 && k < n) openLesson(lesson.i, k);
  else if (k >= n && lesson.i + 1 < LESSONS.length) openLesson(lesson.i + 1, 0);
  else if (k < 0 && lesson.i > 0) openLesson(lesson.i - 1, LESSONS[lesson.i - 1].scenes.length - 1);
}

function lessonUi() {
  const sel = $('lesson');
  LESSONS.forEach((l, i) => sel.append(el('option', { value: String(i), text: `${i + 1}. ${l.title}` })));
  sel.addEventListener('change', () => {
    if (sel.value === '') { lesson = null; showLesson(); } else openLesson(Number(sel.value));
    sel.blur();
  });
  $('lesson-close').addEventListener('click', () => { lesson = null; showLesson(); });
  $('scene-prev').addEventListener('click', () => moveScene(-1));
  $('scene-next').addEventListener('click', () => moveScene(1));
}

// ------------------------------------------------------------------ presentation mode

// For a projector: larger type (CSS), lines and markers drawn 1.75× (the engine), the runs
// panel folded into a drawer.
const EMPHASIS = 1.75;

function setPresent(on) {
  document.body.classList.toggle('present', on);
  $('present').setAttribute('aria-pressed', String(on));
  app.set_emphasis(on ? EMPHASIS : 1);
  app.resize();
  afterChange();
}

function toggleRuns() {
  const open = document.body.classList.toggle('runs-open');
  $('runs-toggle').setAttribute('aria-expanded', String(open));
  $('runs-toggle').textContent = open ? 'Runs ▾' : 'Runs ▸';
}

async function toggleFullscreen() {
  try {
    if (document.fullscreenElement) await document.exitFullscreen();
    else await document.documentElement.requestFullscreen();
  } catch (e) {
    showMessage('Full screen is not available here: ' + errText(e), 'info');
  }
}

function presentUi() {
  $('present').addEventListener('click', () => setPresent(!document.body.classList.contains('present')));
  $('fullscreen').addEventListener('click', toggleFullscreen);
  $('runs-toggle').addEventListener('click', toggleRuns);
  document.addEventListener('fullscreenchange', () => setTimeout(() => { app.resize(); afterChange(); }, 50));
}

// ------------------------------------------------------------------ keyboard

function togglePlay() { app.set_playing(!app.playing()); refreshPlaybar(); }
// One step forward: along the timeline when it is scrubbed back, else one more iteration.
function stepForward() {
  app.set_playing(false);
  const c = Number(app.cursor());
  if (c < Number(app.iterations())) app.set_cursor(c + 1); else app.step_soon(1);
  afterChange();
}
function seek(k) { app.set_playing(false); app.set_cursor(Math.max(0, k)); afterChange(); }
function zoomBy(f) {
  const ov = $('overlay');
  app.zoom(ov.clientWidth / 2, ov.clientHeight / 2, f);
  app.draw();
}

// Every key, once: the handler and the help overlay both read this table.
const KEYS = [
  { keys: ['Space'], what: 'play or pause', on: (e) => e.key === ' ', run: togglePlay },
  { keys: ['→'], what: 'one step forward', on: (e) => e.key === 'ArrowRight', run: stepForward },
  { keys: ['←'], what: 'one step back', on: (e) => e.key === 'ArrowLeft', run: () => seek(Number(app.cursor()) - 1) },
  { keys: ['Home'], what: 'the first step', on: (e) => e.key === 'Home', run: () => seek(0) },
  { keys: ['End'], what: 'the latest step', on: (e) => e.key === 'End', run: () => seek(Number(app.iterations())) },
  { keys: ['+'], what: 'zoom in', on: (e) => e.key === '+' || e.key === '=', run: () => zoomBy(1.25) },
  { keys: ['−'], what: 'zoom out', on: (e) => e.key === '-' || e.key === '_', run: () => zoomBy(0.8) },
  { keys: ['0'], what: 'reset the view', on: (e) => e.key === '0', run: () => { app.reset_view(); app.draw(); } },
  { keys: ['R'], what: 'restart the runs from the start', on: (e) => e.key.toLowerCase() === 'r', run: () => { app.set_playing(false); app.reset(); afterChange(); } },
  { keys: ['I'], what: "inside the selected run's optimizer at this step", on: (e) => e.key.toLowerCase() === 'i', run: toggleInner },
  { keys: ['X'], what: 'charts per step, per gradient evaluation, per epoch', on: (e) => e.key.toLowerCase() === 'x', run: cycleAxis },
  { keys: ['1', '…', '9'], what: 'lesson 1 to 9', on: (e) => /^[1-9]$/.test(e.key), run: (e) => openLesson(Number(e.key) - 1) },
  { keys: ['Page Down'], what: 'the next scene (after the last, the next lesson)', on: (e) => e.key === 'PageDown', run: () => moveScene(1) },
  { keys: ['Page Up'], what: 'the previous scene (or lesson)', on: (e) => e.key === 'PageUp', run: () => moveScene(-1) },
  { keys: ['P'], what: 'presentation mode on or off', on: (e) => e.key.toLowerCase() === 'p', run: () => setPresent(!document.body.classList.contains('present')) },
  { keys: ['F'], what: 'full screen on or off', on: (e) => e.key.toLowerCase() === 'f', run: toggleFullscreen },
  { keys: ['?'], what: 'this list', on: (e) => e.key === '?', run: () => setHelp(true) },
  { keys: ['Esc'], what: 'close this list or a message', on: (e) => e.key === 'Escape', run: () => {} },
];

function setHelp(open) {
  $('help').hidden = !open;
  if (open) $('help-close').focus();
}

function keyboardUi() {
  const rows = KEYS.map((k) => el('tr', {},
    el('td', {}, ...k.keys.flatMap((key, j) => [j ? ' ' : null, key === '…' ? document.createTextNode('…') : el('kbd', { text: key })]).filter(Boolean)),
    el('td', { text: k.what })));
  $('help-keys').replaceChildren(...rows);
  $('help-open').addEventListener('click', () => setHelp(true));
  $('help-close').addEventListener('click', () => setHelp(false));
  $('help').addEventListener('click', (e) => { if (e.target === $('help')) setHelp(false); });
  window.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      if (!$('help').hidden) { setHelp(false); return; }
      if (!$('message').hidden) { $('message').hidden = true; return; }
      return;
    }
    if (!$('help').hidden) return;
    const t = e.target;
    // Not while typing in a field; on a focused button Space and Enter press the button.
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (t instanceof HTMLElement && t.closest('input, select, textarea')) return;
    if (t instanceof HTMLElement && t.closest('button, summary') && (e.key === ' ' || e.key === 'Enter')) return;
    const k = KEYS.find((x) => x.on(e));
    if (!k) return;
    e.preventDefault();
    k.run(e);
  });
}

// ------------------------------------------------------------------ start

// A new task (a message to itself: not throttled like timers in a hidden tab).
const nextTask = () => new Promise((resolve) => {
  const ch = new MessageChannel();
  ch.port1.onmessage = () => resolve();
  ch.port2.postMessage(null);
});
// After the next paint (a frame, then a task), or 100 ms in a tab that does not paint.
const nextPaint = () => new Promise((resolve) => {
  requestAnimationFrame(() => nextTask().then(resolve));
  setTimeout(resolve, 100);
});

async function main() {
  // The engine, and its catalog written beside it by the build (optimizer-playground catalog).
  const [, catalog, lessons] = await Promise.all([
    init(),
    fetch(new URL('./pkg/catalog.json', import.meta.url)).then((r) => r.json()),
    fetch(new URL('./lessons/index.json', import.meta.url)).then((r) => r.json()).catch(() => ({ lessons: [] })),
  ]);
  LESSONS = lessons.lessons || [];
  SURFACES = catalog.surfaces;
  OPTIMIZERS = catalog.optimizers;
  OPTIONS = catalog.options;
  app = new App($('map'), $('overlay'), $('loss'), $('lr'));
  app.set_scatter($('scatter'));
  embed.bind({ app, showMessage, afterChange, setX });
  buildSurfacePicker();
  const add = $('add-kind');
  for (const o of OPTIMIZERS) add.append(el('option', { value: o.name, text: o.title }));
  add.value = 'adam';
  loadFromHash(true);

  $('surface').addEventListener('change', () => {
    const v = $('surface').value;
    if (v === '__expr') { $('expr').disabled = false; $('expr').focus(); return; }
    if (v.startsWith('__data:')) app.set_data(v.slice(7));
    else app.set_surface(v);
    setExprError('');
    syncSurface();
    buildRuns();
    afterChange();
  });
  let exprTimer;
  $('expr').addEventListener('input', () => {
    clearTimeout(exprTimer);
    exprTimer = setTimeout(() => {
      const src = $('expr').value;
      if (!src.trim()) { setExprError('the expression is empty'); return; }
      try {
        app.set_expr(src);
        setExprError('');
        syncSurface();
        afterChange();
      } catch (e) {
        setExprError(errText(e));
      }
    }, 150);
  });
  $('add').addEventListener('click', () => {
    try { app.add_run(add.value); buildRuns(); afterChange(); } catch (e) { showMessage(errText(e)); }
  });
  $('play').addEventListener('click', () => { app.set_playing(!app.playing()); refreshPlaybar(); });
  $('stepbtn').addEventListener('click', stepForward);
  $('inner').addEventListener('click', toggleInner);
  $('reset').addEventListener('click', () => { app.set_playing(false); app.reset(); afterChange(); });
  $('timeline').addEventListener('input', () => { app.set_playing(false); app.set_cursor(Number($('timeline').value)); afterChange(); });
  $('limit').addEventListener('change', () => {
    try { app.set_steps(parse_number($('limit').value)); afterChange(); } catch (e) { showMessage(errText(e)); refreshPlaybar(); }
  });
  for (const [name, id] of AXES) $(id).addEventListener('click', () => setX(name));
  $('share').addEventListener('click', async () => {
    const link = shareLink();
    history.replaceState(null, '', link);
    try {
      await navigator.clipboard.writeText(link);
      showMessage('Link copied: it opens this exact scenario.', 'info');
    } catch {
      showMessage('The link is in the address bar: copy it from there.', 'info');
    }
  });
  window.addEventListener('hashchange', () => {
    const { head, params } = embed.splitHash(location.hash);
    if (head.startsWith('#lesson=')) { loadFromHash(); return; }
    if (head.startsWith('#scenario=') && decodeURIComponentSafe(head.slice(10)) !== app.scenario_json()) {
      loadFromHash(); syncSurface(); buildRuns(); afterChange();
    } else if (head.startsWith('#scenario=')) embed.applyState(params);
  });
  $('message-close').addEventListener('click', () => { $('message').hidden = true; });
  keyboardUi();
  lessonUi();
  presentUi();
  exportsUi({ app, el, showMessage, afterChange, showSpeed });
  const tuneApi = tuneUi({ app, showMessage, afterChange, buildRuns, scenario, optInfo });
  let resizeTimer;
  window.addEventListener('resize', () => { clearTimeout(resizeTimer); resizeTimer = setTimeout(() => { app.resize(); afterChange(); }, 100); });
  speedUi();
  mapUi();
  const maps = mapsUi({ app, el, showMessage, afterChange, buildRuns, optInfo });
  syncSurface();
  buildRuns();
  refresh();
  // The first picture once the text above is on screen, a part per task (the colour map's
  // field and contours, the map, the trajectories, the charts): no task blocks the page long.
  await nextPaint();
  app.prepare_map();
  do await nextTask(); while (app.draw_part());

  let behind = false;
  let shown = 0;
  // Iterations per frame really run, over the last second of frames.
  const recent = [];
  const perFrame = () => recent.length < 2 ? undefined : (recent.at(-1) - recent[0]) / (recent.length - 1);
  const loop = (ts) => {
    const was = app.playing();
    try {
      app.frame(ts);
    } catch (e) {
      app.set_playing(false);
      showMessage(errText(e));
    }
    const real = Number(app.last_frame_iterations());
    if (was) { recent.push(Number(app.iterations())); if (recent.length > 60) recent.shift(); } else recent.length = 0;
    // Playing, or runs still catching up after an edit: the numbers move. The read-outs and
    // the timeline follow ten times a second (the map and charts every frame), and once more
    // when it stops.
    const moving = was || real > 0;
    if (moving && ts - shown >= 100 || !moving && behind) {
      if (was) showSpeed(app.done() ? undefined : perFrame());
      refresh();
      shown = ts;
    }
    behind = moving;
    requestAnimationFrame(loop);
  };
  requestAnimationFrame(loop);

  const api = {
    scenario: () => scenario(),
    load: (obj) => {
      // The object is read into JSON text first: a getter that throws or a cycle fails here,
      // before the engine is touched, and numbers reach the engine exactly as JSON.parse gave them.
      let text;
      try { text = JSON.stringify(obj); } catch (e) { throw new Error('scenario: ' + errText(e)); }
      if (typeof text !== 'string') throw new Error('scenario: expected an object');
      try { app.load_json(text); } catch (e) { throw new Error(errText(e)); }
      resetNarration(); syncSurface(); buildRuns(); afterChange();
    },
    step: (n = 1) => {
      const k = Number(n);
      if (!Number.isInteger(k) || k < 0) throw new Error('step(n) takes a whole number ≥ 0');
      app.step(Math.min(k, 4294967295));
      afterChange();
    },
    paths: () => JSON.parse(app.paths_json()),
    lessons: () => LESSONS.map((l) => ({ id: l.id, title: l.title, scenes: l.scenes.length })),
    openLesson: (i, scene = 0) => openLesson(i, scene),
    present: (on) => setPresent(!!on),
    map: (kind, params, opts) => maps.map(kind, params, opts),
    mapState: () => maps.state(),
  };
  Object.assign(api, tuneApi);
  Object.defineProperty(api, '_app', { value: app, enumerable: false });
  embed.start(api);
  window.playground = api;
  window.__playgroundResolve(api);
}

function decodeURIComponentSafe(s) {
  try { return decodeURIComponent(s); } catch { return null; }
}

main().catch((e) => {
  showMessage('The playground could not start: ' + errText(e));
  window.__playgroundReject(e);
});
