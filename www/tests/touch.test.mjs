// Phones and touch: the page at 390×844 and 360×740 with touch emulation (nothing overflows,
// the header wraps, the runs come below the map, the charts stack), the map's gestures (one
// finger pans, two pinch, a tap sets the start, a double tap resets the view), controls of at
// least 44×44 px under a coarse pointer, and the desktop layout as it was.
// Run: node --test www/tests/touch.test.mjs (after `bash www/scripts/build.sh`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { shots, usePage, scenarioLink } from './helpers.mjs';

const { open } = usePage();

const PHONE = { hasTouch: true, isMobile: true, deviceScaleFactor: 3 };
const PHONES = [{ width: 390, height: 844 }, { width: 360, height: 740 }];

// Visible elements whose box leaves the viewport's width (the page scrolls only vertically);
// what an ancestor clips (the map's overlays, a scrolled panel) counts where it is clipped.
const outside = (page) => page.evaluate(() => {
  const vw = window.innerWidth;
  const out = [];
  for (const e of document.querySelectorAll('body *')) {
    const r = e.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || e.closest('[hidden], option, optgroup')) continue;
    if (getComputedStyle(e).visibility === 'hidden') continue;
    let [left, right] = [r.left, r.right];
    for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== 'visible') {
        const c = a.getBoundingClientRect();
        left = Math.max(left, c.left);
        right = Math.min(right, c.right);
      }
    }
    if (right <= left) continue;
    if (left < -0.5 || right > vw + 0.5) out.push(`${e.tagName.toLowerCase()}#${e.id}.${e.className} ${left.toFixed(1)}…${right.toFixed(1)}`);
  }
  return { scrollWidth: document.documentElement.scrollWidth, innerWidth: vw, out };
});

const fits = async (page, what) => {
  const o = await outside(page);
  assert.ok(o.scrollWidth <= o.innerWidth, `${what}: the page is ${o.scrollWidth} px wide in a ${o.innerWidth} px viewport`);
  assert.deepEqual(o.out, [], `${what}: elements outside the viewport`);
};

const box = (page, sel) => page.locator(sel).boundingBox();
const overlap = (a, b) => a.x < b.x + b.width - 0.5 && b.x < a.x + a.width - 0.5 && a.y < b.y + b.height - 0.5 && b.y < a.y + a.height - 0.5;

// Ink in the map canvas's rightmost device pixels: a label cut by the edge leaves some there.
const inkAtRightEdge = (page) => page.evaluate(() => {
  const c = document.getElementById('map');
  const d = c.getContext('2d').getImageData(c.width - 3, 0, 3, c.height).data;
  let n = 0;
  for (let i = 0; i < d.length; i += 4) if (d[i] < 200 || d[i + 1] < 200 || d[i + 2] < 200) n++;
  return n;
});

// Labels as long as the colour bar's get ("−8.466e−149"), and a title as long ("L (log,
// clamped…)" is the longest).
const LONG_LABELS = scenarioLink({ surface: { expr: '-1e-150*(x^2 + y^2) - 3.3e-150' }, start: [0.5, 0.5], steps: 50, runs: [{ optimizer: { name: 'gd', lr: 0.1 } }] });

