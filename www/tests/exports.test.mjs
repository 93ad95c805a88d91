// End-to-end tests of the Export menu (www/exports.js): every export is downloaded through the
// menu and read back — the CSV and JSON against paths(), the SVG through the browser's XML
// parser, the PNG decoded by the browser, the video played in a <video> element — and a
// recording is cancelled. Run after `bash www/scripts/build.sh` and a native `cargo build`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { shots, usePage, scenarioLink } from './helpers.mjs';

const { open } = usePage();

// Logistic regression with held-out points, a mini-batch run, a label that needs quoting, one
// that a spreadsheet would read as a formula, and a hidden run; every run has its own colour.
const DATA = {
  data: { kind: 'logistic', n: 60, noise: 0.6, seed: 4, validation: 0.2 }, start: [1.5, -1.5], steps: 120,
  runs: [
    { optimizer: { name: 'gd', lr: 0.5 }, label: 'GD, "full batch"', color: '#00a6fb' },
    { optimizer: { name: 'momentum', lr: 0.2 }, batch_size: 6, label: '=SUM(1)', color: '#ff006e' },
    { optimizer: { name: 'adam', lr: 0.05 }, enabled: false, color: '#8338ec' },
    { optimizer: { name: 'newton' }, color: '#fb5607' },
  ],
};

// Rosenbrock's valley with three runs, one of them hidden.
const NAMED = {
  surface: { name: 'rosenbrock' }, start: [-1.5, 2], steps: 400,
  runs: [
    { optimizer: { name: 'adam', lr: 0.05 }, color: '#00a6fb' },
    { optimizer: { name: 'momentum', lr: 0.0005 }, color: '#ff006e' },
    { optimizer: { name: 'bfgs', line_search: 'wolfe' }, color: '#8338ec', enabled: false },
  ],
};

// Opens the Export menu, picks `name` and returns the download: its suggested name and bytes.
async function download(page, name, { timeout = 30000 } = {}) {
  await page.click('#export');
  const [dl] = await Promise.all([
    page.waitForEvent('download', { timeout }),
    page.getByRole('menuitem', { name, exact: true }).click(),
  ]);
  return { name: dl.suggestedFilename(), bytes: fs.readFileSync(await dl.path()) };
}

async function choose(page, name) {
  await page.click('#export');
  await page.getByRole('menuitemradio', { name, exact: true }).click();
  await page.keyboard.press('Escape');
}

// RFC 4180: fields separated by commas, quoted ones may hold commas and doubled quotes.
function parseCsv(text) {
  const rows = [];
  let row = [], field = '', quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (c === '"') quoted = false; else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; } else if (c === '\n') { row.push(field); rows.push(row); row = []; field = ''; } else field += c;
  }
  assert.equal(field + row.join(''), '', 'the CSV ends with a line break');
  return rows;
}

// Significant digits of a number as printed.
const digits = (s) => s.split(/e/i)[0].replace(/[^0-9]/g, '').replace(/^0+/, '').replace(/0+$/, '').length || 1;

// The values a row of run i, step k must hold, from paths() (null where there is none or it is
// not finite, as JSON has it).
function expected(run, i, k) {
  const f = (v) => (v === undefined || v === null || !Number.isFinite(v) ? null : v);
  const row = {
    run: i, label: run.label, step: k, x: run.path[k][0], y: run.path[k][1], loss: f(run.loss[k]),
    lr: f(run.lr[k]), grad_norm: f(run.grad_norm[k]),
  };
  if (run.val_loss) row.val_loss = f(run.val_loss[k]);
  if (run.batch_loss) row.batch_loss = f(run.batch_loss[k]);
  return row;
}

