// The rule walker: consumes a ranking best-first and applies filter / minScore /
// maxPerGroup+groupBy / boost while walking, so k results come back whenever k items pass.
// The ranking is asked for its top n rows (exclusions and the history are masked there), n
// growing ×4 only while too few candidates passed: no rules costs one top-k, a selective filter
// a few growing top-n passes, never a materialised catalogue unless it is exhausted.
// Pure; unit-tested through the engine.
import { HllmError } from '../../errors.ts';
import type { CatalogItem, RuleCallbacks, RuleOptions } from '../../protocol.ts';

/** One ranked row: exact score, best first (ties: lower row first). */
export interface Ranked {
  index: number;
  score: number;
}

/** The best n rows of a ranking, sorted; fewer than n means the ranking is exhausted. */
export type RankSource = (n: number) => Promise<Ranked[]>;

export interface Picked {
  index: number;
  /** The (boosted) score. */
  score: number;
  item: CatalogItem;
}

/** Rules in batch form, as the walker calls them. */
export interface BatchRules {
  filter?: (items: CatalogItem[]) => Promise<boolean[]> | boolean[];
  boost?: (items: CatalogItem[], scores: number[]) => Promise<number[]> | number[];
  boostPool?: number;
  minScore?: number;
  maxPerGroup?: number;
  groupBy?: string;
}

/** Items per filter/boost call: few enough to keep one cross-thread message small. */
const RULE_BATCH = 256;

/** Checks rule options and turns filter/boost functions (or RuleCallbacks) into batch calls. */
export function batchRules(o: RuleOptions, callbacks?: RuleCallbacks): BatchRules {
  if (o.filter !== undefined && typeof o.filter !== 'function') throw new HllmError('INVALID_OPTIONS', "'filter' must be a function (item) => boolean.");
  if (o.boost !== undefined && typeof o.boost !== 'function') throw new HllmError('INVALID_OPTIONS', "'boost' must be a function (item, score) => number.");
  if (o.minScore !== undefined && !Number.isFinite(o.minScore)) throw new HllmError('INVALID_OPTIONS', "'minScore' must be a finite number.");
  if (o.maxPerGroup !== undefined && (!Number.isInteger(o.maxPerGroup) || o.maxPerGroup < 1)) throw new HllmError('INVALID_OPTIONS', "'maxPerGroup' must be an integer ≥ 1.");
  if (o.maxPerGroup !== undefined && (typeof o.groupBy !== 'string' || o.groupBy === '')) throw new HllmError('INVALID_OPTIONS', "'maxPerGroup' needs 'groupBy', the catalogue field to group by (e.g. 'genres').");
  if (o.boostPool !== undefined && (!Number.isInteger(o.boostPool) || o.boostPool < 1)) throw new HllmError('INVALID_OPTIONS', "'boostPool' must be an integer ≥ 1.");
  if (o.exclude !== undefined && !Array.isArray(o.exclude)) throw new HllmError('INVALID_OPTIONS', "'exclude' must be an array of item ids.");
  const f = o.filter;
  const b = o.boost;
  return {
    filter: callbacks?.filter ? (items) => callbacks.filter!(items) : f ? (items) => items.map((it) => f(it) === true) : undefined,
    boost: callbacks?.boost ? (items, s) => callbacks.boost!(items, s) : b ? (items, s) => items.map((it, i) => b(it, s[i]!)) : undefined,
    boostPool: o.boostPool, minScore: o.minScore, maxPerGroup: o.maxPerGroup, groupBy: o.groupBy,
  };
}

/** The group values of an item: each array entry, or the comma-separated parts of a text. */
function groupValues(item: CatalogItem, field: string): string[] {
  const v = item[field];
  if (v === null || v === undefined) return [];
  const parts = Array.isArray(v) ? v.map(String) : String(v).split(',');
  return [...new Set(parts.map((p) => p.trim()).filter((p) => p !== ''))];
}

/** maxPerGroup bookkeeping; shared by a ranking and its popular fill so the cap holds for the whole row. */
export class GroupCaps {
  private readonly counts = new Map<string, number>();
  constructor(private readonly cap?: number, private readonly field?: string) {}

  /** Takes the item if every one of its groups is under the cap. */
  take(item: CatalogItem): boolean {
    if (this.cap === undefined || this.field === undefined) return true;
    const g = groupValues(item, this.field);
    if (g.some((x) => (this.counts.get(x) ?? 0) >= this.cap!)) return false;
    for (const x of g) this.counts.set(x, (this.counts.get(x) ?? 0) + 1);
    return true;
  }
}

