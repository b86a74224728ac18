// Engine on precomputed vector shards (EngineOptions.vectors) in Node: the real default
// model (ORT WASM), shard sets built from the engine's own vectors, fake-indexeddb. Shards
// give the on-device ranking, only uncovered items are encoded, warm starts read no shard,
// and every bad shard set fails with its one code, storing nothing and keeping history.
import 'fake-indexeddb/auto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HllmError } from '../../errors.ts';
import type { CatalogItem, EngineOptions, Progress } from '../../protocol.ts';
import { IdbStore } from '../../storage/idb-store.ts';
import { buildShardFixture, type ShardFixture } from '../../testing/shard-fixture.ts';
import { parseCsv } from '../catalog/catalog.ts';
import { createEngine, type HllmEngine } from '../engine.ts';
import { defaultFetcher, type Fetcher } from '../../io/fetcher.ts';

const MODEL = 'public/models/default';
const items = parseCsv(readFileSync('public/catalogs/ml-latest-small/items.csv', 'utf8')).slice(0, 120);
const opts = (dbName: string, vectors?: string, catalog: CatalogItem[] = items): EngineOptions => ({ model: MODEL, catalog, backend: 'wasm', dtype: 'fp32', dbName, ...(vectors ? { vectors } : {}) });
const errorOf = (p: Promise<unknown>): Promise<HllmError> => p.then(() => { throw new Error('expected a rejection'); }, (e) => { if (!(e instanceof HllmError)) throw e; return e; });
const ids = (rs: Array<{ id: string }>) => rs.map((r) => r.id);
const history = [0, 1, 2, 4, 9].map((i) => items[i]!.id);
const seven = items[7]!.id;

let root: string;
let device: HllmEngine;
let fp32: ShardFixture;
let int8: ShardFixture;
/** A copy of a fixture folder (to break it) under a fresh name. */
let copies = 0;
let dbs = 0;
const copyOf = (fx: ShardFixture): string => {
  const dir = join(root, `copy-${copies++}`);
  rmSync(dir, { recursive: true, force: true });
  buildCopy(fx.dir, dir, ['vectors.json', ...fx.files.keys()]);
  return dir;
};
function buildCopy(from: string, to: string, names: string[]): void {
  mkdirSync(to, { recursive: true });
  for (const n of names) copyFileSync(join(from, n), join(to, n));
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'hllm-shards-'));
  device = createEngine();
  await device.init({ ...opts('device'), storage: 'memory' });
  for (const id of history) await device.track(id);
  fp32 = await buildShardFixture(device, items, join(root, 'fp32'), 'fp32', 50);
  int8 = await buildShardFixture(device, items, join(root, 'int8'), 'int8', 50);
}, 120_000);
afterAll(async () => {
  await device?.dispose();
  rmSync(root, { recursive: true, force: true });
});

/** Starts an engine on `o`, tracks the shared history, returns it. */
async function started(o: EngineOptions, fetcher: Fetcher = defaultFetcher, warn: (m: string) => void = () => undefined): Promise<HllmEngine> {
  const e = createEngine({ fetcher, warn });
  await e.init(o);
  return e;
}

