// Embedding, live links and the script API across frames (README: "Embedding"). DOM wiring
// only, like app.js: every number comes from the engine.
//
// - `?embed` shows the map filling its frame (controls=, chart=, autoplay, loop, speed=).
// - The fragment carries the state after the scenario: `#scenario=…&view=x0,x1,y0,y1&axis=evals
//   &step=40` (or `#lesson=id/2&…`); the address bar follows the state as it changes.
// - A host page drives the page with postMessage (`{type: "playground:load", id, scenario}` →
//   `{type: "playground:reply", id, ok, result | error}`) and hears its events
//   (`{type: "playground:event", event: "loaded" | "step" | "diverged" | "finished", …}`).

const query = new URLSearchParams(location.search);

/** Whether the page is a figure inside another page (`?embed`). */
export const EMBED = query.has('embed');

const errText = (e) => (e instanceof Error ? e.message : String(e));
const clip = (s) => (s.length > 40 ? s.slice(0, 40) + '…' : s);

// What was wrong with the address's parameters: said once the page is up, as text.
const problems = [];

function flag(name) {
  if (!query.has(name)) return false;
  const v = query.get(name).toLowerCase();
  if (['', '1', 'true', 'yes'].includes(v)) return true;
  if (['0', 'false', 'no'].includes(v)) return false;
  problems.push(`${name}=${clip(v)}: give ${name} alone, or ${name}=1 or ${name}=0`);
  return false;
}

function choice(name, allowed, fallback) {
  const v = query.get(name);
  if (v === null) return fallback;
  if (allowed.includes(v)) return v;
  problems.push(`${name}=${clip(v)}: one of ${allowed.join(', ')}`);
  return fallback;
}

function charts() {
  const v = query.get('chart');
  if (v === null || v === '' || v === 'none') return [];
  const asked = v.split(',');
  const bad = asked.filter((c) => !['loss', 'lr'].includes(c));
  if (bad.length) problems.push(`chart=${clip(v)}: loss, lr or loss,lr`);
  return asked.filter((c) => !bad.includes(c));
}

// The origins whose messages are obeyed: `origin=` (repeated or comma-separated), else this
// page's own.
function origins() {
  const given = query.getAll('origin').flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  const ok = [];
  for (const v of given) {
    let u = null;
    try { u = new URL(v); } catch { /* said below */ }
    const bare = u && /^https?:$/.test(u.protocol) && u.pathname === '/' && !u.search && !u.hash && !u.username && !v.endsWith('#') && !v.endsWith('?');
    if (bare) ok.push(u.origin);
    else problems.push(`origin=${clip(v)}: an origin such as https://docs.example.org (scheme, host and port only)`);
  }
  return given.length ? ok : [location.origin];
}

function speed() {
  const v = query.get('speed');
  if (v === null) return undefined;
  const n = Number(v);
  if (/^\d+$/.test(v) && n >= 1 && n <= 1000) return n;
  problems.push(`speed=${clip(v)}: a whole number of iterations per frame from 1 to 1000`);
  return undefined;
}

const CONTROLS = EMBED ? choice('controls', ['none', 'play', 'full'], 'full') : 'full';
const CHARTS = EMBED ? charts() : [];
const AUTOPLAY = EMBED && flag('autoplay');
const LOOP = EMBED && flag('loop');
const SPEED = speed();
const ORIGINS = origins();

if (EMBED) {
  document.documentElement.classList.add('embed', 'controls-' + CONTROLS, ...CHARTS.map((c) => 'chart-' + c));
}

// ------------------------------------------------------------------ the state in the address

// What a state value may hold: none of these characters can end a scenario's JSON, so a link
// written before live links (`#scenario=` alone) never loses a character to them.
const STATE_VALUE = /&(view|axis|step)=([A-Za-z0-9.,_+-]*)$/;

/**
 * Splits a fragment into its head (`#scenario=…` or `#lesson=…`, read exactly as before live
 * links) and the state parameters after it (`&view=…&axis=…&step=…`, the last of a name wins).
 */
export function splitHash(hash) {
  let head = hash;
  const params = new Map();
  for (let m = head.match(STATE_VALUE); m; m = head.match(STATE_VALUE)) {
    if (!params.has(m[1])) params.set(m[1], m[2]);
    head = head.slice(0, m.index);
  }
  return { head, params };
}

function parseView(s) {
  const v = s.split(',').map((t) => (t.trim() === '' ? NaN : Number(t)));
  if (v.length === 4 && v.every(Number.isFinite) && v[0] < v[1] && v[2] < v[3]) return v;
  throw new Error('four numbers x_min,x_max,y_min,y_max with min < max');
}

