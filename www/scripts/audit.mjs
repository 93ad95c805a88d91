// Quality as measured by tools nobody here wrote: Lighthouse (desktop preset: performance,
// accessibility, best practices, with total blocking time) and axe-core (every rule it runs by
// default and WCAG 2.2's target size, violations of any impact), on the served page, in
// Debian's Chromium.
//
//   node www/scripts/audit.mjs [URL or path …] [--runs N] [--json FILE]
//
// With no URL it serves the repository (www/scripts/serve.mjs, on a free port) and audits `/`;
// a path (`/`, `/?embed`, `/#lesson=lr`) is audited on that server, a full URL as it is.
// Lighthouse runs N times per URL (default 3; the median run by performance score is
// reported); axe once. Exits 1 when accessibility or best practices is under 100 or axe finds
// a violation (performance and TBT are printed, never judged: they are timings on a noisy
// machine). www/tests/audit.test.mjs calls `audit()` from here.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import lighthouse from 'lighthouse';
import desktopConfig from 'lighthouse/core/config/desktop-config.js';
import * as chromeLauncher from 'chrome-launcher';
import { chromium } from 'playwright-core';
import { serve } from './serve.mjs';

const require = createRequire(import.meta.url);
const CHROMIUM = '/usr/bin/chromium';
// Headless as root, with nothing fetched from the network (the same flags as www/tests/).
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--disable-quic', '--no-first-run', '--disable-dev-shm-usage'];
const CATEGORIES = ['performance', 'accessibility', 'best-practices'];

const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// One Lighthouse run (desktop preset) in a fresh Chromium with a fresh profile.
async function lighthouseOnce(url) {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-chromium-'));
  const chrome = await chromeLauncher.launch({
    chromePath: CHROMIUM,
    chromeFlags: ['--headless=new', ...CHROMIUM_ARGS],
    userDataDir,
    logLevel: 'silent',
  });
  try {
    const result = await lighthouse(url, { port: chrome.port, output: 'json', logLevel: 'error', onlyCategories: CATEGORIES }, desktopConfig);
    const lhr = result.lhr;
    if (lhr.runtimeError) throw new Error(`Lighthouse on ${url}: ${lhr.runtimeError.code}: ${lhr.runtimeError.message}`);
    const score = (c) => (lhr.categories[c].score === null ? null : Math.round(lhr.categories[c].score * 100));
    const num = (id) => lhr.audits[id]?.numericValue;
    // What costs points: every audit of a category with a weight that did not pass in full.
    const failing = {};
    for (const c of CATEGORIES) {
      failing[c] = lhr.categories[c].auditRefs
        .filter((r) => r.weight > 0 && lhr.audits[r.id].score !== null && lhr.audits[r.id].score < 1)
        .map((r) => ({ id: r.id, title: lhr.audits[r.id].title, score: lhr.audits[r.id].score, display: lhr.audits[r.id].displayValue || '' }));
    }
    return {
      performance: score('performance'),
      accessibility: score('accessibility'),
      bestPractices: score('best-practices'),
      tbt: num('total-blocking-time'),
      fcp: num('first-contentful-paint'),
      lcp: num('largest-contentful-paint'),
      si: num('speed-index'),
      cls: num('cumulative-layout-shift'),
      longTasks: (lhr.audits['long-tasks']?.details?.items || []).map((t) => ({ url: t.url, start: t.startTime, duration: t.duration })),
      failing,
    };
  } finally {
    await chrome.kill();
    fs.rmSync(userDataDir, { recursive: true, force: true });
  }
}

// axe-core's violations on a playwright page as it is: every rule axe runs by default, and
// WCAG 2.2's target size (off by default in axe; Lighthouse checks it).
export async function runAxe(page) {
  if (!await page.evaluate(() => !!window.axe)) await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
  const res = await page.evaluate(() => window.axe.run(document, { rules: { 'target-size': { enabled: true } }, resultTypes: ['violations'] }));
  return res.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => n.target.join(' ')),
  }));
}

