// Prepares what bench/model-bench.ts serves, once, under bench/.cache/ (gitignored): the model
// folders (models/make_shaped_checkpoint.py + models/import_checkpoint.py, q4 only; the default
// model is public/models/default), a seeded synthetic catalogue (bench/make-synthetic.ts) split
// into the items the shards hold and the items they miss, and each model's vector shards built
// by `hllm embed` in Node, timed (its items/s is the embedItemsPerSecNode column).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseCsv } from '../src/engine/catalog/catalog.ts';
import type { CatalogItem } from '../src/protocol.ts';
import { makeSynthetic } from './make-synthetic.ts';

export const MODELS = ['default', 'smollm2-135m', 'smollm2-360m', 'tinyllama-1.1b'] as const;
export type ModelName = (typeof MODELS)[number];

export interface Prepared {
  /** Model folder on disk. */
  dir: string;
  /** `hllm embed --json`'s last line (cached beside the shards), and the shard folder. */
  embed: { encoded: number; itemsPerSecond: number | null; seconds: number; modelDtype: string };
  shards: string;
}

const run = (cmd: string, args: string[], log: (m: string) => void): void => {
  log(`$ nice ${cmd} ${args.join(' ')}`);
  const r = spawnSync('nice', [cmd, ...args], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`${cmd} ${args[0]} exited with ${r.status}`);
};

/** The model folder: public/models/default, or an imported random-weight checkpoint of the model's exact shape. */
export function modelFolder(model: ModelName, dtype: string, cache: string, log: (m: string) => void): string {
  if (model === 'default') return resolve('public/models/default');
  const dir = resolve(cache, 'models', `${model}-${dtype}`);
  if (existsSync(join(dir, 'hllm.json'))) return dir;
  const ckpt = resolve(cache, 'models', `ckpt-${model}`);
  if (!existsSync(join(ckpt, 'config.json'))) run('/usr/bin/python3', ['models/make_shaped_checkpoint.py', '--shape', model, '--out', ckpt], log);
  // max-history 50: the default model's, so every row reads the same window at a history of 50.
  run('/usr/bin/python3', ['models/import_checkpoint.py', '--base', ckpt, '--out', dir, '--id', model, '--dtypes', dtype,
    '--text-fields', 'title,genres,tags', '--max-history', '50'], log);
  return dir;
}

/** items-<n>.csv (what the shards hold, the page's catalogue) and `extra` more items the shards miss. */
export async function catalogue(n: number, extra: number, cache: string, log: (m: string) => void): Promise<{ csv: string; missing: CatalogItem[] }> {
  const dir = resolve(cache, `catalog-${n}-${extra}`);
  const all = join(dir, 'items.csv');
  if (!existsSync(all)) await makeSynthetic(n + extra, 1, dir, 131072, log);
  const lines = readFileSync(all, 'utf8').split('\n').filter((l) => l !== '');
  const csv = join(dir, `items-${n}.csv`);
  if (!existsSync(csv)) writeFileSync(csv, `${lines.slice(0, n + 1).join('\n')}\n`);
  return { csv, missing: parseCsv(`${lines[0]}\n${lines.slice(n + 1).join('\n')}\n`) };
}

/** The model's shards for `csv` by `hllm embed` (Node, one thread), reusing an earlier build of the same inputs. */
export function shards(model: ModelName, dir: string, dtype: string, csv: string, n: number, cache: string, log: (m: string) => void): Prepared {
  const out = resolve(cache, 'shards', `${model}-${dtype}-${n}`);
  const result = join(out, 'embed.json');
  if (!existsSync(result)) {
    mkdirSync(out, { recursive: true });
    log(`hllm embed ${model} ${dtype}, ${n} items`);
    // one thread: the column is comparable across models and runs ('auto' would take every core for these)
    const r = spawnSync('nice', [process.execPath, '--import', 'tsx', 'src/cli/hllm.ts', 'embed', '--no-progress', '--json', '--model', dir,
      '--catalog', csv, '--out', out, '--model-dtype', dtype, '--threads', '1'], { encoding: 'utf8', maxBuffer: 1 << 26 });
    if (r.status !== 0) throw new Error(`hllm embed failed: ${r.stderr.slice(-800)}`);
    writeFileSync(result, r.stdout.trim().split('\n').at(-1)!);
  }
  return { dir, shards: out, embed: JSON.parse(readFileSync(result, 'utf8')) as Prepared['embed'] };
}
