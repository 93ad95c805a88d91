// Quality as measured by tools nobody here wrote (www/scripts/audit.mjs): Lighthouse's desktop
// audit and axe-core on the served page. Asserted: accessibility 100, best practices 100, no axe
// violation of any impact. Printed, not asserted (timings on a shared 2-core machine):
// performance and total blocking time (README, "Speed").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { audit, runAxe } from '../scripts/audit.mjs';
import { usePage } from './helpers.mjs';

// The page's addresses (paths on the served repository).
// The full page and an embed (the default scenario in a frame of its own).
const PAGES = ['/', '/?embed'];
// Lighthouse runs per address (the median is printed): AUDIT_RUNS=3 for steadier figures.
const RUNS = Number(process.env.AUDIT_RUNS || 1);

const { open, base } = usePage();

test('Lighthouse (desktop) and axe-core: accessibility 100, best practices 100, no axe violation', async () => {
  const results = await audit(PAGES.map((p) => base().replace(/\/$/, '') + p), { runs: RUNS });
  for (const r of results) {
    const why = (c) => r.failing[c].map((a) => `${a.id}: ${a.title}`).join('; ');
    assert.equal(r.accessibility, 100, `${r.url}: accessibility ${r.accessibility} (${why('accessibility')})`);
    assert.equal(r.bestPractices, 100, `${r.url}: best practices ${r.bestPractices} (${why('best-practices')})`);
    assert.deepEqual(r.axe, [], `${r.url}: axe-core violations`);
    assert.ok(Number.isFinite(r.tbt) && r.performance > 0, 'Lighthouse measured the load');
  }
});

// What appears after a click, a key or a link, one after the other on one page: a fan and a
// tuning table, the basins map, the Learn view, the keyboard help, every folded section open, the view inside an optimizer, a message, an expression error,
// a lesson, a data set with its scatter plot, presentation mode with the runs' drawer; and the
// page in a narrow window.
test('axe-core finds no violation in the states the page can be put in', async () => {
  const states = [
    ['a fan and a tuning table', async (p) => {
      await p.evaluate(() => window.playground.fan(2, 5));
      await p.evaluate(() => window.playground.tune({ budget: 4 }));
    }],
    ['basins on the map', (p) => p.evaluate(() => window.playground.map('basin', undefined, { size: 32 }))],
    ['the Learn view', async (p) => { await p.click('#learn-open'); await p.waitForSelector('#learn[open]'); }],
    ['the keyboard help', async (p) => { await p.click('#learn-close'); await p.keyboard.press('?'); }],
    ['every folded section open', async (p) => {
      await p.keyboard.press('Escape');
      await p.evaluate(() => { for (const d of document.querySelectorAll('details')) d.open = true; });
    }],
    ['inside the optimizer', async (p) => { await p.evaluate(() => window.playground.step(20)); await p.keyboard.press('i'); }],
    ['a message', (p) => p.evaluate(() => { location.hash = '#lesson=no-such-lesson'; })],
    ['an expression error', async (p) => {
      await p.selectOption('#surface', '__expr');
      await p.fill('#expr', 'x^2 +');
      await p.waitForSelector('#expr-error:not([hidden])');
    }],
    ['a lesson', (p) => p.evaluate(() => window.playground.openLesson(0, 0))],
    ['a data set', (p) => p.evaluate(() => window.playground.openLesson(1, 0))],
    ['presentation mode with the runs', async (p) => { await p.evaluate(() => window.playground.present(true)); await p.click('#runs-toggle'); }],
  ];
  const found = [];
  const say = (where, v) => found.push(`${where}: ${v.impact} ${v.id} (${v.help}) at ${v.nodes.slice(0, 3).join(', ')}`);
  const page = await open();
  for (const [name, act] of states) {
    await act(page);
    await page.waitForTimeout(100);
    for (const v of await runAxe(page)) say(name, v);
  }
  await page.done();
  const narrow = await open('', { width: 420, height: 860 });
  for (const v of await runAxe(narrow)) say('420 px wide', v);
  await narrow.done();
  assert.deepEqual(found, []);
});
