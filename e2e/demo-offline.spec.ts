// Offline: after the first visit the service worker has precached the app, ORT's wasm,
// the model and the catalogue; with the network cut (context.setOffline) a reload still
// starts the engine and recommends, and new likes still re-rank.
import { expect, test } from '@playwright/test';
import { DEMO, LIKED, like, openDemo, recItems, waitReady } from './support/demo.ts';

test('after the first visit the demo recommends with the network cut', async ({ page, context }) => {
  await openDemo(page);
  await expect(page.locator('#offline-status')).toHaveAttribute('data-offline', 'ready', { timeout: 120_000 });
  for (const m of LIKED.slice(0, 3)) await like(page, m.query, m.title);
  await expect(recItems(page)).toHaveCount(10);

  await context.setOffline(true);
  // Proof that the network really is gone for this page: a fetch that bypasses the cache fails.
  const online = await page.evaluate(async (u) => {
    try {
      await fetch(`${u}?offline-probe=${Date.now()}`, { cache: 'no-store' });
      return true;
    } catch {
      return false;
    }
  }, `${DEMO}/not-precached.txt`);
  expect(online).toBe(false);

  await page.reload();
  await waitReady(page);
  expect(await page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
  await expect(page.locator('#history-count')).toHaveText('3');
  await expect(recItems(page)).toHaveCount(10);
  await expect(recItems(page).first()).toContainText('Because you liked');

  await like(page, LIKED[3].query, LIKED[3].title);
  await expect(page.locator('#history-count')).toHaveText('4');
  await expect(recItems(page)).toHaveCount(10);
});
