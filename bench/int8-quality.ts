// What storing item vectors as int8 or fp16 shards costs in ranking quality, measured PAIRED
// against fp32 shards of the same encoder: the default model's item encoder (fp32 and q8, the
// WASM default) encodes the ml-latest-small catalogue once; each storage dtype goes through
// the real shard path (encodeShard → decodeShard → shardRow: what an engine started from
// shards ranks with and feeds the user encoder); three pair sets, fixed before measuring:
// the leave-one-out test split (the figure), the validation split, and "last10"
// (dataset.ts: each user's last 10 positions as targets, history = everything before; earlier positions
// were training targets, so absolute values are higher, but the int8−fp32 difference is
// what is compared). Per pair set: N@10, R@10, users whose rank changed, and a user-cluster
// bootstrap (2,000 resamples, seeded) 95 % CI of the relative N@10 difference vs fp32.
// `npx tsx bench/int8-quality.ts` → bench/results/<date>-int8-quality.{json,md}.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ItemEmbedder } from '../src/engine/item-embedder.ts';
import { normalize } from '../src/vectors/vector-math.ts';
import { loadDataset, PAIR_SETS, pairsFor, type Pair } from '../src/eval/dataset.ts';
import { ndcg10Gain as gain, pairedBootstrap } from '../src/eval/paired.ts';
import { catalogItems, rankPairs } from '../src/eval/run-eval.ts';
import { decodeShard, encodeShard, shardRow, type VectorDtype } from '../src/vectors/format.ts';

const MODEL = 'public/models/default';
const ENCODERS = ['fp32', 'q8'] as const;
const STORED: VectorDtype[] = ['fp32', 'fp16', 'int8'];
const RESAMPLES = 2000;

const dataDir = mkdtempSync(join(tmpdir(), 'hllm-int8q-'));
execFileSync('/usr/bin/python3', ['models/data/ml-latest-small/prepare.py', '--out', dataDir], { stdio: 'pipe' });
const ds = loadDataset(dataDir);
const n = ds.itemIds.length - 1;
const sets: Record<string, Pair[]> = Object.fromEntries(PAIR_SETS.map((s) => [s, pairsFor(ds, s)]));
const rows: Array<Record<string, unknown>> = [];
for (const enc of ENCODERS) {
  const emb = await ItemEmbedder.open({ model: MODEL, dtype: enc, batchSize: 64 });
  const prepared = await emb.prepare(catalogItems(ds));
  const vectors = await emb.encode(prepared);
  const dim = emb.dim;
  const ranks: Record<string, Record<string, number[]>> = {};
  for (const stored of STORED) {
    const shard = decodeShard(encodeShard(stored, dim, vectors, prepared.map((p) => p.textSha256), prepared.map((p) => p.item.id)), stored, dim, n, 'bench');
    const raw: Float32Array[] = [new Float32Array(dim)];
    const normed = new Float32Array((n + 1) * dim);
    let cos = 0;
    for (let i = 1; i <= n; i++) {
      const v = shardRow(shard, i - 1);
      raw.push(v);
      normed.set(normalize(v), i * dim);
      const a = normalize(vectors.subarray((i - 1) * dim, i * dim)), b = normed.subarray(i * dim, (i + 1) * dim);
      let c = 0; for (let j = 0; j < dim; j++) c += a[j]! * b[j]!; cos += c / n;
    }
    ranks[stored] = {};
    for (const [name, pairs] of Object.entries(sets)) {
      const r = await rankPairs(ds, pairs, normed, dim, (p) => emb.embedUser(p.history.slice(-emb.manifest.max_history).map((i) => raw[i]!)));
      const rk = r.map((x) => x.rank);
      ranks[stored]![name] = rk;
      const base = ranks.fp32![name]!;
      const users = pairs.map((p) => p.user);
      const ci = pairedBootstrap(users, base.map(gain), rk.map(gain), RESAMPLES, 7);
      const row = {
        encoder: enc, stored, pairs: name, n: pairs.length, meanCosineToFp32: cos,
        'N@10': rk.reduce((s, x) => s + gain(x), 0) / rk.length, 'R@10': rk.filter((x) => x < 10).length / rk.length,
        changed: rk.filter((x, i) => x !== base[i]).length, top10Changed: rk.filter((x, i) => (x < 10) !== (base[i]! < 10)).length,
        relN10: ci.rel, ci95: [ci.lo, ci.hi],
      };
      rows.push(row);
      console.log(JSON.stringify(row));
    }
  }
  await emb.release();
}
const date = new Date().toISOString().slice(0, 10);
mkdirSync('bench/results', { recursive: true });
writeFileSync(`bench/results/${date}-int8-quality.json`, JSON.stringify({ date, model: MODEL, resamples: RESAMPLES, rows }, null, 1) + '\n');
const pct = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(2)} %`;
const md = [
  `# int8 / fp16 shards vs fp32 shards, paired (${date})`, '',
  'Default model, ml-latest-small, full ranking over 3,650 items. CI: user-cluster bootstrap, 2,000 resamples. `npx tsx bench/int8-quality.ts`.', '',
  '| item encoder | stored | pairs | n | N@10 | vs fp32 stored | 95 % CI | ranks changed | top-10 in/out |',
  '|---|---|---|---|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.encoder} | ${r.stored} | ${r.pairs} | ${r.n} | ${(r['N@10'] as number).toFixed(6)} | ${r.stored === 'fp32' ? '—' : pct(r.relN10 as number)} | ${r.stored === 'fp32' ? '—' : (r.ci95 as number[]).map(pct).join(' … ')} | ${r.changed} | ${r.top10Changed} |`),
  '',
];
writeFileSync(`bench/results/${date}-int8-quality.md`, md.join('\n'));
