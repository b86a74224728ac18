// The storage layer on Chromium's real IndexedDB: migration from every older schema,
// Float32Array vectors keyed by (model sha, text sha), append-only history with forget,
// and persistence across a page reload.
import { expect, test } from '@playwright/test';
import { openEnginePage } from './support/engine.ts';

test('IndexedDB: migrations, vectors, history and persistence across reload', async ({ page }) => {
  await openEnginePage(page);
  const name = `e2e-storage-${Date.now()}`;
  const versions = await page.evaluate(() => window.hllmStorage.DB_VERSION);
  expect(versions).toBeGreaterThanOrEqual(2);

  for (let from = 1; from < versions; from++) {
    const r = await page.evaluate(async ({ name, from }) => {
      const { openHllmDB, IdbStore, DB_VERSION } = window.hllmStorage;
      const db = await openHllmDB(name, from);
      const oldVersion = db.version;
      await db.put('items', { id: 'i1', item: { id: 'i1', title: 'One' }, textSha256: 's1', order: 0 });
      await db.put('vectors', { modelSha256: 'm', textSha256: 's1', vector: new Float32Array([0.5, -1.25, 3]) });
      await db.add('events', { itemId: 'i1', type: 'view', at: 1 });
      await db.add('events', { itemId: 'i2', type: 'like', at: 2 });
      db.close();
      const store = await IdbStore.open(name);
      const v = (await store.getVectors('m', ['s1'])).get('s1')!;
      const deleted = await store.deleteEvents(['i1']);
      const events = await store.getEvents();
      await store.close();
      const db2 = await openHllmDB(name);
      const res = { oldVersion, newVersion: db2.version, isF32: v instanceof Float32Array, v: Array.from(v), deleted, events: events.map((e) => e.itemId),
        indexes: [...db2.transaction('events').store.indexNames] };
      db2.close();
      indexedDB.deleteDatabase(name);
      return { ...res, want: DB_VERSION };
    }, { name: `${name}-m${from}`, from });
    expect(r).toMatchObject({ oldVersion: from, newVersion: r.want, isF32: true, v: [0.5, -1.25, 3], deleted: 1, events: ['i2'] });
    expect(r.indexes).toContain('byItem');
  }

  const seqs = await page.evaluate(async (name) => {
    const s = await window.hllmStorage.IdbStore.open(name);
    await s.replaceItems([{ id: 'a', item: { id: 'a' }, textSha256: 'sa', order: 0 }, { id: 'b', item: { id: 'b' }, textSha256: 'sb', order: 1 }]);
    await s.putVectors('model', [['sa', new Float32Array(64).fill(0.25)], ['sb', new Float32Array(64).fill(-1)]]);
    const out = [];
    for (const id of ['a', 'b', 'a']) out.push((await s.appendEvent({ itemId: id, type: 'view', at: Date.now() })).seq);
    await s.close();
    return out;
  }, name);
  expect(seqs[1]).toBeGreaterThan(seqs[0]!);
  expect(seqs[2]).toBeGreaterThan(seqs[1]!);

  await page.reload();
  await openEnginePage(page);
  const after = await page.evaluate(async (name) => {
    const s = await window.hllmStorage.IdbStore.open(name);
    const r = {
      items: (await s.getItems()).map((i) => i.id),
      vec: Array.from((await s.getVectors('model', ['sa', 'sb', 'sc'])).get('sb')!.slice(0, 3)),
      vecCount: await s.countVectors(),
      events: (await s.getEvents()).map((e) => [e.seq, e.itemId]),
    };
    const forgot = await s.deleteEvents('all');
    await s.close();
    return { ...r, forgot, kind: s.kind };
  }, name);
  expect(after).toMatchObject({ items: ['a', 'b'], vec: [-1, -1, -1], vecCount: 2, forgot: 3, kind: 'indexeddb' });
  expect(after.events).toEqual([[seqs[0], 'a'], [seqs[1], 'b'], [seqs[2], 'a']]);
});