// axe-core on the loaded page (once the engine is ready, where the page says so).
async function axeOnce(browser, url) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
  try {
    const page = await context.newPage();
    await page.goto(url);
    await page.evaluate(() => window.playgroundReady);
    return await runAxe(page);
  } finally {
    await context.close();
  }
}

// Audits each URL: Lighthouse `runs` times (the run with the median performance score is
// reported, with every run's performance and TBT) and axe-core once.
export async function audit(urls, { runs = 3, log = console.log } = {}) {
  const out = [];
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    for (const url of urls) {
      const all = [];
      for (let i = 0; i < runs; i++) all.push(await lighthouseOnce(url));
      const byPerf = [...all].sort((a, b) => a.performance - b.performance || a.tbt - b.tbt);
      const mid = byPerf[(byPerf.length - 1) >> 1];
      const axe = await axeOnce(browser, url);
      const r = {
        url, ...mid, axe,
        runs: all.map((a) => ({ performance: a.performance, tbt: a.tbt, lcp: a.lcp })),
        medianTbt: median(all.map((a) => a.tbt)),
        medianPerformance: median(all.map((a) => a.performance)),
      };
      out.push(r);
      log(report(r));
    }
  } finally {
    await browser.close();
  }
  return out;
}

const fmt = (v) => (v === undefined || v === null ? '–' : `${Math.round(v)} ms`);
export function report(r) {
  const lines = [
    `== ${r.url}`,
    `   Lighthouse (desktop): performance ${r.medianPerformance}, accessibility ${r.accessibility}, best practices ${r.bestPractices}`
      + ` (median of ${r.runs.length} run${r.runs.length > 1 ? 's' : ''})`,
    `   total blocking time ${fmt(r.medianTbt)} (median; runs: ${r.runs.map((x) => `perf ${x.performance} / TBT ${fmt(x.tbt)}`).join(', ')})`,
    `   first contentful paint ${fmt(r.fcp)}, largest contentful paint ${fmt(r.lcp)}, speed index ${fmt(r.si)}, cumulative layout shift ${r.cls?.toFixed(3)}`,
    `   axe-core: ${r.axe.length} violation${r.axe.length === 1 ? '' : 's'}`,
  ];
  for (const v of r.axe) lines.push(`     ${v.impact} ${v.id}: ${v.help} (${v.nodes.slice(0, 4).join(', ')}${v.nodes.length > 4 ? ', …' : ''})`);
  for (const [c, list] of Object.entries(r.failing)) {
    for (const a of list) lines.push(`     ${c}: ${a.id} (${a.score}) ${a.title}${a.display ? ' — ' + a.display : ''}`);
  }
  if (r.longTasks?.length) lines.push(`   long tasks: ${r.longTasks.map((t) => `${Math.round(t.duration)} ms at ${Math.round(t.start)} (${path.basename(t.url || '?')})`).join(', ')}`);
  return lines.join('\n');
}

// Whether the page meets the bar that is asserted (not the timings).
export const passes = (r) => r.accessibility === 100 && r.bestPractices === 100 && r.axe.length === 0;

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  let runs = 3;
  let json = null;
  const targets = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--runs') runs = Number(args[++i]);
    else if (args[i] === '--json') json = args[++i];
    else targets.push(args[i]);
  }
  if (!Number.isInteger(runs) || runs < 1) {
    console.error('--runs takes a whole number ≥ 1');
    process.exit(2);
  }
  if (!targets.length) targets.push('/');
  const needServer = targets.some((t) => !/^https?:/.test(t));
  const pkg = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../pkg/optimizer_playground_bg.wasm');
  if (needServer && !fs.existsSync(pkg)) {
    console.error('www/pkg is missing: build it with `bash www/scripts/build.sh`');
    process.exit(1);
  }
  const server = needServer ? await serve(0) : null;
  const base = server ? `http://127.0.0.1:${server.address().port}` : '';
  const urls = targets.map((t) => (/^https?:/.test(t) ? t : base + (t.startsWith('/') ? t : '/' + t)));
  try {
    const results = await audit(urls, { runs });
    if (json) fs.writeFileSync(json, JSON.stringify(results, null, 2));
    process.exitCode = results.every(passes) ? 0 : 1;
  } finally {
    server?.close();
  }
}
