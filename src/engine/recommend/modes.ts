// recommend() (history or seeds), similar() and popular() with their rules and the 'popular'
// fallback, on top of the engine's catalogue index: builds the mask (exclusions, history,
// seeds), the ranking source, walks it with the rules (rules.ts) and fills short rows with
// popular items. Kept out of engine.ts, which owns loading, storage and the encoders.
import { HllmError } from '../../errors.ts';
import type { CatalogItem, PopularOptions, Recommendation, RecommendationSource, RecommendOptions, RuleOptions, SimilarOptions } from '../../protocol.ts';
import type { CatalogIndex } from '../index/catalog-index.ts';
import type { Popularity } from './popularity.ts';
import { batchRules, GroupCaps, walkRanking, type BatchRules, type Picked } from './rules.ts';

/** What the modes need from the engine. */
export interface ModeContext {
  index: CatalogIndex;
  maxHistory: number;
  /** Catalogue rows of every stored history event, oldest first. */
  historyRows(): number[];
  userVector(rows: number[]): Promise<Float32Array>;
  /** Popularity of this catalogue, or null when neither a field nor model counts exist. */
  popularity(): Popularity | null;
  /** Says once that the 'popular' fallback has nothing to fill with. */
  warnNoPopularity(): void;
}

function checkK(k: unknown): number {
  const n = k ?? 10;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new HllmError('INVALID_OPTIONS', "'k' must be a non-negative integer.");
  return n;
}

function checkFallback(f: unknown): 'popular' | 'none' {
  if (f === undefined || f === 'none' || f === 'popular') return f ?? 'none';
  throw new HllmError('INVALID_OPTIONS', "'fallback' must be 'popular' or 'none'.");
}

function rowOrThrow(index: CatalogIndex, id: string): number {
  const r = index.rowOf(String(id));
  if (r === undefined) throw new HllmError('UNKNOWN_ITEM', `item '${id}' is not in the catalogue; pass an id from the catalogue (or add it with setCatalog()).`, { itemId: id });
  return r;
}

function baseMask(index: CatalogIndex, o: RuleOptions, rows: Iterable<number>): Uint8Array {
  const masked = new Uint8Array(index.size);
  for (const r of rows) masked[r] = 1;
  for (const id of o.exclude ?? []) { const r = index.rowOf(String(id)); if (r !== undefined) masked[r] = 1; }
  return masked;
}

interface Run {
  k: number;
  rules: BatchRules;
  caps: GroupCaps;
  masked: Uint8Array;
}

function prepare(ctx: ModeContext, o: RuleOptions & { k?: number }, maskRows: Iterable<number>): Run {
  const k = checkK(o.k);
  const rules = batchRules(o, o.callbacks);
  return { k, rules, caps: new GroupCaps(rules.maxPerGroup, rules.groupBy), masked: baseMask(ctx.index, o, maskRows) };
}

const itemOf = (ctx: ModeContext) => (r: number): CatalogItem => ctx.index.item(r);

async function byVector(ctx: ModeContext, run: Run, query: Float32Array): Promise<Picked[]> {
  const t = ctx.index.table;
  return walkRanking((n) => t.topK(query, n, run.masked), run.k, run.rules, itemOf(ctx), run.caps);
}

/** Popular picks passing the run's rules, leaving out `taken`; boost/minScore only when `scored`. */
async function byPopularity(ctx: ModeContext, pop: Popularity, run: Run, k: number, taken: Picked[], scored: boolean): Promise<Recommendation[]> {
  const masked = run.masked.slice();
  for (const p of taken) masked[p.index] = 1;
  const rules: BatchRules = scored ? run.rules : { filter: run.rules.filter, maxPerGroup: run.rules.maxPerGroup, groupBy: run.rules.groupBy };
  const picks = await walkRanking(async (n) => pop.top(n, masked), k, rules, itemOf(ctx), run.caps);
  return picks.map((p) => ({ id: ctx.index.id(p.index), score: p.score, item: p.item, source: 'popular' as const }));
}

