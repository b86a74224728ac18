// importData(): the file check (every bad-file class → INVALID_IMPORT naming the problem,
// nothing changed), merge / replace / repeats / unknown items on both stores (fake-indexeddb
// and memory), the atomic replace, and the real engine (default model, ORT WASM) end to end.
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HllmError } from '../../errors.ts';
import type { ExportData, HistoryEvent } from '../../protocol.ts';
import { IdbStore } from '../../storage/idb-store.ts';
import { MemoryStore } from '../../storage/memory-store.ts';
import type { NewEvent, Store } from '../../storage/types.ts';
import { parseCsv } from '../catalog/catalog.ts';
import { createEngine, type HllmEngine } from '../engine.ts';
import { importHistory, MAX_IMPORT_EVENTS, parseImport } from './history-import.ts';

const file = (history: unknown[], extra: Record<string, unknown> = {}): ExportData => ({
  version: 1, exportedAt: 1, history: history as HistoryEvent[],
  model: { id: 'm', sha256: 'x', backend: 'wasm', dtype: 'q8' }, ...extra,
} as ExportData);
const ev = (itemId: string, at: number, type = 'view') => ({ seq: 0, itemId, type, at });
const KNOWN = new Set(['a', 'b', 'c', 'd']);
const known = (id: string) => KNOWN.has(id);
const plain = (h: HistoryEvent[]) => h.map((e) => `${e.itemId}/${e.type}/${e.at}`);

/** The INVALID_IMPORT message of parseImport(data), or a marker if it did not throw one. */
function importError(data: unknown): string {
  try {
    parseImport(data);
    return 'accepted';
  } catch (e) {
    return e instanceof HllmError && e.code === 'INVALID_IMPORT' ? e.message : `other: ${String(e)}`;
  }
}

describe('parseImport: every bad-file class is INVALID_IMPORT naming the problem', () => {
  it.each([
    ['not JSON', '{"version": 1, "history": [', /the file is not JSON/],
    ['JSON of the wrong kind', '[1, 2]', /the file must be an object with "version": 1/],
    ['null', null, /the file must be an object/],
    ['a number', 42, /the file must be an object/],
    ['unknown version', { version: 2, history: [] }, /field 'version' must be 1/],
    ['no history', { version: 1 }, /field 'history' is missing/],
    ['an event that is an array', { version: 1, history: [['a', 'view', 1]] }, /history event 0 must be an object .*not an array/],
    ['history not an array', { version: 1, history: {} }, /field 'history' must be an array of events/],
    ['an event that is not an object', { version: 1, history: [ev('a', 1), 'a'] }, /history event 1 must be an object/],
    ['an event without itemId', { version: 1, history: [{ type: 'view', at: 1 }] }, /history event 0 field 'itemId' is missing/],
    ['an empty itemId', { version: 1, history: [{ itemId: '', type: 'view', at: 1 }] }, /history event 0 field 'itemId' must not be empty/],
    ['a type that is a number', { version: 1, history: [ev('a', 1), { itemId: 'b', type: 3, at: 1 }] }, /history event 1 field 'type' must be a string/],
    ['at as a string', { version: 1, history: [{ itemId: 'a', type: 'view', at: '2024-01-01' }] }, /history event 0 field 'at' must be a timestamp/],
    ['at negative', { version: 1, history: [{ itemId: 'a', type: 'view', at: -5 }] }, /field 'at' must not be before 1970/],
    ['an over-long type', { version: 1, history: [{ itemId: 'a', type: 'x'.repeat(65), at: 1 }] }, /field 'type' must be at most 64/],
  ])('%s', (_name, data, message) => {
    const m = importError(data);
    expect(m).toMatch(message);
    expect(m).toMatch(/Nothing was imported/);
  });

  it('rejects a file with more events than the limit', () => {
    const history = Array.from({ length: MAX_IMPORT_EVENTS + 1 }, (_, i) => ev('a', i));
    expect(importError(file(history))).toMatch(new RegExp(`field 'history' must hold at most ${MAX_IMPORT_EVENTS} events`));
  });

  it('accepts exportData() output, as an object and as its JSON text, numeric ids as strings', () => {
    const f = file([ev('a', 1), { seq: 9, itemId: 7, type: 'like', at: 2 }]);
    const want = [{ itemId: 'a', type: 'view', at: 1 }, { itemId: '7', type: 'like', at: 2 }];
    expect(parseImport(f)).toEqual(want);
    expect(parseImport(JSON.stringify(f))).toEqual(want);
  });
});