describe('ranking from shards', () => {
  it('fp32 shards: nothing encoded, same top-10 and scores as on-device encoding', async () => {
    const phases: Progress[] = [];
    const e = createEngine();
    const info = await e.init({ ...opts('fp32-a', fp32.dir), storage: 'memory' }, (p) => phases.push(p));
    for (const id of history) await e.track(id);
    expect(info).toMatchObject({ items: 120, encoded: 0 });
    expect(await e.stats()).toMatchObject({ itemsEncoded: 0, shardRows: 120 });
    const bytes = phases.filter((p) => p.phase === 'vectors').at(-1)!;
    expect([bytes.done, bytes.total]).toEqual([fp32.manifest.shards.reduce((a, s) => a + s.bytes, 0), fp32.manifest.shards.reduce((a, s) => a + s.bytes, 0)]);
    expect(await e.recommend({ k: 10 })).toEqual(await device.recommend({ k: 10 }));
    expect(await e.similar(history[0]!, 10)).toEqual(await device.similar(history[0]!, 10));
    expect(Array.from(await e.itemVector(seven))).toEqual(Array.from(await device.itemVector(seven)));
    await e.dispose();
  });

  it('int8 shards: itemVector is the dequantised row; top-10 overlap with on-device encoding is reported', async () => {
    const e = await started({ ...opts('int8-a', int8.dir), storage: 'memory' });
    for (const id of history) await e.track(id);
    expect(await e.stats()).toMatchObject({ itemsEncoded: 0, shardRows: 120 });
    const exact = await device.itemVector(seven);
    const q = await e.itemVector(seven);
    let max = 0;
    for (const x of exact) max = Math.max(max, Math.abs(x));
    const scale = Math.fround(max / 127);
    expect(Array.from(q)).toEqual(Array.from(exact, (x) => Math.fround(Math.round(x / scale) * scale)));
    const a = ids(await e.recommend({ k: 10 }));
    const b = ids(await device.recommend({ k: 10 }));
    const agree = a.filter((id) => b.includes(id)).length;
    console.log(`int8 shards vs on-device fp32: ${agree}/10 of recommend top-10 agree`);
    expect(agree).toBeGreaterThanOrEqual(7);
    expect(ids(await e.recommend({ k: 10, exclude: [a[0]!] }))).not.toContain(a[0]);
    expect(ids(await e.recommend({ k: 120 }))).not.toContain(history[0]);
    await e.dispose();
  });

  it('encodes exactly the 3 changed items and the 20 items no shard holds, nothing else', async () => {
    const part = join(root, 'part');
    const d = await buildShardFixture(device, items.slice(0, 100), part, 'fp32', 40);
    const changed = items.map((it, i) => ([0, 30, 60].includes(i) ? { ...it, title: `${it.title} (remastered)` } : it));
    const e = await started({ ...opts('part-a', d.dir, changed), storage: 'memory' });
    expect(await e.stats()).toMatchObject({ itemsEncoded: 23, shardRows: 97 });
    // A catalogue change on a running engine: 1 more changed item is the only one encoded.
    const again = changed.map((it, i) => (i === 50 ? { ...it, title: `${it.title} (extended)` } : it));
    expect(await e.setCatalog(again)).toEqual({ added: 0, changed: 1, removed: 0, encoded: 1 });
    expect((await e.stats()).itemsEncoded).toBe(24);
    await e.dispose();
  });
});

describe('storage of shards (fake-indexeddb)', () => {
  it('a warm start reads no shard, and works with vectors.json offline from the stored copy', async () => {
    const db = `warm-${Date.now()}`;
    const a = await started(opts(db, int8.dir));
    for (const id of history) await a.track(id);
    const top = await a.recommend({ k: 10 });
    await a.dispose();
    const seen: string[] = [];
    const watching: Fetcher = (url, cb) => { seen.push(url); return defaultFetcher(url, cb); };
    const b = await started(opts(db, int8.dir), watching);
    expect(seen.filter((u) => u.endsWith('.bin'))).toEqual([]);
    expect(await b.stats()).toMatchObject({ itemsEncoded: 0, shardRows: 120 });
    expect(await b.recommend({ k: 10 })).toEqual(top);
    await b.dispose();
    const warnings: string[] = [];
    const offline: Fetcher = (url, cb) => (url.startsWith(int8.dir) ? Promise.reject(new HllmError('FETCH_FAILED', 'offline')) : defaultFetcher(url, cb));
    const c = await started(opts(db, int8.dir), offline, (m) => warnings.push(m));
    expect(await c.recommend({ k: 10 })).toEqual(top);
    expect(warnings.filter((w) => w.includes('vectors.json could not be fetched'))).toHaveLength(1);
    await c.dispose();
  });

  it('keeps only the shards of the current set: another set replaces them, no vectors option deletes them', async () => {
    const db = `gc-${Date.now()}`;
    await (await started(opts(db, fp32.dir))).dispose();
    const shards = async () => { const s = await IdbStore.open(db); const l = await s.listShards(); await s.close(); return l.map((x) => x.sha256).sort(); };
    expect(await shards()).toEqual(fp32.manifest.shards.map((s) => s.sha256).sort());
    await (await started(opts(db, int8.dir))).dispose();
    expect(await shards()).toEqual(int8.manifest.shards.map((s) => s.sha256).sort());
    await (await started(opts(db))).dispose();
    expect(await shards()).toEqual([]);
  });
});

