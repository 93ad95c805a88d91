// Maps: the selected run's hyperparameter map, or the basins of the start points of the map's
// view, computed by www/maps-worker.js (the page stays responsive) coarse first, then finer,
// and drawn by the engine (MapView) on a canvas of its own. A click on the hyperparameter map
// sets the run's two hyperparameters (as its sliders do), on the basin map the start.
import { MapView, map_default_params } from './pkg/optimizer_playground.js';

const SIZES = [32, 64, 128, 256];
const $ = (id) => document.getElementById(id);

export function mapsUi({ app, el, showMessage, afterChange, buildRuns, optInfo }) {
  const panel = $('maps-panel');
  if (!panel) return {};
  const seg = (id, text) => el('button', { type: 'button', id, class: 'seg-btn', 'aria-pressed': 'false', text });
  const off = seg('maps-off', 'off');
  const hyper = seg('maps-hyper', 'Hyperparameter map');
  const basin = seg('maps-basin', 'Basins');
  const params = el('select', { id: 'maps-params', 'aria-label': 'Hyperparameters of the map' });
  const metric = el('select', { id: 'maps-metric', 'aria-label': 'Colour of the map' });
  for (const [v, t] of [['loss', 'final loss'], ['steps', 'steps to tol'], ['evals', 'grad evals to tol']]) metric.append(el('option', { value: v, text: t }));
  const tol = el('input', { id: 'maps-tol', type: 'text', value: '1e-3', 'aria-label': 'Loss tolerance of the map', title: 'The loss a run must reach for "steps to tol" and "grad evals to tol"' });
  const onMap = el('input', { id: 'maps-on-map', type: 'checkbox', 'aria-label': 'Basins on the contour map' });
  onMap.checked = true;
  const onMapLabel = el('label', { class: 'maps-opt', title: 'Show the basins, translucent, under the trajectories on the contour map' }, onMap, ' on the map');
  // The basins' layer over the contour map: between its colour map and its trajectories.
  const layer = el('canvas', { id: 'basin-layer', class: 'map basin-layer', 'aria-hidden': 'true' });
  layer.hidden = true;
  $('map').after(layer);
  const status = el('output', { id: 'maps-status', class: 'maps-status' });
  const canvas = el('canvas', { id: 'maps-canvas', class: 'maps-canvas', 'aria-label': 'Map: click a pixel to use its values' });
  const hover = el('div', { id: 'maps-hover', class: 'maps-hover', 'aria-live': 'off' });
  const body = el('div', { class: 'maps-body' }, canvas, hover);
  body.hidden = true;
  panel.append(
    el('div', { class: 'chart-head maps-head' },
      el('span', { text: 'Maps' }),
      el('div', { class: 'seg', role: 'radiogroup', 'aria-label': 'Map' }, off, hyper, basin),
      el('label', { class: 'maps-opt' }, 'over ', params),
      el('label', { class: 'maps-opt' }, 'colour ', metric),
      el('label', { class: 'maps-opt' }, 'tol ', tol),
      onMapLabel,
      status),
    body);

  let kind = 'off';
  let worker = null;
  let id = 0;
  let key = '';
  let view = null;          // the MapView shown
  let shown = null;         // { size, ms } of the map shown
  let times = {};           // size → milliseconds, for the last request
  let pending = [];         // resolvers of map() waiting for the finest map
  let started = 0;

  const sc = () => JSON.parse(app.scenario_json());
  const run = () => { const n = sc().runs.length; return Math.min(app.selected(), Math.max(0, n - 1)); };

  const fillParams = () => {
    const r = sc().runs[run()];
    const info = r && optInfo(r.optimizer.name);
    const ps = info ? info.params.map((p) => p.name) : [];
    const old = params.value;
    params.replaceChildren();
    if (ps.length < 2) { params.append(el('option', { value: '', text: 'one hyperparameter only' })); params.disabled = true; return; }
    params.disabled = false;
    const label = (n) => info.params.find((p) => p.name === n).label;
    for (let a = 0; a < ps.length; a++) {
      for (let b = 0; b < ps.length; b++) {
        if (a !== b && (a === 0 || b === 0 || a < b)) params.append(el('option', { value: ps[a] + ',' + ps[b], text: label(ps[a]) + ' × ' + label(ps[b]) }));
      }
    }
    params.value = [...params.options].some((o) => o.value === old) ? old : '';
    if (!params.value) params.selectedIndex = Math.max(0, [...params.options].findIndex((o) => o.value === defaultPair(info)));
  };
  // The engine's default pair (maps::default_params).
  const defaultPair = (info) => map_default_params(info.name);

  // What the map depends on: for a hyperparameter map the scenario with the run alone (without
  // its two mapped values), for basins the run and the view (not the start).
  const currentKey = () => {
    const s = sc();
    const r = s.runs[run()];
    if (!r) return '';
    const one = JSON.parse(JSON.stringify(r));
    if (kind === 'hyper') for (const n of params.value.split(',')) delete one.optimizer[n];
    const base = { ...s, runs: [one] };
    if (kind === 'basin') { delete base.start; delete one.start; base.view = [...app.view()]; }
    return JSON.stringify([kind, params.value, tolValue(), base]);
  };
  const tolValue = () => { const v = Number(tol.value); return Number.isFinite(v) && v > 0 ? v : NaN; };

  const draw = () => {
    if (!view || body.hidden) return;
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(200, canvas.clientWidth), h = Math.max(160, canvas.clientHeight);
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
    try {
      const r = sc().runs[run()];
      if (r) {
        if (kind === 'hyper') {
          const info = optInfo(r.optimizer.name);
          const val = (n) => r.optimizer[n] ?? info.params.find((p) => p.name === n)?.default ?? NaN;
          const [a, b] = params.value.split(',');
          view.set_current(val(a), val(b));
        } else {
          const st = r.start || sc().start;
          view.set_current(st[0], st[1]);
        }
      }
      view.draw(canvas, metric.value, dpr);
    } catch (e) { showMessage(String(e && e.message || e)); }
  };

  // The basins on the contour map, where the map's starts are the contour map's view; hidden
  // while the view differs (a pan or zoom, until the basins of the new view arrive).
  let layerKey = '';
  const drawLayer = () => {
    const show = kind === 'basin' && onMap.checked && view && shown && shown.kind === 'basin';
    const v = [...app.view()];
    const aligned = show && shown.axes.every((a, i) => a === v[i]);
    layer.hidden = !aligned;
    if (!aligned) { layerKey = ''; return; }
    const plot = [...app.plot()];
    const k = JSON.stringify([plot, shown.size, layer.clientWidth, layer.clientHeight, shownId]);
    if (k === layerKey) return;
    layerKey = k;
    const dpr = window.devicePixelRatio || 1;
    layer.width = Math.round(layer.clientWidth * dpr);
    layer.height = Math.round(layer.clientHeight * dpr);
    const [w, h] = shown.size;
    const off = document.createElement('canvas');
    off.width = w; off.height = h;
    off.getContext('2d').putImageData(new ImageData(new Uint8ClampedArray(view.rgba('loss')), w, h), 0, 0);
    const ctx = layer.getContext('2d');
    ctx.clearRect(0, 0, layer.width, layer.height);
    ctx.imageSmoothingEnabled = false;
    ctx.globalAlpha = 0.5;
    ctx.drawImage(off, plot[0] * dpr, plot[1] * dpr, plot[2] * dpr, plot[3] * dpr);
  };
  let shownId = 0;
  const follow = () => { drawLayer(); requestAnimationFrame(follow); };
  requestAnimationFrame(follow);
  onMap.addEventListener('change', drawLayer);

  const compute = () => {
    key = currentKey();
    const s = sc();
    if (!s.runs.length) { status.textContent = 'no run to map'; return; }
    if (!worker) {
      worker = new Worker(new URL('./maps-worker.js', import.meta.url), { type: 'module' });
      worker.onmessage = onResult;
      worker.onerror = (e) => { status.textContent = 'the map could not be computed'; showMessage(e.message || 'map worker failed'); };
    }
    id += 1;
    times = {};
    started = performance.now();
    status.textContent = 'computing…';
    const sizes = SIZES.filter((n) => n <= maxSize).map((n) => [n, n]);
    worker.postMessage({ id, scenario: JSON.stringify(s), kind, run: run(), params: kind === 'hyper' ? params.value : '', view: kind === 'basin' ? [...app.view()] : [], tol: tolValue(), sizes });
  };
  let maxSize = SIZES.at(-1);

  function onResult(e) {
    const m = e.data;
    if (m.id !== id) return;
    if (m.error) { status.textContent = m.error; finishPending(null); return; }
    const t0 = performance.now();
    try {
      if (view) view.free();
      view = new MapView(m.meta, m.packed);
    } catch (err) { status.textContent = String(err && err.message || err); return; }
    times[m.size[0]] = { compute: m.ms, since: t0 - started };
    shown = { size: m.size, ms: m.ms, axes: [...view.axes()], kind: m.kind };
    shownId += 1;
    status.textContent = `${m.size[0]}×${m.size[1]} runs in ${Math.round(m.ms)} ms` + (m.last ? '' : ' · refining…');
    draw();
    // The time the page's own thread spent on this result (taking it in and drawing it).
    times[m.size[0]].main = performance.now() - t0;
    // The whole map as JSON only for a caller of map() waiting for it.
    if (m.last && pending.length) finishPending(JSON.parse(view.json()));
  }

  function finishPending(v) { const p = pending; pending = []; for (const r of p) r(v); }

  const setKind = (k) => {
    kind = k;
    for (const [b, n] of [[off, 'off'], [hyper, 'hyper'], [basin, 'basin']]) {
      b.classList.toggle('on', n === k);
      b.setAttribute('aria-pressed', String(n === k));
    }
    params.parentElement.hidden = k !== 'hyper';
    onMapLabel.hidden = k !== 'basin';
    body.hidden = k === 'off';
    if (k === 'off') { id += 1; key = ''; status.textContent = ''; finishPending(null); if (view) { view.free(); view = null; } return; }
    fillParams();
    compute();
  };
  for (const [b, k] of [[off, 'off'], [hyper, 'hyper'], [basin, 'basin']]) {
    b.addEventListener('click', () => { maxSize = SIZES.at(-1); setKind(k); });
  }
  params.addEventListener('change', () => compute());
  metric.addEventListener('change', () => draw());
  tol.addEventListener('change', () => { if (Number.isNaN(tolValue())) showMessage('tol: must be a number > 0'); else compute(); });
  setKind('off');

  // Hover read-out and clicks.
  const pos = (e) => { const r = canvas.getBoundingClientRect(); const d = window.devicePixelRatio || 1; return [(e.clientX - r.left) * d, (e.clientY - r.top) * d]; };
  canvas.addEventListener('pointermove', (e) => { if (view) hover.textContent = view.readout(...pos(e)); });
  canvas.addEventListener('pointerleave', () => { hover.textContent = ''; });
  canvas.addEventListener('click', (e) => {
    if (!view) return;
    const v = view.value_at(...pos(e));
    if (v.length !== 2) return;
    try {
      if (kind === 'hyper') {
        const i = run();
        const [a, b] = params.value.split(',');
        app.set_hyper(i, a, v[0]);
        app.set_hyper(i, b, v[1]);
        buildRuns();
      } else if (kind === 'basin') {
        app.set_start(v[0], v[1]);
      }
      afterChange();
      draw();
    } catch (err) { showMessage(String(err && err.message || err)); }
  });

  // Follow the scenario: recompute when what the map depends on changes (stale work is
  // dropped by the worker), move the mark when only the run's own values or start moved.
  let marked = '';
  let seen = -1;
  setInterval(() => {
    if (kind === 'off') return;
    // Nothing the map follows changed (the panel's own controls recompute when used).
    const v = app.state_version();
    if (v === seen) return;
    seen = v;
    const r = sc().runs[run()];
    const names = r ? optInfo(r.optimizer.name).params.map((p) => p.name).join() : '';
    if (kind === 'hyper' && names !== params.dataset.names) { params.dataset.names = names; fillParams(); }
    const k = currentKey();
    if (k !== key) { compute(); return; }
    const mark = app.scenario_json();
    if (mark !== marked) { marked = mark; draw(); }
  }, 200);
  window.addEventListener('resize', () => draw());

  // For window.playground: computes a map and resolves with its grid (as the command line's
  // `map` prints it) once the finest size is done.
  const map = (k = 'hyper', p = undefined, opts = {}) => {
    if (!['hyper', 'basin', 'off'].includes(k)) throw new Error("map(kind): 'hyper', 'basin' or 'off'");
    maxSize = SIZES.includes(opts.size) ? opts.size : SIZES.at(-1);
    if (opts.metric) metric.value = opts.metric;
    if (opts.tol !== undefined) tol.value = String(opts.tol);
    const done = new Promise((resolve) => pending.push(resolve));
    if (k === 'hyper') {
      kind = 'hyper';
      fillParams();
      if (p !== undefined) {
        const v = Array.isArray(p) ? p.join(',') : String(p);
        if (![...params.options].some((o) => o.value === v)) { pending.pop(); throw new Error(`map: params '${v}' are not two hyperparameters of the run's optimizer`); }
        params.value = v;
      }
    }
    setKind(k);
    return done;
  };
  const state = () => ({ layer: !layer.hidden, kind, shown: shown && { ...shown }, times: { ...times }, computing: status.textContent.includes('…') });
  return { map, state };
}