test('the Export menu works with the keyboard and looks right', async () => {
  const page = await open(scenarioLink(NAMED));
  await page.evaluate(() => window.playground.step(200));
  await page.focus('#export');
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.getAttribute('#export', 'aria-expanded'), 'true');
  const focused = () => page.evaluate(() => document.activeElement.textContent);
  assert.equal(await focused(), 'Map as PNG', 'the first item has the focus');
  await page.keyboard.press('ArrowDown');
  assert.equal(await focused(), 'Charts as PNG');
  await page.keyboard.press('End');
  assert.equal(await focused(), '100', 'End: the last choice');
  await page.keyboard.press('ArrowDown');
  assert.equal(await focused(), 'Map as PNG', 'the arrows wrap around');
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('Home');
  assert.equal(await focused(), 'Map as PNG');
  // Keys in the menu do not reach the page's shortcuts (End would move the timeline).
  const cursor = await page.evaluate(() => window.playground._app.cursor());
  await page.evaluate(() => window.playground._app.set_cursor(50));
  await page.keyboard.press('End');
  assert.equal(await page.evaluate(() => window.playground._app.cursor()), 50n);
  await page.evaluate((c) => window.playground._app.set_cursor(Number(c)), cursor);
  await page.keyboard.press('Home');
  await page.screenshot({ path: path.join(shots, 'export-menu.png') });
  // A choice is checked in place and keeps the menu open.
  const print = page.getByRole('menuitemradio', { name: '2× for print', exact: true });
  await print.focus();
  await page.keyboard.press('Enter');
  assert.equal(await print.getAttribute('aria-checked'), 'true');
  assert.equal(await page.getByRole('menuitemradio', { name: 'screen density', exact: true }).getAttribute('aria-checked'), 'false');
  assert.ok(await page.isVisible('#export-menu'));
  await page.keyboard.press('Escape');
  assert.ok(!(await page.isVisible('#export-menu')), 'Escape closes it');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'export', 'and gives the focus back');
  // A click elsewhere closes it too.
  await page.click('#export');
  await page.mouse.click(5, 300);
  assert.ok(!(await page.isVisible('#export-menu')));
  await page.done();
});

test('the trajectories as JSON hold the numbers of paths() bit for bit', async () => {
  const page = await open(scenarioLink(DATA));
  await page.evaluate(() => window.playground.step(120));
  const runs = await page.evaluate(() => window.playground.paths());
  const got = await download(page, 'Trajectories as JSON');
  assert.equal(got.name, 'optimizer-playground-trajectories.json');
  const rows = JSON.parse(got.bytes.toString('utf8'));
  let at = 0;
  runs.forEach((run, i) => {
    run.path.forEach((_, k) => {
      const want = expected(run, i, k);
      const row = rows[at++];
      for (const [key, v] of Object.entries(want)) assert.ok(Object.is(row[key], v), `run ${i} step ${k} ${key}: ${row[key]} against ${v}`);
      assert.ok(Number.isInteger(row.evals_grad) && row.evals_grad >= 0);
    });
    // The last row's counts are the run's (a diverged run's total adds the failed iteration).
    const last = rows[at - 1];
    const counts = [last.evals_value, last.evals_grad, last.evals_hessian];
    const total = [run.evals.value, run.evals.grad, run.evals.hessian];
    if (run.diverged_at === null) assert.deepEqual(counts, total, `run ${i}`);
    else counts.forEach((n, c) => assert.ok(n <= total[c], `run ${i}: ${counts} within ${total}`));
  });
  assert.equal(rows.length, at, 'one row per run and point, hidden runs too');
  assert.equal(rows[0].label, 'GD, "full batch"');
  await page.done();
});

test('the trajectories as CSV hold the same numbers, shortest round-trip', async () => {
  const page = await open(scenarioLink(DATA));
  await page.evaluate(() => window.playground.step(120));
  const runs = await page.evaluate(() => window.playground.paths());
  const got = await download(page, 'Trajectories as CSV');
  assert.equal(got.name, 'optimizer-playground-trajectories.csv');
  const [head, ...rows] = parseCsv(got.bytes.toString('utf8'));
  assert.deepEqual(head, ['run', 'label', 'step', 'x', 'y', 'loss', 'lr', 'grad_norm', 'evals_value', 'evals_grad', 'evals_hessian', 'val_loss', 'batch_loss']);
  let at = 0, numbers = 0;
  runs.forEach((run, i) => {
    run.path.forEach((_, k) => {
      const want = expected(run, i, k);
      const row = Object.fromEntries(head.map((h, c) => [h, rows[at][c]]));
      at++;
      assert.equal(row.label, i === 1 ? "'=SUM(1)" : run.label, 'labels as given, a formula defused');
      for (const [key, v] of Object.entries(want)) {
        if (key === 'label') continue;
        const cell = row[key];
        if (v === null) { assert.equal(cell, '', `run ${i} step ${k} ${key}`); continue; }
        assert.ok(Object.is(Number(cell), v), `run ${i} step ${k} ${key}: ${cell} against ${v}`);
        // As few digits as JavaScript's own shortest round-trip printing.
        assert.equal(digits(cell), digits(String(v)), `${key} = ${cell} (${v})`);
        numbers++;
      }
    });
  });
  assert.equal(rows.length, at);
  assert.ok(numbers > 2000, `${numbers} numbers compared`);
  await page.done();
});

