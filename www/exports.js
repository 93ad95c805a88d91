// The Export menu: pictures (PNG of the canvases as shown, at the screen's density or 2× for
// print; SVG drawn by the engine's own drawing code), the trajectories (CSV and JSON written by
// the engine) and an animation of the playback (WebM through the browser's MediaRecorder, or a
// GIF encoded by the engine where the browser has no MediaRecorder).
// DOM wiring only: every picture and every number comes from the Rust engine (www/pkg).
import { GifRecorder } from './pkg/optimizer_playground.js';

const $ = (id) => document.getElementById(id);
const errText = (e) => (e instanceof Error ? e.message : String(e));

// Iterations per animation frame offered for the replay.
const SPEEDS = [1, 5, 20, 100];

// The container MediaRecorder writes here: WebM where it can, MP4 where only that is offered
// (Safari); a GIF from the engine where MediaRecorder is missing.
function videoType() {
  const gif = { mime: 'image/gif', ext: 'gif', name: 'GIF animation' };
  if (typeof MediaRecorder === 'undefined' || !HTMLCanvasElement.prototype.captureStream) return gif;
  for (const [mime, ext] of [['video/webm;codecs=vp9', 'webm'], ['video/webm;codecs=vp8', 'webm'], ['video/webm', 'webm'], ['video/mp4', 'mp4']]) {
    if (MediaRecorder.isTypeSupported(mime)) return { mime, ext, name: `${ext === 'webm' ? 'WebM' : 'MP4'} video` };
  }
  return gif;
}

// Where the recorded frames go: `frame()` after each frame is painted on `canvas`, `stop(save)`
// at the end (`save(blob)` unless cancelled).
function mediaSink(canvas, type) {
  const chunks = [];
  const recorder = new MediaRecorder(canvas.captureStream(), { mimeType: type.mime });
  recorder.addEventListener('dataavailable', (e) => { if (e.data.size) chunks.push(e.data); });
  let keep = null;
  recorder.addEventListener('stop', () => keep?.(new Blob(chunks, { type: type.mime })));
  return {
    start: () => recorder.start(250),
    frame: () => {},
    stop: (save) => {
      keep = save;
      // The last frame painted reaches the recorder before it stops.
      if (save) setTimeout(() => recorder.stop(), 150); else recorder.stop();
    },
  };
}

function gifSink(canvas, colors) {
  const g = canvas.getContext('2d');
  const gif = new GifRecorder(canvas.width, canvas.height, colors);
  let last = 0;
  return {
    start: () => { last = performance.now(); },
    // Each frame shown for the time it took (GIF delays are hundredths of a second, at least 2).
    frame: () => {
      const now = performance.now();
      gif.push(g.getImageData(0, 0, canvas.width, canvas.height).data, Math.max(2, Math.round((now - last) / 10)));
      last = now;
    },
    stop: (save) => {
      try {
        if (save) save(new Blob([gif.finish()], { type: 'image/gif' }));
      } finally {
        gif.free();
      }
    },
  };
}

// Hands `blob` to the browser as a download named `name`.
function save(blob, name) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}

const pngOf = (canvas) => new Promise((resolve, reject) => {
  canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('the picture could not be encoded'))), 'image/png');
});

// Canvases drawn onto one: `stacked` on top of each other (the map and its overlay), else
// side by side (the charts), on white.
function composite(canvases, stacked) {
  const out = document.createElement('canvas');
  out.width = stacked ? canvases[0].width : canvases.reduce((w, c) => w + c.width, 0);
  out.height = Math.max(...canvases.map((c) => c.height));
  const g = out.getContext('2d');
  g.fillStyle = '#fff';
  g.fillRect(0, 0, out.width, out.height);
  let x = 0;
  for (const c of canvases) {
    g.drawImage(c, x, 0);
    if (!stacked) x += c.width;
  }
  return out;
}

