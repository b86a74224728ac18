// Embed, several rows: a third-party product page (another origin, no isolation) pastes
// the script tag once per row. Each tag mounts its own row (target, mode, item, k) on one
// engine: exactly one engine worker starts, the model and catalogue are fetched once, a tag
// naming another model and a tag pasted twice onto the same target each get a console
// error and no row, a click or HLLM.track() re-ranks every row, and a tag added after
// start-up mounts its row on the same engine.
import { expect, test, type Locator } from '@playwright/test';
import { DEMO, expectPopularRows, HOST, LIKED, START_TIMEOUT } from './support/demo.ts';

const ITEM = LIKED[0]; // the product on the page: Inception (2010)

/** Ids and reasons of a row, in rank order. */
function readRow(row: Locator): Promise<Array<{ id: string; reason: string }>> {
  return row.locator('[part="button"]').evaluateAll((buttons) =>
    buttons.map((b) => ({ id: (b as HTMLElement).dataset.id ?? '', reason: b.querySelector('[part="reason"]')?.textContent ?? '' })),
  );
}

test('one engine, one row per script tag, one error per tag that asks for more', async ({ page, context }) => {
  const workers: string[] = [];
  page.on('worker', (w) => workers.push(w.url()));
  const embedErrors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && m.text().startsWith('hllm-embed:')) embedErrors.push(m.text());
  });
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  const urls: string[] = [];
  context.on('request', (r) => urls.push(r.url()));

  await page.goto(`${HOST}/rows.html`);
  const similar = page.locator('#similar hllm-recommendations');
  const forYou = page.locator('#for-you hllm-recommendations');
  await expect(similar).toHaveCount(1);
  await expect(forYou).toHaveCount(1);
  const info = await page.evaluate(() => window.HLLM!.ready);
  expect(info).toMatchObject({ backend: 'wasm', threads: 1, items: 3650, encoded: 0 });

  // The similar row: the product's neighbours, never the product; the for-you row: a fresh visitor's popular items.
  await expect(similar.locator('[part="reason"]')).toHaveText(Array.from({ length: 6 }, () => `Similar to ${ITEM.title}`), { timeout: START_TIMEOUT });
  expect((await readRow(similar)).map((r) => r.id)).not.toContain(ITEM.id);
  await expectPopularRows(forYou, 4, START_TIMEOUT);

  // The tag with another model and the second tag on #similar: told why, nothing mounted, nothing fetched.
  await expect(page.locator('#other-model hllm-recommendations')).toHaveCount(0);
  await expect(page.locator('#similar hllm-recommendations')).toHaveCount(1);
  expect(embedErrors).toHaveLength(2);
  expect(embedErrors[0]).toMatch(/^hllm-embed: the <script> tag with data-target="#other-model" asks for another engine than the one this page already runs: data-model="http:\/\/127\.0\.0\.1:\d+\/models\/other\/" \(the engine runs with "http:\/\/127\.0\.0\.1:\d+\/models\/default\/"\)\..*leave them off the later tags\. This tag's row was not mounted\.$/);
  expect(embedErrors[1]).toBe('hllm-embed: the <script> tag with data-target="#similar" names an element that already holds the row of an earlier hllm-embed tag; give each tag its own data-target. This tag\'s row was not mounted.');
  expect(urls.filter((u) => u.includes('/models/other/'))).toEqual([]);
  expect(await page.evaluate(() => window.HLLM!.elements.map((el) => el.parentElement!.id))).toEqual(['similar', 'for-you']);

  // A click in the similar row is tracked and re-ranks the for-you row too.
  const clicked = (await readRow(similar))[0]!;
  await similar.locator('[part="button"]').first().click();
  await expect.poll(() => page.evaluate(() => window.HLLM!.history().then((h) => h.map((e) => `${e.type} ${e.itemId}`)))).toEqual([`click ${clicked.id}`]);
  await expect(forYou.locator('[part="reason"]').first()).toHaveText(/^Because you liked /);
  const afterClick = await page.evaluate(() => window.HLLM!.recommend({ k: 4 }).then((r) => r.map((x) => x.id)));
  await expect.poll(() => readRow(forYou).then((r) => r.map((x) => x.id))).toEqual(afterClick);

  // HLLM.track re-ranks every row; the similar row stays about the product.
  await page.evaluate(async (ids) => {
    for (const id of ids) await window.HLLM!.track(id, { type: 'like' });
  }, LIKED.slice(1).map((m) => m.id));
  const afterLikes = await page.evaluate(() => window.HLLM!.recommend({ k: 4 }).then((r) => r.map((x) => x.id)));
  expect(afterLikes).not.toEqual(afterClick);
  await expect.poll(() => readRow(forYou).then((r) => r.map((x) => x.id))).toEqual(afterLikes);
  await expect(similar.locator('[part="reason"]')).toHaveText(Array.from({ length: 6 }, () => `Similar to ${ITEM.title}`));

  // A tag added after start-up (a tag manager, a lazy section) mounts its row on the same engine.
  await page.evaluate((src) => {
    const tag = document.createElement('script');
    tag.src = src;
    Object.assign(tag.dataset, { target: '#later', mode: 'popular', k: '3' });
    document.body.append(tag);
  }, `${DEMO}/embed/hllm-embed.js`);
  await expectPopularRows(page.locator('#later hllm-recommendations'), 3);
  expect(await page.evaluate(() => window.HLLM!.elements.length)).toBe(3);

  // One engine: one worker (the blob module that imports the engine from the embed's origin), one model and catalogue download.
  expect(workers).toEqual([expect.stringMatching(new RegExp(`^blob:${HOST}/`))]);
  expect(urls.filter((u) => u === `${DEMO}/models/default/hllm.json`)).toHaveLength(1);
  expect(urls.filter((u) => new URL(u).pathname.endsWith('/items.csv'))).toEqual([`${DEMO}/catalogs/ml-latest-small/items.csv`]);
  expect(embedErrors).toHaveLength(2);
  expect(pageErrors).toEqual([]);
});

declare global {
  interface Window {
    HLLM?: import('../src/embed/hllm-embed.ts').HllmGlobal;
  }
}
