// Left padding and length bucketing of item-encoder batches.
import { describe, expect, it } from 'vitest';
import { lengthBuckets, padLeft } from './encoders.ts';

describe('batching', () => {
  it('left-pads with pad id and mask 0, item token last', () => {
    const { ids, mask, T } = padLeft([[2, 5, 3], [2, 3]], 0);
    expect(T).toBe(3);
    expect(Array.from(ids, Number)).toEqual([2, 5, 3, 0, 2, 3]);
    expect(Array.from(mask, Number)).toEqual([1, 1, 1, 0, 1, 1]);
  });
  it('buckets by length, stable, covering every row once', () => {
    const rows = [[1, 1, 1], [1], [1, 1], [1], [1, 1, 1, 1]];
    const b = lengthBuckets(rows, 2);
    expect(b).toEqual([[1, 3], [2, 0], [4]]);
    expect(b.flat().sort()).toEqual([0, 1, 2, 3, 4]);
  });
});
