// Engine behaviour in Node on the real default model (ORT WASM) and fake-indexeddb:
// vector cache across restarts, setCatalog re-encoding only changed items, history,
// recommend/similar semantics, cancellation and model-file integrity errors.
import 'fake-indexeddb/auto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HllmError, type HllmErrorCode } from '../errors.ts';
import type { CatalogItem, EngineOptions, Progress } from '../protocol.ts';
import { parseCsv } from './catalog/catalog.ts';
import { createEngine, type HllmEngine } from './engine.ts';
import { defaultFetcher, type Fetcher } from '../io/fetcher.ts';
import { cosine } from '../vectors/vector-math.ts';

const MODEL = 'public/models/default';
const all = parseCsv(readFileSync('public/catalogs/ml-latest-small/items.csv', 'utf8'));
const small = all.slice(0, 120);
const base = (dbName: string, catalog: CatalogItem[] = small): EngineOptions => ({ model: MODEL, catalog, backend: 'wasm', dtype: 'fp32', dbName });
const codeOf = async (p: Promise<unknown>): Promise<HllmErrorCode | 'none' | 'other'> =>
  p.then(() => 'none' as const, (e) => (e instanceof HllmError ? e.code : 'other'));

describe('vector cache and catalogue changes (fake-indexeddb)', () => {
  const db = `cache-${Date.now()}`;
  it('encodes everything once, then nothing after a restart', async () => {
    const a = createEngine();
    const phases = new Set<string>();
    const progress: Progress[] = [];
    const info = await a.init(base(db), (p) => { phases.add(p.phase); progress.push(p); });
    expect(info).toMatchObject({ items: 120, encoded: 120, cached: 0, storage: 'indexeddb' });
    expect([...phases].sort()).toEqual(['download', 'encode', 'load', 'verify']);
    const last = progress.filter((p) => p.phase === 'encode').at(-1)!;
    expect([last.done, last.total, last.etaMs]).toEqual([120, 120, 0]);
    expect((await a.stats()).itemsEncoded).toBe(120);
    const v = await a.itemVector(small[7]!.id);
    await a.dispose();

    const b = createEngine();
    const again = await b.init(base(db));
    expect(again).toMatchObject({ items: 120, encoded: 0, cached: 120 });
    expect(await b.stats()).toMatchObject({ encoderCalls: 0, itemsEncoded: 0, cacheHits: 120 });
    expect(Array.from(await b.itemVector(small[7]!.id))).toEqual(Array.from(v));
    await b.dispose();
  });

  it('setCatalog re-encodes exactly the 3 changed items and drops removed ones', async () => {
    const e = createEngine();
    await e.init(base(db));
    const next = small.map((it, i) => (i < 3 ? { ...it, title: `${it.title} (director's cut)` } : it));
    const res = await e.setCatalog(next);
    expect(res).toEqual({ added: 0, changed: 3, removed: 0, encoded: 3 });
    expect(await e.stats()).toMatchObject({ encoderCalls: 1, itemsEncoded: 3 });
    const fewer = next.slice(0, 100).concat(all.slice(500, 502));
    expect(await e.setCatalog(fewer)).toEqual({ added: 2, changed: 0, removed: 20, encoded: 2 });
    expect(await codeOf(e.track(small[110]!.id))).toBe('UNKNOWN_ITEM');
    await e.dispose();
    const f = createEngine();
    expect(await f.init(base(db, fewer))).toMatchObject({ encoded: 0, items: 102 });
    await f.dispose();
  });

  it('cancel() stops encoding with CANCELLED and the next run resumes from stored vectors', async () => {
    const e = createEngine();
    await e.init({ ...base(`cancel-${Date.now()}`, small.slice(0, 10)), batchSize: 8 });
    const more = all.slice(1000, 1200);
    let cancelled = false;
    const job = e.setCatalog(more, (p) => {
      if (p.phase === 'encode' && p.done >= 16 && !cancelled) { cancelled = true; void e.cancel(); }
    });
    expect(await codeOf(job)).toBe('CANCELLED');
    expect((await e.stats()).catalogItems).toBe(10); // the old catalogue stays in use
    const done = (await e.stats()).itemsEncoded - 10;
    expect(done).toBeGreaterThanOrEqual(16);
    expect(done).toBeLessThan(200);
    const res = await e.setCatalog(more);
    expect(res.encoded).toBe(200 - done);
    await e.dispose();
  });
});