test('on phones (390×844, 360×740) nothing overflows: the header wraps, the runs come below the map, the charts stack, the colour bar fits', async () => {
  for (const vp of PHONES) {
    const page = await open('', vp, PHONE);
    const size = `${vp.width}×${vp.height}`;
    await page.evaluate(() => window.playground.step(100));
    await page.waitForTimeout(100);
    await fits(page, size);
    // The header: every part reachable, none over another.
    const parts = ['.top h1', '#surface', '#expr', '#lesson', '#present', '#fullscreen', '#share', '#help-open'];
    const boxes = await Promise.all(parts.map((s) => box(page, s)));
    boxes.forEach((b, i) => assert.ok(b && b.width > 20 && b.height > 10, `${parts[i]} is shown: ${JSON.stringify(b)}`));
    for (let i = 0; i < parts.length; i++) {
      for (let j = i + 1; j < parts.length; j++) assert.ok(!overlap(boxes[i], boxes[j]), `${parts[i]} and ${parts[j]} overlap`);
    }
    assert.ok(boxes[parts.indexOf('#expr')].width >= 200, 'the expression box has room to type in');
    // Runs below the map, charts one above the other.
    const [map, runs, loss, lr, play, timeline] = await Promise.all(['.map-wrap', '#runs-panel', '#loss', '#lr', '.playbar', '#timeline'].map((s) => box(page, s)));
    assert.ok(runs.y >= map.y + map.height, 'the runs come below the map');
    assert.ok(lr.y >= loss.y + loss.height && Math.abs(lr.x - loss.x) < 1, 'the charts are stacked');
    assert.ok(loss.width > vp.width * 0.8, 'a chart takes the width');
    assert.ok(timeline.width > vp.width * 0.55 && timeline.y + timeline.height <= play.y + play.height, `the timeline has a line of its own in the playbar: ${JSON.stringify([timeline, play])}`);
    assert.ok(map.width > vp.width * 0.9 && map.height >= 300, `the map: ${JSON.stringify(map)}`);
    assert.equal(await inkAtRightEdge(page), 0, 'no label runs off the map');
    await page.screenshot({ path: path.join(shots, `touch-${vp.width}x${vp.height}.png`) });
    await page.screenshot({ path: path.join(shots, `touch-${vp.width}x${vp.height}-page.png`), fullPage: true });

    // The stopping rules, a lesson, the help and a data set (three charts, data sliders) fit too.
    await page.click('#stop-rules summary');
    await fits(page, `${size}, stop when… open`);
    await page.evaluate(() => window.playground.openLesson(1));
    await page.waitForSelector('#lesson-panel:not([hidden])');
    await fits(page, `${size}, a lesson`);
    const [lesson, mapNow] = await Promise.all([box(page, '#lesson-panel'), box(page, '.map-wrap')]);
    assert.ok(lesson.y + lesson.height <= mapNow.y, 'the lesson is read above the map');
    await page.click('#help-open');
    await fits(page, `${size}, the keys`);
    await page.click('#help-close');
    await page.selectOption('#surface', '__data:logistic');
    await page.waitForFunction(() => !!window.playground.scenario().data);
    await page.evaluate(() => { for (const d of document.querySelectorAll('details')) d.open = true; });
    await fits(page, `${size}, a data set with every panel open`);
    await page.evaluate(() => window.playground.present(true));
    await fits(page, `${size}, presentation mode`);
    await page.done();

    const long = await open(LONG_LABELS, vp, PHONE);
    await long.waitForTimeout(100);
    await fits(long, `${size}, long colour-bar labels`);
    assert.equal(await inkAtRightEdge(long), 0, 'no long label runs off the map');
    const plot = await long.evaluate(() => window.playground._app.plot());
    assert.ok(plot[2] > vp.width * 0.35, `the plot keeps its width: ${plot}`);
    await long.locator('.map-wrap').screenshot({ path: path.join(shots, `touch-${vp.width}-long-labels.png`) });
    await long.done();
  }
});

test('on a tablet (768×1024, touch) nothing overflows either: the header wraps, "stop when…" opens in place', async () => {
  const page = await open('', { width: 768, height: 1024 }, PHONE);
  await fits(page, '768×1024');
  await page.click('#stop-rules summary');
  await fits(page, '768×1024, stop when… open');
  const [top, play] = await Promise.all([box(page, '.top'), box(page, '.playbar')]);
  assert.ok(top.width <= 768 && play.width <= 768);
  await page.screenshot({ path: path.join(shots, 'touch-768x1024.png') });
  await page.done();
});

// Touch points for CDP's Input.dispatchTouchEvent, in CSS pixels of the page.
const touchPoints = (pts) => pts.map(([x, y], id) => ({ x, y, id, radiusX: 1, radiusY: 1, force: 1 }));

// Moves fingers from `from` to `to` (lists of [x, y], one per finger) in `steps` steps.
async function gesture(cdp, from, to, steps = 8) {
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: touchPoints(from) });
  for (let s = 1; s <= steps; s++) {
    const t = s / steps;
    const at = from.map(([x, y], i) => [x + (to[i][0] - x) * t, y + (to[i][1] - y) * t]);
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: touchPoints(at) });
  }
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
}

// The map on screen: the overlay's box, the plot rectangle in it and the view, so that a pixel
// can be turned into a point of the plane.
async function mapState(page) {
  const [ov, plot, view, scrollY] = await page.evaluate(() => {
    const r = document.getElementById('overlay').getBoundingClientRect();
    return [{ x: r.left, y: r.top, width: r.width, height: r.height }, window.playground._app.plot(), window.playground._app.view(), window.scrollY];
  });
  const [px, py, pw, ph] = plot;
  const [x0, x1, y0, y1] = view;
  return {
    view, scrollY,
    perPx: [(x1 - x0) / pw, (y1 - y0) / ph],
    // The page pixel of a fraction (u, v) of the plot, from its top left.
    at: (u, v) => [ov.x + px + u * pw, ov.y + py + v * ph],
    // The plane point under page pixel (x, y).
    point: (x, y) => [x0 + (x - ov.x - px) / pw * (x1 - x0), y1 - (y - ov.y - py) / ph * (y1 - y0)],
  };
}

