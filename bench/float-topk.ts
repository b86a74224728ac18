// The float32 top-K baseline the benchmarks time the engine's kernel against: a contiguous
// Float32Array of L2-normalised rows, dot products and a size-K min-heap (O(N log K)), plus
// the "because" lookup over float rows. The engine itself ranks with the int8 kernel
// (src/engine/index/vector-table.ts), so this lives with the benches, not in src/.
// Pure.
import type { Scored } from '../src/vectors/vector-math.ts';

/** Dot product of q with row r of a row-major matrix. */
function dotRow(m: Float32Array, dim: number, r: number, q: Float32Array): number {
  let s = 0;
  const o = r * dim;
  for (let i = 0; i < dim; i++) s += m[o + i]! * q[i]!;
  return s;
}

/**
 * Top-k rows of `normed` (N × dim, normalised) by dot product with `query` (normalised),
 * skipping rows where masked[row] is 1. Sorted best first; ties → lower index first.
 */
export function topK(normed: Float32Array, dim: number, query: Float32Array, k: number, masked?: Uint8Array): Scored[] {
  const n = dim === 0 ? 0 : normed.length / dim;
  if (k <= 0) return [];
  // Min-heap on (score, -index): the root is the worst kept entry.
  const hs = new Float64Array(k);
  const hi = new Int32Array(k);
  let size = 0;
  const worse = (a: number, b: number) => hs[a]! < hs[b]! || (hs[a] === hs[b] && hi[a]! > hi[b]!);
  const swap = (a: number, b: number) => {
    const s = hs[a]!; hs[a] = hs[b]!; hs[b] = s;
    const t = hi[a]!; hi[a] = hi[b]!; hi[b] = t;
  };
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < size && worse(l, m)) m = l;
      if (r < size && worse(r, m)) m = r;
      if (m === i) return;
      swap(i, m);
      i = m;
    }
  };
  for (let row = 0; row < n; row++) {
    if (masked && masked[row]) continue;
    const s = dotRow(normed, dim, row, query);
    if (size < k) {
      hs[size] = s;
      hi[size] = row;
      let i = size++;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!worse(i, p)) break;
        swap(i, p);
        i = p;
      }
    } else if (s > hs[0]!) {
      hs[0] = s;
      hi[0] = row;
      down(0);
    }
  }
  const out: Scored[] = [];
  for (let i = 0; i < size; i++) out.push({ index: hi[i]!, score: hs[i]! });
  return out.sort((a, b) => b.score - a.score || a.index - b.index);
}

/** The row among `candidates` most similar to row `target` (the "because" item). */
export function mostSimilar(normed: Float32Array, dim: number, target: number, candidates: readonly number[]): Scored | undefined {
  let best: Scored | undefined;
  const q = normed.subarray(target * dim, (target + 1) * dim);
  for (const c of candidates) {
    const s = dotRow(normed, dim, c, q);
    if (!best || s > best.score) best = { index: c, score: s };
  }
  return best;
}
