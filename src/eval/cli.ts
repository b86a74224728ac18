// `hllm eval --model <dir> --data <dir> [--dtype fp32|q8|q4|all] [--limit-users N]
// [--split test|valid|last10] [--out report.json] [--compare python.json] [--vectors DIR [--vectors-dtype int8|fp16|fp32]]`
// (also `npm run eval --`): leave-one-out, full-ranking evaluation of a
// model folder through the TypeScript engine (Node, onnxruntime-web WASM), with progress and
// ETA, one table per variant (with the popularity baseline computed here and the manifest's
// SASRec and Python numbers), a JSON report, and optionally a parity check against
// models/eval_slice.py's output (exit code 2 when fp32 differs by more than 1% relative).
// With --vectors the catalogue is first written to a shard set in DIR by the vector writer
// (incremental: an up-to-date DIR encodes nothing), and the ranking uses the set's
// (dequantised) vectors as item vectors and user-encoder input: int8 vs fp32 quality.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { progressReporter, type Reporter } from '../cli/progress.ts';
import type { Dtype } from '../index.ts';
import { availableDtypes, parseManifest } from '../engine/model/manifest.ts';
import { loadDataset, PAIR_SETS, type PairSet } from './dataset.ts';
import type { Metrics } from './metrics.ts';
import { compareWith, table } from './report.ts';
import type { VectorDtype } from '../vectors/format.ts';
import { evaluateVariant, popularityMetrics, testPairs, type VariantResult } from './run-eval.ts';
import { evaluateWithVectors } from './vector-eval.ts';

interface EvalCliOptions { model: string; data: string; dtype: string; limitUsers?: number; split: PairSet; threads: number; batchSize: number; out?: string; compare?: string; tolerance: number; progress: boolean; vectors?: string; vectorsDtype: VectorDtype }