// Asserts that the view `after` is the view of `m` dragged by (dx, dy) CSS pixels, to within
// `tol` pixels: dragged right and down, the plane follows, the view goes left and up.
function assertPanned(m, after, dx, dy, tol = 0.5) {
  const want = [-dx * m.perPx[0], dy * m.perPx[1]];
  const got = [after.view[0] - m.view[0], after.view[2] - m.view[2]];
  for (const k of [0, 1]) assert.ok(Math.abs(got[k] - want[k]) <= tol * m.perPx[k], `moved by ${got} for a drag of (${dx}, ${dy}) px: want ${want}`);
}

// Taps or clicks (`act`) at page pixel (x, y) of the map `m` and checks that the start moves to
// the plane point there, within a pixel; returns the start.
async function startSetBy(page, m, x, y, act) {
  const before = JSON.stringify(await page.evaluate(() => window.playground.scenario().start));
  const want = m.point(x, y);
  await act(x, y);
  await page.waitForFunction((s0) => JSON.stringify(window.playground.scenario().start) !== s0, before);
  const start = await page.evaluate(() => window.playground.scenario().start);
  for (const k of [0, 1]) assert.ok(Math.abs(start[k] - want[k]) <= m.perPx[k], `start ${start}, pointed at ${want}`);
  return start;
}

async function phoneMap(page) {
  await page.evaluate(() => document.querySelector('.map-wrap').scrollIntoView({ block: 'center' }));
  await page.waitForTimeout(100);
  return page.context().newCDPSession(page);
}

test('one finger drags the map: the view moves by the dragged amount, the page does not scroll, the start stays', async () => {
  const page = await open('', PHONES[0], PHONE);
  const cdp = await phoneMap(page);
  const start = await page.evaluate(() => window.playground.scenario().start);
  for (const [dx, dy] of [[90, 60], [-70, -110]]) {
    const m = await mapState(page);
    const [x, y] = m.at(0.5, 0.5);
    await gesture(cdp, [[x, y]], [[x + dx, y + dy]]);
    const after = await mapState(page);
    assertPanned(m, after, dx, dy);
    assert.ok(Math.abs(after.view[1] - after.view[0] - (m.view[1] - m.view[0])) < 1e-9, 'no zoom');
    assert.equal(after.scrollY, m.scrollY, 'the page did not scroll');
  }
  await page.waitForTimeout(400);
  assert.deepEqual(await page.evaluate(() => window.playground.scenario().start), start, 'a drag sets no start');
  // Elsewhere a finger still scrolls the page.
  const [mp] = [await box(page, '.playbar')];
  const y0 = await page.evaluate(() => window.scrollY);
  await gesture(cdp, [[mp.x + 20, mp.y + 40]], [[mp.x + 20, mp.y - 160]], 10);
  await page.waitForTimeout(300);
  assert.ok(await page.evaluate(() => window.scrollY) > y0 + 50, 'a drag on the playbar scrolls the page');
  await page.done();
});

test('two fingers pinch the map: it zooms about their midpoint', async () => {
  const page = await open('', PHONES[1], PHONE);
  const cdp = await phoneMap(page);
  for (const [from, to] of [[40, 80], [100, 50]]) {
    const m = await mapState(page);
    const [cx, cy] = m.at(0.45, 0.55);
    const under = m.point(cx, cy);
    await gesture(cdp, [[cx - from, cy], [cx + from, cy + 0]], [[cx - to, cy], [cx + to, cy]]);
    const after = await mapState(page);
    const scale = (m.view[1] - m.view[0]) / (after.view[1] - after.view[0]);
    assert.ok(Math.abs(scale / (to / from) - 1) < 0.01, `zoomed ${scale}× for fingers ${from} → ${to} px apart`);
    const now = after.point(cx, cy);
    for (const k of [0, 1]) assert.ok(Math.abs(now[k] - under[k]) <= after.perPx[k], `the point under the fingers stays: ${under} → ${now}`);
    assert.equal(after.scrollY, m.scrollY, 'the page did not scroll');
  }
  assert.equal(await page.evaluate(() => window.visualViewport.scale), 1, 'the page itself is not zoomed');
  // Two fingers moving together pan as well.
  const m = await mapState(page);
  const [cx, cy] = m.at(0.5, 0.5);
  await gesture(cdp, [[cx - 50, cy], [cx + 50, cy]], [[cx - 10, cy + 30], [cx + 90, cy + 30]]);
  assertPanned(m, await mapState(page), 40, 30, 1);
  await page.done();
});