/** Candidates passing the filter, in ranking order, fetched from the source as needed. */
class Passing {
  private buf: Ranked[] = [];
  private pos = 0;
  private asked: number;
  private done = false;
  private queue: Picked[] = [];

  constructor(private readonly source: RankSource, first: number, private readonly itemOf: (row: number) => CatalogItem, private readonly filter?: BatchRules['filter']) {
    this.asked = Math.max(1, first);
  }

  private async raw(): Promise<Ranked[]> {
    if (this.pos >= this.buf.length) {
      if (this.done) return [];
      // A prefix of top-(4n) is top-n (a total order), so only the new tail is walked.
      this.buf = await this.source(this.asked);
      if (this.buf.length < this.asked) this.done = true;
      this.asked *= 4;
      if (this.pos >= this.buf.length) return [];
    }
    const out = this.buf.slice(this.pos, this.pos + RULE_BATCH);
    this.pos += out.length;
    return out;
  }

  /** Up to n more passing candidates ([] once the ranking is exhausted). */
  async take(n: number): Promise<Picked[]> {
    while (this.queue.length < n) {
      const batch = await this.raw();
      if (batch.length === 0) break;
      const items = batch.map((r) => this.itemOf(r.index));
      const keep = this.filter ? await this.filter(items) : null;
      if (keep && (!Array.isArray(keep) || keep.length !== items.length)) throw new HllmError('INVALID_OPTIONS', `'filter' callbacks must return one boolean per item (${items.length}).`);
      batch.forEach((r, i) => { if (!keep || keep[i] === true) this.queue.push({ index: r.index, score: r.score, item: items[i]! }); });
    }
    return this.queue.splice(0, n);
  }
}

/**
 * Walks `source` best-first and returns up to k picks passing every rule. Without boost the
 * walk stops at the first score under minScore (scores only fall). With boost, the best
 * `boostPool` passing candidates (default max(200, 20·k)) are re-scored and ordered by the
 * boosted score (ties: ranking order); candidates past the pool follow unboosted, in ranking
 * order, only if the pool cannot fill k.
 */
export async function walkRanking(source: RankSource, k: number, rules: BatchRules, itemOf: (row: number) => CatalogItem, caps: GroupCaps): Promise<Picked[]> {
  const out: Picked[] = [];
  if (k <= 0) return out;
  const simple = !rules.filter && !rules.boost && rules.maxPerGroup === undefined;
  const pool = rules.boost ? rules.boostPool ?? Math.max(200, 20 * k) : 0;
  const first = simple ? k : rules.boost ? pool + k : Math.max(4 * k, 128);
  const passing = new Passing(source, first, itemOf, rules.filter);
  const min = rules.minScore;
  if (rules.boost) {
    const cands = await passing.take(pool);
    for (let s = 0; s < cands.length; s += RULE_BATCH) {
      const part = cands.slice(s, s + RULE_BATCH);
      const boosted = await rules.boost(part.map((c) => c.item), part.map((c) => c.score));
      if (!Array.isArray(boosted) || boosted.length !== part.length || boosted.some((x) => typeof x !== 'number' || !Number.isFinite(x))) {
        throw new HllmError('INVALID_OPTIONS', "'boost' must return a finite number for every item.");
      }
      part.forEach((c, i) => { c.score = boosted[i]!; });
    }
    // Array.prototype.sort is stable: equal boosted scores keep the ranking order.
    cands.sort((a, b) => b.score - a.score);
    for (const c of cands) {
      if (out.length >= k) return out;
      if (min !== undefined && c.score < min) break;
      if (caps.take(c.item)) out.push(c);
    }
    if (cands.length < pool) return out;
  }
  while (out.length < k) {
    // Without rules every candidate is taken: ask for exactly what is missing, as a larger take
    // would grow the source's top-K (10 → 40 → 160 → 640: four full scans of a 1M catalogue).
    const batch = await passing.take(simple ? k - out.length : RULE_BATCH);
    if (batch.length === 0) break;
    for (const c of batch) {
      if (min !== undefined && c.score < min) return out;
      if (caps.take(c.item)) out.push(c);
      if (out.length >= k) break;
    }
  }
  return out;
}
