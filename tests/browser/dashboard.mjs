// Drives GET /dashboard of a running ChatIngest in Debian's chromium (playwright-core, no bundled browser):
// loads the page on an empty warehouse, replays an NDJSON file through POST /replay, waits for the page's own polling
// to show it, takes laptop and phone screenshots, optionally replays a second file and waits for that too, and prints
// one JSON report on stdout for the xunit test to judge.
// Usage: node dashboard.mjs <base-url> <ndjson-file> <screenshot-dir> [later-ndjson-file]
import { readFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium } from 'playwright-core';

const [baseUrl, replayFile, shotDir, laterFile] = process.argv.slice(2);
if (!baseUrl || !replayFile || !shotDir) {
  console.error('usage: node dashboard.mjs <base-url> <ndjson-file> <screenshot-dir> [later-ndjson-file]');
  process.exit(2);
}

const WAIT_MS = 90_000; // a guard against hanging on a busy machine, not a performance expectation
const report = { consoleErrors: [], failedRequests: [] };

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run', '--disable-quic'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(WAIT_MS);
  page.on('console', (m) => { if (m.type() === 'error') report.consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => report.consoleErrors.push(`uncaught: ${e.message}`));
  page.on('requestfailed', (r) => report.failedRequests.push(`${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => { if (r.status() >= 400) report.failedRequests.push(`${r.url()} HTTP ${r.status()}`); });

  const updates = () => page.evaluate(() => Number(document.body.dataset.updates ?? 0));
  const waitForUpdates = (n) => page.waitForFunction((k) => Number(document.body.dataset.updates ?? 0) >= k, n);
  const totals = () => page.evaluate(() => Object.fromEntries(
    [...document.querySelectorAll('.totals dd')].map((dd) => [dd.id, dd.textContent.trim()])));

  const replayAndWait = async (file) => {
    const response = await fetch(`${baseUrl}/replay`, {
      method: 'POST', headers: { 'Content-Type': 'application/x-ndjson' }, body: await readFile(file),
    });
    const result = { status: response.status, body: await response.json() };
    // The poll after the next one starts only once the replay is committed, so it shows all of it.
    await waitForUpdates((await updates()) + 2);
    return result;
  };
  const cityLinks = () => page.$$eval('#table-response tbody th a, #table-starters tbody th a',
    (links) => links.map((a) => [a.closest('table').id, a.textContent, a.getAttribute('href')]));

  // Counts the page's own requests for /stats, as it makes them (before any answer, and without the browser's events).
  await page.addInitScript(() => {
    const fetch = window.fetch.bind(window);
    window.statsFetches = 0;
    window.fetch = (resource, init) => {
      if (new URL(String(resource), location.href).pathname === '/stats') window.statsFetches += 1;
      return fetch(resource, init);
    };
  });

  const loaded = await page.goto(`${baseUrl}/dashboard`);
  report.status = loaded?.status();
  await waitForUpdates(1);
  report.totalsBeforeReplay = await totals();

  report.replay = await replayAndWait(replayFile);
  report.totalsAfterReplay = await totals();
  report.cityLinks = await cityLinks();
  report.tableCities = await page.$$eval('#table-response tbody th', (cells) => cells.map((c) => c.textContent));
  report.chartLabels = await page.evaluate(() => Object.fromEntries(
    [...document.querySelectorAll('canvas')].map((c) => [c.id, Chart.getChart(c).data.labels])));
  report.axisTitles = await page.evaluate(() => Object.fromEntries(
    [...document.querySelectorAll('canvas')].map((c) => {
      const scales = Chart.getChart(c).options.scales;
      return [c.id, [scales.x.title.text, scales.y.title.text]];
    })));
  report.ariaLabels = await page.$$eval('canvas', (cs) => cs.map((c) => c.getAttribute('aria-label')));

  await mkdir(shotDir, { recursive: true });
  report.screenshots = [path.join(shotDir, 'dashboard-laptop.png'), path.join(shotDir, 'dashboard-phone.png')];
  await page.screenshot({ path: report.screenshots[0], fullPage: true });

  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForFunction(() => [...document.querySelectorAll('canvas')].every((c) => c.clientWidth <= window.innerWidth));
  report.phoneOverflowPixels = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  await page.screenshot({ path: report.screenshots[1], fullPage: true });

  if (laterFile) {
    report.laterReplay = await replayAndWait(laterFile);
    report.cityLinksAfterLaterReplay = await cityLinks();
  }

  // Hidden, the page asks /stats for nothing over more than a poll's interval; shown again, it asks at once: within the
  // visibility event's handling (a poll calls fetch before it first waits), so the count read right after it tells.
  const setHidden = (hidden) => page.evaluate((h) => {
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => h });
    document.dispatchEvent(new Event('visibilitychange'));
    return window.statsFetches;
  }, hidden);
  const atHiding = await setHidden(true);
  await page.waitForTimeout(4_000);
  const beforeShowing = await page.evaluate(() => window.statsFetches);
  report.statsRequestsWhileHidden = beforeShowing - atHiding;
  report.statsRequestsWhenShown = (await setHidden(false)) - beforeShowing;
  await waitForUpdates((await updates()) + 1);
} finally {
  await browser.close();
}

console.log(JSON.stringify(report));
