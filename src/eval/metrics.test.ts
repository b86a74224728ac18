// Unit tests of the ranking semantics shared with models/evaluate.py and of the
// leave-one-out loader on a tiny CSV data set written here.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDataset, pairsFor, trainSplit } from './dataset.ts';
import { metricsFromRanks, popularityScores, rankTarget } from './metrics.ts';

describe('rankTarget', () => {
  it('counts ties against the model and ignores padding, history and the target', () => {
    const scores = [99, 0.5, 0.9, 0.5, 0.7, 0.5];
    expect(rankTarget(scores, { user: 0, history: [], target: 1 })).toBe(4); // 2, 3, 4, 5 score >= 0.5
    expect(rankTarget(scores, { user: 0, history: [2, 3], target: 1 })).toBe(2);
    expect(rankTarget(scores, { user: 0, history: [1], target: 2 })).toBe(0);
  });

  it('gives a collapsed model (all scores equal) the worst rank', () => {
    expect(rankTarget(new Array(11).fill(0.3), { user: 0, history: [1], target: 5 })).toBe(8);
  });
});

describe('metricsFromRanks', () => {
  it('computes Recall@K and NDCG@K', () => {
    const m = metricsFromRanks([0, 1, 9, 10, 300]);
    expect(m['R@5']).toBeCloseTo(2 / 5);
    expect(m['R@10']).toBeCloseTo(3 / 5);
    expect(m['R@50']).toBeCloseTo(4 / 5);
    expect(m['N@10']).toBeCloseTo((1 + 1 / Math.log2(3) + 1 / Math.log2(11)) / 5);
    expect(m.users).toBe(5);
  });
});

describe('popularityScores', () => {
  it('adds index * 1e-9 in float32 like torch, so the tie-break vanishes once counts are >= 1', () => {
    const s = popularityScores([[1, 2, 2], [3, 1]], 4);
    // torch: zeros(5) + arange(5) * 1e-9 -> [0, 2, 2, 1, 4e-9]; 2 + 2e-9 rounds to 2 in float32.
    expect(Array.from(s)).toEqual([0, 2, 2, 1, Math.fround(4e-9)]);
    expect(s[4]! > s[0]!).toBe(true);
  });
});

describe('loadDataset + leave-one-out', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hllm-ds-'));
  writeFileSync(join(dir, 'items.csv'), 'item_id,title,genres\na, A ,x\nb,B,\nc,"C, the",y\nd,D,z\n');
  writeFileSync(join(dir, 'interactions.csv'), [
    'item_id,user_id,timestamp',
    'c,u1,5', 'a,u1,5', 'b,u1,1', 'zz,u1,2', 'd,u1,9', // ties at 5 keep file order: c before a
    'a,u2,1', 'b,u2,2',
    'd,u3,3', 'a,u3,1', 'b,u3,2',
  ].join('\n'));
  const ds = loadDataset(dir);

  it('indexes items from 1, strips values and skips unknown items', () => {
    expect(ds.itemIds).toEqual(['', 'a', 'b', 'c', 'd']);
    expect(ds.items[1]).toEqual({ title: 'A', genres: 'x' });
    expect(ds.missing).toBe(1);
  });

  it('sorts stably by timestamp and splits like dataset.py', () => {
    expect(ds.users).toEqual(['u1', 'u2', 'u3']);
    expect(ds.seqs).toEqual([[2, 3, 1, 4], [1, 2], [1, 2, 4]]);
    expect(pairsFor(ds, 'test')).toEqual([{ user: 0, history: [2, 3, 1], target: 4 }, { user: 2, history: [1, 2], target: 4 }]);
    expect(pairsFor(ds, 'valid')[0]).toEqual({ user: 0, history: [2, 3], target: 1 });
    expect(trainSplit(ds)).toEqual([[2, 3]]);
  });
});
