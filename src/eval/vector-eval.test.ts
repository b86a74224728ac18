// `hllm eval --vectors`: ranking with a shard set's vectors. With fp32 stored vectors every
// test user's rank equals the engine's own evaluation (createEngine, vectors it encoded and
// keeps), which pins the shard path to the engine's; with int8 the set is written as int8
// (the rows differ from fp32) and a second run over the same folder encodes nothing; and
// int8 shards of the WASM default (q8) encoder keep N@10 within 1 % of fp32 shards, paired,
// over every user's last 10 positions (dataset.ts 'last10': 6,100 pairs, because on the
// 610-pair test split one user is ~1.2 % of N@10; bench/int8-quality.ts has all the numbers).
// Real model files, real ORT (WASM), data prepared by the pipeline's own script.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readShardSet } from '../vectors/shard-set.ts';
import { loadDataset } from './dataset.ts';
import { ndcg10Gain, pairedBootstrap } from './paired.ts';
import { evaluateVariant } from './run-eval.ts';
import { evaluateWithVectors } from './vector-eval.ts';

const MODEL = 'public/models/default';
const USERS = 60;
const tmp = mkdtempSync(join(tmpdir(), 'hllm-veval-'));
const DATA = join(tmp, 'data');
execFileSync('/usr/bin/python3', ['models/data/ml-latest-small/prepare.py', '--out', DATA], { stdio: 'pipe' });

describe('evaluateWithVectors', () => {
  const ds = loadDataset(DATA);

  it('with fp32 shards ranks every user exactly as the engine does', async () => {
    const o = { model: MODEL, dtype: 'fp32' as const, limitUsers: USERS, batchSize: 64 };
    const engine = await evaluateVariant(ds, o);
    const shards = await evaluateWithVectors(ds, { ...o, vectors: join(tmp, 'fp32'), vectorsDtype: 'fp32' });
    expect(shards.encoded).toBe(ds.itemIds.length - 1);
    expect(shards.ranks).toEqual(engine.ranks);
    expect(shards.metrics).toEqual(engine.metrics);
  });

  it('with int8 shards stores int8 rows, and a rerun on the same folder encodes nothing', async () => {
    const o = { model: MODEL, dtype: 'fp32' as const, limitUsers: USERS, batchSize: 64, vectors: join(tmp, 'int8'), vectorsDtype: 'int8' as const };
    const first = await evaluateWithVectors(ds, o);
    expect((await readShardSet(o.vectors)).manifest.dtype).toBe('int8');
    const again = await evaluateWithVectors(ds, o);
    expect(again.encoded).toBe(0);
    expect(again.ranks).toEqual(first.ranks);
  });

  it('int8 shards of the default (q8) encoder: N@10 within 1 % of fp32 shards over 6,100 paired targets', async () => {
    const o = { model: MODEL, dtype: 'q8' as const, split: 'last10' as const, batchSize: 64 };
    const fp32 = await evaluateWithVectors(ds, { ...o, vectors: join(tmp, 'q8-fp32'), vectorsDtype: 'fp32' });
    const int8 = await evaluateWithVectors(ds, { ...o, vectors: join(tmp, 'q8-int8'), vectorsDtype: 'int8' });
    expect(int8.ranks.map((r) => r.user)).toEqual(fp32.ranks.map((r) => r.user));
    expect(int8.ranks).toHaveLength(6100);
    const users = fp32.ranks.map((r) => r.user).map((u) => ds.users.indexOf(u));
    const d = pairedBootstrap(users, fp32.ranks.map((r) => ndcg10Gain(r.rank)), int8.ranks.map((r) => ndcg10Gain(r.rank)));
    expect(Math.abs(int8.metrics['N@10']! / fp32.metrics['N@10']! - 1)).toBeLessThan(0.01);
    // Not just the point: the whole 95 % interval over users lies inside ±1 %.
    expect(d.lo).toBeGreaterThan(-0.01);
    expect(d.hi).toBeLessThan(0.01);
  }, 600_000);
});