/** Fills a short row with popular items when asked; degrades to no fill (one warning) without popularity. */
async function fill(ctx: ModeContext, run: Run, fallback: 'popular' | 'none', got: Recommendation[], picks: Picked[]): Promise<Recommendation[]> {
  if (fallback !== 'popular' || got.length >= run.k) return got;
  let pop: Popularity | null = null;
  try { pop = ctx.popularity(); } catch (e) { if (!(e instanceof HllmError && e.code === 'NO_POPULARITY')) throw e; }
  if (!pop) { ctx.warnNoPopularity(); return got; }
  return got.concat(await byPopularity(ctx, pop, run, run.k - got.length, picks, false));
}

/** recommend(): from the history ('for-you') or from `seeds` ('seeds'), with rules and fallback. */
export async function recommendMode(ctx: ModeContext, o: RecommendOptions = {}): Promise<Recommendation[]> {
  const fallback = checkFallback(o.fallback);
  if (o.seeds !== undefined && !Array.isArray(o.seeds)) throw new HllmError('INVALID_OPTIONS', "'seeds' must be an array of item ids, oldest first.");
  const seedRows = o.seeds?.map((id) => rowOrThrow(ctx.index, id));
  const source: RecommendationSource = seedRows ? 'seeds' : 'for-you';
  // Seeds: the stored history is neither read nor masked; the seeds themselves are left out.
  const all = seedRows ?? ctx.historyRows();
  const run = prepare(ctx, o, seedRows ?? (o.includeHistory ? [] : all));
  if (run.k === 0) return [];
  const rows = all.slice(-ctx.maxHistory);
  let picks: Picked[] = [];
  let got: Recommendation[] = [];
  if (rows.length > 0) {
    picks = await byVector(ctx, run, await ctx.userVector(rows));
    const t = ctx.index.table;
    const uniq = [...new Set(rows)];
    const liked = uniq.map((r) => t.normed(r));
    got = picks.map((p) => {
      // because = the history (seed) item closest to this one (exact score, first on ties).
      const b = uniq.reduce((best, r, j) => { const sc = t.exactScore(p.index, liked[j]!); return sc > best.score ? { index: r, score: sc } : best; }, { index: -1, score: -Infinity });
      const likedItem = ctx.index.item(b.index);
      return { id: ctx.index.id(p.index), score: p.score, item: p.item, because: { id: likedItem.id, score: b.score, item: likedItem }, source };
    });
  }
  return fill(ctx, run, fallback, got, picks);
}

/** similar(): the items nearest to one item ('similar'), with rules and fallback. */
export async function similarMode(ctx: ModeContext, itemId: string, options: number | SimilarOptions = {}): Promise<Recommendation[]> {
  const o: SimilarOptions = typeof options === 'number' ? { k: options } : options ?? {};
  const fallback = checkFallback(o.fallback);
  const i = rowOrThrow(ctx.index, itemId);
  const run = prepare(ctx, o, [i]);
  if (run.k === 0) return [];
  const seed = ctx.index.item(i);
  const picks = await byVector(ctx, run, ctx.index.table.normed(i));
  // because = the seed, so a page can say "like X" without looking X up.
  const got = picks.map((p) => ({ id: ctx.index.id(p.index), score: p.score, item: p.item, because: { id: seed.id, score: p.score, item: seed }, source: 'similar' as const }));
  return fill(ctx, run, fallback, got, picks);
}

/** popular(): the most popular items with rules; NO_POPULARITY without a field or counts. */
export async function popularMode(ctx: ModeContext, o: PopularOptions = {}): Promise<Recommendation[]> {
  const run = prepare(ctx, o, o.includeHistory === false ? ctx.historyRows() : []);
  const pop = ctx.popularity();
  if (!pop) {
    throw new HllmError('NO_POPULARITY', 'popular() needs popularity: set popularityField to a numeric catalogue field, or use a model folder that ships interaction counts (hllm.json file of role \'popularity\').');
  }
  if (run.k === 0) return [];
  return byPopularity(ctx, pop, run, run.k, [], true);
}