test('the SVG of the map and of the charts parse and hold a line per shown run', async () => {
  const page = await open(scenarioLink(NAMED));
  await page.evaluate(() => window.playground.step(400));
  const map = await download(page, 'Map as SVG');
  assert.equal(map.name, 'optimizer-playground-map.svg');
  const charts = await download(page, 'Charts as SVG');
  const read = (text, canvases) => page.evaluate(({ text, canvases }) => {
    const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
    const svg = doc.documentElement;
    const polys = [...doc.querySelectorAll('polyline')].map((p) => ({
      stroke: (p.getAttribute('stroke') || '').toLowerCase(),
      points: p.getAttribute('points').trim().split(/\s+/).length,
    }));
    const size = canvases.map((id) => document.getElementById(id)).reduce((s, c) => [s[0] + c.width, Math.max(s[1], c.height)], [0, 0]);
    return {
      error: doc.querySelector('parsererror')?.textContent ?? null, root: svg.localName,
      width: Number(svg.getAttribute('width')), height: Number(svg.getAttribute('height')), size,
      images: [...doc.querySelectorAll('image')].map((i) => (i.getAttribute('xlink:href') || i.getAttribute('href') || '').slice(0, 22)),
      texts: [...doc.querySelectorAll('text')].map((t) => t.textContent), polys,
    };
  }, { text, canvases });
  const m = await read(map.bytes.toString('utf8'), ['map']);
  assert.equal(m.error, null, 'the map parses as XML');
  assert.equal(m.root, 'svg');
  assert.deepEqual([m.width, m.height], m.size, 'the map canvas\'s size');
  assert.deepEqual(m.images, ['data:image/png;base64,'], 'the colour map, embedded as PNG');
  assert.ok(m.texts.length > 5, 'axis labels stay text');
  const shown = NAMED.runs.filter((r) => r.enabled !== false);
  for (const r of shown) {
    const lines = m.polys.filter((p) => p.stroke === r.color);
    assert.equal(lines.length, 1, `one trajectory in ${r.color}`);
    assert.ok(lines[0].points > 10, `${r.color}: ${lines[0].points} points`);
  }
  assert.equal(m.polys.filter((p) => p.stroke === NAMED.runs[2].color).length, 0, 'a hidden run is not drawn');
  const c = await read(charts.bytes.toString('utf8'), ['loss', 'lr']);
  assert.equal(c.error, null, 'the charts parse as XML');
  assert.deepEqual([c.width, c.height], c.size, 'both charts side by side');
  assert.deepEqual(c.images, []);
  for (const r of shown) assert.ok(c.polys.some((p) => p.stroke === r.color && p.points > 10), `${r.color}: its loss and rate curves`);
  assert.equal(c.polys.filter((p) => p.stroke === NAMED.runs[2].color).length, 0);
  assert.ok(c.texts.some((t) => /loss/i.test(t)) && c.texts.some((t) => /learning rate/i.test(t)));
  await page.done();
});