// The view as a link writes it: enough digits for a millionth of its extent.
function viewText(v) {
  const extent = Math.min(v[1] - v[0], v[3] - v[2]);
  const far = Math.max(...v.map(Math.abs));
  const digits = Math.min(17, Math.max(6, Math.ceil(Math.log10(far / extent)) + 7));
  return v.map((x) => String(Number(x.toPrecision(digits)))).join(',');
}

let ctx = null;

/** Gives this module the page's engine handle and helpers (app.js, once the engine is up). */
export function bind(context) {
  ctx = context;
  if (SPEED !== undefined) ctx.app.set_speed(SPEED);
}

// Shows iteration k (at most the scenario's steps), computing up to it if needed: at once
// (`sync`, the script API) or within the frames' time budget (a link: a heavy scenario must
// not freeze the page on opening).
function seekTo(k, sync) {
  const app = ctx.app;
  const target = Math.min(k, Number(app.steps()));
  const its = Number(app.iterations());
  app.set_playing(false);
  if (target > its) {
    if (sync) app.step(target - its);
    else app.step_soon(target - its);
  }
  if (target <= its || sync) app.set_cursor(target);
}

/**
 * Applies a link's state after its scenario is loaded: the fragment's `view`, `axis` and
 * `step`, and on the first load also the query's (the fragment wins), autoplay and the
 * messages about malformed parameters. A bad value is said and left out; the rest applies.
 */
export function applyState(hashParams, initial = false) {
  const bad = initial ? problems.splice(0) : [];
  const get = (k) => hashParams.get(k) ?? (initial ? query.get(k) ?? undefined : undefined);
  const app = ctx.app;
  const axis = get('axis');
  if (axis !== undefined) {
    try { ctx.setX(axis); } catch (e) { bad.push(`axis=${clip(axis)}: ${errText(e)}`); }
  }
  const view = get('view');
  if (view !== undefined) {
    try { app.set_view(parseView(view)); } catch (e) { bad.push(`view=${clip(view)}: ${errText(e)}`); }
  }
  const step = get('step');
  const k = Number(step);
  if (step !== undefined && !(/^\d+$/.test(step) && k <= 1e6)) {
    bad.push(`step=${clip(step)}: a whole number of iterations`);
  } else if (step !== undefined) {
    seekTo(k, false);
  } else if (initial && AUTOPLAY) {
    app.set_playing(true);
  }
  ctx.afterChange();
  if (bad.length) {
    const said = document.getElementById('message');
    const before = said.hidden ? '' : document.getElementById('message-text').textContent + ' ';
    ctx.showMessage(before + 'Some of this address could not be used (the rest is shown): ' + bad.join(' · ') + '.');
  }
}

// The lesson the address names while its scene is shown unchanged.
let lesson = null;

/** Notes that a lesson's scene was opened (its address is in the address bar). */
export function noteLesson() {
  lesson = { head: splitHash(location.hash).head, scenario: ctx.app.scenario_json() };
  emit('loaded');
}

function stateSuffix(withStep) {
  const app = ctx.app;
  const out = [];
  if (app.view_custom()) out.push('view=' + viewText(Array.from(app.view())));
  const axis = app.x_axis();
  if (axis !== 'steps') out.push('axis=' + axis);
  const k = Number(app.cursor());
  if (withStep && k > 0) out.push('step=' + k);
  return out.map((p) => '&' + p).join('');
}

const scenarioHead = () => '#scenario=' + encodeURIComponent(ctx.app.scenario_json());
// The full page (no embed parameters).
const fullPage = () => location.origin + location.pathname;

/** The address of the state shown: the scenario (or the unchanged lesson), view, axis, step. */
export function liveAddress() {
  const sc = ctx.app.scenario_json();
  const inLesson = lesson && lesson.scenario === sc && !document.getElementById('lesson-panel').hidden;
  return location.href.split('#')[0] + (inLesson ? lesson.head : scenarioHead()) + stateSuffix(true);
}

/** A link to this exact state in the full page ("Copy link", "open in the playground"). */
export function shareAddress() {
  return (EMBED ? fullPage() : location.href.split('#')[0]) + scenarioHead() + stateSuffix(true);
}

const attr = (s) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** An `<iframe>` snippet showing the current scenario and view in another page. */
export function embedCode() {
  const src = fullPage() + '?embed' + scenarioHead() + stateSuffix(false);
  return `<iframe src="${attr(src)}" width="700" height="450" style="border:0" title="Optimizer Playground" loading="lazy" allow="fullscreen"></iframe>`;
}

