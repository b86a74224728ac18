// Storage failures of issue #6 on fake-indexeddb: a version upgrade blocked by another
// tab's open connection falls back to memory with a warning instead of hanging; a quota
// error while appending history keeps the event (in memory) and warns.
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { beforeEach, describe, expect, it } from 'vitest';
import { IdbStore } from './idb-store.ts';
import { openStore, ResilientStore } from './open-store.ts';
import { openHllmDB } from './schema.ts';

beforeEach(() => {
  globalThis.indexedDB = new IDBFactory();
});

describe('blocked and failing IndexedDB', () => {
  it('an upgrade blocked by an older connection that never closes falls back to memory, with a warning', async () => {
    // A "tab" holding schema v1 open whose page never reacts to versionchange (an older
    // release, or a tab frozen in the background); no close callback is registered for it.
    const old = await openHllmDB('blocked-db', 1);
    const warnings: string[] = [];
    const s = await Promise.race([
      openStore({ dbName: 'blocked-db', warn: (m) => warnings.push(m) }),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('openStore hung on a blocked upgrade')), 5000)),
    ]);
    expect(s.kind).toBe('memory');
    expect(warnings.join()).toMatch(/could not be opened .*BlockedError.*in memory/);
    // …and it still works as a store
    const e = await s.appendEvent({ itemId: 'a', type: 'view', at: 1 });
    expect((await s.getEvents()).map((x) => x.seq)).toEqual([e.seq]);
    old.close();
  });

  it('a quota error while appending history keeps the event in memory and warns once', async () => {
    const real = await IdbStore.open('quota-events');
    await real.appendEvent({ itemId: 'a', type: 'view', at: 1 });
    const full = Object.create(real) as IdbStore;
    full.appendEvent = async () => { throw new DOMException('The quota has been exceeded.', 'QuotaExceededError'); };
    const warnings: string[] = [];
    const s = new ResilientStore(full, (m) => warnings.push(m));
    const e = await s.appendEvent({ itemId: 'b', type: 'like', at: 2 });
    expect(e.itemId).toBe('b');
    await s.appendEvent({ itemId: 'c', type: 'view', at: 3 });
    expect((await s.getEvents()).map((x) => x.itemId)).toEqual(['a', 'b', 'c']);
    expect(s.kind).toBe('memory');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/QuotaExceededError.*continuing in memory/);
  });
});
