// Storage layer tests on fake-indexeddb (a real IndexedDB implementation in JS) and the
// memory store: CRUD semantics, migrations from each older schema, and the fallback.
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import type { IDBPDatabase } from 'idb';
import { beforeEach, describe, expect, it } from 'vitest';
import { IdbStore } from './idb-store.ts';
import { MemoryStore } from './memory-store.ts';
import { openStore, ResilientStore } from './open-store.ts';
import { DB_VERSION, openHllmDB, type HllmDB } from './schema.ts';
import { hexOf } from '../io/hex.ts';
import type { CatalogSnapshot, Store, StoredItem } from './types.ts';

const SHA0 = '0f'.repeat(32);
const SHA1 = 'a1'.repeat(31) + 'ff';

// A snapshot's ids and text sha256s as plain arrays, to compare with what was stored.
function idsOf(s: CatalogSnapshot): string[] {
  let a = 0;
  return Array.from(s.idEnds, (b) => s.ids.slice(a, (a = b)));
}
const shasOf = (s: CatalogSnapshot): string[] => Array.from(s.idEnds, (_, i) => hexOf(s.textShas, i * 32));

let n = 0;
const freshName = () => `hllm-test-${++n}-${Math.random()}`;
beforeEach(() => {
  globalThis.indexedDB = new IDBFactory();
});

const item = (id: string, sha: string, order: number): StoredItem => ({ id, item: { id, title: `T${id}` }, textSha256: sha, order });

function contract(name: string, open: () => Promise<Store>) {
  describe(name, () => {
    it('stores one catalogue snapshot and replaces it whole', async () => {
      const s = await open();
      expect(await s.getCatalog()).toBeNull();
      const shas = new Uint8Array(64).map((_, i) => i);
      await s.putCatalog({ ids: 'a€bc', idEnds: new Uint32Array([2, 4]), textShas: shas });
      const got = (await s.getCatalog())!;
      expect([idsOf(got), Array.from(got.textShas)]).toEqual([['a€', 'bc'], Array.from(shas)]);
      got.textShas[0] = 99; // what a reader holds is a copy
      await s.putCatalog({ ids: 'z', idEnds: new Uint32Array([1]), textShas: new Uint8Array(32).fill(7) });
      const next = (await s.getCatalog())!;
      expect([idsOf(next), shasOf(next)]).toEqual([['z'], ['07'.repeat(32)]]);
      await s.close();
    });

    it('replaces the catalogue and returns it in order', async () => {
      const s = await open();
      await s.replaceItems([item('b', 's2', 1), item('a', 's1', 0), item('c', 's3', 2)]);
      expect((await s.getItems()).map((i) => i.id)).toEqual(['a', 'b', 'c']);
      await s.replaceItems([item('c', 's3x', 0), item('d', 's4', 1)]);
      const got = await s.getItems();
      expect(got.map((i) => [i.id, i.textSha256])).toEqual([['c', 's3x'], ['d', 's4']]);
      await s.close();
    });

    it('keys vectors by (model sha, text sha) and keeps float32 bits', async () => {
      const s = await open();
      const v = new Float32Array([0.1, -2.5, Math.PI, 1e-30]);
      await s.putVectors('m1', [['t1', v], ['t2', new Float32Array([1, 2, 3, 4])]]);
      const got = await s.getVectors('m1', ['t1', 't2', 't3']);
      expect([...got.keys()].sort()).toEqual(['t1', 't2']);
      expect(got.get('t1')).toBeInstanceOf(Float32Array);
      expect(Array.from(got.get('t1')!)).toEqual(Array.from(v));
      expect((await s.getVectors('m2', ['t1'])).size).toBe(0);
      expect(await s.deleteVectors('m1', ['t1', 'nope'])).toBe(1);
      expect(await s.countVectors()).toBe(1);
      await s.close();
    });

    it('appends events with increasing seq and forgets by item or all', async () => {
      const s = await open();
      const e1 = await s.appendEvent({ itemId: 'a', type: 'view', at: 10 });
      const e2 = await s.appendEvent({ itemId: 'b', type: 'like', at: 20 });
      const e3 = await s.appendEvent({ itemId: 'a', type: 'view', at: 30 });
      expect(e2.seq).toBeGreaterThan(e1.seq);
      expect(e3.seq).toBeGreaterThan(e2.seq);
      expect(await s.getEvents()).toEqual([e1, e2, e3]);
      expect(await s.deleteEvents(['a'])).toBe(2);
      expect((await s.getEvents()).map((e) => e.itemId)).toEqual(['b']);
      const e4 = await s.appendEvent({ itemId: 'c', type: 'view', at: 40 });
      expect(e4.seq).toBeGreaterThan(e3.seq); // seq never reuses a forgotten number
      expect(await s.deleteEvents('all')).toBe(2);
      expect(await s.getEvents()).toEqual([]);
      await s.close();
    });
  });
}

