// Embed: a third-party page on another port (another origin), served without COOP/COEP,
// pastes the one-line script tag pointing at the demo server. The engine must start
// single-threaded from the embed's origin (worker, ORT wasm, model and catalogue all
// fetched from there with CORS, nothing from a CDN), show recommendations in the
// target element and answer through window.HLLM.
import { expect, test } from '@playwright/test';
import { DEMO, expectPopularRows, HOST, LIKED, START_TIMEOUT } from './support/demo.ts';

test('script tag on a non-isolated page of another origin shows recommendations', async ({ page, context }) => {
  const urls: string[] = [];
  context.on('request', (r) => urls.push(r.url()));
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));

  await page.goto(`${HOST}/`);
  await expect(page.locator('#isolation')).toHaveText('crossOriginIsolated=false');
  const widget = page.locator('#recs hllm-recommendations');
  await expect(widget).toHaveCount(1);

  const info = await page.evaluate(() => window.HLLM!.ready, undefined);
  // data-vectors: the build's shards cover the whole catalogue, so the visitor's device encodes nothing.
  expect(info).toMatchObject({ backend: 'wasm', threads: 1, items: 3650, fromShards: 3650, encoded: 0 });
  await expectPopularRows(widget, 10, START_TIMEOUT);

  await page.evaluate(async (ids) => {
    for (const id of ids) await window.HLLM!.track(id, { type: 'like' });
  }, LIKED.map((m) => m.id));
  await expect(widget.locator('[part="item"]')).toHaveCount(10);
  const likedTitles = LIKED.map((m) => m.title);
  await expect(widget.locator('[part="reason"]').first()).toHaveText(new RegExp(`^Because you liked (${likedTitles.map((t) => t.replace(/[()]/g, '\\$&')).join('|')})$`));
  const recs = await page.evaluate(() => window.HLLM!.recommend({ k: 10 }));
  expect(recs).toHaveLength(10);
  expect(recs.every((r) => r.because && LIKED.some((m) => m.id === r.because!.id))).toBe(true);

  // Everything came from the page's own origin or the embed's origin, never a CDN,
  // and ORT's wasm and the model came from the embed's origin.
  const foreign = urls.filter((u) => ![HOST, DEMO].some((o) => u.startsWith(`${o}/`)) && !u.startsWith(`blob:${HOST}/`));
  expect(foreign).toEqual([]);
  expect(urls.some((u) => u.startsWith(`${DEMO}/embed/assets/`) && u.endsWith('.wasm'))).toBe(true);
  expect(urls).toContain(`${DEMO}/models/default/hllm.json`);
  expect(urls).toContain(`${DEMO}/catalogs/ml-latest-small/vectors/vectors.json`);
  expect(urls.some((u) => u.startsWith(`${DEMO}/catalogs/ml-latest-small/vectors/shard-`) && u.endsWith('.bin'))).toBe(true);
  // The catalogue is read once, by the engine; the widget names "because" items from the engine's answer.
  expect(urls.filter((u) => new URL(u).pathname.endsWith('/items.csv'))).toEqual([`${DEMO}/catalogs/ml-latest-small/items.csv`]);
  expect(errors).toEqual([]);
});

declare global {
  interface Window {
    HLLM?: import('../src/embed/hllm-embed.ts').HllmGlobal;
  }
}
