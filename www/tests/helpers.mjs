// What the end-to-end tests share: paths, the served page in Debian's Chromium, the command
// line, and small probes of canvases. Each test file calls usePage() once.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from '../scripts/serve.mjs';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const shots = path.join(root, 'www/screenshots');
export const golden = path.join(root, 'tests/golden');
export const cli = process.env.PLAYGROUND_CLI || path.resolve(root, process.env.CARGO_TARGET_DIR || 'target', 'debug/optimizer-playground');
fs.mkdirSync(shots, { recursive: true });

// Chromium's flags for a headless run as root, with nothing fetched from the network.
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--disable-quic', '--no-first-run', '--disable-dev-shm-usage'];

// Serves the repository and starts Chromium before the file's tests, stops both after; returns
// `open(hash, viewport)`: a fresh page whose console errors and page errors are collected and
// checked by `page.done()`, and `base()`, the served URL.
export function usePage() {
  let server, browser, base;
  before(async () => {
    server = await serve(0);
    base = `http://127.0.0.1:${server.address().port}/`;
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  });
  after(async () => {
    await browser?.close();
    server?.close();
  });
  // `options` are the browser context's, and `init`: a script run before the page's own.
  const open = async (hash = '', viewport = { width: 1280, height: 800 }, { init, ...options } = {}) => {
    const context = await browser.newContext({ viewport, deviceScaleFactor: 1, ...options });
    if (init) await context.addInitScript(init);
    const page = await context.newPage();
    const errors = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(base + hash);
    await page.evaluate(() => window.playgroundReady);
    page.done = async () => {
      assert.deepEqual(errors, [], 'no console errors');
      await context.close();
    };
    return page;
  };
  return { open, base: () => base, browser: () => browser };
}

export const trace = (scenario) => {
  const out = execFileSync(cli, ['trace', '-'], { input: JSON.stringify(scenario) });
  return JSON.parse(out.toString()).runs;
};
export const goldenCase = (name) => JSON.parse(fs.readFileSync(path.join(golden, name + '.json'), 'utf8'));
export const scenarioLink = (sc) => '#scenario=' + encodeURIComponent(JSON.stringify(sc));
export const close = (got, want) => Math.abs(got - want) <= Math.max(1e-9 * Math.abs(want), 1e-12);

// Counts the non-background pixels of a canvas (proof that something was drawn).
export const inked = (page, id) => page.evaluate((id) => {
  const c = document.getElementById(id);
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && !(d[i] > 245 && d[i + 1] > 245 && d[i + 2] > 245)) n++;
  return n;
}, id);
