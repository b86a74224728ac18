// Engine-level vector GC: once a model is ready, the vectors other model keys left in
// IndexedDB are deleted, the current model's are kept (the next start encodes nothing), and
// the history is exactly as it was. Node, real default model on ORT WASM, fake-indexeddb.
import 'fake-indexeddb/auto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { IdbStore } from '../../storage/idb-store.ts';
import { parseCsv } from '../catalog/catalog.ts';
import { createEngine } from '../engine.ts';
import { hexOf } from '../../io/hex.ts';

const items = parseCsv(readFileSync('public/catalogs/ml-latest-small/items.csv', 'utf8')).slice(0, 20);

describe('vectors of models no longer in use', () => {
  it('are deleted when a new model becomes ready; its own vectors and the history stay', async () => {
    const db = `gc-engine-${Date.now()}`;
    const old = await IdbStore.open(db);
    await old.putVectors('an-earlier-export', items.map((it, i) => [`sha-${it.id}`, new Float32Array(64).fill(i)]));
    const e1 = await old.appendEvent({ itemId: items[0]!.id, type: 'view', at: 1 });
    const e2 = await old.appendEvent({ itemId: 'not-in-this-catalogue', type: 'like', at: 2 });
    await old.close();

    const a = createEngine();
    expect(await a.init({ model: 'public/models/default', catalog: items, backend: 'wasm', dtype: 'q8', dbName: db }))
      .toMatchObject({ storage: 'indexeddb', items: 20, encoded: 20 });
    const modelKey = (await a.exportData()).model.sha256;
    expect(await a.history()).toEqual([e1, e2]);
    await a.dispose();

    const s = await IdbStore.open(db);
    expect((await s.getVectors('an-earlier-export', items.map((it) => `sha-${it.id}`))).size).toBe(0);
    expect(await s.countVectors()).toBe(20);
    const stored = (await s.getCatalog())!;
    const shas = Array.from(stored.idEnds, (_, i) => hexOf(stored.textShas, i * 32));
    expect((await s.getVectors(modelKey, shas)).size).toBe(20);
    expect(await s.getEvents()).toEqual([e1, e2]);
    await s.close();

    const b = createEngine();
    expect(await b.init({ model: 'public/models/default', catalog: items, backend: 'wasm', dtype: 'q8', dbName: db }))
      .toMatchObject({ encoded: 0, cached: 20 });
    await b.dispose();
  });
});