// ------------------------------------------------------------------ the host page

const learned = new Set();
// The runs whose divergence the host has been told of (since the last load or step back).
const told = new Set();

// Where events go: the parent, when its origin is one obeyed.
function hostOrigins() {
  if (window.parent === window) return [];
  const parent = location.ancestorOrigins?.[0];
  if (parent) return ORIGINS.includes(parent) ? [parent] : [];
  return learned.size ? [...learned] : ORIGINS.length === 1 ? ORIGINS : [];
}

function state() {
  const app = ctx.app;
  return {
    step: Number(app.cursor()), iterations: Number(app.iterations()), steps: Number(app.steps()),
    playing: app.playing(), done: app.done(), view: Array.from(app.view()), axis: app.x_axis(),
  };
}

function emit(event, extra = {}) {
  if (!ctx) return;
  if (event === 'loaded') told.clear();
  const to = hostOrigins();
  if (!to.length) return;
  const msg = { type: 'playground:event', event, ...state(), ...extra };
  for (const o of to) window.parent.postMessage(msg, o);
}

// Step, divergence and end of playback, as the host sees them: `step` when the step shown
// changes (at most ten times a second, and always the last one), `diverged` when the step
// shown passes a run's divergence, `finished` when playback reaches the end.
function watch() {
  const app = ctx.app;
  let sent = -1;
  let at = 0;
  let seen = 0;
  let wasPlaying = false;
  const framed = window.parent !== window;
  const tick = (ts) => {
    const cur = Number(app.cursor());
    if (cur < seen) told.clear();
    seen = cur;
    if (cur !== sent && ts - at >= 100) {
      sent = cur;
      at = ts;
      if (framed) {
        emit('step');
        for (const d of JSON.parse(app.diverged_json())) {
          if (d.at <= cur && !told.has(d.run)) {
            told.add(d.run);
            emit('diverged', { run: d.run, label: d.label, at: d.at });
          }
        }
      }
    }
    const playing = app.playing();
    if (wasPlaying && !playing && app.done() && cur === Number(app.iterations())) {
      emit('finished');
      if (LOOP) {
        setTimeout(() => {
          if (!app.playing() && app.done()) { app.set_playing(true); ctx.afterChange(); }
        }, 1000);
      }
    }
    wasPlaying = playing;
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}

function listen(api) {
  const COMMANDS = {
    scenario: () => api.scenario(),
    load: (m) => { api.load(m.scenario); return api.state(); },
    step: (m) => { api.step(m.n ?? 1); return api.state(); },
    play: () => api.play(),
    pause: () => api.pause(),
    seek: (m) => api.seek(m.step),
    reset: () => api.reset(),
    paths: () => api.paths(),
    state: () => api.state(),
    view: (m) => api.view(m.view),
    axis: (m) => api.axis(m.axis),
  };
  window.addEventListener('message', (e) => {
    const m = e.data;
    if (!m || typeof m !== 'object' || typeof m.type !== 'string' || !m.type.startsWith('playground:')) return;
    // Another origin's messages are ignored: no reply, nothing changes.
    if (!ORIGINS.includes(e.origin)) return;
    const name = m.type.slice('playground:'.length);
    if (name === 'reply' || name === 'event' || !e.source) return;
    if (e.source === window.parent && window.parent !== window) learned.add(e.origin);
    const reply = (body) => e.source.postMessage({ type: 'playground:reply', id: m.id ?? null, ...body }, e.origin);
    if (!Object.hasOwn(COMMANDS, name)) {
      reply({ ok: false, error: `unknown command '${clip(name)}': one of ${Object.keys(COMMANDS).join(', ')}` });
      return;
    }
    let result;
    try {
      result = COMMANDS[name](m);
    } catch (err) {
      reply({ ok: false, error: errText(err) });
      return;
    }
    reply({ ok: true, result: result ?? null });
  });
}

// ------------------------------------------------------------------ the embedded page

// In a frame the wheel scrolls the host page until the map is clicked (or with Ctrl held):
// a reader scrolling past the figure must not get stuck zooming it. The click that wakes the
// map does nothing else (it sets no start).
function wheelGate() {
  const wrap = document.querySelector('.map-wrap');
  const hint = document.createElement('div');
  hint.className = 'embed-hint';
  hint.hidden = true;
  hint.textContent = 'Click the map to zoom with the wheel (or hold Ctrl)';
  wrap.append(hint);
  let active = false;
  let swallow = false;
  let hideTimer;
  wrap.addEventListener('pointerdown', (e) => {
    if (active || e.pointerType !== 'mouse') return;
    active = true;
    swallow = true;
    hint.hidden = true;
    e.stopPropagation();
  }, true);
  wrap.addEventListener('pointerup', (e) => {
    if (!swallow) return;
    swallow = false;
    e.stopPropagation();
  }, true);
  wrap.addEventListener('pointerleave', () => { active = false; });
  window.addEventListener('blur', () => { active = false; });
  wrap.addEventListener('wheel', (e) => {
    if (active || e.ctrlKey) return;
    e.stopPropagation();
    hint.hidden = false;
    clearTimeout(hideTimer);
    hideTimer = setTimeout(() => { hint.hidden = true; }, 1500);
  }, { capture: true, passive: true });
}

/**
 * Starts what this module adds once the page is up: the script API's new methods, the
 * message bridge, the events, the live address, the embed's link and wheel, and "Copy embed
 * code".
 */
export function start(api) {
  const app = ctx.app;
  const load = api.load;
  api.load = (obj) => { load(obj); emit('loaded'); };
  api.play = () => { app.set_playing(true); ctx.afterChange(); return state(); };
  api.pause = () => { app.set_playing(false); ctx.afterChange(); return state(); };
  api.seek = (k) => {
    const n = Number(k);
    if (!Number.isInteger(n) || n < 0) throw new Error('seek(k) takes a whole number ≥ 0');
    seekTo(n, true);
    ctx.afterChange();
    return state();
  };
  api.reset = () => { app.set_playing(false); app.reset(); ctx.afterChange(); return state(); };
  api.state = state;
  api.view = (v) => {
    if (v !== undefined) {
      if (!Array.isArray(v) || v.length !== 4 || !v.every((x) => typeof x === 'number')) {
        throw new Error('view([x_min, x_max, y_min, y_max]) takes four numbers');
      }
      try { app.set_view(v); } catch (e) { throw new Error(errText(e)); }
      ctx.afterChange();
    }
    return Array.from(app.view());
  };
  api.axis = (name) => {
    if (name !== undefined) {
      try { ctx.setX(String(name)); } catch (e) { throw new Error(errText(e)); }
    }
    return app.x_axis();
  };
  api.link = () => shareAddress();
  api.embedCode = () => embedCode();
  listen(api);
  watch();

  let open = null;
  if (EMBED) {
    wheelGate();
    open = document.createElement('a');
    open.className = 'embed-open';
    open.target = '_blank';
    open.rel = 'noopener';
    const long = document.createElement('span');
    long.className = 'long';
    long.textContent = ' in the playground';
    open.append('Open', long, ' ↗');
    open.setAttribute('aria-label', 'Open in the playground');
    open.title = 'This scenario in the full playground';
    open.href = shareAddress();
    document.querySelector('.map-wrap').append(open);
  }
  const copy = document.getElementById('embed-code');
  copy?.addEventListener('click', async () => {
    const code = embedCode();
    try {
      await navigator.clipboard.writeText(code);
      ctx.showMessage('Embed code copied: an <iframe> showing this scenario and view (add &chart=loss, &autoplay, &loop or &controls=play after ?embed; see the README).', 'info');
    } catch {
      window.prompt('Copy this embed code:', code);
    }
  });

  // The address follows the state, at most every 400 ms and never as new history entries;
  // an embed keeps its address (the author's) and moves its "open in the playground" link.
  let last = liveAddress();
  let seen = location.href;
  // What the address is made of, as numbers and short strings: the engine's count of changes
  // to the scenario and the view, the step shown, the axis and the lesson. The address itself
  // (the scenario as JSON, encoded) is written out only when one of them moved.
  const inputs = () => [ctx.app.state_version(), ctx.app.cursor(), ctx.app.x_axis(), lesson, document.getElementById('lesson-panel')?.hidden];
  let made = inputs();
  setInterval(() => {
    // An address changed elsewhere (typed, a link, a lesson) goes first: its hashchange
    // loads it before this writes again.
    if (location.href !== seen) { seen = location.href; made = null; return; }
    const from = inputs();
    if (made && from.every((v, i) => v === made[i])) return;
    made = from;
    const now = liveAddress();
    if (now === last) return;
    last = now;
    if (open) open.href = shareAddress();
    else { history.replaceState(null, '', now); seen = location.href; }
  }, 400);
  emit('loaded');
}