function contract(name: string, open: () => Promise<Store>) {
  describe(`importHistory on ${name}`, () => {
    let store: Store;
    let stored: HistoryEvent[];
    const seed = async (events: NewEvent[]) => { stored = await store.appendEvents(events); };
    beforeEach(async () => {
      globalThis.indexedDB = new IDBFactory();
      store = await open();
      await seed([{ itemId: 'a', type: 'view', at: 10 }, { itemId: 'b', type: 'like', at: 20 }]);
    });

    it('merge appends newer events, skips repeats (stored and in-file) and unknown items', async () => {
      const { result, history } = await importHistory(store, stored, file([ev('a', 10), ev('c', 30), ev('c', 30), ev('zzz', 40), ev('d', 50)]), {}, known);
      expect(result).toEqual({ imported: 2, skipped: 3 });
      expect(plain(history)).toEqual(['a/view/10', 'b/like/20', 'c/view/30', 'd/view/50']);
      expect(await store.getEvents()).toEqual(history);
      expect(history.slice(0, 2)).toEqual(stored); // appended: the stored seqs stay
    });

    it('merge of older events keeps the whole history in time order', async () => {
      const { result, history } = await importHistory(store, stored, file([ev('d', 15), ev('c', 5)]), { mode: 'merge' }, known);
      expect(result).toEqual({ imported: 2, skipped: 0 });
      expect(plain(history)).toEqual(['c/view/5', 'a/view/10', 'd/view/15', 'b/like/20']);
      expect(await store.getEvents()).toEqual(history);
    });

    it('merge of a file with nothing new changes nothing', async () => {
      const { result, history } = await importHistory(store, stored, JSON.stringify(file([ev('a', 10), ev('b', 20, 'like')])), {}, known);
      expect(result).toEqual({ imported: 0, skipped: 2 });
      expect(history).toEqual(stored);
      expect(await store.getEvents()).toEqual(stored);
    });

    it('replace forgets the stored history and keeps the file’s known events, oldest first', async () => {
      const { result, history } = await importHistory(store, stored, file([ev('d', 9), ev('c', 3), ev('nope', 4), ev('c', 3)]), { mode: 'replace' }, known);
      expect(result).toEqual({ imported: 2, skipped: 2 });
      expect(plain(history)).toEqual(['c/view/3', 'd/view/9']);
      expect(await store.getEvents()).toEqual(history);
    });

    it('a bad file changes nothing, in either mode', async () => {
      for (const mode of ['merge', 'replace'] as const) {
        const bad = file([ev('c', 1), { itemId: 'd', type: 'view', at: 'soon' }]);
        await expect(importHistory(store, stored, bad, { mode }, known)).rejects.toMatchObject({ code: 'INVALID_IMPORT', details: { index: 1, field: 'at' } });
        expect(await store.getEvents()).toEqual(stored);
      }
      await expect(importHistory(store, stored, file([]), { mode: 'overwrite' as 'merge' }, known)).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
      expect(await store.getEvents()).toEqual(stored);
    });
  });
}

contract('IndexedDB (fake-indexeddb)', () => IdbStore.open(`import-${Math.random()}`));
contract('memory', async () => new MemoryStore());

describe('IdbStore.replaceEvents is one transaction', () => {
  it('an event that cannot be stored leaves the old history in place', async () => {
    globalThis.indexedDB = new IDBFactory();
    const store = await IdbStore.open('atomic');
    const before = await store.appendEvents([{ itemId: 'a', type: 'view', at: 1 }, { itemId: 'b', type: 'view', at: 2 }]);
    // A function cannot be structured-cloned: the second add throws DataCloneError after clear() ran.
    const bad = [{ itemId: 'c', type: 'view', at: 3 }, { itemId: 'd', type: 'view', at: (() => 4) as unknown as number }];
    await expect(store.replaceEvents(bad)).rejects.toMatchObject({ name: 'DataCloneError' });
    expect(await store.getEvents()).toEqual(before);
    await store.close();
  });
});

describe('engine.importData (real model, fake-indexeddb)', () => {
  const items = parseCsv(readFileSync('public/catalogs/ml-latest-small/items.csv', 'utf8')).slice(0, 40);
  const opts = (dbName: string) => ({ model: 'public/models/default', catalog: items, backend: 'wasm' as const, dtype: 'fp32' as const, dbName });
  let a: HllmEngine;
  beforeAll(async () => {
    globalThis.indexedDB = new IDBFactory();
    a = createEngine();
    await a.init(opts('engine-import-a'));
  });
  afterAll(() => a.dispose());

  it('export from one profile, import into a fresh one: same history, same recommendations, survives a restart', async () => {
    for (const [i, id] of [items[3]!.id, items[9]!.id, items[3]!.id].entries()) await a.track(id, { type: i === 1 ? 'like' : 'view', at: 1000 + i });
    const exported = await a.exportData();
    const b = createEngine();
    await b.init(opts('engine-import-b'));
    expect(await b.importData(JSON.stringify(exported))).toEqual({ imported: 3, skipped: 0 });
    const strip = (h: HistoryEvent[]) => h.map(({ itemId, type, at }) => ({ itemId, type, at }));
    expect(strip(await b.history())).toEqual(strip(await a.history()));
    expect((await b.recommend({ k: 5 })).map((r) => r.id)).toEqual((await a.recommend({ k: 5 })).map((r) => r.id));
    await b.dispose();
    const c = createEngine();
    await c.init(opts('engine-import-b'));
    expect(strip(await c.history())).toEqual(strip(await a.history()));
    expect((await c.stats()).historyEvents).toBe(3);
    await c.dispose();
  });

  it('counts events of items not in the catalogue as skipped; a bad file rejects and keeps the history', async () => {
    const before = await a.history();
    const other = file([ev(items[20]!.id, 5000), ev('not-in-this-catalogue', 5001)]);
    expect(await a.importData(other)).toEqual({ imported: 1, skipped: 1 });
    const after = await a.history();
    expect(after).toHaveLength(before.length + 1);
    await expect(a.importData('{"version":1,"history":[{"itemId":"1","type":"view"}]}', { mode: 'replace' }))
      .rejects.toMatchObject({ code: 'INVALID_IMPORT', message: expect.stringMatching(/history event 0 field 'at'/) });
    expect(await a.history()).toEqual(after);
  });
});