test('the PNG of the map and the charts at the screen\'s density and at 2×', async () => {
  const page = await open(scenarioLink(DATA));
  await page.evaluate(() => window.playground.step(120));
  // Reads a PNG in the page: its size and how much of it is ink (not white), in colours.
  const look = (bytes) => page.evaluate(async (b64) => {
    const img = new Image();
    img.src = 'data:image/png;base64,' + b64;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.width; c.height = img.height;
    const g = c.getContext('2d');
    g.drawImage(img, 0, 0);
    const d = g.getImageData(0, 0, c.width, c.height).data;
    let ink = 0;
    const colours = new Set();
    for (let i = 0; i < d.length; i += 4) {
      if (!(d[i] > 245 && d[i + 1] > 245 && d[i + 2] > 245)) ink++;
      colours.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
    }
    return { size: [img.width, img.height], ink: ink / (c.width * c.height), colours: colours.size };
  }, bytes.toString('base64'));
  const css = (ids) => page.evaluate((ids) => ids.map((id) => document.getElementById(id)).filter((c) => !c.hidden)
    .reduce((s, c) => [s[0] + c.clientWidth, Math.max(s[1], c.clientHeight)], [0, 0]), ids);
  const mapCss = await css(['map']);
  const chartsCss = await css(['loss', 'lr', 'scatter']);
  for (const [density, k, suffix] of [['screen density', 1, ''], ['2× for print', 2, '@2x']]) {
    await choose(page, density);
    const map = await download(page, 'Map as PNG');
    assert.equal(map.name, `optimizer-playground-map${suffix}.png`);
    const m = await look(map.bytes);
    assert.deepEqual(m.size, mapCss.map((v) => v * k), `the map at ${k}×`);
    assert.ok(m.ink > 0.5 && m.colours > 200, `the map is drawn: ${JSON.stringify(m)}`);
    const charts = await download(page, 'Charts as PNG');
    const c = await look(charts.bytes);
    assert.deepEqual(c.size, chartsCss.map((v) => v * k), `the charts (and the data) at ${k}×`);
    assert.ok(c.ink > 0.02 && c.colours > 20, `the charts are drawn: ${JSON.stringify(c)}`);
    // The page is back at the screen's density, and drawn.
    const back = await page.evaluate(() => ['map', 'overlay', 'loss'].map((id) => document.getElementById(id)).map((c) => [c.width, c.clientWidth]));
    for (const [w, cw] of back) assert.equal(w, cw);
  }
  await page.done();
});

test('the replay records as a video with a duration, and stops where it was', async () => {
  const page = await open(scenarioLink(NAMED));
  await page.evaluate(() => window.playground.step(400));
  await page.evaluate(() => window.playground._app.set_cursor(123));
  await choose(page, '20');
  const item = page.getByRole('menuitem', { name: /^Replay as/ });
  await page.click('#export');
  const label = await item.textContent();
  assert.equal(label, 'Replay as WebM video', 'Chromium records WebM');
  await page.keyboard.press('Escape');
  const video = await download(page, 'Replay as WebM video');
  assert.equal(video.name, 'optimizer-playground-replay.webm');
  assert.equal(video.bytes.readUInt32BE(0), 0x1a45dfa3, 'an EBML (WebM) file');
  const played = await page.evaluate(async (b64) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const v = document.createElement('video');
    v.muted = true;
    v.src = URL.createObjectURL(new Blob([bytes], { type: 'video/webm' }));
    await new Promise((ok, fail) => { v.onloadedmetadata = ok; v.onerror = () => fail(new Error('the video does not load')); });
    // MediaRecorder writes no duration into the header: seeking to the end finds it.
    v.currentTime = 1e9;
    await new Promise((ok) => { v.onseeked = ok; });
    return { duration: v.duration, width: v.videoWidth, height: v.videoHeight };
  }, video.bytes.toString('base64'));
  assert.ok(Number.isFinite(played.duration) && played.duration > 0.2, `duration ${played.duration} s`);
  const size = await page.evaluate(() => [document.getElementById('map').width, document.getElementById('map').height]);
  assert.deepEqual([played.width, played.height], size, 'the map, as large as its canvas');
  // Back where it was: paused at step 123, at the page's speed.
  const state = await page.evaluate(() => { const a = window.playground._app; return [a.playing(), a.cursor(), a.speed()]; });
  assert.deepEqual(state, [false, 123n, 10n]);
  assert.ok(await page.locator('.recording').isHidden());
  await page.done();
});

