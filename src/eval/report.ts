// Text tables and the parity comparison for the eval CLI. Pure formatting/arithmetic.
import { KS, type Metrics } from './metrics.ts';

export const METRIC_KEYS = KS.flatMap((k) => [`R@${k}`, `N@${k}`]);

/** One table: a row per method, a column per metric. Missing values print as '—'. */
export function table(title: string, rows: Array<[string, Metrics | undefined]>): string {
  const w = Math.max(12, ...rows.map(([n]) => n.length));
  const head = `${'method'.padEnd(w)} ${METRIC_KEYS.map((k) => k.padStart(7)).join(' ')}   users`;
  const lines = rows.map(([name, m]) => {
    const cells = METRIC_KEYS.map((k) => (typeof m?.[k] === 'number' ? m[k]!.toFixed(4) : '—').padStart(7)).join(' ');
    return `${name.padEnd(w)} ${cells}   ${m?.users ?? '—'}`;
  });
  return [title, head, '-'.repeat(head.length), ...lines].join('\n');
}

/** |a - b| / |b|; 0 when both are 0, Infinity when only b is. */
function relDiff(a: number, b: number): number {
  if (a === b) return 0;
  return b === 0 ? Infinity : Math.abs(a - b) / Math.abs(b);
}

export interface Parity {
  maxRelDiff: number;
  perMetric: Record<string, { ts: number; ref: number; rel: number }>;
  /** Users whose target rank differs between the two evaluations. */
  rankMismatches: number;
  users: number;
  pass: boolean;
}

export function compareWith(ts: Metrics, ref: Metrics, tsRanks: Array<{ user: string; rank: number }>, refRanks: Array<{ user: string; rank: number }> | undefined, tolerance = 0.01): Parity {
  const perMetric: Parity['perMetric'] = {};
  for (const k of METRIC_KEYS) perMetric[k] = { ts: ts[k]!, ref: ref[k]!, rel: relDiff(ts[k]!, ref[k]!) };
  const maxRelDiff = Math.max(...Object.values(perMetric).map((v) => v.rel));
  let rankMismatches = 0;
  if (refRanks) {
    const byUser = new Map(refRanks.map((r) => [r.user, r.rank]));
    for (const r of tsRanks) if (byUser.get(r.user) !== r.rank) rankMismatches++;
  }
  const sameUsers = ts.users === ref.users;
  return { maxRelDiff, perMetric, rankMismatches, users: tsRanks.length, pass: sameUsers && maxRelDiff <= tolerance };
}
