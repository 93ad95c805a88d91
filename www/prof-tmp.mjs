import { chromium } from 'playwright-core';
import { serve } from './scripts/serve.mjs';
const server = await serve(0);
const base = `http://127.0.0.1:${server.address().port}/`;
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox','--disable-gpu','--disable-background-networking','--disable-component-update','--disable-sync','--disable-quic','--no-first-run'] });
const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
const page = await ctx.newPage(); await page.goto(base); await page.evaluate(() => window.playgroundReady);
await page.evaluate(() => { document.querySelector('.layout').style.display = 'block'; const w = document.querySelector('.map-wrap'); w.style.width = '1002px'; w.style.height = '702px'; });
for (const name of ['rosenbrock', 'rastrigin', 'ackley', 'levi', 'himmelblau', 'matyas']) {
  const r = await page.evaluate((name) => {
    window.playground.load({ surface: { name }, start: [0.5, 0.5], steps: 50, runs: [{ optimizer: { name: 'gd', lr: 1e-4 } }] });
    const app = window.playground._app; app.step(50); app.reset_view(); app.resize(); app.draw();
    const med = (a) => a.sort((p, q) => p - q)[a.length >> 1];
    const tb = [], td = [];
    for (let i = 0; i < 15; i++) {
      app.zoom(500, 350, i % 2 ? 0.8 : 1.25);
      let t0 = performance.now(); app.prepare_map(); tb.push(performance.now() - t0);
      t0 = performance.now(); app.draw_part(); td.push(performance.now() - t0);
      while (app.draw_part()) {}
    }
    return { base: med(tb), draw: med(td) };
  }, name);
  console.log(name.padEnd(12), 'field+contours', r.base.toFixed(1), 'ms   draw map layer', r.draw.toFixed(1), 'ms');
}
await browser.close(); server.close();
