// Rules, seeds, popular() and the fallback through the real worker in Chromium: filter and
// boost are page functions the worker calls back in batches (comlink proxies).
import { expect, test } from '@playwright/test';
import { CATALOG_URL, openEnginePage, startRecommender } from './support/engine.ts';

test('rules, seeds, popular and fallback across the worker boundary', async ({ page }) => {
  await openEnginePage(page);
  await startRecommender(page, { catalog: CATALOG_URL, backend: 'wasm', dtype: 'q8', dbName: `rules-${Date.now()}` });
  const r = await page.evaluate(async () => {
    const rec = window.rec!;
    const fresh = await rec.recommend({ k: 5, fallback: 'popular' });
    const popular = await rec.popular({ k: 5 });
    const none = await rec.recommend({ k: 5 });
    await rec.track('1');
    const before = await rec.history();
    const seeds = await rec.recommend({ k: 5, seeds: ['260', '1196'] });
    const after = await rec.history();
    // 1 % of the catalogue: ids divisible by 100 (about 1 in 100 of ml-latest-small's ids).
    const onePct = await rec.recommend({ k: 8, filter: (it) => Number(it.id) % 100 === 0 });
    const grouped = await rec.recommend({ k: 10, maxPerGroup: 2, groupBy: 'genres' });
    const plain = await rec.similar('1', { k: 20 });
    const target = plain[15]!.id;
    const boosted = await rec.similar('1', { k: 5, boost: (it, s) => (it.id === target ? s + 10 : s) });
    return { fresh, popular, none, before, after, seeds, onePct, grouped, target, boosted };
  });
  expect(r.none).toEqual([]);
  expect(r.popular).toHaveLength(5);
  expect(r.fresh.map((x) => x.id)).toEqual(r.popular.map((x) => x.id));
  expect(r.fresh.every((x) => x.source === 'popular')).toBe(true);
  expect(r.after).toEqual(r.before);
  expect(r.seeds.every((x) => x.source === 'seeds' && ['260', '1196'].includes(x.because!.id))).toBe(true);
  expect(r.onePct).toHaveLength(8);
  expect(r.onePct.every((x) => Number(x.id) % 100 === 0)).toBe(true);
  expect(r.grouped).toHaveLength(10);
  const counts = new Map<string, number>();
  for (const x of r.grouped) for (const g of String(x.item.genres).split(',').map((s) => s.trim()).filter(Boolean)) counts.set(g, (counts.get(g) ?? 0) + 1);
  expect(Math.max(...counts.values())).toBeLessThanOrEqual(2);
  expect(r.boosted[0]!.id).toBe(r.target);
  expect(r.boosted[0]!.score).toBeGreaterThan(9);
});
