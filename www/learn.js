// "Learn to optimize": a view that meta-trains a fresh learned optimizer while the student
// watches (the engine's meta-training, src/meta.rs, run by www/learn-worker.js off this
// thread): a progress bar, the meta-loss curve on held-out functions, and the network's path on
// a held-out surface, redrawn as it improves; start, pause, resume, reset. Opened by the
// header's "Learn" button. Text goes into the page as text, never as HTML.

const $ = (id) => document.getElementById(id);
// An element with its attributes (`text`: its text) and children.
const el = (tag, attrs = {}, ...kids) => {
  const { text, ...rest } = attrs;
  const e = Object.assign(document.createElement(tag), text === undefined ? {} : { textContent: text });
  for (const [k, v] of Object.entries(rest)) e.setAttribute(k, v);
  e.append(...kids.filter(Boolean));
  return e;
};
const KINDS = { quadratic: 'rotated quadratic', rosenbrock: 'Rosenbrock valley', rastrigin: 'Rastrigin bowl', wells: 'Gaussian wells' };

let worker = null;
let state = { iteration: 0, iterations: 0, curve: [], path: [], initial: [], running: false, done: false, started: false };
let surfaces = [];
let image = null; // the colour map of the surface shown, as a canvas
let fieldInfo = null;
let lastAnnounced = -1;

function build() {
  const d = el('dialog', { id: 'learn', class: 'learn', 'aria-labelledby': 'learn-title' });
  d.append(
    el('div', { class: 'learn-head' },
      el('h2', { id: 'learn-title', text: 'Learn to optimize' }),
      el('button', { id: 'learn-close', type: 'button', class: 'btn icon', 'aria-label': 'Close Learn to optimize', title: 'Close (Esc)', text: '✕' })),
    el('p', { class: 'learn-intro', text: 'A small network proposes each coordinate’s step from its gradient history (the optimizer “learned”). '
      + 'Evolution strategies tune its weights on random 2-D functions: quadratics, Rosenbrock valleys, Rastrigin bowls and Gaussian wells. '
      + 'The curve is its meta-loss (the mean log of the loss relative to the start, over 16 held-out functions; lower is better); '
      + 'the map shows its path on a held-out surface now (orange) and before training (grey). Seed 1 with 150 iterations gives the shipped weights.' }),
    el('div', { class: 'learn-controls' },
      el('label', { for: 'learn-seed', text: 'Seed' }),
      el('input', { id: 'learn-seed', type: 'number', min: '0', step: '1', value: '1', inputmode: 'numeric' }),
      el('label', { for: 'learn-iterations', text: 'Iterations' }),
      el('input', { id: 'learn-iterations', type: 'number', min: '1', max: '100000', step: '1', value: '150', inputmode: 'numeric' }),
      el('button', { id: 'learn-run', type: 'button', class: 'btn primary', text: 'Train' }),
      el('button', { id: 'learn-reset', type: 'button', class: 'btn', title: 'A fresh, untrained network', text: 'Reset' })),
    el('div', { class: 'learn-progress' },
      el('progress', { id: 'learn-bar', max: '1', value: '0', 'aria-labelledby': 'learn-status' }),
      el('p', { id: 'learn-status', role: 'status', 'aria-live': 'polite', text: 'Not started.' })),
    el('div', { class: 'learn-figures' },
      el('figure', {},
        el('canvas', { id: 'learn-curve', role: 'img', 'aria-label': 'Meta-loss against iterations' }),
        el('figcaption', { text: 'Meta-loss on held-out functions, per iteration' })),
      el('figure', {},
        el('canvas', { id: 'learn-map', role: 'img', 'aria-label': 'The learned optimizer’s path on a held-out surface' }),
        el('figcaption', {},
          el('label', { for: 'learn-surface', text: 'Held-out surface ' }),
          el('select', { id: 'learn-surface' })))),
    el('p', { id: 'learn-expr', class: 'learn-expr' }));
  document.body.append(d);
  // The page's own shortcuts stay out while the view is open.
  d.addEventListener('keydown', (e) => { if (e.key !== 'Escape') e.stopPropagation(); });
  d.addEventListener('close', () => { if (state.running) send({ cmd: 'pause' }); });
  $('learn-close').addEventListener('click', () => d.close());
  $('learn-run').addEventListener('click', toggle);
  $('learn-reset').addEventListener('click', () => start(false));
  $('learn-surface').addEventListener('change', () => send({ cmd: 'surface', surface: Number($('learn-surface').value) }));
  new ResizeObserver(() => draw()).observe($('learn-map'));
  return d;
}

