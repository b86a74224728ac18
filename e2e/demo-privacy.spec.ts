// Privacy: record every request (page, workers, service worker) during the whole journey
// (first load, five likes, a click on a recommendation, reload, history, export, wipe).
// None may leave the page's origin, and no URL or body may carry an item id from the history.
import { expect, test } from '@playwright/test';
import { DEMO, LIKED, likeFive, openDemo, readRecs, recItems, waitReady } from './support/demo.ts';

interface Seen { url: string; method: string; body: string | null }

/** True if `haystack` mentions `id`: as a substring for long ids, as a whole token for short ones. */
function mentions(haystack: string, id: string): boolean {
  if (id.length >= 5) return haystack.includes(id);
  return haystack.split(/[^A-Za-z0-9]+/).includes(id);
}

test('no request leaves the origin and none carries a history item id', async ({ page, context }) => {
  const seen: Seen[] = [];
  context.on('request', (r) => seen.push({ url: r.url(), method: r.method(), body: r.postData() }));
  const sockets: string[] = [];
  page.on('websocket', (ws) => sockets.push(ws.url()));

  await openDemo(page);
  await likeFive(page);
  const clicked = (await readRecs(page))[0]!;
  await recItems(page).first().getByRole('button').click();
  await expect(page.locator('#history-count')).toHaveText('6');
  await page.reload();
  await waitReady(page);
  await page.getByRole('button', { name: /Your history/ }).click();
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export JSON' }).click();
  await download;
  await page.getByRole('button', { name: 'Wipe history…' }).click();
  await page.getByRole('button', { name: 'Yes, wipe everything' }).click();
  await expect(page.locator('#history-count')).toHaveText('0');

  // The recorder must have seen the real traffic, or the checks below prove nothing.
  expect(seen.some((r) => r.url.endsWith('/models/default/hllm.json'))).toBe(true);
  expect(seen.some((r) => /\.onnx$/.test(r.url))).toBe(true);
  expect(seen.some((r) => /\.wasm$/.test(r.url))).toBe(true);
  expect(sockets).toEqual([]);

  const origin = new URL(DEMO).origin;
  const historyIds = [...LIKED.map((m) => m.id), clicked.id];
  const offenders: string[] = [];
  for (const r of seen) {
    const local = r.url.startsWith('blob:') ? new URL(r.url.slice(5)).origin : r.url.startsWith('data:') ? origin : new URL(r.url).origin;
    if (local !== origin) offenders.push(`foreign origin: ${r.method} ${r.url}`);
    for (const id of historyIds) {
      if (mentions(decodeURIComponent(r.url), id)) offenders.push(`id ${id} in URL: ${r.url}`);
      if (r.body !== null && mentions(r.body, id)) offenders.push(`id ${id} in body of ${r.method} ${r.url}`);
    }
  }
  expect(offenders).toEqual([]);
  expect(seen.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.url}`)).toEqual([]);
});