describe('bad shard sets', () => {
  /** A db with history, then a start on `vectors` that must fail; returns the error and checks nothing was stored. */
  async function failing(vectors: string, fetcher: Fetcher = defaultFetcher): Promise<HllmError> {
    const db = `bad-${Date.now()}-${dbs++}`;
    const a = await started(opts(db));
    await a.track(history[0]!);
    await a.track(history[1]!);
    await a.dispose();
    const err = await errorOf(createEngine({ fetcher }).init(opts(db, vectors)));
    const s = await IdbStore.open(db);
    expect(await s.listShards()).toEqual([]);
    expect((await s.getEvents()).map((e) => e.itemId)).toEqual(history.slice(0, 2));
    await s.close();
    return err;
  }

  it('a corrupt shard: VECTORS_INTEGRITY naming the file, no shard stored, history intact', async () => {
    const dir = copyOf(int8);
    const p = join(dir, 'shard-001.bin');
    const b = readFileSync(p);
    b[10] = b[10]! ^ 0xff;
    writeFileSync(p, b);
    const err = await failing(dir);
    expect([err.code, err.details?.file]).toEqual(['VECTORS_INTEGRITY', 'shard-001.bin']);
    expect(err.message).toContain('shard-001.bin');
    const short = copyOf(int8);
    writeFileSync(join(short, 'shard-002.bin'), readFileSync(join(short, 'shard-002.bin')).subarray(1));
    expect((await failing(short)).code).toBe('VECTORS_INTEGRITY');
  });

  it('a missing shard: VECTORS_MISSING naming the file', async () => {
    const dir = copyOf(fp32);
    rmSync(join(dir, 'shard-002.bin'));
    const err = await failing(dir);
    expect([err.code, err.details?.file]).toEqual(['VECTORS_MISSING', 'shard-002.bin']);
    expect((await failing(join(root, 'nowhere'))).code).toBe('VECTORS_MISSING');
  });

  it('a malformed or unknown-version vectors.json: VECTORS_FORMAT', async () => {
    const dir = copyOf(fp32);
    writeFileSync(join(dir, 'vectors.json'), '{"format": "hllm-vectors",');
    expect((await failing(dir)).code).toBe('VECTORS_FORMAT');
    writeFileSync(join(dir, 'vectors.json'), JSON.stringify({ ...fp32.manifest, version: 2 }));
    const err = await failing(dir);
    expect([err.code, err.details?.field]).toEqual(['VECTORS_FORMAT', 'version']);
  });

  it('a set for another model: VECTORS_MISMATCH with the rebuild command, unless vectorsMismatch is encode', async () => {
    const dir = copyOf(fp32);
    writeFileSync(join(dir, 'vectors.json'), JSON.stringify({ ...fp32.manifest, model: { id: 'other', key: 'a'.repeat(64) } }));
    const err = await failing(dir);
    expect(err.code).toBe('VECTORS_MISMATCH');
    expect(err.message).toContain(`hllm embed --model ${MODEL} --model-dtype fp32`);
    const seen: string[] = [];
    const warnings: string[] = [];
    const e = await started({ ...opts('mismatch-encode', dir), storage: 'memory', vectorsMismatch: 'encode' }, (u, cb) => { seen.push(u); return defaultFetcher(u, cb); }, (m) => warnings.push(m));
    expect(await e.stats()).toMatchObject({ itemsEncoded: 120, shardRows: 0 });
    expect(warnings.filter((w) => w.includes('does not fit this model'))).toHaveLength(1);
    expect(seen.filter((u) => u.endsWith('.bin'))).toEqual([]);
    await e.dispose();
    const dims = copyOf(fp32);
    writeFileSync(join(dims, 'vectors.json'), JSON.stringify({ ...fp32.manifest, dim: 32, shards: [] , rows: 0 }));
    expect((await failing(dims)).code).toBe('VECTORS_MISMATCH');
  });
});