contract('IdbStore (fake-indexeddb)', () => IdbStore.open(freshName()));
contract('MemoryStore', async () => new MemoryStore());

describe('IndexedDB persistence and migrations', () => {
  it('keeps everything across close and reopen', async () => {
    const name = freshName();
    const a = await IdbStore.open(name);
    await a.replaceItems([item('x', 'sx', 0)]);
    await a.putVectors('m', [['sx', new Float32Array([1, 2])]]);
    await a.appendEvent({ itemId: 'x', type: 'view', at: 1 });
    await a.close();
    const b = await IdbStore.open(name);
    expect((await b.getItems()).map((i) => i.id)).toEqual(['x']);
    expect(Array.from((await b.getVectors('m', ['sx'])).get('sx')!)).toEqual([1, 2]);
    expect((await b.getEvents()).length).toBe(1);
    await b.close();
  });

  // What each schema version must contain, written out by hand: a migration that creates the
  // wrong store, key path or index, or a new version without a row here, fails below.
  type StoreShape = { keyPath: string | string[]; autoIncrement: boolean; indexes: Record<string, string> };
  const v1: Record<string, StoreShape> = {
    events: { keyPath: 'seq', autoIncrement: true, indexes: {} },
    items: { keyPath: 'id', autoIncrement: false, indexes: {} },
    meta: { keyPath: 'key', autoIncrement: false, indexes: {} },
    vectors: { keyPath: ['modelSha256', 'textSha256'], autoIncrement: false, indexes: {} },
  };
  const v2: Record<string, StoreShape> = { ...v1,
    events: { ...v1.events!, indexes: { byItem: 'itemId' } },
    vectors: { ...v1.vectors!, indexes: { byModel: 'modelSha256' } } };
  const SCHEMAS: Array<Record<string, StoreShape>> = [
    v1,
    v2,
    { ...v2, shards: { keyPath: ['modelKey', 'sha256'], autoIncrement: false, indexes: { byModel: 'modelKey' } } },
  ];
  SCHEMAS.push({ ...SCHEMAS[2]!, catalog: { keyPath: 'key', autoIncrement: false, indexes: {} } });
  const shapeOf = (db: IDBPDatabase<HllmDB>): Record<string, StoreShape> => {
    const tx = db.transaction([...db.objectStoreNames]);
    return Object.fromEntries([...db.objectStoreNames].map((n) => {
      const st = tx.objectStore(n);
      const indexes = Object.fromEntries([...st.indexNames].map((i) => [i, st.index(i).keyPath as string]));
      return [n, { keyPath: st.keyPath as string | string[], autoIncrement: st.autoIncrement, indexes }];
    }));
  };

  it('the current schema version is the last one described here', () => {
    expect(DB_VERSION).toBe(SCHEMAS.length);
  });

  for (const [i, want] of SCHEMAS.entries()) {
    it(`a new database opened at schema v${i + 1} has exactly that version's stores and indexes`, async () => {
      const db = await openHllmDB(freshName(), i + 1);
      expect(db.version).toBe(i + 1);
      expect(shapeOf(db)).toEqual(want);
      db.close();
    });
  }

  for (let from = 1; from < DB_VERSION; from++) {
    it(`migrates data written at schema v${from} to v${DB_VERSION}`, async () => {
      const name = freshName();
      const old = await openHllmDB(name, from);
      expect(old.version).toBe(from);
      // Two rows written out of order: the snapshot keeps catalogue order (by 'order').
      await old.put('items', { id: 'i1', item: { id: 'i1', title: 'One' }, textSha256: SHA1, order: 1 });
      await old.put('items', { id: 'i0é', item: { id: 'i0é', title: 'Zero' }, textSha256: SHA0, order: 0 });
      await old.put('vectors', { modelSha256: 'm', textSha256: 's1', vector: new Float32Array([3, 4]) });
      await old.add('events', { itemId: 'i1', type: 'view', at: 5 });
      await old.add('events', { itemId: 'i2', type: 'view', at: 6 });
      old.close();

      const db = await openHllmDB(name);
      expect(db.version).toBe(DB_VERSION);
      expect(shapeOf(db)).toEqual(SCHEMAS[DB_VERSION - 1]);
      expect(await db.getAllKeysFromIndex('events', 'byItem', 'i1')).toHaveLength(1);
      expect(await db.countFromIndex('vectors', 'byModel', 'm')).toBe(1);
      db.close();

      const s = await IdbStore.open(name);
      expect(await s.deleteEvents(['i1'])).toBe(1);
      expect((await s.getEvents()).map((e) => e.itemId)).toEqual(['i2']);
      expect(Array.from((await s.getVectors('m', ['s1'])).get('s1')!)).toEqual([3, 4]);
      const cat = (await s.getCatalog())!;
      expect([idsOf(cat), shasOf(cat)]).toEqual([['i0é', 'i1'], [SHA0, SHA1]]);
      expect(await s.getItems()).toEqual([]);
      // the autoIncrement counter survives the upgrade: a forgotten seq is never handed out again
      expect((await s.appendEvent({ itemId: 'i3', type: 'view', at: 7 })).seq).toBe(3);
      await s.close();
    });
  }

  it('rejects schema versions it does not know', () => {
    expect(() => openHllmDB(freshName(), DB_VERSION + 1)).toThrow(RangeError);
  });
});

