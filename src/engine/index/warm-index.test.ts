// The warm index (warm-index.ts) in Node on the real default model (ORT WASM) and
// fake-indexeddb: an unchanged catalogue URL skips parse/hash/diff, a one-byte change of the
// same size is re-parsed and encodes only the changed item, a damaged record is detected and
// rebuilt without losing history, an inline catalogue drops the record; plus the record's
// own checks without the model.
import 'fake-indexeddb/auto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineOptions, Progress } from '../../protocol.ts';
import { IdbStore } from '../../storage/idb-store.ts';
import { MemoryStore } from '../../storage/memory-store.ts';
import { ResilientStore } from '../../storage/open-store.ts';
import type { WarmIndexRecord } from '../../storage/types.ts';
import { buildIndex, prepareCatalog, shaOf } from './catalog-index.ts';
import { parseCsv } from '../catalog/catalog.ts';
import { createEngine, WARM_INDEX_USED, type HllmEngine } from '../engine.ts';
import { defaultFetcher, type Fetcher } from '../../io/fetcher.ts';
import { loadWarmIndex, saveWarmIndex, warmKeyOf } from './warm-index.ts';

const MODEL = 'public/models/default';
const CSV_LINES = readFileSync('public/catalogs/ml-latest-small/items.csv', 'utf8').split('\n');
const CSV = CSV_LINES.slice(0, 61).join('\n');
const CAT = 'memory://items.csv';
const parsed = parseCsv(CSV);
const history = [0, 1, 2, 5, 9].map((i) => parsed[i]!.id);

/** A fetcher serving `csv.text` at CAT (changeable between starts) and the model from disk. */
function catalogFetcher(csv: { text: string }, reads: string[]): Fetcher {
  return (url, cb) => {
    if (url !== CAT) return defaultFetcher(url, cb);
    reads.push(url);
    return Promise.resolve(new TextEncoder().encode(csv.text));
  };
}

interface Started { e: HllmEngine; progress: Progress[]; warnings: string[]; info: Awaited<ReturnType<HllmEngine['init']>> }
async function start(db: string, csv: { text: string }, extra: Partial<EngineOptions> = {}): Promise<Started> {
  const progress: Progress[] = [];
  const warnings: string[] = [];
  const e = createEngine({ fetcher: catalogFetcher(csv, []), warn: (m) => warnings.push(m) });
  const info = await e.init({ model: MODEL, catalog: CAT, backend: 'wasm', dtype: 'fp32', dbName: db, ...extra }, (p) => progress.push(p));
  return { e, progress, warnings, info };
}
const warmUsed = (s: Started) => s.progress.some((p) => p.detail === WARM_INDEX_USED);
const stepNames = (s: Started) => s.progress.map((p) => /^step (\S+)/.exec(p.detail ?? '')?.[1]).filter(Boolean);
const topIds = async (e: HllmEngine) => (await e.recommend({ k: 10 })).map((r) => r.id);

