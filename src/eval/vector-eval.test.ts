// `hllm eval --vectors`: ranking with a shard set's vectors. With fp32 stored vectors every
// test user's rank equals the engine's own evaluation (createEngine, vectors it encoded and
// keeps), which pins the shard path to the engine's; with int8 the set is written as int8
// (the rows differ from fp32) and a second run over the same folder encodes nothing.
// Real model files, real ORT (WASM), data prepared by the pipeline's own script.
// Imports: vitest, node:*, ./dataset, ./run-eval, ./vector-eval, vectors reader.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readShardSet } from '../vectors/read-set.ts';
import { loadDataset } from './dataset.ts';
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
    expect(readShardSet(o.vectors).manifest.dtype).toBe('int8');
    const again = await evaluateWithVectors(ds, o);
    expect(again.encoded).toBe(0);
    expect(again.ranks).toEqual(first.ranks);
  });
});
