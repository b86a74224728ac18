// Writes docs/demo.png for the README and prints the demo's step timings, against a
// running `npm start` (http://127.0.0.1:4173 unless DEMO_URL is set). Not a test: run it
// by hand after UI changes. Usage: node e2e/support/take-screenshot.mjs.
import { chromium } from '@playwright/test';

const url = process.env.DEMO_URL ?? 'http://127.0.0.1:4173/';
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--no-first-run', '--disable-quic', '--enable-unsafe-webgpu'],
});
const page = await browser.newPage({ viewport: { width: 1440, height: 960 }, colorScheme: 'light' });
await page.goto(url);
await page.waitForSelector('body[data-ready="true"]', { timeout: 300_000 });
for (const [query, title] of [['inception', 'Inception (2010)'], ['interstellar', 'Interstellar (2014)'],
  ['fury road', 'Mad Max: Fury Road (2015)'], ['whiplash', 'Whiplash (2014)'], ['ex machina', 'Ex Machina (2015)']]) {
  await page.fill('#search', query);
  await page.getByRole('button', { name: `Like ${title}`, exact: true }).click();
}
await page.fill('#search', 'sci-fi');
await page.locator('#recs [part="item"]').nth(9).waitFor();
await page.waitForTimeout(500); // let the chart draw its last frame
await page.screenshot({ path: 'docs/demo.png' });
console.log(await page.locator('#engine-status').textContent());
console.log(await page.locator('#runtime').textContent());
console.log(JSON.stringify(await page.locator('#timings-table tbody tr').evaluateAll((rows) =>
  rows.map((r) => [...r.children].map((c) => c.textContent)))));
await browser.close();
