// Rules, seeds, fallback and popularity on the real default model (ORT WASM, memory storage):
// every rule against a brute-force reference (rules applied to the full exact ranking), seeds
// leaving the history untouched, popular fill, popularity precedence and NO_POPULARITY.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HllmError } from '../../errors.ts';
import type { CatalogItem, Recommendation, RuleOptions } from '../../protocol.ts';
import { parseCsv } from '../catalog/catalog.ts';
import { createEngine, type HllmEngine } from '../engine.ts';
import { defaultFetcher, type Fetcher } from '../../io/fetcher.ts';
import { groupValues } from './rules.ts';

const MODEL = 'public/models/default';
const items: CatalogItem[] = parseCsv(readFileSync('public/catalogs/ml-latest-small/items.csv', 'utf8')).slice(0, 300)
  .map((it, i) => ({ ...it, sales: String((i * 37) % 101) }));

/** The reference: rules applied to the full ranking (scores from the engine's own similar(k = all)). */
function reference(full: Recommendation[], o: RuleOptions, k: number): Array<[string, number]> {
  const pass = full.filter((r) => !(o.exclude ?? []).includes(r.id) && (!o.filter || o.filter(r.item)));
  let order = pass.map((r) => ({ r, s: r.score }));
  if (o.boost) {
    const pool = o.boostPool ?? Math.max(200, 20 * k);
    const head = order.slice(0, pool).map((x) => ({ r: x.r, s: o.boost!(x.r.item, x.r.score) })).sort((a, b) => b.s - a.s);
    order = head.concat(order.slice(pool));
  }
  const counts = new Map<string, number>();
  const out: Array<[string, number]> = [];
  for (const x of order) {
    if (out.length >= k) break;
    if (o.minScore !== undefined && x.s < o.minScore) { if (!o.boost) break; continue; }
    const g = o.maxPerGroup ? groupValues(x.r.item, o.groupBy!) : [];
    if (g.some((v) => (counts.get(v) ?? 0) >= o.maxPerGroup!)) continue;
    for (const v of g) counts.set(v, (counts.get(v) ?? 0) + 1);
    out.push([x.r.id, x.s]);
  }
  return out;
}

