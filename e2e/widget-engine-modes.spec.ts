// The widget's modes on the real engine (worker, ONNX Runtime Web, demo model, a slice of
// the demo catalogue with a `sales` popularity field): similar shows an item's neighbours
// and not the item, seeds leaves the history untouched, popular and the fallback fill the
// rows for a fresh visitor.
import { expect, test, type Page } from '@playwright/test';
import type { CatalogItem } from '../src/protocol.ts';
import { catalog } from './support/engine.ts';

const ITEMS: CatalogItem[] = catalog.slice(0, 100).map((it, i) => ({ ...it, sales: 1000 - i * 7 }));

async function start(page: Page, liked: string[]): Promise<void> {
  await page.goto('/e2e/pages/widget.html');
  await expect(page.locator('#status')).toHaveText('ready');
  await page.evaluate(async ({ items, liked }) => {
    window.rec = await window.hllm.createRecommender({ model: '/models/default/', catalog: items, storage: 'memory', backend: 'wasm', popularityField: 'sales' });
    await window.rec.ready;
    for (const id of liked) await window.rec.track(id, { type: 'like' });
  }, { items: ITEMS, liked });
}

/** Mounts one widget with these attributes on window.rec; returns its rows once ready. */
async function rows(page: Page, attrs: Record<string, string>) {
  return page.evaluate(async (attrs) => {
    const el = document.createElement('hllm-recommendations');
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
    document.body.append(el);
    el.recommender = window.rec!;
    await new Promise<void>((resolve) => { const check = () => (el.status === 'ready' || el.status === 'error' ? resolve() : requestAnimationFrame(check)); check(); });
    const out = [...el.shadowRoot!.querySelectorAll('li[data-id]')].map((li) => ({
      id: (li as HTMLElement).dataset.id!, source: (li as HTMLElement).dataset.source ?? '', reason: li.querySelector('[part="reason"]')?.textContent ?? '',
    }));
    el.remove();
    return { status: el.status, out };
  }, attrs);
}

test('similar on a product page: the neighbours of the item, never the item itself', async ({ page }) => {
  await start(page, []);
  const item = ITEMS[5]!;
  const shown = await rows(page, { mode: 'similar', item: item.id, k: '6' });
  const expected = await page.evaluate((id) => window.rec!.similar(id, { k: 6 }), item.id);
  expect(shown.out.map((r) => r.id)).toEqual(expected.map((r) => r.id));
  expect(shown.out.map((r) => r.id)).not.toContain(item.id);
  for (const r of shown.out) expect(r.reason).toBe(`Similar to ${item.title}`);
});

test('seeds: recommends from the given items and leaves the history untouched', async ({ page }) => {
  await start(page, [ITEMS[0]!.id]);
  const before = await page.evaluate(() => window.rec!.history());
  const seeds = [ITEMS[10]!.id, ITEMS[11]!.id];
  const shown = await rows(page, { mode: 'seeds', items: seeds.join(','), k: '5', fallback: 'none' });
  expect(shown.out.length).toBe(5);
  for (const r of shown.out) expect(seeds).not.toContain(r.id);
  for (const r of shown.out) expect(r.source).toBe('seeds');
  expect(await page.evaluate(() => window.rec!.history())).toEqual(before);
});

test('a fresh visitor: popular mode and the default fallback fill the rows with "Popular"', async ({ page }) => {
  await start(page, []);
  const popular = await rows(page, { mode: 'popular', k: '4' });
  expect(popular.out.map((r) => r.id)).toEqual(ITEMS.slice(0, 4).map((it) => it.id)); // highest sales first
  for (const r of popular.out) expect(r.reason).toBe('Popular');
  const forYou = await rows(page, { k: '4' });
  expect(forYou.out.map((r) => r.source)).toEqual(['popular', 'popular', 'popular', 'popular']);
  const none = await rows(page, { k: '4', fallback: 'none' });
  expect(none.out).toEqual([]);
});
