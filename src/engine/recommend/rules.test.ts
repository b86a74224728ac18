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

const MODEL = 'public/models/default';
// Group fields: `genres` is a comma list ("Comedy, Romance": one group per value); `shelf` holds the
// same genres as an array, and is missing on every 7th item (such items are never capped).
const items: CatalogItem[] = parseCsv(readFileSync('public/catalogs/ml-latest-small/items.csv', 'utf8')).slice(0, 300)
  .map((it, i) => ({ ...it, sales: String((i * 37) % 101), ...(i % 7 ? { shelf: String(it.genres).split(', ') } : {}) }));

/** An item's groups as RuleOptions.groupBy defines them: each array entry or comma-separated part; none without the field. */
function groupsOf(item: CatalogItem, field: string): Set<string> {
  const v = item[field];
  if (v === undefined || v === null) return new Set();
  return new Set((Array.isArray(v) ? v.map(String) : String(v).split(',')).map((s) => s.trim()).filter((s) => s !== ''));
}

/**
 * The brute-force reference, written from the rules' documentation (docs/usage.md, RuleOptions)
 * over the full exact ranking (the engine's similar(k = all), no rules): drop excluded and
 * filtered-out items; with boost, the first boostPool of those are re-scored and ordered by the
 * boosted score (ties: ranking order), the others follow unboosted; drop (boosted) scores under
 * minScore; then walk in that order, taking an item while every one of its groups is under
 * maxPerGroup, until k are taken.
 */
function reference(full: Recommendation[], o: RuleOptions, k: number): Array<[string, number]> {
  const passing = full.filter((r) => !(o.exclude ?? []).includes(r.id) && (!o.filter || o.filter(r.item)))
    .map((r, rank) => ({ id: r.id, item: r.item, score: r.score, rank }));
  let order = passing;
  if (o.boost) {
    // The default pool is the engine's business: every generated rule set names its own.
    if (o.boostPool === undefined) throw new Error('reference: boost needs an explicit boostPool');
    const head = passing.slice(0, o.boostPool).map((x) => ({ ...x, score: o.boost!(x.item, x.score) }))
      .sort((a, b) => b.score - a.score || a.rank - b.rank);
    order = [...head, ...passing.slice(o.boostPool)];
  }
  const taken = new Map<string, number>();
  const out: Array<[string, number]> = [];
  for (const x of order) {
    if (out.length === k) break;
    if (o.minScore !== undefined && x.score < o.minScore) continue;
    const groups = o.maxPerGroup === undefined ? [] : [...groupsOf(x.item, o.groupBy!)];
    if (groups.some((g) => (taken.get(g) ?? 0) >= o.maxPerGroup!)) continue;
    for (const g of groups) taken.set(g, (taken.get(g) ?? 0) + 1);
    out.push([x.id, x.score]);
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
        group: fc.constantFrom('genres', 'shelf'),
        boost: fc.boolean(),
        pool: fc.integer({ min: 1, max: 30 }),
        excl: fc.array(fc.integer({ min: 0, max: 299 }), { maxLength: 5 }),
      }),
      async (p) => {
        const o: RuleOptions = {
          filter: (it) => Number(it.id) % p.mod === 0 || p.mod === 1,
          exclude: p.excl.map((i) => items[i]!.id),
          ...(p.min !== undefined ? { minScore: p.min } : {}),
          ...(p.cap !== undefined ? { maxPerGroup: p.cap, groupBy: p.group } : {}),
          ...(p.boost ? { boost: (it: CatalogItem, s: number) => (String(it.genres).includes('Comedy') ? s + 0.2 : s), boostPool: p.pool } : {}),
        };
        const got = (await e.similar(seed, { k: p.k, ...o })).map((r) => [r.id, r.score]);
        expect(got).toEqual(reference(full, o, p.k));
      },
    ), { numRuns: 150 });
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