function send(m) {
  if (!worker) {
    worker = new Worker(new URL('./learn-worker.js', import.meta.url), { type: 'module' });
    worker.onmessage = (e) => receive(e.data);
    worker.onerror = (e) => status('The worker failed: ' + (e.message || 'unknown error'));
  }
  worker.postMessage(m);
}

const number = (id) => Number($(id).value);

function start(run) {
  lastAnnounced = -1;
  state = { ...state, started: true, running: run };
  send({ cmd: 'start', seed: number('learn-seed'), iterations: number('learn-iterations'), run });
  buttons();
}

function toggle() {
  if (!state.started || (state.done && !state.running)) start(true);
  else if (state.running) { state.running = false; send({ cmd: 'pause' }); }
  else { state.running = true; send({ cmd: 'resume' }); }
  buttons();
}

function buttons() {
  const b = $('learn-run');
  // Its name says what it does next (Train, Pause or Resume).
  b.textContent = state.running ? 'Pause' : (state.started && !state.done && state.iteration > 0 ? 'Resume' : 'Train');
}

function status(text) { $('learn-status').textContent = text; }

const fmt = (v) => (Number.isFinite(v) ? v.toFixed(3) : '—');

function receive(m) {
  if (m.type === 'error') { state.running = false; buttons(); status(m.message); return; }
  if (m.type === 'surfaces') {
    surfaces = m.surfaces;
    const s = $('learn-surface');
    s.replaceChildren(...surfaces.map((x, i) => el('option', { value: String(i), text: KINDS[x.kind] || x.kind })));
    return;
  }
  if (m.type === 'field') {
    const c = document.createElement('canvas');
    c.width = m.nx; c.height = m.ny;
    c.getContext('2d').putImageData(new ImageData(new Uint8ClampedArray(m.rgba.buffer, m.rgba.byteOffset, m.rgba.byteLength), m.nx, m.ny), 0, 0);
    image = c;
    fieldInfo = { surface: m.surface, contours: m.contours };
    const s = surfaces[m.surface];
    $('learn-expr').textContent = s ? 'L(x, y) = ' + s.expr : '';
    draw();
    return;
  }
  if (m.type === 'progress') {
    state = { ...state, ...m, curve: Array.from(m.curve), path: Array.from(m.path), initial: Array.from(m.initial) };
    $('learn-bar').max = m.iterations;
    $('learn-bar').value = m.iteration;
    $('learn-bar').setAttribute('aria-valuetext', `${m.iteration} of ${m.iterations} iterations`);
    const first = state.curve[0];
    const last = state.curve[state.curve.length - 1];
    // The live region speaks on every tenth of the way, when paused and when done; the bar
    // and the figures follow every chunk.
    const tenth = Math.floor((10 * m.iteration) / m.iterations);
    if (!m.running || tenth !== lastAnnounced || m.done) {
      lastAnnounced = tenth;
      const what = m.done ? 'Done' : (m.running ? 'Training' : (m.iteration ? 'Paused' : 'Ready'));
      status(`${what}: iteration ${m.iteration} of ${m.iterations}, meta-loss ${fmt(last)} (untrained ${fmt(first)}).`);
    }
    buttons();
    draw();
  }
}

function sized(c) {
  const r = c.getBoundingClientRect();
  const k = window.devicePixelRatio || 1;
  const w = Math.max(1, Math.round(r.width * k));
  const h = Math.max(1, Math.round(r.height * k));
  if (c.width !== w || c.height !== h) { c.width = w; c.height = h; }
  const g = c.getContext('2d');
  g.setTransform(k, 0, 0, k, 0, 0);
  return [g, r.width, r.height];
}