describe('fallback to memory', () => {
  it('uses memory when IndexedDB is missing, with a warning only if it was required', async () => {
    const saved = globalThis.indexedDB;
    // @ts-expect-error simulate a runtime without IndexedDB
    delete globalThis.indexedDB;
    const warnings: string[] = [];
    try {
      expect((await openStore({ dbName: 'x', warn: (m) => warnings.push(m) })).kind).toBe('memory');
      expect(warnings).toEqual([]);
      expect((await openStore({ dbName: 'x', storage: 'indexeddb', warn: (m) => warnings.push(m) })).kind).toBe('memory');
      expect(warnings).toHaveLength(1);
    } finally {
      globalThis.indexedDB = saved;
    }
  });

  it('uses memory when IndexedDB refuses to open', async () => {
    const warnings: string[] = [];
    const broken = { open() { throw new DOMException('denied', 'SecurityError'); } };
    const saved = globalThis.indexedDB;
    globalThis.indexedDB = broken as unknown as IDBFactory;
    try {
      const s = await openStore({ dbName: 'x', warn: (m) => warnings.push(m) });
      expect(s.kind).toBe('memory');
      expect(warnings[0]).toMatch(/IndexedDB could not be opened/);
    } finally {
      globalThis.indexedDB = saved;
    }
  });

  it('moves to memory when a write fails (quota), keeping items and history readable', async () => {
    const real = await IdbStore.open(freshName());
    await real.replaceItems([item('a', 'sa', 0)]);
    await real.appendEvent({ itemId: 'a', type: 'view', at: 1 });
    const quota = Object.create(real) as IdbStore;
    quota.putVectors = async () => { throw new DOMException('full', 'QuotaExceededError'); };
    const warnings: string[] = [];
    const s = new ResilientStore(quota, (m) => warnings.push(m));
    expect(s.kind).toBe('indexeddb');
    await s.putVectors('m', [['sa', new Float32Array([1])]]);
    expect(s.kind).toBe('memory');
    expect(warnings.join()).toMatch(/QuotaExceededError/);
    expect((await s.getVectors('m', ['sa'])).size).toBe(1);
    expect((await s.getItems()).map((i) => i.id)).toEqual(['a']);
    expect((await s.getEvents()).map((e) => e.itemId)).toEqual(['a']);
  });
});

describe('vector shards in IndexedDB', () => {
  it('stores one row per shard, reads its bytes back, and GC keeps only the current set', async () => {
    const name = `shards-${Date.now()}`;
    const s = await IdbStore.open(name);
    const a = new Uint8Array([1, 2, 3, 4]);
    const b = new Uint8Array([9, 8, 7]).subarray(1);
    await s.putShard('m1', 'sa', a);
    await s.putShard('m1', 'sb', b);
    await s.putShard('m2', 'sa', a);
    await s.putVectorManifest('/v/vectors.json', '{"x":1}');
    await s.close();
    const t = await IdbStore.open(name);
    expect(Array.from((await t.getShard('m1', 'sb'))!)).toEqual([8, 7]);
    expect(await t.getShard('m1', 'nope')).toBeUndefined();
    expect(await t.getVectorManifest('/v/vectors.json')).toBe('{"x":1}');
    expect(await t.deleteShardsExcept('m1', ['sa'])).toBe(2);
    expect(await t.listShards()).toEqual([{ modelKey: 'm1', sha256: 'sa' }]);
    expect(Array.from((await t.getShard('m1', 'sa'))!)).toEqual([1, 2, 3, 4]);
    await t.close();
  });

  it('the memory store has the same shard semantics', async () => {
    const s = new MemoryStore();
    await s.putShard('m1', 'sa', new Uint8Array([1]));
    await s.putShard('m2', 'sb', new Uint8Array([2]));
    expect(await s.deleteShardsExcept('m1', ['sa'])).toBe(1);
    expect(await s.listShards()).toEqual([{ modelKey: 'm1', sha256: 'sa' }]);
    expect(Array.from((await s.getShard('m1', 'sa'))!)).toEqual([1]);
  });
});
