// DOM wiring only: every number comes from the Rust engine (www/pkg, built from src/web.rs).
import init, {
  App, default_scenario_json, slider_value, slider_pos,
  format_number, parse_number,
} from './pkg/optimizer_playground.js';

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
  expr.disabled = isData;
  $('surface-title').textContent = cur.title;
  $('surface-desc').textContent = cur.description;
  if (document.activeElement !== expr || isData) expr.value = cur.formula;
  if (isData) {
    const d = cur.data;
    sel.value = '__data:' + d.kind;
    const setD = (field, v) => { app.set_data_field(field, String(v)); buildRuns(); afterChange(); };
    const features = OPTIONS.features.filter((f) => f.kinds.includes(d.kind)).map((f) => [f.name, f.title]);
    box.append(el('span', { class: 'data-controls' },
      slider({ label: 'points n', min: 2, max: 1000, log: true, integer: true, value: d.n, set: (v) => setD('n', v) }, 'inline'),
      slider({ label: 'noise', min: 0, max: 3, log: false, value: d.noise, set: (v) => setD('noise', v) }, 'inline'),
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
  if (i === app.selected() && data) card.classList.add('selected');
  const name = el('span', { class: 'name', text: (spec.label || info.title), title: info.description + ' (click: show its model on the data)' });
  name.addEventListener('click', () => { app.select_run(i); buildRuns(); afterChange(); });
  card.append(el('div', { class: 'run-head' },
    el('span', { class: 'dot' }),
    name,
    el('label', {}, on, document.createTextNode('on')),
    remove));
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
    if (r.status) kids.push(el('div', { class: 'status' + (r.diverged ? ' bad' : ''), text: r.status }));
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
  ov.addEventListener('pointerdown', (e) => {
    const [x, y] = pos(e);
    drag = { x, y, moved: false };
    ov.setPointerCapture(e.pointerId);
  });
  ov.addEventListener('pointermove', (e) => {
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
}

// ------------------------------------------------------------------ share links

function shareLink() {
  return location.href.split('#')[0] + '#scenario=' + encodeURIComponent(app.scenario_json());
}

function loadFromHash() {
  const h = location.hash;
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

// ------------------------------------------------------------------ start

async function main() {
  // The engine, and its catalog written beside it by the build (optimizer-playground catalog).
  const [, catalog] = await Promise.all([
    init(),
    fetch(new URL('./pkg/catalog.json', import.meta.url)).then((r) => r.json()),
  ]);
  SURFACES = catalog.surfaces;
  OPTIMIZERS = catalog.optimizers;
  OPTIONS = catalog.options;
  app = new App($('map'), $('overlay'), $('loss'), $('lr'));
  app.set_scatter($('scatter'));
  buildSurfacePicker();
  const add = $('add-kind');
  for (const o of OPTIMIZERS) add.append(el('option', { value: o.name, text: o.title }));
  add.value = 'adam';
  loadFromHash();

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
  $('stepbtn').addEventListener('click', () => { app.set_playing(false); app.step_soon(1); afterChange(); });
  $('reset').addEventListener('click', () => { app.set_playing(false); app.reset(); afterChange(); });
  $('timeline').addEventListener('input', () => { app.set_playing(false); app.set_cursor(Number($('timeline').value)); afterChange(); });
  $('limit').addEventListener('change', () => {
    try { app.set_steps(parse_number($('limit').value)); afterChange(); } catch (e) { showMessage(errText(e)); refreshPlaybar(); }
  });
  const xSteps = $('x-steps'), xEvals = $('x-evals');
  const setX = (evals) => {
    app.set_x_evals(evals);
    xSteps.classList.toggle('on', !evals); xEvals.classList.toggle('on', evals);
    xSteps.setAttribute('aria-pressed', String(!evals)); xEvals.setAttribute('aria-pressed', String(evals));
    app.draw();
  };
  xSteps.addEventListener('click', () => setX(false));
  xEvals.addEventListener('click', () => setX(true));
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
    if (location.hash.startsWith('#scenario=') && decodeURIComponentSafe(location.hash.slice(10)) !== app.scenario_json()) {
      loadFromHash(); syncSurface(); buildRuns(); afterChange();
    }
  });
  // Keyboard: space plays or pauses, → steps once, R resets (not while typing in a field).
  $('message-close').addEventListener('click', () => { $('message').hidden = true; });
  window.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && !$('message').hidden) { $('message').hidden = true; return; }
    const t = e.target;
    if (e.ctrlKey || e.metaKey || e.altKey || (t instanceof HTMLElement && t.closest('input, select, textarea, button'))) return;
    if (e.key === ' ') { e.preventDefault(); app.set_playing(!app.playing()); refreshPlaybar(); }
    else if (e.key === 'ArrowRight') { e.preventDefault(); app.set_playing(false); app.step_soon(1); afterChange(); }
    else if (e.key === 'r' || e.key === 'R') { app.set_playing(false); app.reset(); afterChange(); }
  });
  let resizeTimer;
  window.addEventListener('resize', () => { clearTimeout(resizeTimer); resizeTimer = setTimeout(() => { app.resize(); afterChange(); }, 100); });
  speedUi();
  mapUi();
  syncSurface();
  buildRuns();
  app.draw();
  refresh();

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
      if (was) showSpeed(perFrame());
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
      syncSurface(); buildRuns(); afterChange();
    },
    step: (n = 1) => {
      const k = Number(n);
      if (!Number.isInteger(k) || k < 0) throw new Error('step(n) takes a whole number ≥ 0');
      app.step(Math.min(k, 4294967295));
      afterChange();
    },
    paths: () => JSON.parse(app.paths_json()),
  };
  Object.defineProperty(api, '_app', { value: app, enumerable: false });
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
