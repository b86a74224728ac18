// Paired comparison of two variants ranked on the same pairs (e.g. int8 vs fp32 shards):
// per-pair NDCG@10 gains and a user-cluster bootstrap CI of the relative N@10 difference.
// Resampling users (all their pairs together) keeps a set with several pairs per user
// (dataset.ts 'last10') honest about how many independent users it really has.
// Pure; unit-tested.
import { rng } from './seeded-rng.ts';

/** The pair's NDCG@10 contribution: 1/log2(rank + 2) inside the top 10, else 0. */
export function ndcg10Gain(rank: number): number {
  return rank < 10 ? 1 / Math.log2(rank + 2) : 0;
}

export interface PairedDifference {
  /** (mean b − mean a) / mean a over all pairs. */
  rel: number;
  /** 95 % percentile-bootstrap interval of rel. */
  lo: number;
  hi: number;
}

/**
 * Relative difference of b's mean over a's, with a 95 % CI from resampling USERS.
 * `users[i]` owns pair i; `a[i]`, `b[i]` are its metric under each variant.
 *
 * @example
 * ```ts
 * const d = pairedBootstrap(pairs.map((p) => p.user), fp32.map(ndcg10Gain), int8.map(ndcg10Gain));
 * console.log(`${(100 * d.rel).toFixed(2)} % [${(100 * d.lo).toFixed(2)}, ${(100 * d.hi).toFixed(2)}]`);
 * ```
 */
export function pairedBootstrap(users: readonly number[], a: readonly number[], b: readonly number[], resamples = 2000, seed = 7): PairedDifference {
  if (a.length !== users.length || b.length !== users.length) throw new RangeError(`pairedBootstrap: ${users.length} users, ${a.length} and ${b.length} values`);
  const at = new Map<number, number>();
  const sa: number[] = [];
  const sb: number[] = [];
  users.forEach((u, i) => {
    let g = at.get(u);
    if (g === undefined) { at.set(u, (g = sa.length)); sa.push(0); sb.push(0); }
    sa[g]! += a[i]!;
    sb[g]! += b[i]!;
  });
  const ta = sa.reduce((x, y) => x + y, 0);
  const tb = sb.reduce((x, y) => x + y, 0);
  const rnd = rng(seed);
  const draws: number[] = [];
  for (let k = 0; k < resamples; k++) {
    let xa = 0;
    let xb = 0;
    for (let j = 0; j < sa.length; j++) { const g = Math.floor(rnd() * sa.length); xa += sa[g]!; xb += sb[g]!; }
    draws.push(xa > 0 ? (xb - xa) / xa : 0);
  }
  draws.sort((x, y) => x - y);
  return { rel: ta > 0 ? (tb - ta) / ta : 0, lo: draws[Math.floor(0.025 * resamples)]!, hi: draws[Math.ceil(0.975 * resamples) - 1]! };
}