describe('history, recommend and similar', () => {
  let e: HllmEngine;
  beforeAll(async () => {
    e = createEngine();
    await e.init({ ...base('x'), storage: 'memory' });
  });
  afterAll(() => e.dispose());

  it('tracks events, rejects unknown ids, and forgets', async () => {
    expect(await codeOf(e.track('no-such-id'))).toBe('UNKNOWN_ITEM');
    const a = await e.track(small[0]!.id, { type: 'like', at: 1000 });
    expect(a).toMatchObject({ itemId: small[0]!.id, type: 'like', at: 1000 });
    const b = await e.track(small[1]!.id);
    expect(b.type).toBe('view');
    expect(b.seq).toBeGreaterThan(a.seq);
    expect((await e.history()).map((h) => h.itemId)).toEqual([small[0]!.id, small[1]!.id]);
    expect(await e.forget([small[0]!.id])).toBe(1);
    expect(await e.forget('all')).toBe(1);
    expect(await e.recommend()).toEqual([]);
  });

  it('ranks by cosine to the user vector, masks history, honours exclude and includeHistory', async () => {
    await e.forget('all');
    const hist = [small[5]!.id, small[9]!.id, small[5]!.id];
    for (const id of hist) await e.track(id);
    const u = await e.embedUser(hist);
    const top = await e.recommend({ k: 10 });
    expect(top).toHaveLength(10);
    for (const r of top) {
      expect(hist).not.toContain(r.id);
      expect(r.score).toBeCloseTo(cosine(u, await e.itemVector(r.id)), 5);
      expect([small[5]!.id, small[9]!.id]).toContain(r.because!.id);
      const other = r.because!.id === small[5]!.id ? small[9]!.id : small[5]!.id;
      expect(r.because!.score).toBeGreaterThanOrEqual(cosine(await e.itemVector(r.id), await e.itemVector(other)) - 1e-6);
    }
    for (let i = 1; i < top.length; i++) expect(top[i - 1]!.score).toBeGreaterThanOrEqual(top[i]!.score);
    // the best-scoring item overall, with and without masks
    const withHist = await e.recommend({ k: small.length, includeHistory: true });
    expect(withHist.map((r) => r.id)).toEqual(expect.arrayContaining([small[5]!.id, small[9]!.id]));
    expect(withHist.filter((r) => !hist.includes(r.id)).slice(0, 10).map((r) => r.id)).toEqual(top.map((r) => r.id));
    const ex = await e.recommend({ k: 10, exclude: [top[0]!.id] });
    expect(ex.map((r) => r.id)).toEqual([...top.slice(1).map((r) => r.id), ex[9]!.id]);
  });

  it('feeds only the last max_history items to the user encoder', async () => {
    await e.forget('all');
    const ids = small.slice(0, 60).map((i) => i.id);
    for (const id of ids) await e.track(id);
    const u50 = await e.embedUser(ids.slice(-50));
    const top = await e.recommend({ k: 5, includeHistory: true });
    for (const r of top) expect(r.score).toBeCloseTo(cosine(u50, await e.itemVector(r.id)), 5);
    expect(cosine(u50, await e.embedUser(ids))).toBeCloseTo(1, 6);
    expect(cosine(u50, await e.embedUser(ids.slice(0, 50)))).toBeLessThan(0.9999);
  });

  it('similar() returns nearest items by item-vector cosine, never the item itself', async () => {
    const id = small[3]!.id;
    const sim = await e.similar(id, 5);
    expect(sim).toHaveLength(5);
    expect(sim.map((s) => s.id)).not.toContain(id);
    const q = await e.itemVector(id);
    const brute = await Promise.all(small.filter((s) => s.id !== id).map(async (s) => ({ id: s.id, c: cosine(q, await e.itemVector(s.id)) })));
    brute.sort((a, b) => b.c - a.c);
    expect(sim.map((s) => s.id)).toEqual(brute.slice(0, 5).map((b) => b.id));
    expect(await codeOf(e.similar('nope'))).toBe('UNKNOWN_ITEM');
  });

  it('exports history and model identity', async () => {
    const x = await e.exportData();
    expect(x.version).toBe(1);
    expect(x.history.length).toBe((await e.history()).length);
    expect(x.model).toMatchObject({ id: 'hllm-ml-latest-small', backend: 'wasm', dtype: 'fp32' });
    expect(x.model.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(x.catalog).toEqual({ source: null, items: small.length });
  });
});

describe('model integrity and options', () => {
  const corrupt = (match: string): Fetcher => async (url, onBytes) => {
    const b = await defaultFetcher(url, onBytes);
    if (!url.endsWith(match)) return b;
    const c = b.slice();
    c[c.length >> 1] = c[c.length >> 1]! ^ 0xff;
    return c;
  };
  const opts = { ...base('i', small.slice(0, 5)), storage: 'memory' as const };
  it('rejects a file whose sha256 differs from hllm.json before using it', async () => {
    expect(await codeOf(createEngine({ fetcher: corrupt('onnx/item_encoder.onnx') }).init(opts))).toBe('MODEL_INTEGRITY');
    expect(await codeOf(createEngine({ fetcher: corrupt('tokenizer.json') }).init(opts))).toBe('MODEL_INTEGRITY');
  });
  it('reports a missing model folder, an unknown format and bad options', async () => {
    expect(await codeOf(createEngine().init({ ...opts, model: 'public/models/nope' }))).toBe('MODEL_FILE_MISSING');
    const fmt2: Fetcher = async (url, cb) => {
      const b = await defaultFetcher(url, cb);
      if (!url.endsWith('hllm.json')) return b;
      return new TextEncoder().encode(JSON.stringify({ ...JSON.parse(new TextDecoder().decode(b)), format: 2 }));
    };
    expect(await codeOf(createEngine({ fetcher: fmt2 }).init(opts))).toBe('MODEL_FORMAT');
    expect(await codeOf(createEngine().init({ ...opts, backend: 'webgpu' }))).toBe('BACKEND_UNAVAILABLE');
    expect(await codeOf(createEngine().init({ ...opts, catalog: [{ id: 'a' }, { id: 'a' }] }))).toBe('INVALID_CATALOG');
    expect(await codeOf(createEngine().recommend())).toBe('NOT_READY');
  });
});

describe('the user vector is reused while history and catalogue stay the same', () => {
  it('runs the User LLM once per history (track() runs it ahead of the next ranking), again after forget() or setCatalog(), and hands out copies', async () => {
    const e = createEngine();
    await e.init({ ...base('u', small.slice(0, 60)), storage: 'memory' });
    const calls = async () => (await e.stats()).userEncoderCalls;
    const [a, b, c, d] = small.map((it) => it.id);
    for (const id of [a!, b!, c!]) await e.track(id);
    const first = await e.recommend({ k: 5 });
    // one run per track(), each for the history it made; the recommend() after them runs none
    expect(await calls()).toBe(3);
    expect(await e.recommend({ k: 5 })).toEqual(first);
    await e.recommend({ k: 3, exclude: [first[0]!.id] });
    expect(await calls()).toBe(3);
    // embedUser of the same rows reuses it too; changing the copy changes nothing later.
    const u = await e.embedUser([a!, b!, c!]);
    expect(await calls()).toBe(3);
    const fresh = Array.from(u);
    u.fill(0);
    expect(Array.from(await e.embedUser([a!, b!, c!]))).toEqual(fresh);
    expect(await e.recommend({ k: 5 })).toEqual(first);

    await e.track(d!);
    const after = await e.recommend({ k: 5 });
    expect(await calls()).toBe(4);
    await e.forget([d!]);
    expect(await e.recommend({ k: 5 })).toEqual(first);
    expect(await calls()).toBe(5);
    // Same ids, a new catalogue (one item's text changed): new rows and vectors, so a new run.
    await e.setCatalog(small.slice(0, 60).map((it) => (it.id === b ? { ...it, title: `${it.title} (remastered)` } : it)));
    const changed = await e.recommend({ k: 5 });
    expect(await calls()).toBe(6);
    expect(changed).not.toEqual(first);
    expect(after).not.toEqual(first);
    await e.dispose();
  }, 60_000);
});
