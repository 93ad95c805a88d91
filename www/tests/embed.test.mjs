// End-to-end tests of embedding (?embed), live links and the script API across frames, in
// Debian's Chromium. Host pages are served from http://localhost:PORT/ and the page from
// http://127.0.0.1:PORT/: two origins from one server.
// Run: node --test www/tests/embed.test.mjs  (after `bash www/scripts/build.sh` and `cargo build`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { shots, usePage, trace, scenarioLink, inked } from './helpers.mjs';

const { open, base, browser } = usePage();
// The host pages' origin (the page's is base()).
const hostBase = () => base().replace('127.0.0.1', 'localhost');
const origin = (url) => new URL(url).origin;

const SC = {
  surface: { name: 'himmelblau' }, start: [-1, 1], steps: 60,
  runs: [{ optimizer: { name: 'adam', lr: 0.1 } }, { optimizer: { name: 'momentum', lr: 0.005 } }],
};
// Run 0 diverges at iteration 82; run 1 goes on to the end.
const DIVERGES = {
  surface: { name: 'quadratic' }, start: [1, 1], steps: 150,
  runs: [{ optimizer: { name: 'gd', lr: 0.12 }, label: 'too fast' }, { optimizer: { name: 'gd', lr: 0.05 } }],
};

// www/tests/host.html at the host origin, embedding `src` (after the page's address, or a
// whole address) in a w × h frame. Returns the host page, the frame (once its engine is up)
// and done(), which checks that neither logged an error.
async function host(src, w = 700, h = 450, viewport = { width: 1000, height: 800 }) {
  const context = await browser().newContext({ viewport, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(e.message));
  const full = /^https?:/.test(src) ? src : base() + src;
  await page.goto(`${hostBase()}www/tests/host.html?w=${w}&h=${h}&src=${encodeURIComponent(full)}`);
  let frame;
  for (let i = 0; i < 200 && !frame; i++) {
    frame = page.frames().find((f) => f.url().startsWith(base()));
    if (!frame) await page.waitForTimeout(25);
  }
  assert.ok(frame, 'the frame opens the page');
  await frame.evaluate(() => window.playgroundReady);
  const done = async () => {
    assert.deepEqual(errors, [], 'no console errors');
    await context.close();
  };
  return { page, frame, done };
}

// Whether the page fits its window: no overflow either way (so no scroll bars), and each
// element asked for shown whole inside it.
const fit = (frame, shown = ['.map-wrap', '.playbar', '#play', '#stepbtn', '#reset', '#timeline']) => frame.evaluate((shown) => {
  const d = document.documentElement;
  const inside = (sel) => {
    const r = document.querySelector(sel).getBoundingClientRect();
    return r.width > 0 && r.height > 0 && r.left >= 0 && r.top >= 0 && r.right <= innerWidth + 0.5 && r.bottom <= innerHeight + 0.5;
  };
  return {
    overflow: [d.scrollWidth - innerWidth, d.scrollHeight - innerHeight, document.body.scrollWidth - innerWidth, document.body.scrollHeight - innerHeight].some((x) => x > 0),
    outside: shown.filter((s) => !inside(s)),
  };
}, shown);

const visible = (page, sel) => page.locator(sel).isVisible();
const state = (page) => page.evaluate(() => window.playground.state());
const width = (v) => v[1] - v[0];
// Whether `got` shows the box `want`, widened along one axis only (equal aspect).
function shows(got, want, tol = 1e-6) {
  const e = tol * Math.max(width(want), want[3] - want[2]);
  const inside = got[0] <= want[0] + e && got[1] >= want[1] - e && got[2] <= want[2] + e && got[3] >= want[3] - e;
  const tight = Math.abs(width(got) - width(want)) <= e || Math.abs(got[3] - got[2] - (want[3] - want[2])) <= e;
  return inside && tight;
}

test('an embed at 700×450 shows the whole map and the play bar without scroll bars; the wheel scrolls the host until the map is clicked', async () => {
  const { page, frame, done } = await host('?embed' + scenarioLink(SC));
  assert.deepEqual(await fit(frame), { overflow: false, outside: [] });
  assert.deepEqual(await frame.evaluate(() => window.playground.scenario()), SC);
  for (const hidden of ['.top', '.side', '#inner', '.speed', '#loss', '.map-hint']) {
    assert.equal(await visible(frame, hidden), false, `${hidden} is not part of an embed`);
  }
  const map = await frame.evaluate(() => document.getElementById('map').getBoundingClientRect().toJSON());
  assert.ok(map.width === 700 && map.height > 400, `the map fills the frame: ${map.width}×${map.height}`);
  await frame.evaluate(() => window.playground.step(40));
  await page.waitForTimeout(100);
  assert.ok(await inked(frame, 'map') > 200000, 'the colour map is drawn');
  assert.ok(await inked(frame, 'overlay') > 500, 'trajectories are drawn');
  // The link to the full page carries the scenario and the step.
  const href = await frame.getAttribute('.embed-open', 'href');
  assert.ok(href.startsWith(base() + '#scenario='), href);
  await page.locator('#figure').screenshot({ path: path.join(shots, 'embed-700x450.png') });

  // The wheel over the sleeping map scrolls the host page; the map keeps its view.
  const box = await page.locator('#figure').boundingBox();
  const [x, y] = [box.x + box.width * 0.45, box.y + box.height * 0.45];
  const view0 = await frame.evaluate(() => window.playground.view());
  const start0 = SC.start;
  await page.mouse.move(x, y);
  await page.mouse.wheel(0, 240);
  await page.waitForFunction(() => window.scrollY > 0);
  assert.deepEqual(await frame.evaluate(() => window.playground.view()), view0, 'the map did not zoom');
  assert.ok(await visible(frame, '.embed-hint'), 'a hint says how to zoom');
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForFunction(() => window.scrollY === 0);
  // With Ctrl held the map zooms and the host stays (after a pause: Chromium keeps sending a
  // scroll gesture's wheel events to the page it began scrolling for a moment).
  await page.waitForTimeout(800);
  await page.keyboard.down('Control');
  await page.mouse.wheel(0, -240);
  await page.keyboard.up('Control');
  await frame.waitForFunction((w) => { const v = window.playground.view(); return v[1] - v[0] < w; }, width(view0));
  assert.equal(await page.evaluate(() => window.scrollY), 0, 'Ctrl+wheel does not scroll the host');
  await frame.evaluate(() => { window.playground._app.reset_view(); window.playground._app.draw(); });
  // A click wakes the map (and does nothing else: the start stays); then the wheel zooms it.
  await page.mouse.click(x, y);
  await page.waitForTimeout(400);
  assert.deepEqual((await frame.evaluate(() => window.playground.scenario())).start, start0, 'the waking click sets no start');
  const view1 = await frame.evaluate(() => window.playground.view());
  await page.mouse.wheel(0, -240);
  await frame.waitForFunction((w) => { const v = window.playground.view(); return v[1] - v[0] < w; }, width(view1));
  await page.waitForTimeout(100);
  assert.equal(await page.evaluate(() => window.scrollY), 0, 'the host did not scroll');
  // Once awake, a click sets the start as in the full page.
  await page.mouse.click(x + 30, y + 20);
  await frame.waitForFunction((s) => JSON.stringify(window.playground.scenario().start) !== s, JSON.stringify(start0));
  // Leaving the map (here for the play bar) puts it back to sleep: the wheel scrolls the host
  // again; so does a click in the host page (the frame loses focus).
  const sleeps = async () => {
    await page.mouse.move(x, y);
    const view = await frame.evaluate(() => window.playground.view());
    await page.mouse.wheel(0, 240);
    await page.waitForFunction(() => window.scrollY > 0);
    assert.deepEqual(await frame.evaluate(() => window.playground.view()), view, 'the map did not zoom');
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.waitForFunction(() => window.scrollY === 0);
  };
  await page.mouse.move(x, box.y + box.height - 8, { steps: 4 });
  await sleeps();
  await page.mouse.click(x, y);
  await page.mouse.click(box.x + box.width + 100, box.y + 40);
  await sleeps();
  await done();
});

test('controls=, chart=, autoplay, loop, step=K and view= do what they say', { timeout: 60000 }, async () => {
  const size = { width: 700, height: 450 };
  const link = scenarioLink(SC);

  // The default: play, step, reset and the timeline; no chart.
  let page = await open('?embed' + link, size);
  for (const sel of ['#play', '#stepbtn', '#reset', '#timeline', '#stepcount']) assert.ok(await visible(page, sel), sel);
  assert.equal(await visible(page, '#loss'), false);
  await page.waitForTimeout(600);
  assert.equal((await state(page)).step, 0, 'no autoplay unless asked');
  await page.click('#stepbtn');
  await page.waitForFunction(() => window.playground.state().step === 1);
  await page.done();

  page = await open('?embed&controls=none' + link, size);
  assert.equal(await visible(page, '.playbar'), false);
  assert.equal((await page.locator('.map-wrap').boundingBox()).height, 450, 'the map takes the whole frame');
  assert.ok(await visible(page, '.embed-open'));
  await page.done();

  page = await open('?embed&controls=play' + link, size);
  assert.ok(await visible(page, '#play'));
  assert.ok(await visible(page, '#stepcount'));
  for (const sel of ['#stepbtn', '#reset', '#timeline']) assert.equal(await visible(page, sel), false, sel);
  await page.done();

  // chart=loss: the loss chart beside the map, drawn; autoplay plays once to the end.
  page = await open('?embed&chart=loss&autoplay&speed=1' + link, size);
  assert.ok(await visible(page, '#loss'));
  assert.equal(await visible(page, '#lr'), false);
  assert.deepEqual(await fit(page, ['.map-wrap', '.playbar', '#loss']), { overflow: false, outside: [] });
  await page.waitForFunction(() => window.playground.state().playing && window.playground.state().step > 0);
  await page.waitForFunction(() => window.playground.state().step === 60 && !window.playground.state().playing, null, { timeout: 5000 });
  assert.ok(await inked(page, 'loss') > 2000, 'the loss chart is drawn');
  await page.waitForTimeout(1600);
  assert.deepEqual([(await state(page)).step, (await state(page)).playing], [60, false], 'without loop it stays at the end');
  await page.done();

  // loop: at the end it plays again from the first step.
  page = await open('?embed&autoplay&loop' + link, size);
  await page.waitForFunction(() => window.playground.state().step === 60 && !window.playground.state().playing);
  await page.waitForFunction(() => window.playground.state().playing && window.playground.state().step < 60, null, { timeout: 4000 });
  await page.done();

  // step=K: a still figure at iteration K (autoplay gives way to it).
  page = await open('?embed&autoplay&step=25' + link, size);
  await page.waitForFunction(() => window.playground.state().step === 25);
  await page.waitForTimeout(500);
  const still = await state(page);
  assert.deepEqual([still.step, still.iterations, still.playing], [25, 25, false]);
  assert.match(await page.textContent('#stepcount'), /^step 25 \//);
  assert.equal(await visible(page, '#message'), false, 'nothing to complain about');
  await page.done();

  // view=: that box, widened along one axis for equal aspect; in the query or the fragment.
  const want = [-1, 1, -0.5, 0.5];
  page = await open('?embed&view=-1,1,-0.5,0.5' + link, size);
  const got = await page.evaluate(() => window.playground.view());
  assert.ok(shows(got, want), `${got} shows ${want}`);
  await page.done();
  page = await open('?embed' + link + '&view=-1,1,-0.5,0.5', size);
  assert.ok(shows(await page.evaluate(() => window.playground.view()), want));
  await page.done();
});

test('malformed embed parameters give a clear message and a working figure', async () => {
  const page = await open('?embed&controls=bogus&chart=pie&autoplay=maybe&speed=0&origin=ftp://x&view=1,2,3&step=-2&axis=sideways' + scenarioLink(SC), { width: 700, height: 450 });
  assert.ok(await visible(page, '#message'));
  const text = await page.textContent('#message-text');
  for (const p of ['controls=bogus', 'chart=pie', 'autoplay=maybe', 'speed=0', 'origin=ftp://x', 'view=1,2,3', 'step=-2', 'axis=sideways']) {
    assert.ok(text.includes(p), `the message names ${p}: ${text}`);
  }
  // The rest works: the scenario, the default controls, the map, playing.
  assert.deepEqual(await page.evaluate(() => window.playground.scenario()), SC);
  assert.deepEqual(await fit(page), { overflow: false, outside: [] });
  assert.ok(await inked(page, 'map') > 200000);
  await page.click('#play');
  await page.waitForFunction(() => window.playground.state().step > 0);
  await page.done();
  // A view the engine cannot draw, and a damaged scenario: each said, the figure still up.
  const far = await open('?embed&view=0,1,0,3e9' + scenarioLink(SC), { width: 700, height: 450 });
  assert.match(await far.textContent('#message-text'), /view=0,1,0,3e9: .*1e9/);
  await far.done();
  const broken = await open('?embed&step=10#scenario=%7Bnot%20json', { width: 320, height: 240 });
  assert.match(await broken.textContent('#message-text'), /could not be opened/);
  await broken.waitForFunction(() => window.playground.state().step === 10);
  assert.deepEqual(await fit(broken), { overflow: false, outside: [] });
  await broken.done();
});

test('postMessage: commands and replies round-trip, events reach the host, other origins are ignored', { timeout: 60000 }, async () => {
  const { page, frame, done } = await host('?embed&origin=' + encodeURIComponent(origin(hostBase())) + scenarioLink(SC));
  const ask = (msg) => page.evaluate((m) => window.ask(m), msg);
  const events = (name) => page.evaluate((n) => window.received.filter((r) => r.data.event === n).map((r) => r.data), name);
  await page.waitForFunction(() => window.received.some((r) => r.data.event === 'loaded'));
  assert.deepEqual(await page.evaluate(() => [...new Set(window.received.map((r) => r.origin))]), [origin(base())]);

  let r = await ask({ type: 'playground:scenario' });
  assert.deepEqual(r, { type: 'playground:reply', id: r.id, ok: true, result: SC });
  r = await ask({ type: 'playground:load', scenario: DIVERGES });
  assert.equal(r.ok, true, JSON.stringify(r));
  assert.equal(r.result.step, 0);
  assert.deepEqual(await frame.evaluate(() => window.playground.scenario()), DIVERGES);
  assert.equal((await events('loaded')).length, 2, 'a load is an event');

  r = await ask({ type: 'playground:step', n: 10 });
  assert.deepEqual([r.ok, r.result.step, r.result.iterations], [true, 10, 10]);
  await page.waitForFunction(() => window.received.some((r) => r.data.event === 'step' && r.data.step === 10));
  r = await ask({ type: 'playground:paths' });
  assert.deepEqual(r.result, trace({ ...DIVERGES, steps: 10 }), 'the paths, bit for bit');

  // Seeking past run 0's divergence computes up to there and tells the host.
  r = await ask({ type: 'playground:seek', step: 100 });
  assert.deepEqual([r.ok, r.result.step, r.result.playing], [true, 100, false]);
  await page.waitForFunction(() => window.received.some((r) => r.data.event === 'diverged'));
  const [div] = await events('diverged');
  assert.deepEqual([div.run, div.label, div.at], [0, 'too fast', 82]);
  r = await ask({ type: 'playground:seek', step: 20 });
  assert.equal(r.result.step, 20);
  assert.equal((await frame.evaluate(() => window.playground.state())).step, 20, 'the timeline is scrubbed back');

  r = await ask({ type: 'playground:play' });
  assert.equal(r.result.playing, true);
  await page.waitForFunction(() => window.received.some((r) => r.data.event === 'finished'), null, { timeout: 10000 });
  const [fin] = await events('finished');
  assert.deepEqual([fin.step, fin.done, fin.playing], [150, true, false]);
  assert.equal((await events('diverged')).length, 2, 'passing the divergence again says it again');
  r = await ask({ type: 'playground:reset' });
  assert.deepEqual([r.result.step, r.result.iterations], [0, 0]);
  r = await ask({ type: 'playground:play' });
  await page.waitForFunction(() => window.received.filter((r) => r.data.event === 'step').at(-1).data.step > 0);
  r = await ask({ type: 'playground:pause' });
  assert.equal(r.result.playing, false);
  r = await ask({ type: 'playground:state' });
  assert.equal(r.result.playing, false);

  r = await ask({ type: 'playground:view', view: [-0.5, 0.5, -0.25, 0.25] });
  assert.ok(shows(r.result, [-0.5, 0.5, -0.25, 0.25]), String(r.result));
  r = await ask({ type: 'playground:axis', axis: 'evals' });
  assert.deepEqual([r.ok, r.result], [true, 'evals']);

  // Errors come back as messages; nothing changes.
  const before = await frame.evaluate(() => window.playground.scenario());
  for (const [msg, re] of [
    [{ type: 'playground:load', scenario: { ...DIVERGES, runs: [{ optimizer: { name: 'adam', lr: 0.1, beta1: 1.2 } }] } }, /runs\[0\]\.optimizer\.beta1: must be in \[0, 1\)/],
    [{ type: 'playground:load' }, /scenario/],
    [{ type: 'playground:view', view: [1, 0, 0, 1] }, /min < max/],
    [{ type: 'playground:axis', axis: 'sideways' }, /x axis/],
    [{ type: 'playground:seek', step: -1 }, /whole number/],
    [{ type: 'playground:nonsense' }, /unknown command 'nonsense'/],
    [{ type: 'playground:constructor' }, /unknown command/],
  ]) {
    r = await ask(msg);
    assert.equal(r.ok, false, JSON.stringify(msg));
    assert.match(r.error, re);
  }
  assert.deepEqual(await frame.evaluate(() => window.playground.scenario()), before);

  // A message from another origin (here the page's own, not in origin=) is ignored: no reply,
  // nothing changes.
  const self = await frame.evaluate(async (sc) => {
    const got = [];
    window.addEventListener('message', (e) => { if (e.data?.type === 'playground:reply') got.push(e.data); });
    window.postMessage({ type: 'playground:load', id: 'self', scenario: sc }, '*');
    await new Promise((r) => setTimeout(r, 400));
    return { got, scenario: window.playground.scenario() };
  }, SC);
  assert.deepEqual(self, { got: [], scenario: before });
  await done();

  // A frame without origin= obeys only its own origin: the host is ignored and hears nothing.
  const other = await host('?embed' + scenarioLink(SC));
  await other.page.waitForTimeout(300);
  assert.equal(await other.page.evaluate(() => window.ask({ type: 'playground:load', scenario: { surface: { name: 'booth' }, start: [0, 0], steps: 5, runs: [] } }, 800)), null);
  assert.deepEqual(await other.frame.evaluate(() => window.playground.scenario()), SC);
  assert.deepEqual(await other.page.evaluate(() => window.received), []);
  // The same commands work through window.playground.
  const api = await other.frame.evaluate(() => {
    const p = window.playground;
    p.seek(12);
    const a = p.state();
    p.play();
    const b = p.state().playing;
    p.pause();
    return { a, b, c: p.state().playing, axis: p.axis('evals'), link: p.link() };
  });
  assert.deepEqual([api.a.step, api.a.iterations, api.b, api.c, api.axis], [12, 12, true, false, 'evals']);
  assert.match(api.link, /#scenario=.*&axis=evals&step=12$/);
  await other.done();
});

test('the live address follows the state and reopens to the same scenario, view, axis and step; old links open as before', { timeout: 60000 }, async () => {
  const link = scenarioLink(SC);
  const page = await open(link);
  const url0 = page.url();
  const entries = await page.evaluate(() => history.length);
  await page.waitForTimeout(700);
  assert.equal(page.url(), url0, 'an old link stays as it is until the state changes');
  assert.deepEqual(await page.evaluate(() => window.playground.scenario()), SC);
  assert.equal((await state(page)).step, 0);
  const own = await page.evaluate(() => { const v = window.playground.view(); window.playground._app.reset_view(); return [v, window.playground.view()]; });
  assert.deepEqual(own[0], own[1], "the surface's own view");

  // A slider dragged through many values, a zoom, the evaluations axis, a scrubbed timeline.
  const card = page.locator('.run').first();
  const range = card.locator('input[type=range][aria-label="learning rate η"]');
  for (const v of ['300', '320', '340', '360', '380', '400']) await range.fill(v);
  const box = await page.locator('#overlay').boundingBox();
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5);
  await page.mouse.wheel(0, -300);
  await page.click('#x-evals');
  await page.evaluate(() => window.playground.step(40));
  await page.locator('#timeline').fill('25');
  await page.waitForFunction(() => /&view=[^&]+&axis=evals&step=25$/.test(location.hash));
  assert.equal(await page.evaluate(() => history.length), entries, 'no new history entries');
  const want = await page.evaluate(() => ({ sc: window.playground.scenario(), view: window.playground.view() }));
  assert.notEqual(want.sc.runs[0].optimizer.lr, 0.1, 'the slider moved');
  const url = page.url();
  assert.ok(url.startsWith(base() + '#scenario='), url);
  // "Copy link" gives the same state.
  await page.click('#share');
  assert.equal(page.url(), url);
  await page.done();

  const again = await open(url.slice(url.indexOf('#')));
  await again.waitForFunction(() => window.playground.state().step === 25);
  const s = await again.evaluate(() => ({ sc: window.playground.scenario(), st: window.playground.state() }));
  assert.deepEqual(s.sc, want.sc);
  assert.equal(s.st.axis, 'evals');
  assert.equal(await again.getAttribute('#x-evals', 'aria-pressed'), 'true');
  assert.ok(shows(s.st.view, want.view), `${s.st.view} vs ${want.view}`);
  // The same x- and y-ranges to a millionth (the colour bar's label room, which only grows
  // within a page, is given the room the copied view was fitted to).
  const tol = 1e-6 * width(want.view);
  const [a, b] = [s.st.view, want.view];
  assert.ok(a.every((v, i) => Math.abs(v - b[i]) <= tol), `the same view: ${a} vs ${b}`);
  assert.equal(await again.evaluate(() => document.getElementById('message').hidden), true);
  // Editing the address's state reopens to it.
  await again.evaluate(() => { location.hash = location.hash.replace(/&step=25$/, '&step=7'); });
  await again.waitForFunction(() => window.playground.state().step === 7);
  assert.deepEqual(await again.evaluate(() => window.playground.scenario()), want.sc);
  await again.done();

  // A lesson link: the lesson and its scene, as before; its address keeps naming it.
  const lesson = await open('#lesson=common-issues/2');
  await lesson.waitForFunction(() => document.getElementById('scene-count').textContent === 'scene 2 of 4');
  await lesson.waitForTimeout(600);
  assert.ok(lesson.url().endsWith('#lesson=common-issues/2'), lesson.url());
  await lesson.evaluate(() => window.playground.step(30));
  await lesson.waitForFunction(() => location.hash === '#lesson=common-issues/2&step=30');
  const lurl = lesson.url();
  await lesson.done();
  const lesson2 = await open(lurl.slice(lurl.indexOf('#')));
  await lesson2.waitForFunction(() => document.getElementById('scene-count').textContent === 'scene 2 of 4' && window.playground.state().step === 30);
  // Once the scenario is edited, the address is the scenario's.
  await lesson2.evaluate(() => { const sc = window.playground.scenario(); sc.steps += 1; window.playground.load(sc); });
  await lesson2.waitForFunction(() => location.hash.startsWith('#scenario='));
  await lesson2.done();
});

test('iframes at 320×240 and 1000×700 have no scroll bars', { timeout: 60000 }, async () => {
  for (const [w, h, extra, shot] of [
    [320, 240, '', 'embed-320x240.png'],
    [320, 240, '&chart=loss', 'embed-320x240-chart.png'],
    [1000, 700, '', null],
    [1000, 700, '&chart=loss,lr', 'embed-1000x700-charts.png'],
    [700, 450, '&controls=play', null],
    [400, 600, '&chart=loss', 'embed-400x600-chart.png'],
  ]) {
    const { page, frame, done } = await host(`?embed${extra}` + scenarioLink(SC), w, h, { width: 1100, height: 800 });
    await frame.evaluate(() => window.playground.step(60));
    const charts = extra.includes('chart') ? ['#loss'] : [];
    const controls = extra.includes('play') ? ['#play', '#stepcount'] : ['#play', '#stepbtn', '#reset', '#timeline'];
    assert.deepEqual(await fit(frame, ['.map-wrap', '.playbar', '.embed-open', ...controls, ...charts]), { overflow: false, outside: [] }, `${w}×${h}${extra}`);
    const map = await frame.evaluate(() => document.getElementById('map').getBoundingClientRect().toJSON());
    assert.ok(map.width * map.height > 0.3 * w * h, `${w}×${h}${extra}: the map has room (${map.width}×${map.height})`);
    if (extra.includes('lr')) assert.ok(await visible(frame, '#lr'));
    await page.waitForTimeout(100);
    if (shot) await page.locator('#figure').screenshot({ path: path.join(shots, shot) });
    await done();
  }
});

test('"Copy embed code" yields an iframe snippet that opens the same scenario and view', async () => {
  const page = await open('', { width: 1280, height: 800 }, { permissions: ['clipboard-read', 'clipboard-write'] });
  await page.evaluate((sc) => window.playground.load(sc), SC);
  const box = await page.locator('#overlay').boundingBox();
  await page.mouse.move(box.x + box.width * 0.4, box.y + box.height * 0.5);
  await page.mouse.wheel(0, -300);
  await page.click('#x-evals');
  await page.click('#embed-code');
  const code = await page.evaluate(() => navigator.clipboard.readText());
  assert.equal(code, await page.evaluate(() => window.playground.embedCode()));
  assert.ok(await visible(page, '#message'), 'it says what was copied');
  const frameAttrs = await page.evaluate((code) => {
    const f = new DOMParser().parseFromString(code, 'text/html').querySelector('iframe');
    return f && { src: f.getAttribute('src'), width: f.getAttribute('width'), height: f.getAttribute('height'), title: f.title, n: f.parentNode.children.length };
  }, code);
  assert.ok(frameAttrs, code);
  assert.deepEqual([frameAttrs.width, frameAttrs.height, frameAttrs.title, frameAttrs.n], ['700', '450', 'Optimizer Playground', 1]);
  assert.ok(frameAttrs.src.startsWith(base() + '?embed#scenario='), frameAttrs.src);
  assert.ok(!frameAttrs.src.includes('step='), 'an embed starts at the beginning');
  const view = await page.evaluate(() => window.playground.view());
  await page.done();

  const { frame, done } = await host(frameAttrs.src, 700, 450);
  const s = await frame.evaluate(() => ({ sc: window.playground.scenario(), st: window.playground.state() }));
  assert.deepEqual(s.sc, SC);
  assert.equal(s.st.axis, 'evals');
  assert.ok(shows(s.st.view, view), `${s.st.view} shows ${view}`);
  await done();
});
