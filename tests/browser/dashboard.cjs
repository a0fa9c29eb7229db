// SPDX-License-Identifier: MIT
// Drives the dashboard in Debian's chromium with playwright-core and reports what the page
// showed, as JSON lines on stdout; tests/e2e/tst_dashboardbrowser.cpp starts the run and checks.
//
//   node dashboard.cjs <url> <node_modules> <chromium> <screenshot dir>
//
// 1. Opens the page before the run starts and prints {"step":"ready"} once it says so.
// 2. Watches every task's status (pending, running, done...) until the run ends, taking a
//    screenshot while a task runs and one at the end.
// 3. Opens task 1's view (its review's findings, its calls) and the totals.
// 4. Opens a second page after the run, and a phone-sized one, and reads the same.
'use strict';

const path = require('path');

const [url, modules, chromiumPath, shots] = process.argv.slice(2);
const { chromium } = require(path.join(modules, 'playwright-core'));

const say = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function rows(page) {
  return page.$$eval('#tasks tbody tr', (trs) => trs.map((tr) => ({
    task: Number(tr.dataset.task),
    status: tr.dataset.status,
    cells: [...tr.cells].map((c) => c.textContent.trim()),
  })));
}

async function totals(page) {
  return page.evaluate(() => ({
    status: document.getElementById('run-status').textContent,
    done: document.getElementById('tasks-done').textContent,
    tokens: document.getElementById('run-tokens').textContent,
    cost: document.getElementById('run-cost').textContent,
    connection: document.getElementById('connection').dataset.state,
  }));
}

async function main() {
  const browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox'] });
  try {
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    await page.goto(url);
    await page.waitForSelector('#notice:not([hidden])', { timeout: 30000 });
    say({ step: 'ready', notice: await page.textContent('#notice') });

    // Every status each task showed, in order, until the run ends.
    const seen = {};
    let runningShot = false;
    let activity = null;
    const deadline = Date.now() + 120000;
    for (;;) {
      for (const r of await rows(page)) {
        const list = (seen[r.task] = seen[r.task] || []);
        if (list[list.length - 1] !== r.status) list.push(r.status);
      }
      if (!runningShot && Object.values(seen).some((l) => l[l.length - 1] === 'running')) {
        const text = await page.textContent('#activity');
        if (!(await page.isHidden('#activity-section')) && text) {
          activity = text;
          await page.screenshot({ path: path.join(shots, 'dashboard-running.png'), fullPage: true });
          runningShot = true;
        }
      }
      if ((await page.getAttribute('#connection', 'data-state')) === 'ended') break;
      if (Date.now() > deadline) throw new Error('the page never showed the run ending');
      await sleep(50);
    }
    for (const r of await rows(page)) {
      const list = (seen[r.task] = seen[r.task] || []);
      if (list[list.length - 1] !== r.status) list.push(r.status);
    }
    const first = { rows: await rows(page), totals: await totals(page) };
    await page.screenshot({ path: path.join(shots, 'dashboard-done.png'), fullPage: true });

    // Task 1's own view: its findings with their fates, its calls.
    await page.click('#tasks tbody tr[data-task="1"]');
    await page.waitForSelector('#task-view:not([hidden]) .finding', { timeout: 30000 });
    const findings = await page.$$eval('#task-review .finding', (fs) => fs.map((f) => ({ fate: f.dataset.fate, text: f.textContent })));
    const calls = await page.$$eval('#task-calls .call', (cs) => cs.map((c) => c.dataset.mode));
    await page.screenshot({ path: path.join(shots, 'dashboard-task.png'), fullPage: true });

    // A page opened after the run: the same run, from the journal.
    const later = await context.newPage();
    await later.goto(url);
    await later.waitForSelector('#connection[data-state="ended"]', { timeout: 30000 });
    await sleep(200);
    const second = { rows: await rows(later), totals: await totals(later) };

    // On a phone.
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true });
    const small = await phone.newPage();
    await small.goto(url);
    await small.waitForSelector('#connection[data-state="ended"]', { timeout: 30000 });
    const phoneWidth = await small.evaluate(() => document.documentElement.scrollWidth);
    await small.screenshot({ path: path.join(shots, 'dashboard-phone.png'), fullPage: true });

    say({ step: 'result', seen, activity, first, findings, calls, second, phoneWidth, errors });
  } finally {
    await browser.close();
  }
}

main().catch((e) => {
  say({ step: 'error', message: String(e && e.stack ? e.stack : e) });
  process.exit(1);
});
