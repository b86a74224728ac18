// pairedBootstrap: the point estimate is the plain relative difference, identical variants
// give a zero-width interval, the interval is reproducible for a seed, and it widens with the
// spread of per-user differences (resampling users, not pairs).
import { describe, expect, it } from 'vitest';
import { pairsFor, type EvalDataset } from './dataset.ts';
import { ndcg10Gain, pairedBootstrap } from './paired.ts';

describe('pairedBootstrap', () => {
  it('gives the relative difference of the means and a CI around it', () => {
    const users = [0, 1, 2, 3];
    const d = pairedBootstrap(users, [1, 1, 1, 1], [1, 1, 1, 1.4]);
    expect(d.rel).toBeCloseTo(0.1, 12);
    expect(d.lo).toBeLessThanOrEqual(d.rel);
    expect(d.hi).toBeGreaterThanOrEqual(d.rel);
    expect(d.lo).toBeGreaterThanOrEqual(0);
    expect(d.hi).toBeLessThanOrEqual(0.4 + 1e-12);
    expect(pairedBootstrap(users, [1, 1, 1, 1], [1, 1, 1, 1.4])).toEqual(d);
  });
  it('is exactly zero for identical variants', () => {
    expect(pairedBootstrap([0, 0, 1], [0.5, 0, 1], [0.5, 0, 1])).toEqual({ rel: 0, lo: 0, hi: 0 });
  });
  it('resamples users: one user\'s many pairs move together', () => {
    // The same +1 on 10 pairs, owned by one user vs by ten users.
    const a = new Array(20).fill(1);
    const b = [...new Array(10).fill(2), ...new Array(10).fill(1)];
    const oneUser = pairedBootstrap([...new Array(10).fill(0), ...Array.from({ length: 10 }, (_, i) => i + 1)], a, b);
    const tenUsers = pairedBootstrap(Array.from({ length: 20 }, (_, i) => i), a, b);
    expect(oneUser.rel).toBeCloseTo(tenUsers.rel, 12);
    expect(oneUser.hi - oneUser.lo).toBeGreaterThan(tenUsers.hi - tenUsers.lo);
  });
  it('refuses mismatched lengths', () => {
    expect(() => pairedBootstrap([0, 1], [1], [1, 1])).toThrow(RangeError);
  });
});

describe('ndcg10Gain and the last10 pair set', () => {
  it('scores rank 0 as 1, rank 9 as 1/log2(11), rank 10 as 0', () => {
    expect([ndcg10Gain(0), ndcg10Gain(9), ndcg10Gain(10)]).toEqual([1, 1 / Math.log2(11), 0]);
  });
  it('takes each user\'s last 10 positions with everything before as history', () => {
    const ds = { seqs: [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13], [5, 6, 7]] } as unknown as EvalDataset;
    const p = pairsFor(ds, 'last10');
    expect(p.filter((x) => x.user === 0).map((x) => x.target)).toEqual([13, 12, 11, 10, 9, 8, 7, 6, 5, 4]);
    expect(p.find((x) => x.user === 0 && x.target === 4)!.history).toEqual([1, 2, 3]);
    expect(p.filter((x) => x.user === 1)).toEqual([{ user: 1, history: [5, 6], target: 7 }]);
    expect(pairsFor(ds, 'test').map((x) => x.target)).toEqual([13, 7]);
  });
});