/** The `eval` subcommand of `hllm` (src/cli/hllm.ts). */
export function evalCommand(): Command {
  return new Command('eval')
    .description('Recall@K / NDCG@K (K = 5, 10, 50, 200) on the leave-one-out test split, through the TypeScript engine.')
    .requiredOption('--model <dir>', 'model folder with hllm.json')
    .requiredOption('--data <dir>', "folder with HLLM's interactions.csv and items.csv")
    .addOption(new Option('--dtype <dtype>', 'variant(s) to evaluate').choices(['fp32', 'q8', 'q4', 'all']).default('fp32'))
    .option('--limit-users <n>', 'only the first N test users', (v) => parseInt(v, 10))
    .addOption(new Option('--split <set>', 'pairs to rank: test, valid, or last10 (each user\'s last 10 positions; for comparing variants)').choices([...PAIR_SETS]).default('test'))
    .option('--threads <n>', 'ONNX Runtime WASM threads', (v) => parseInt(v, 10), 1)
    .option('--batch-size <n>', 'items per item-encoder call', (v) => parseInt(v, 10), 64)
    .option('--out <file>', 'write the JSON report here')
    .option('--compare <file>', 'parity: JSON from models/eval_slice.py; fp32 must match within --tolerance')
    .option('--tolerance <x>', 'relative tolerance for --compare', parseFloat, 0.01)
    .option('--no-progress', 'no progress bar (CI logs)')
    .option('--vectors <dir>', 'build (or update) a shard set of the catalogue in DIR and rank with its vectors')
    .addOption(new Option('--vectors-dtype <dtype>', 'stored vector type for --vectors').choices(['int8', 'fp16', 'fp32']).default('int8'))
    .action(async (o: EvalCliOptions) => {
      // The engine's own parser: a manifest the engine would refuse fails here too, with the same message.
      const manifest = parseManifest(JSON.parse(readFileSync(join(o.model, 'hllm.json'), 'utf8')));
      const dtypes = o.dtype === 'all' ? availableDtypes(manifest) : [o.dtype as Dtype];
      const ds = loadDataset(o.data);
      const pairs = testPairs(ds, o.limitUsers, o.split);
      console.log(`${o.data}: ${ds.itemIds.length - 1} items, ${ds.users.length} users, ${pairs.length} ${o.split} pairs evaluated${ds.missing ? `, ${ds.missing} interactions with unknown items skipped` : ''}`);
      const popular = popularityMetrics(ds, pairs);
      const manifestTest: Record<string, Metrics | undefined> = manifest.metrics?.test ?? {};
      // The manifest's numbers are full test-split numbers: comparable only on such a run.
      const fullRun = o.split === 'test' && pairs.length === testPairs(ds).length;

      const results: VariantResult[] = [];
      for (const dtype of dtypes) {
        // One bar per phase (encode the items, then rank the users).
        let phase = '';
        let bar: Reporter | undefined;
        const eo = {
          model: o.model, dtype, limitUsers: o.limitUsers, split: o.split, threads: o.threads, batchSize: o.batchSize,
          onProgress: o.progress ? (ph: string, done: number, total: number) => {
            if (ph !== phase || !bar) { bar?.stop(); phase = ph; bar = progressReporter(true, `${dtype} ${ph === 'encode' ? 'items' : 'users'}`); }
            bar.update(done, total);
          } : undefined,
        };
        // One shard set per model dtype: its model key differs, so one folder cannot hold two.
        const dir = o.vectors && (dtypes.length > 1 ? join(o.vectors, dtype) : o.vectors);
        const r = dir ? await evaluateWithVectors(ds, { ...eo, vectors: dir, vectorsDtype: o.vectorsDtype }) : await evaluateVariant(ds, eo);
        bar?.stop();
        results.push(r);
        console.log(`\n${table(`${dtype} (${r.backend}; ${r.items} items; encode ${(r.timings.initMs / 1000).toFixed(1)} s, users ${(r.timings.usersMs / 1000).toFixed(1)} s)`, [
          [`hllm ${dtype}${dir ? ` ${o.vectorsDtype} vectors` : ''} (TS)`, r.metrics],
          // The manifest's numbers are on the full test split; they match only on a full run.
          [`hllm ${dtype} (manifest${fullRun ? '' : ', full test split'})`, manifestTest[dtype]],
          ['popular', popular],
          [`sasrec (manifest${fullRun ? '' : ', full test split'})`, manifestTest.sasrec],
        ])}\n`);
      }

      let parity;
      if (o.compare) {
        const ref = JSON.parse(readFileSync(o.compare, 'utf8'));
        const fp32 = results.find((r) => r.dtype === 'fp32');
        if (!fp32) throw new Error('--compare needs the fp32 variant (--dtype fp32 or all)');
        parity = compareWith(fp32.metrics, ref.metrics, fp32.ranks, ref.ranks, o.tolerance);
        console.log(`parity vs ${o.compare} (${ref.source}): max relative difference ${(parity.maxRelDiff * 100).toFixed(3)}% `
          + `(tolerance ${(o.tolerance * 100).toFixed(1)}%), ${parity.rankMismatches}/${parity.users} users with a different rank: ${parity.pass ? 'PASS' : 'FAIL'}`);
      }

      if (o.out) {
        const report = {
          kind: 'hllm-eval', createdAt: new Date().toISOString(), model: o.model, modelId: manifest.id, data: o.data,
          items: ds.itemIds.length - 1, users: ds.users.length, split: o.split, testUsers: pairs.length, fullRun,
          baselines: { popular, sasrec: manifestTest.sasrec ?? null },
          variants: Object.fromEntries(results.map((r) => [r.dtype, { ...r, manifest: manifestTest[r.dtype] ?? null }])),
          parity: parity ?? null,
        };
        writeFileSync(o.out, JSON.stringify(report, null, 1));
        console.log(`wrote ${o.out}`);
      }
      if (parity && !parity.pass) process.exitCode = 2;
    });
}