test('a tap sets the start at the tapped point, a double tap resets the view', async () => {
  const page = await open('', PHONES[0], PHONE);
  await phoneMap(page);
  const view0 = await page.evaluate(() => window.playground._app.view());
  const m = await mapState(page);
  const [x, y] = m.at(0.3, 0.7);
  const start = await startSetBy(page, m, x, y, (x, y) => page.touchscreen.tap(x, y));
  assert.equal(await page.evaluate(() => window.playground.paths()[0].path.length), 1, 'every run restarts there');
  // Panned away, then a double tap: back to the surface's view, the start where it was.
  const cdp = await page.context().newCDPSession(page);
  await gesture(cdp, [[x, y]], [[x + 60, y - 40]]);
  assert.notDeepEqual(await page.evaluate(() => window.playground._app.view()), view0);
  const [a, b] = m.at(0.6, 0.4);
  await page.touchscreen.tap(a, b);
  await page.waitForTimeout(80);
  await page.touchscreen.tap(a + 3, b + 2);
  await page.waitForTimeout(500);
  assert.deepEqual(await page.evaluate(() => window.playground._app.view()), view0);
  assert.deepEqual(await page.evaluate(() => window.playground.scenario().start), start, 'a double tap sets no start');
  await page.done();
});

test('under a coarse pointer every control is at least 44×44 px', async () => {
  const page = await open('', PHONES[0], PHONE);
  assert.ok(await page.evaluate(() => matchMedia('(pointer: coarse)').matches));
  await page.evaluate(() => window.playground.openLesson(0));
  await page.waitForSelector('#lesson-panel:not([hidden])');
  await page.evaluate(() => { for (const d of document.querySelectorAll('details')) d.open = true; });
  // An error message, with its ✕.
  await page.evaluate(() => {
    const limit = document.getElementById('limit');
    limit.value = '0';
    limit.dispatchEvent(new Event('change'));
  });
  await page.waitForSelector('#message:not([hidden])');
  const small = await page.evaluate(() => {
    const out = [];
    let n = 0;
    for (const e of document.querySelectorAll('button, select, input, summary, .run-head .name')) {
      if (e.closest('[hidden]') || e.getClientRects().length === 0 || getComputedStyle(e).display === 'none') continue;
      // A checkbox is touched through its label.
      const t = e.type === 'checkbox' && e.closest('label') ? e.closest('label') : e;
      const r = t.getBoundingClientRect();
      n++;
      if (r.width < 43.5 || r.height < 43.5) out.push(`${e.tagName.toLowerCase()}#${e.id}[${e.getAttribute('aria-label') || e.textContent.trim().slice(0, 20)}] ${r.width.toFixed(1)}×${r.height.toFixed(1)}`);
    }
    return { n, out };
  });
  assert.ok(small.n > 40, `${small.n} controls checked`);
  assert.deepEqual(small.out, [], 'controls smaller than 44×44 px');
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(shots, 'touch-390x844-lesson.png') });
  await page.click('#help-open');
  const close = await box(page, '#help-close');
  assert.ok(close.width >= 43.5 && close.height >= 43.5, `the help's ✕: ${JSON.stringify(close)}`);
  await page.screenshot({ path: path.join(shots, 'touch-390x844-keys.png') });
  await page.done();
});

test('on a desktop (1280×800, a mouse) the layout is as before and the mouse still drives the map', async () => {
  const page = await open();
  await fits(page, '1280×800');
  const [top, map, runs, loss, lr, play, hint] = await Promise.all(['.top', '.map-wrap', '#runs-panel', '#loss', '#lr', '#play', '.hint-mouse'].map((s) => box(page, s)));
  // The header: at most two lines (the actions wrap below the surface), and the expression
  // keeps room to be read and typed in.
  assert.ok(top.height < 110, `the header is at most two lines: ${top.height}`);
  const expr = await box(page, '.expr-wrap');
  assert.ok(expr.width >= 260, `the expression keeps its room: ${expr.width}`);
  assert.ok(runs.x >= map.x + map.width, 'the runs beside the map');
  assert.ok(lr.x >= loss.x + loss.width && Math.abs(lr.y - loss.y) < 1, 'the charts side by side');
  assert.ok(play.height < 40, `compact controls: ${play.height}`);
  assert.ok(hint && hint.width > 100, 'the mouse hint');
  assert.equal(await page.locator('.hint-touch').isVisible(), false);
  assert.equal(await page.evaluate(() => getComputedStyle(document.getElementById('overlay')).touchAction), 'none');
  assert.equal(await page.evaluate(() => getComputedStyle(document.body).touchAction), 'auto');
  // Drag pans by the dragged amount, as a finger does on a phone; a click then sets the start.
  const m = await mapState(page);
  const [x, y] = m.at(0.5, 0.5);
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x + 100, y + 40, { steps: 5 });
  await page.mouse.up();
  const after = await mapState(page);
  assertPanned(m, after, 100, 40);
  const [cx, cy] = after.at(0.25, 0.25);
  await startSetBy(page, after, cx, cy, (x, y) => page.mouse.click(x, y));
  await page.done();
});
