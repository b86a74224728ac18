// deleteVectorsExcept(): vectors of models no longer in use go, the current model's stay,
// and items and history are untouched. Runs on fake-indexeddb (through the byModel
// index), the memory store, and the resilient wrapper the engine actually holds.
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { beforeEach, describe, expect, it } from 'vitest';
import { IdbStore } from './idb-store.ts';
import { MemoryStore } from './memory-store.ts';
import { ResilientStore } from './open-store.ts';
import type { Store } from './types.ts';

let n = 0;
beforeEach(() => {
  globalThis.indexedDB = new IDBFactory();
});

const vec = (x: number) => new Float32Array([x, x + 1, x + 2]);

const stores: Array<[string, () => Promise<Store>]> = [
  ['IdbStore (fake-indexeddb)', () => IdbStore.open(`gc-${++n}`)],
  ['MemoryStore', async () => new MemoryStore()],
  ['ResilientStore over IndexedDB', async () => new ResilientStore(await IdbStore.open(`gc-r-${++n}`), () => undefined)],
];

for (const [name, open] of stores) {
  describe(`${name}: deleteVectorsExcept`, () => {
    it('deletes the vectors of every other model and keeps the current one', async () => {
      const s = await open();
      // Model keys on both sides of the current one in key order ('a…' < 'm…' < 'z…').
      await s.putVectors('aaa-old', [['t1', vec(1)], ['t2', vec(2)]]);
      await s.putVectors('mmm-current', [['t1', vec(10)], ['t3', vec(30)]]);
      await s.putVectors('zzz-older', [['t1', vec(100)]]);
      expect(await s.countVectors()).toBe(5);

      expect(await s.deleteVectorsExcept('mmm-current')).toBe(3);

      expect(await s.countVectors()).toBe(2);
      const kept = await s.getVectors('mmm-current', ['t1', 't3']);
      expect(Array.from(kept.get('t1')!)).toEqual([10, 11, 12]);
      expect(Array.from(kept.get('t3')!)).toEqual([30, 31, 32]);
      expect((await s.getVectors('aaa-old', ['t1', 't2'])).size).toBe(0);
      expect((await s.getVectors('zzz-older', ['t1'])).size).toBe(0);
      await s.close();
    });

    it('never touches items or history', async () => {
      const s = await open();
      await s.replaceItems([{ id: 'a', item: { id: 'a', title: 'A' }, textSha256: 't1', order: 0 }]);
      const e1 = await s.appendEvent({ itemId: 'a', type: 'view', at: 1 });
      const e2 = await s.appendEvent({ itemId: 'gone', type: 'like', at: 2 });
      await s.putVectors('old', [['t1', vec(1)]]);

      expect(await s.deleteVectorsExcept('new')).toBe(1);

      expect(await s.getEvents()).toEqual([e1, e2]);
      expect((await s.getItems()).map((i) => [i.id, i.textSha256])).toEqual([['a', 't1']]);
      expect(await s.countVectors()).toBe(0);
      await s.close();
    });

    it('returns 0 and keeps everything when only the current model has vectors', async () => {
      const s = await open();
      await s.putVectors('cur', [['t1', vec(1)], ['t2', vec(2)]]);
      expect(await s.deleteVectorsExcept('cur')).toBe(0);
      expect(await s.countVectors()).toBe(2);
      await s.close();
    });
  });
}

describe('IndexedDB: the deletion persists', () => {
  it('other models stay deleted after close and reopen', async () => {
    const a = await IdbStore.open('gc-persist');
    await a.putVectors('old', [['t1', vec(1)]]);
    await a.putVectors('cur', [['t1', vec(2)]]);
    await a.deleteVectorsExcept('cur');
    await a.close();
    const b = await IdbStore.open('gc-persist');
    expect((await b.getVectors('old', ['t1'])).size).toBe(0);
    expect(Array.from((await b.getVectors('cur', ['t1'])).get('t1')!)).toEqual([2, 3, 4]);
    await b.close();
  });
});
