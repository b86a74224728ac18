// Journey: a person opens the demo, likes five movies and gets ten recommendations with
// "because you liked" reasons; a reload keeps history and recommendations; wiping clears
// both. Real engine (WASM), real IndexedDB, Debian Chromium.
import { expect, test } from '@playwright/test';
import { expectPopularRows, LIKED, likeFive, openDemo, readRecs, recItems, waitReady } from './support/demo.ts';

test('like 5 → 10 recommendations with reasons; reload keeps them; wipe clears them', async ({ page }) => {
  await openDemo(page);
  // The build ships `hllm embed` shards for the catalogue: a first visit encodes no item.
  await expect(page.locator('#engine-status')).toContainText('3650 movies (3650 from precomputed vectors, 0 embedded now, 0 from');
  await expectPopularRows(page.locator('#recs'), 10);

  await likeFive(page);
  const before = await readRecs(page);
  expect(before).toHaveLength(10);
  const likedTitles = LIKED.map((m) => m.title);
  const likedIds = new Set<string>(LIKED.map((m) => m.id));
  for (const rec of before) {
    expect(likedIds.has(rec.id), 'liked movies are not recommended back').toBe(false);
    expect(rec.title).not.toBe('');
    const because = rec.reason.replace(/^Because you liked /, '');
    expect(rec.reason).toMatch(/^Because you liked /);
    expect(likedTitles).toContain(because);
  }
  // The chart has data for the start-up phases and the last ranking.
  await expect(page.locator('#timings-table tbody tr', { hasText: 'recommend (last)' })).toHaveCount(1);
  await expect(page.locator('#timings-table tbody')).toContainText('embed catalogue');

  await page.reload();
  await waitReady(page);
  await expect(page.locator('#history-count')).toHaveText('5');
  await expect(recItems(page)).toHaveCount(10);
  expect(await readRecs(page)).toEqual(before);
  // Liked state survives too: the catalogue shows the Like as pressed.
  await page.getByLabel('Search movies by title, genre or tag').fill(LIKED[0].query);
  await expect(page.getByRole('button', { name: `Like ${LIKED[0].title}`, exact: true })).toHaveAttribute('aria-pressed', 'true');

  await page.getByRole('button', { name: /Your history/ }).click();
  const dialog = page.getByRole('dialog', { name: 'Your history, stored in this browser' });
  await expect(dialog.getByRole('listitem')).toHaveCount(5);
  // <hllm-history>: newest first, each row naming the movie and what was done with it.
  await expect(dialog.getByRole('listitem').first().locator('[part="title"]')).toHaveText(LIKED[4].title);
  await expect(dialog.getByRole('listitem').first().locator('[part="type"]')).toHaveText('Liked');
  const download = page.waitForEvent('download');
  await dialog.getByRole('button', { name: 'Export JSON' }).click();
  const exported = JSON.parse(await (await (await download).createReadStream()).toArray().then((c) => Buffer.concat(c).toString('utf8')));
  expect(exported.history.map((e: { itemId: string }) => e.itemId)).toEqual(LIKED.map((m) => m.id));

  await dialog.getByRole('button', { name: 'Wipe history…' }).click();
  await dialog.getByRole('button', { name: 'Yes, wipe everything' }).click();
  await expect(dialog).toContainText('Nothing yet');
  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect(page.locator('#history-count')).toHaveText('0');
  await expectPopularRows(page.locator('#recs'), 10);

  await page.reload();
  await waitReady(page);
  await expect(page.locator('#history-count')).toHaveText('0');
  await expectPopularRows(page.locator('#recs'), 10);
});
