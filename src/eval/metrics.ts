// Ranking metrics with the reference semantics of models/evaluate.py: full ranking over
// every catalogue item, padding + history + the target itself masked, ties count AGAINST
// the model (rank = number of other unmasked items scoring >= the target).
// Pure.
import type { Pair } from './dataset.ts';

export const KS = [5, 10, 50, 200] as const;
export type Metrics = Record<string, number>;

/**
 * 0-based rank of the target. `score(i)` is called for item indices 1..n (index 0 is
 * padding and never counts).
 */
export function rankTarget(scores: ArrayLike<number>, pair: Pair): number {
  const masked = new Set(pair.history);
  masked.add(pair.target);
  const t = scores[pair.target]!;
  let rank = 0;
  for (let i = 1; i < scores.length; i++) if (scores[i]! >= t && !masked.has(i)) rank++;
  return rank;
}

export function metricsFromRanks(ranks: number[]): Metrics {
  const n = Math.max(ranks.length, 1);
  const out: Metrics = {};
  for (const k of KS) {
    out[`R@${k}`] = ranks.filter((r) => r < k).length / n;
    out[`N@${k}`] = ranks.reduce((a, r) => a + (r < k ? 1 / Math.log2(r + 2) : 0), 0) / n;
  }
  out.users = ranks.length;
  // One standard error of N@10 over users (evaluate.py standard_error), to judge noise.
  const vals = ranks.map((r) => (r < 10 ? 1 / Math.log2(r + 2) : 0));
  const mean = vals.reduce((a, b) => a + b, 0) / Math.max(vals.length, 1);
  out['N@10_se'] = Math.sqrt(vals.reduce((a, v) => a + (v - mean) ** 2, 0) / Math.max(vals.length - 1, 1) / Math.max(vals.length, 1));
  return out;
}

/**
 * Most-popular baseline (evaluate.py popularity_ranks): items scored by their count in
 * the training split plus index * 1e-9 as a deterministic tie-break. torch does this in
 * float32, so Math.fround reproduces its exact scores (and therefore its ties).
 */
export function popularityScores(train: number[][], nItems: number): Float32Array {
  const counts = new Float32Array(nItems + 1);
  for (const s of train) for (const i of s) counts[i] = counts[i]! + 1;
  const eps = Math.fround(1e-9);
  for (let i = 0; i <= nItems; i++) counts[i] = Math.fround(counts[i]! + Math.fround(Math.fround(i) * eps));
  return counts;
}
