// Vectors of models no longer in use, on Chromium's real IndexedDB through the real worker:
// a database holding another model key's vectors and some history is opened by a new
// model; once it is ready the other key's vectors are gone, the new model's are all stored
// (a restart encodes nothing) and the history is exactly as it was.
import { expect, test } from '@playwright/test';
import { catalog, openEnginePage, startRecommender } from './support/engine.ts';

test('IndexedDB: a ready model deletes other models\' vectors and keeps history', async ({ page }) => {
  await openEnginePage(page);
  const db = `e2e-gc-${Date.now()}`;
  const items = catalog.slice(0, 20);
  const before = await page.evaluate(async ({ db, ids }) => {
    const s = await window.hllmStorage.IdbStore.open(db);
    await s.putVectors('an-earlier-export', ids.map((id, i) => [`sha-${id}`, new Float32Array(64).fill(i)]));
    const events = [await s.appendEvent({ itemId: ids[0]!, type: 'view', at: 1 }), await s.appendEvent({ itemId: 'not-in-catalogue', type: 'like', at: 2 })];
    const count = await s.countVectors();
    await s.close();
    return { events, count };
  }, { db, ids: items.map((it) => it.id) });
  expect(before.count).toBe(20);

  const info = await startRecommender(page, { catalog: items, backend: 'wasm', dtype: 'q8', dbName: db });
  expect(info).toMatchObject({ storage: 'indexeddb', items: 20, encoded: 20 });
  const after = await page.evaluate(async ({ db, ids }) => {
    const modelKey = (await window.rec!.exportData()).model.sha256;
    const history = await window.rec!.history();
    await window.rec!.dispose();
    const s = await window.hllmStorage.IdbStore.open(db);
    const cat = (await s.getCatalog())!;
    // The snapshot packs 32 sha256 bytes per row (src/storage/types.ts CatalogSnapshot).
    const shas = Array.from({ length: cat.idEnds.length }, (_, i) => window.hllmStorage.hexOf(cat.textShas, i * 32));
    const r = {
      stale: (await s.getVectors('an-earlier-export', ids.map((id) => `sha-${id}`))).size,
      current: (await s.getVectors(modelKey, shas)).size,
      count: await s.countVectors(),
      events: await s.getEvents(),
      history,
    };
    await s.close();
    return r;
  }, { db, ids: items.map((it) => it.id) });
  expect(after).toMatchObject({ stale: 0, current: 20, count: 20 });
  expect(after.events).toEqual(before.events);
  expect(after.history).toEqual(before.events);

  const again = await startRecommender(page, { catalog: items, backend: 'wasm', dtype: 'q8', dbName: db });
  expect(again).toMatchObject({ encoded: 0, cached: 20 });
});