describe('warm start from the stored catalogue index (fake-indexeddb)', () => {
  const db = `warm-${Date.now()}`;
  const csv = { text: CSV };
  let first: { top: string[]; v: number[] };

  beforeAll(async () => {
    const s = await start(db, csv);
    expect(s.info).toMatchObject({ items: 60, encoded: 60, cached: 0 });
    expect(warmUsed(s)).toBe(false);
    expect(stepNames(s)).toEqual(expect.arrayContaining(['catalog-parse', 'catalog-texts-sha256', 'catalog-diff']));
    // Written after init() returned, not as one of its steps.
    expect(stepNames(s)).not.toContain('warm-index-store');
    for (const id of history) await s.e.track(id);
    first = { top: await topIds(s.e), v: Array.from(await s.e.itemVector('6')) };
    await s.e.dispose();
  }, 120_000);

  it('an unchanged catalogue is not parsed, hashed or diffed, and ranks the same', async () => {
    const s = await start(db, csv);
    expect(warmUsed(s)).toBe(true);
    expect(stepNames(s)).not.toContain('catalog-parse');
    expect(stepNames(s)).not.toContain('catalog-texts-sha256');
    expect(s.info).toMatchObject({ items: 60, encoded: 0, cached: 60 });
    expect(await s.e.stats()).toMatchObject({ itemsEncoded: 0, encoderCalls: 0, catalogItems: 60, historyEvents: history.length });
    expect(await topIds(s.e)).toEqual(first.top);
    expect(Array.from(await s.e.itemVector('6'))).toEqual(first.v);
    expect((await s.e.items([parsed[2]!.id]))[0]).toEqual(parsed[2]);
    expect((await s.e.search('toy')).total).toBeGreaterThan(0);
    await s.e.dispose();
  }, 60_000);

  it('one byte changed (same size) is re-parsed and encodes only the changed item', async () => {
    const i = csv.text.indexOf('Heat');
    expect(i).toBeGreaterThan(0);
    const changed = { text: `${csv.text.slice(0, i)}Beat${csv.text.slice(i + 4)}` };
    expect(changed.text.length).toBe(csv.text.length);
    const s = await start(db, changed);
    expect(warmUsed(s)).toBe(false);
    expect(stepNames(s)).toContain('catalog-parse');
    expect(s.info).toMatchObject({ items: 60, encoded: 1, cached: 59 });
    expect(await s.e.stats()).toMatchObject({ itemsEncoded: 1 });
    expect((await s.e.items(['6']))[0]!.title).toBe('Beat (1995)');
    await s.e.dispose();
    // …and that change is now the stored index: the next start is warm again.
    const again = await start(db, changed);
    expect(warmUsed(again)).toBe(true);
    expect((await again.e.items(['6']))[0]!.title).toBe('Beat (1995)');
    await again.e.dispose();
    csv.text = changed.text;
  }, 60_000);

  it('a rebuild is stored as the warm index even when dispose() follows init() at once: the next start is warm', async () => {
    const i = csv.text.indexOf('Beat');
    const changed = { text: `${csv.text.slice(0, i)}Bead${csv.text.slice(i + 4)}` };
    const s = await start(db, changed);
    expect(warmUsed(s)).toBe(false);
    await s.e.dispose();
    const again = await start(db, changed);
    expect(warmUsed(again)).toBe(true);
    expect(again.warnings).toEqual([]);
    expect((await again.e.items(['6']))[0]!.title).toBe('Bead (1995)');
    await again.e.dispose();
    csv.text = changed.text;
  }, 60_000);

  it('a damaged stored index is detected and rebuilt; history and vectors are kept', async () => {
    const store = await IdbStore.open(db);
    const r = (await store.getWarmIndex())!;
    const values = r.values.slice();
    values[5] = values[5]! + 1;
    await store.putWarmIndex({ ...r, values });
    await store.close();
    const s = await start(db, csv);
    expect(warmUsed(s)).toBe(false);
    expect(s.warnings.some((w) => w.includes('stored catalogue index is damaged'))).toBe(true);
    expect(s.info).toMatchObject({ items: 60, encoded: 0, cached: 60 });
    expect((await s.e.history()).map((h) => h.itemId)).toEqual(history);
    await s.e.dispose();
    const again = await start(db, csv);
    expect(warmUsed(again)).toBe(true);
    expect(again.warnings).toEqual([]);
    await again.e.dispose();
  }, 60_000);

  it('setCatalog() with inline items drops the stored index (it no longer describes the catalogue in use)', async () => {
    const s = await start(db, csv);
    await s.e.setCatalog(parseCsv(CSV).slice(0, 30));
    await s.e.dispose();
    const store = await IdbStore.open(db);
    expect(await store.getWarmIndex()).toBeUndefined();
    await store.close();
    const again = await start(db, csv);
    expect(warmUsed(again)).toBe(false);
    // Vector GC at setCatalog(): the 30 items the inline catalogue dropped lost their stored
    // vectors, and so did 'Beat' (the inline items have the original 'Heat' text); nothing else.
    expect(again.info).toMatchObject({ items: 60, encoded: 31, cached: 29 });
    await again.e.dispose();
  }, 60_000);
});

