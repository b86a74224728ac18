// normalize and cosine, the vector helpers the engine, the evaluation and the sessions share.
import { describe, expect, it } from 'vitest';
import { cosine, normalize } from './vector-math.ts';

describe('ranking helpers', () => {
  it('normalises to unit length and keeps the direction', () => {
    const n = normalize(new Float32Array([3, 4]));
    expect(Array.from(n)).toEqual([Math.fround(0.6), Math.fround(0.8)]);
    expect(cosine(n, [3, 4])).toBeCloseTo(1, 6);
  });
  it('normalises zero vectors to zero', () => {
    expect(Array.from(normalize(new Float32Array(3)))).toEqual([0, 0, 0]);
  });
  it('gives the cosine, and 0 when either vector is zero', () => {
    expect(cosine([1, 0], [3, 4])).toBeCloseTo(0.6, 12);
    expect(cosine([1, 0], [-2, 0])).toBeCloseTo(-1, 12);
    expect(cosine([0, 0], [1, 1])).toBe(0);
  });
});
