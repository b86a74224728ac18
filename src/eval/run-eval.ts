// Evaluates one model variant THROUGH THE TYPESCRIPT ENGINE: createEngine() loads and
// verifies the model folder, builds item text, tokenises and encodes the whole catalogue
// with the item encoder, and embeds each test user with the user encoder (embedUser, the
// same path recommend() takes), all on onnxruntime-web's WASM backend. Only the scoring
// is done here, because the metric needs the target's full rank, not a top-K.
import { createEngine, type CatalogItem, type Dtype, type Progress } from '../index.ts';
import { normalize } from '../vectors/vector-math.ts';
import { pairsFor, trainSplit, type EvalDataset, type Pair, type PairSet } from './dataset.ts';
import { metricsFromRanks, popularityScores, rankTarget, type Metrics } from './metrics.ts';

export interface EvalOptions {
  model: string;
  dtype: Dtype;
  /** Evaluate only the first N test users (file order of first appearance). */
  limitUsers?: number;
  /** Which pairs to rank (dataset.ts); default the test split. */
  split?: PairSet;
  threads?: number;
  batchSize?: number;
  onProgress?: (phase: 'encode' | 'users', done: number, total: number) => void;
}

export interface VariantResult {
  dtype: Dtype;
  backend: string;
  reason: string;
  items: number;
  metrics: Metrics;
  /** Per evaluated user: external user id and the target's 0-based rank. */
  ranks: Array<{ user: string; rank: number }>;
  timings: { initMs: number; usersMs: number };
}

/** The pairs of `split` (default test) of the first `limitUsers` users that have any. */
export function testPairs(ds: EvalDataset, limitUsers?: number, split: PairSet = 'test'): Pair[] {
  const pairs = pairsFor(ds, split);
  if (limitUsers === undefined || limitUsers <= 0) return pairs;
  const keep = new Set<number>();
  for (const p of pairs) { if (keep.size >= limitUsers && !keep.has(p.user)) break; keep.add(p.user); }
  return pairs.filter((p) => keep.has(p.user));
}

export function catalogItems(ds: EvalDataset): CatalogItem[] {
  return ds.itemIds.slice(1).map((id, i) => ({ ...ds.items[i + 1], id }));
}

export function popularityMetrics(ds: EvalDataset, pairs: Pair[]): Metrics {
  const scores = popularityScores(trainSplit(ds), ds.itemIds.length - 1);
  return metricsFromRanks(pairs.map((p) => rankTarget(scores, p)));
}

/**
 * Ranks each pair's target among all items (rows 1..N of `normed`, row 0 padding) by the
 * cosine with its user vector, as models/evaluate.py does.
 */
export async function rankPairs(ds: EvalDataset, pairs: Pair[], normed: Float32Array, dim: number, userOf: (p: Pair) => Promise<Float32Array>, onProgress?: EvalOptions['onProgress']): Promise<VariantResult['ranks']> {
  const n = ds.itemIds.length - 1;
  const scores = new Float64Array(n + 1);
  const ranks: VariantResult['ranks'] = [];
  for (const [k, p] of pairs.entries()) {
    const u = normalize(await userOf(p));
    for (let i = 1; i <= n; i++) {
      let s = 0;
      const off = i * dim;
      for (let j = 0; j < dim; j++) s += normed[off + j]! * u[j]!;
      // Round to float32 like the reference (torch float32 matmul) so exact ties stay ties.
      scores[i] = Math.fround(s);
    }
    ranks.push({ user: ds.users[p.user]!, rank: rankTarget(scores, p) });
    onProgress?.('users', k + 1, pairs.length);
  }
  return ranks;
}

export async function evaluateVariant(ds: EvalDataset, o: EvalOptions): Promise<VariantResult> {
  const pairs = testPairs(ds, o.limitUsers, o.split);
  const engine = createEngine({ warn: () => undefined });
  const t0 = performance.now();
  try {
    const info = await engine.init(
      { model: o.model, catalog: catalogItems(ds), backend: 'wasm', dtype: o.dtype, storage: 'memory', threads: o.threads, batchSize: o.batchSize },
      (p: Progress) => { if (p.phase === 'encode') o.onProgress?.('encode', p.done, p.total); },
    );
    const n = ds.itemIds.length - 1;
    const dim = info.dim;
    // Row 0 is padding: a zero vector that rankTarget never counts.
    const normed = new Float32Array((n + 1) * dim);
    for (let i = 1; i <= n; i++) normed.set(normalize(await engine.itemVector(ds.itemIds[i]!)), i * dim);
    const initMs = performance.now() - t0;

    const t1 = performance.now();
    const ranks = await rankPairs(ds, pairs, normed, dim, (p) => engine.embedUser(p.history.map((i) => ds.itemIds[i]!)), o.onProgress);
    return {
      dtype: info.dtype, backend: info.backend, reason: info.reason, items: info.items,
      metrics: metricsFromRanks(ranks.map((r) => r.rank)), ranks,
      timings: { initMs, usersMs: performance.now() - t1 },
    };
  } finally {
    await engine.dispose();
  }
}