test('without MediaRecorder the replay records as a GIF that shows the map', async () => {
  const page = await open(scenarioLink(NAMED), undefined, { init: () => { delete window.MediaRecorder; } });
  assert.equal(await page.evaluate(() => typeof MediaRecorder), 'undefined');
  await page.evaluate(() => window.playground.step(400));
  await choose(page, '20');
  const gif = await download(page, 'Replay as GIF animation');
  assert.equal(gif.name, 'optimizer-playground-replay.gif');
  assert.equal(gif.bytes.subarray(0, 6).toString('latin1'), 'GIF89a');
  // Decoded by the browser: as large as the map, many frames, the last one the map as shown.
  const got = await page.evaluate(async (b64) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const dec = new ImageDecoder({ data: bytes, type: 'image/gif' });
    await dec.tracks.ready;
    const frames = dec.tracks.selectedTrack.frameCount;
    const pixels = async (i) => {
      const { image } = await dec.decode({ frameIndex: i });
      const c = new OffscreenCanvas(image.displayWidth, image.displayHeight);
      c.getContext('2d').drawImage(image, 0, 0);
      return { w: c.width, h: c.height, d: c.getContext('2d').getImageData(0, 0, c.width, c.height).data };
    };
    const first = await pixels(0);
    const last = await pixels(frames - 1);
    const shown = document.createElement('canvas');
    const [m, o] = ['map', 'overlay'].map((id) => document.getElementById(id));
    [shown.width, shown.height] = [m.width, m.height];
    const g = shown.getContext('2d');
    g.fillStyle = '#fff';
    g.fillRect(0, 0, shown.width, shown.height);
    g.drawImage(m, 0, 0);
    g.drawImage(o, 0, 0);
    const want = g.getImageData(0, 0, shown.width, shown.height).data;
    let err = 0, changed = 0;
    for (let i = 0; i < want.length; i += 4) {
      for (let k = 0; k < 3; k++) err += Math.abs(last.d[i + k] - want[i + k]);
      if (first.d[i] !== last.d[i] || first.d[i + 1] !== last.d[i + 1] || first.d[i + 2] !== last.d[i + 2]) changed++;
    }
    return { frames, w: last.w, h: last.h, size: [m.width, m.height], err: err / (3 * want.length / 4), changed };
  }, gif.bytes.toString('base64'));
  assert.deepEqual([got.w, got.h], got.size, 'the map, as large as its canvas');
  assert.ok(got.frames >= 10, `${got.frames} frames`);
  assert.ok(got.err < 3, `the last frame is the map as shown: mean error ${got.err.toFixed(2)} a channel`);
  assert.ok(got.changed > 500, `the paths grew between the first frame and the last: ${got.changed} pixels`);
  const state = await page.evaluate(() => { const a = window.playground._app; return [a.playing(), a.cursor()]; });
  assert.deepEqual(state, [false, 400n], 'back where it was');
  await page.done();
});

test('cancel stops a recording: no file, the page back as it was', async () => {
  const page = await open(scenarioLink(NAMED));
  await page.evaluate(() => window.playground.step(400));
  await choose(page, '1');
  let downloads = 0;
  page.on('download', () => downloads++);
  await page.click('#export');
  await page.getByRole('menuitem', { name: 'Replay as WebM video' }).click();
  const bar = page.locator('.recording');
  assert.ok(await bar.isVisible(), 'the progress is shown');
  await page.waitForFunction(() => document.querySelector('.recording progress').value >= 20);
  const text = await bar.textContent();
  assert.match(text, /Recording the replay: step \d+ of 400/);
  assert.equal(await page.evaluate(() => document.querySelector('.recording progress').max), 400);
  await page.screenshot({ path: path.join(shots, 'export-recording.png') });
  await bar.getByRole('button', { name: 'Cancel' }).click();
  assert.ok(await bar.isHidden());
  const at = await page.evaluate(() => { const a = window.playground._app; return [a.playing(), a.cursor(), a.speed()]; });
  assert.deepEqual(at, [false, 400n, 10n], 'paused at the latest step again, at the page\'s speed');
  assert.equal(await page.textContent('#speed-out'), '10');
  await page.waitForTimeout(1500);
  assert.equal(downloads, 0, 'nothing is saved');
  assert.equal(await page.evaluate(() => window.playground._app.cursor()), 400n, 'the timeline stays');
  assert.match(await page.textContent('#message'), /cancelled/);
  await page.done();
});