function drawCurve() {
  const [g, w, h] = sized($('learn-curve'));
  g.clearRect(0, 0, w, h);
  g.fillStyle = '#fff'; g.fillRect(0, 0, w, h);
  const ys = state.curve.filter(Number.isFinite);
  const pad = { l: 44, r: 10, t: 10, b: 24 };
  g.strokeStyle = '#c9ced9'; g.lineWidth = 1;
  g.strokeRect(pad.l, pad.t, w - pad.l - pad.r, h - pad.t - pad.b);
  g.fillStyle = '#5a6070'; g.font = '11px system-ui, sans-serif';
  g.fillText('0', pad.l, h - 8);
  const n = Math.max(state.iterations, 1);
  g.textAlign = 'right'; g.fillText(String(n), w - pad.r, h - 8); g.textAlign = 'left';
  if (!ys.length) return;
  let lo = Math.min(...ys), hi = Math.max(...ys);
  if (hi - lo < 1e-9) { lo -= 0.5; hi += 0.5; }
  g.textAlign = 'right';
  g.fillText(hi.toFixed(1), pad.l - 4, pad.t + 9);
  g.fillText(lo.toFixed(1), pad.l - 4, h - pad.b);
  g.textAlign = 'left';
  const X = (i) => pad.l + (i / n) * (w - pad.l - pad.r);
  const Y = (v) => pad.t + ((hi - v) / (hi - lo)) * (h - pad.t - pad.b);
  g.strokeStyle = '#3a5bd9'; g.lineWidth = 2; g.beginPath();
  state.curve.forEach((v, i) => { if (Number.isFinite(v)) (i ? g.lineTo(X(i), Y(v)) : g.moveTo(X(i), Y(v))); });
  g.stroke();
}

function drawMap() {
  const [g, w, h] = sized($('learn-map'));
  g.clearRect(0, 0, w, h);
  const s = surfaces[Number($('learn-surface').value) || 0];
  if (!image || !s) return;
  const side = Math.min(w, h);
  const ox = (w - side) / 2, oy = (h - side) / 2;
  g.imageSmoothingEnabled = true;
  g.drawImage(image, ox, oy, side, side);
  const [x0, x1, y0, y1] = s.view;
  const P = (x, y) => [ox + ((x - x0) / (x1 - x0)) * side, oy + ((y1 - y) / (y1 - y0)) * side];
  g.save();
  g.beginPath(); g.rect(ox, oy, side, side); g.clip();
  g.strokeStyle = 'rgba(255,255,255,0.35)'; g.lineWidth = 1;
  // The contours: x, y pairs, lines separated by a NaN.
  const c = fieldInfo?.contours || [];
  g.beginPath();
  let pen = false;
  for (let i = 0; i < c.length; i++) {
    if (Number.isNaN(c[i])) { pen = false; continue; }
    const [px, py] = P(c[i], c[i + 1]);
    if (pen) g.lineTo(px, py); else g.moveTo(px, py);
    pen = true;
    i++;
  }
  g.stroke();
  const path = (flat, colour, width, dash) => {
    if (flat.length < 2) return;
    g.strokeStyle = colour; g.lineWidth = width; g.setLineDash(dash); g.beginPath();
    for (let i = 0; i + 1 < flat.length; i += 2) { const [px, py] = P(flat[i], flat[i + 1]); i ? g.lineTo(px, py) : g.moveTo(px, py); }
    g.stroke(); g.setLineDash([]);
    const [ex, ey] = P(flat[flat.length - 2], flat[flat.length - 1]);
    g.fillStyle = colour; g.beginPath(); g.arc(ex, ey, width + 1.5, 0, 2 * Math.PI); g.fill();
  };
  path(state.initial, 'rgba(220,220,220,0.9)', 1.5, [4, 3]);
  path(state.path, '#ff7f0e', 2.5, []);
  const [sx, sy] = P(s.start[0], s.start[1]);
  g.fillStyle = '#fff'; g.strokeStyle = '#1f2430'; g.lineWidth = 1.5;
  g.beginPath(); g.arc(sx, sy, 4.5, 0, 2 * Math.PI); g.fill(); g.stroke();
  g.restore();
}

function draw() {
  if (!$('learn')?.open) return;
  drawCurve();
  drawMap();
}

// The header's button opens the view; the first opening prepares a fresh network.
const open = $('learn-open');
if (open) {
  open.addEventListener('click', () => {
    const d = $('learn') || build();
    if (!d.open) d.showModal();
    if (!state.started) start(false);
    draw();
  });
}
