// Parity of the TypeScript evaluation (engine on ORT WASM in Node) with the Python
// pipeline's reference evaluation (models/eval_slice.py: dataset.py split, tokenizer.py,
// evaluate.py ranking) on a slice: the first 80 test users of ml-latest-small ranked
// against the FULL catalogue, default model, fp32. Real model files, real ORT, no mocks.
// The full-data commands are in docs/evaluation.md.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from './dataset.ts';
import { compareWith, METRIC_KEYS } from './report.ts';
import { evaluateVariant, popularityMetrics, testPairs, type VariantResult } from './run-eval.ts';

const MODEL = 'public/models/default';
const USERS = 80;
// Prepared here by the pipeline's own script from the raw files committed under
// models/data/ml-latest-small/raw: a fresh clone has no models/data/*/out, and the model's
// manifest pins the prepared data's sha256.
const DATA = join(mkdtempSync(join(tmpdir(), 'hllm-mls-')), 'out');
execFileSync('/usr/bin/python3', ['models/data/ml-latest-small/prepare.py', '--out', DATA], { stdio: 'pipe' });

interface PyReport {
  items: number;
  metrics: Record<string, number>;
  popular: Record<string, number>;
  ranks: Array<{ user: string; rank: number }>;
}

describe(`eval parity with the Python pipeline (first ${USERS} test users, full catalogue, fp32)`, () => {
  const ds = loadDataset(DATA);
  let py: PyReport;
  let ts: VariantResult;
  beforeAll(async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'hllm-eval-')), 'py.json');
    execFileSync('/usr/bin/python3', ['models/eval_slice.py', '--model', MODEL, '--data', DATA, '--limit-users', String(USERS), '--out', out], { stdio: 'pipe' });
    py = JSON.parse(readFileSync(out, 'utf8'));
    ts = await evaluateVariant(ds, { model: MODEL, dtype: 'fp32', limitUsers: USERS, batchSize: 64 });
  });

  it('evaluates the very data the model was trained on (manifest dataset_sha256)', () => {
    const manifest = JSON.parse(readFileSync(join(MODEL, 'hllm.json'), 'utf8'));
    const h = createHash('sha256');
    for (const f of ['interactions.csv', 'items.csv']) h.update(readFileSync(join(DATA, f)));
    expect(h.digest('hex')).toBe(manifest.training.dataset_sha256);
  });

  it('loads the same catalogue and the same test users in the same order', () => {
    expect(ts.items).toBe(py.items);
    expect(ts.ranks.map((r) => r.user)).toEqual(py.ranks.map((r) => r.user));
  });

  it('matches every fp32 metric within 1% relative', () => {
    const p = compareWith(ts.metrics, py.metrics, ts.ranks, py.ranks, 0.01);
    for (const k of METRIC_KEYS) expect(p.perMetric[k]!.rel, `${k}: TS ${p.perMetric[k]!.ts} vs Python ${p.perMetric[k]!.ref}`).toBeLessThanOrEqual(0.01);
    expect(p.pass).toBe(true);
  });

  it('gives the same target rank to (nearly) every user', () => {
    // Item vectors agree to ~1e-7, so only a near-tie at the target may flip a rank.
    const p = compareWith(ts.metrics, py.metrics, ts.ranks, py.ranks);
    expect(p.rankMismatches).toBeLessThanOrEqual(Math.ceil(USERS * 0.02));
  });

  it('computes the popularity baseline exactly as evaluate.py does', () => {
    const pop = popularityMetrics(ds, testPairs(ds, USERS));
    for (const k of METRIC_KEYS) expect(pop[k]).toBeCloseTo(py.popular[k]!, 12);
  });
});