describe('warm index record checks (no model)', () => {
  const items = parseCsv(CSV).slice(0, 20);
  const spec = { prompt: '', text_fields: ['title', 'genres'], field_template: '{key}: {value}', field_separator: ' ', max_text_tokens: 64 } as never;
  const bytes = new TextEncoder().encode('any catalogue bytes');
  let record: WarmIndexRecord;
  let key: string;
  const store = new MemoryStore();

  beforeAll(async () => {
    const prepared = await prepareCatalog(items, spec);
    const vectors = new Map(items.map((_, i) => [shaOf(prepared, i), Float32Array.from({ length: 8 }, (_, j) => Math.sin(i + j))]));
    const index = await buildIndex(prepared, vectors, 8);
    key = await warmKeyOf({ source: '/items.csv', bytes, modelKey: 'm', vectors: null, dim: 8 });
    await saveWarmIndex(store, index, key);
    record = (await store.getWarmIndex())!;
  });
  afterAll(() => store.putWarmIndex(null));

  it('round-trips: same ids, items and rows', async () => {
    const idx = (await loadWarmIndex(store, key, 8, () => { throw new Error('no warning expected'); }))!;
    expect(idx.size).toBe(20);
    expect(idx.item(3)).toEqual(items[3]);
    expect(idx.rowOf(items[7]!.id)).toBe(7);
    expect(Array.from(idx.rawRow(2))).toEqual(Array.from(record.values.subarray(16, 24)));
  });

  it('a key for other bytes, model or vector set misses without a warning', async () => {
    const warn = (m: string) => { throw new Error(m); };
    const other = (o: Partial<Parameters<typeof warmKeyOf>[0]>) => warmKeyOf({ source: '/items.csv', bytes, modelKey: 'm', vectors: null, dim: 8, ...o });
    const b2 = bytes.slice();
    b2[3] = b2[3]! ^ 1;
    for (const k of [await other({ bytes: b2 }), await other({ modelKey: 'n' }), await other({ vectors: '{"shards":[]}' }), await other({ source: '/other.csv' })]) {
      expect(k).not.toBe(key);
      expect(await loadWarmIndex(store, k, 8, warn)).toBeNull();
    }
  });

  it.each([
    ['truncated vectors', (r: WarmIndexRecord) => ({ ...r, values: r.values.slice(0, -1) }), 'wrong size'],
    ['an id changed', (r: WarmIndexRecord) => ({ ...r, ids: `x${r.ids.slice(1)}` }), 'digest'],
    ['item JSON changed', (r: WarmIndexRecord) => ({ ...r, json: r.json.replace('Toy', 'Tay') }), 'digest'],
    ['offsets out of range', (r: WarmIndexRecord) => ({ ...r, jsonEnds: r.jsonEnds.map((x) => x + 1) }), 'offsets'],
    ['a text sha flipped', (r: WarmIndexRecord) => { const t = r.textShas.slice(); t[0] = t[0]! ^ 1; return { ...r, textShas: t }; }, 'digest'],
    ['a row norm changed', (r: WarmIndexRecord) => { const n = r.invNorm.slice(); n[3] = n[3]! * 2; return { ...r, invNorm: n }; }, 'digest'],
    ['row norms missing (an older layout)', (r: WarmIndexRecord) => { const { invNorm: _n, ...rest } = r; return rest as WarmIndexRecord; }, 'row norms'],
    ['a field name changed', (r: WarmIndexRecord) => ({ ...r, shapes: r.shapes.replace('title', 'titel') }), 'digest'],
    ['field shapes missing (an older layout)', (r: WarmIndexRecord) => { const { shapes: _s, ...rest } = r; return rest as WarmIndexRecord; }, 'wrong type'],
  ])('%s: detected as damaged', async (_name, damage, why) => {
    const s = new MemoryStore();
    await s.putWarmIndex(damage(record));
    const warnings: string[] = [];
    expect(await loadWarmIndex(s, key, 8, (m) => warnings.push(m))).toBeNull();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(why);
  });

  it('a failed write loses only the cache: the store does not degrade to memory', async () => {
    const idb = await IdbStore.open(`warm-fail-${Date.now()}`);
    idb.putWarmIndex = () => Promise.reject(new DOMException('quota', 'QuotaExceededError'));
    const warnings: string[] = [];
    const s = new ResilientStore(idb, (m) => warnings.push(m));
    await s.putWarmIndex(record);
    expect(s.kind).toBe('indexeddb');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('could not be stored');
    await s.close();
  });
});
