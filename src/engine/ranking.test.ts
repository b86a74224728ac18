// Top-K by cosine with a min-heap, checked against a brute-force sort (property test).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cosine, mostSimilar, normalize, topK } from './ranking.ts';

function brute(m: Float32Array, dim: number, q: Float32Array, k: number, mask?: Uint8Array) {
  const rows = m.length / dim;
  const all = [];
  for (let r = 0; r < rows; r++) {
    if (mask?.[r]) continue;
    let s = 0;
    for (let i = 0; i < dim; i++) s += m[r * dim + i]! * q[i]!;
    all.push({ index: r, score: s });
  }
  return all.sort((a, b) => b.score - a.score || a.index - b.index).slice(0, k);
}

describe('ranking', () => {
  it('matches brute force for random matrices, k and masks', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 70 }), fc.integer(), (dim, n, k, seed) => {
        let x = seed >>> 0 || 1;
        const rnd = () => ((x = (x * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
        const m = new Float32Array(n * dim).map(() => Math.round(rnd() * 4) / 4); // many ties
        const q = new Float32Array(dim).map(() => rnd());
        const mask = new Uint8Array(n).map(() => (rnd() > 0.6 ? 1 : 0));
        expect(topK(m, dim, q, k, mask)).toEqual(brute(m, dim, q, k, mask));
      }),
      { numRuns: 300 },
    );
  });
  it('returns cosine scores for normalised inputs', () => {
    const a = new Float32Array([3, 4]);
    const m = new Float32Array([...normalize(new Float32Array([1, 0])), ...normalize(new Float32Array([3, 4]))]);
    const r = topK(m, 2, normalize(a), 2);
    expect(r[0]!.index).toBe(1);
    expect(r[0]!.score).toBeCloseTo(1, 6);
    expect(r[1]!.score).toBeCloseTo(cosine(a, [1, 0]), 6);
  });
  it('normalises zero vectors to zero and handles k = 0', () => {
    expect(Array.from(normalize(new Float32Array(3)))).toEqual([0, 0, 0]);
    expect(topK(new Float32Array([1, 0]), 2, new Float32Array([1, 0]), 0)).toEqual([]);
  });
  it('finds the most similar candidate', () => {
    const m = new Float32Array([1, 0, 0, 1, 0.8, 0.6]);
    expect(mostSimilar(m, 2, 2, [0, 1])!.index).toBe(0);
    expect(mostSimilar(m, 2, 2, [])).toBeUndefined();
  });
});