export function exportsUi({ app, el, showMessage, afterChange, showSpeed }) {
  const button = $('export');
  const menu = $('export-menu');
  const video = videoType();
  let density = 'screen';
  let speed = 5;
  let recording = null;

  const charts = () => ['loss', 'lr', 'scatter'].map($).filter((c) => !c.hidden);
  const map = () => [$('map'), $('overlay')];

  // The pictures as drawn on the page; at 2× the canvases are drawn again at two device
  // pixels per CSS pixel, taken, and drawn back at the screen's density (all before the next
  // paint, so nothing flickers).
  async function png(which) {
    let picture;
    if (density === 'print') {
      app.resize_at(2);
      app.draw();
    }
    try {
      picture = which === 'map' ? composite(map(), true) : composite(charts(), false);
    } finally {
      if (density === 'print') {
        app.resize();
        app.draw();
      }
    }
    save(await pngOf(picture), `optimizer-playground-${which}${density === 'print' ? '@2x' : ''}.png`);
  }

  function svg(which) {
    const panels = which === 'map' ? 'map' : charts().map((c) => c.id).join(',');
    save(new Blob([app.svg(panels)], { type: 'image/svg+xml' }), `optimizer-playground-${which}.svg`);
  }

  const data = {
    csv: () => save(new Blob([app.trajectories_csv()], { type: 'text/csv' }), 'optimizer-playground-trajectories.csv'),
    json: () => save(new Blob([app.trajectories_json()], { type: 'application/json' }), 'optimizer-playground-trajectories.json'),
  };

  // ---------------------------------------------------------------- the replay as a video

  const bar = el('div', { class: 'recording', role: 'status', hidden: '' });
  const barText = el('span', { text: '' });
  const progress = el('progress', { 'aria-label': 'Recording progress' });
  const cancel = el('button', { type: 'button', class: 'btn', text: 'Cancel' });
  bar.append(el('span', { class: 'rec-dot', 'aria-hidden': 'true' }), barText, progress, cancel);
  document.querySelector('.playbar').after(bar);

  // Replays the timeline from step 0 to the latest step at `speed` iterations a frame (the
  // engine's own playback) and records the map with its overlay, composited each frame.
  function record() {
    if (recording) return;
    const end = app.iterations();
    if (end === 0n) { showMessage('Nothing to record yet: play or step first.', 'info'); return; }
    const [m, o] = map();
    const canvas = document.createElement('canvas');
    canvas.width = m.width;
    canvas.height = m.height;
    const g = canvas.getContext('2d', { willReadFrequently: video.ext === 'gif' });
    const paint = () => {
      g.fillStyle = '#fff';
      g.fillRect(0, 0, canvas.width, canvas.height);
      g.drawImage(m, 0, 0);
      g.drawImage(o, 0, 0);
    };
    const was = { speed: app.speed(), cursor: app.cursor() };
    const colors = JSON.parse(app.readouts_json()).map((r) => r.color);
    const sink = video.ext === 'gif' ? gifSink(canvas, colors) : mediaSink(canvas, video);
    const rec = {};
    recording = rec;

    const show = () => {
      progress.value = Number(app.cursor());
      barText.textContent = `Recording the replay: step ${app.cursor()} of ${end}`;
    };
    const finish = (cancelled) => {
      if (recording !== rec) return;
      recording = null;
      app.set_playing(false);
      app.set_speed(Number(was.speed));
      app.set_cursor(Number(was.cursor));
      afterChange();
      showSpeed();
      bar.hidden = true;
      recordItem.disabled = false;
      if (cancelled) showMessage('Recording cancelled.', 'info');
      sink.stop(cancelled ? null : (blob) => save(blob, `optimizer-playground-replay.${video.ext}`));
    };
    rec.cancel = () => finish(true);

    app.set_playing(false);
    app.set_speed(speed);
    app.set_cursor(0);
    app.draw();
    paint();
    progress.max = Number(end);
    show();
    bar.hidden = false;
    recordItem.disabled = true;
    sink.start();
    sink.frame();
    app.set_playing(true);
    // Every frame, after the page's own frame has moved the timeline on: the map as it is
    // now, until the latest step is shown (or playback is paused).
    const tick = () => {
      if (recording !== rec) return;
      paint();
      sink.frame();
      show();
      if (app.cursor() >= end || !app.playing()) finish(false);
      else requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  }
  cancel.addEventListener('click', () => recording?.cancel());

  // ---------------------------------------------------------------- the menu

  const item = (text, run, title = '') => {
    const b = el('button', { type: 'button', role: 'menuitem', class: 'menu-item', text, tabindex: '-1' });
    if (title) b.title = title;
    b.addEventListener('click', async () => {
      close(true);
      try { await run(); } catch (e) { showMessage('The export failed: ' + errText(e)); }
    });
    return b;
  };
  // A choice of several (menuitemradio): `get`/`set` read and change it.
  const choice = (label, options, get, set) => {
    const group = el('div', { role: 'group', 'aria-label': label, class: 'menu-choice' }, el('span', { class: 'menu-label', text: label, 'aria-hidden': 'true' }));
    const buttons = options.map(([value, text]) => {
      const b = el('button', { type: 'button', role: 'menuitemradio', class: 'menu-radio', text, tabindex: '-1' });
      b.addEventListener('click', () => { set(value); sync(); });
      return [value, b];
    });
    const sync = () => buttons.forEach(([v, b]) => b.setAttribute('aria-checked', String(v === get())));
    sync();
    group.append(...buttons.map(([, b]) => b));
    return group;
  };
  const heading = (text) => el('div', { class: 'menu-heading', role: 'presentation', text });
  const recordItem = item(`Replay as ${video.name}`, record,
    'Replays the timeline from step 0 to the latest step and records the map');

  menu.append(
    heading('Picture'),
    item('Map as PNG', () => png('map'), 'The map with the trajectories, as shown'),
    item('Charts as PNG', () => png('charts'), 'The loss and learning-rate charts (and the data), as shown'),
    item('Map as SVG', () => svg('map'), 'Vector graphics drawn by the engine (the colour map embedded as PNG)'),
    item('Charts as SVG', () => svg('charts'), 'Vector graphics drawn by the engine'),
    choice('PNG size', [['screen', 'screen density'], ['print', '2× for print']], () => density, (v) => { density = v; }),
    el('div', { role: 'separator', class: 'menu-sep' }),
    heading('Data'),
    item('Trajectories as CSV', data.csv, 'run, label, step, x, y, loss, lr, grad_norm, evaluations (val_loss, batch_loss)'),
    item('Trajectories as JSON', data.json, 'The same rows as JSON objects'),
    el('div', { role: 'separator', class: 'menu-sep' }),
    heading('Animation'),
    recordItem,
    choice('iterations a frame', SPEEDS.map((s) => [s, String(s)]), () => speed, (v) => { speed = v; }),
  );

  const items = () => [...menu.querySelectorAll('[role^="menuitem"]')].filter((b) => !b.disabled);
  function open(focusLast = false) {
    menu.hidden = false;
    button.setAttribute('aria-expanded', 'true');
    const all = items();
    all[focusLast ? all.length - 1 : 0]?.focus();
  }
  function close(refocus) {
    if (menu.hidden) return;
    menu.hidden = true;
    button.setAttribute('aria-expanded', 'false');
    if (refocus) button.focus();
  }
  button.addEventListener('click', () => (menu.hidden ? open() : close(false)));
  button.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      e.stopPropagation();
      open(e.key === 'ArrowUp');
    }
  });
  // Inside the menu the arrows, Home and End move between items, Escape closes it, and no key
  // reaches the page's shortcuts.
  menu.addEventListener('keydown', (e) => {
    if (e.key === 'Tab') { close(false); return; }
    e.stopPropagation();
    const all = items();
    const at = all.indexOf(document.activeElement);
    const go = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: all.length - 1 }[e.key];
    if (go !== undefined) {
      e.preventDefault();
      all[(go + all.length) % all.length]?.focus();
    } else if (e.key === 'Escape') {
      e.preventDefault();
      close(true);
    }
  });
  document.addEventListener('pointerdown', (e) => {
    if (!menu.hidden && !menu.contains(e.target) && e.target !== button) close(false);
  });
}