describe('rules, seeds, fallback, popularity', () => {
  let e: HllmEngine;
  const warnings: string[] = [];
  beforeAll(async () => {
    e = createEngine({ warn: (m) => warnings.push(m) });
    await e.init({ model: MODEL, catalog: items, backend: 'wasm', dtype: 'fp32', storage: 'memory', popularityField: 'sales' });
  }, 120_000);
  afterAll(() => e.dispose());

  it('similar() with random rule sets equals the brute-force reference', async () => {
    const seed = items[5]!.id;
    const full = await e.similar(seed, items.length);
    expect(full).toHaveLength(items.length - 1);
    await fc.assert(fc.asyncProperty(
      fc.record({
        k: fc.integer({ min: 1, max: 15 }),
        mod: fc.integer({ min: 1, max: 40 }),
        min: fc.option(fc.double({ min: -0.5, max: 0.9, noNaN: true }), { nil: undefined }),
        cap: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
        boost: fc.boolean(),
        pool: fc.integer({ min: 1, max: 60 }),
        excl: fc.array(fc.integer({ min: 0, max: 299 }), { maxLength: 5 }),
      }),
      async (p) => {
        const o: RuleOptions = {
          filter: (it) => Number(it.id) % p.mod === 0 || p.mod === 1,
          exclude: p.excl.map((i) => items[i]!.id),
          ...(p.min !== undefined ? { minScore: p.min } : {}),
          ...(p.cap !== undefined ? { maxPerGroup: p.cap, groupBy: 'genres' } : {}),
          ...(p.boost ? { boost: (it: CatalogItem, s: number) => (String(it.genres).includes('Comedy') ? s + 0.2 : s), boostPool: p.pool } : {}),
        };
        const got = (await e.similar(seed, { k: p.k, ...o })).map((r) => [r.id, r.score]);
        expect(got).toEqual(reference(full, o, p.k));
      },
    ), { numRuns: 40 });
  });

  it('a filter passing 1 % still returns k, all passing, best first', async () => {
    const ok = new Set(items.filter((_, i) => i % 100 === 0).map((it) => it.id));
    const got = await e.similar(items[1]!.id, { k: 3, filter: (it) => ok.has(it.id) });
    expect(got.map((r) => r.id).sort()).toEqual([...ok].sort());
    expect(got.every((r) => r.source === 'similar')).toBe(true);
  });

  it('RuleCallbacks batch form gives the same result as functions', async () => {
    const filter = (it: CatalogItem) => String(it.genres).includes('Drama');
    const a = await e.similar(items[2]!.id, { k: 6, filter });
    const b = await e.similar(items[2]!.id, { k: 6, callbacks: { filter: async (xs) => xs.map(filter) } });
    expect(b).toEqual(a);
    expect(a).toHaveLength(6);
  });

  it('seeds: recommends from the seeds, excludes them, leaves the history untouched', async () => {
    await e.track(items[10]!.id);
    const before = await e.history();
    const seeds = [items[20]!.id, items[21]!.id];
    const got = await e.recommend({ k: 5, seeds });
    expect(got).toHaveLength(5);
    expect(got.every((r) => r.source === 'seeds' && seeds.includes(r.because!.id) && !seeds.includes(r.id))).toBe(true);
    expect(await e.history()).toEqual(before);
    const u = await e.embedUser(seeds);
    expect(u.length).toBe(64);
    const h = await e.recommend({ k: 5 });
    expect(h.every((r) => r.source === 'for-you' && r.because!.id === items[10]!.id)).toBe(true);
    await e.forget('all');
  });

  it('no history: [] without fallback, popular items (source popular) with it', async () => {
    expect(await e.recommend({ k: 4 })).toEqual([]);
    const got = await e.recommend({ k: 4, fallback: 'popular' });
    const pop = await e.popular({ k: 4 });
    expect(got).toEqual(pop);
    // Ties keep catalogue order: the expected ids follow from the data alone.
    const want = items.map((it, i) => ({ id: it.id, s: Number(it.sales), i })).sort((a, b) => b.s - a.s || a.i - b.i).slice(0, 4).map((x) => x.id);
    expect(pop.map((r) => r.id)).toEqual(want);
    expect(pop[0]!.score).toBe(1);
    expect(pop.every((r) => r.source === 'popular' && r.because === undefined)).toBe(true);
  });

  it('fallback fills a row the rules leave short, without repeats', async () => {
    const got = await e.similar(items[3]!.id, { k: 10, minScore: 0.999, fallback: 'popular' });
    expect(got).toHaveLength(10);
    expect(new Set(got.map((r) => r.id)).size).toBe(10);
    expect(got.filter((r) => r.source === 'popular').length).toBeGreaterThan(0);
  });

  it('without popularity: popular() rejects NO_POPULARITY, the fallback warns once and stays short', async () => {
    const w: string[] = [];
    // The default model folder as if exported before popularity.json existed.
    const noCounts: Fetcher = async (url, onBytes) => {
      const bytes = await defaultFetcher(url, onBytes);
      if (!String(url).endsWith('hllm.json')) return bytes;
      const m = JSON.parse(new TextDecoder().decode(bytes)) as { files: Array<{ role: string }> };
      m.files = m.files.filter((x) => x.role !== 'popularity');
      return new TextEncoder().encode(JSON.stringify(m));
    };
    const f = createEngine({ warn: (m) => w.push(m), fetcher: noCounts });
    await f.init({ model: MODEL, catalog: items.slice(0, 50), backend: 'wasm', dtype: 'fp32', storage: 'memory' });
    const err = await f.popular().catch((x: unknown) => x);
    expect(err).toBeInstanceOf(HllmError);
    expect((err as HllmError).code).toBe('NO_POPULARITY');
    expect(await f.recommend({ fallback: 'popular' })).toEqual([]);
    expect(await f.recommend({ fallback: 'popular' })).toEqual([]);
    expect(w.filter((m) => m.includes("fallback 'popular'"))).toHaveLength(1);
    await f.dispose();
  });
});

describe('popularity precedence', () => {
  it("model counts (popularity.json) by default; popularityField wins over them", async () => {
    const counts = JSON.parse(readFileSync(`${MODEL}/popularity.json`, 'utf8')) as Record<string, number>;
    const a = createEngine();
    await a.init({ model: MODEL, catalog: items, backend: 'wasm', dtype: 'fp32', storage: 'memory' });
    const want = items.map((it, i) => ({ id: it.id, c: counts[it.id] ?? 0, i })).sort((x, y) => y.c - x.c || x.i - y.i).slice(0, 3);
    const got = await a.popular({ k: 3 });
    expect(got.map((r) => r.id)).toEqual(want.map((x) => x.id));
    expect(got.map((r) => r.score)).toEqual(want.map((x) => x.c / want[0]!.c));
    await a.dispose();
    const b = createEngine();
    await b.init({ model: MODEL, catalog: items, backend: 'wasm', dtype: 'fp32', storage: 'memory', popularityField: 'sales' });
    expect((await b.popular({ k: 1 }))[0]!.item.sales).toBe('100');
    await b.dispose();
  }, 120_000);
});
