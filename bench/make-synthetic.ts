// Generates a synthetic catalogue far above the real one's size (default 1,000,000 items,
// seeded) in HLLM's CSV layout (item_id,title,genres,tags), and a matching int8 vector shard
// set whose model.key is the default model's key for its WASM dtype and whose text hashes are
// the engine's own (computed from the CSV parsed back by the engine's parser), so an engine
// given both encodes 0 items. Output goes to a gitignored folder (.tmp/ by default).
//
//   npx tsx bench/make-synthetic.ts [--n 1000000] [--seed 1] [--out .tmp/synthetic-1000000] [--shard-rows 131072]
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import Papa from 'papaparse';
import { planBackend } from '../src/engine/model/backend-policy.ts';
import { prepareItems } from '../src/engine/index/catalog-index.ts';
import { parseCsv } from '../src/engine/catalog/catalog.ts';
import { parseManifest } from '../src/engine/model/manifest.ts';
import { modelKeyOf } from '../src/engine/model/model-loader.ts';
import { encodeShard, VECTOR_FORMAT, VECTOR_FORMAT_VERSION, type VectorManifest } from '../src/vectors/format.ts';
import { rng } from '../src/eval/seeded-rng.ts';
import { integer, positiveInt } from './options.ts';

const GENRES = ['Action', 'Adventure', 'Animation', 'Children', 'Comedy', 'Crime', 'Documentary', 'Drama', 'Fantasy', 'Film-Noir', 'Horror', 'Musical', 'Mystery', 'Romance', 'Sci-Fi', 'Thriller', 'War', 'Western'];
const WORDS = ['river', 'night', 'storm', 'city', 'heart', 'shadow', 'summer', 'road', 'secret', 'king', 'ghost', 'dream', 'winter', 'island', 'fire', 'glass', 'moon', 'garden', 'iron', 'song', 'last', 'silent', 'golden', 'broken', 'wild', 'lost', 'red', 'blue', 'long', 'little'];
const TAGS = ['pixar', 'twist ending', 'dark', 'funny', 'classic', 'visually stunning', 'slow', 'based on a book', 'cult', 'space', 'time travel', 'heist', 'friendship', 'dystopia', 'music', 'satire'];

export async function makeSynthetic(n: number, seed: number, out: string, shardRows: number, log: (m: string) => void): Promise<void> {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const some = <T>(xs: readonly T[], max: number): T[] => [...new Set(Array.from({ length: 1 + Math.floor(r() * max) }, () => pick(xs)))];

  let t = performance.now();
  const rows = Array.from({ length: n }, (_, i) => ({
    item_id: String(i + 1),
    title: `${some(WORDS, 3).map((w) => w[0]!.toUpperCase() + w.slice(1)).join(' ')} ${i + 1} (${1920 + Math.floor(r() * 105)})`,
    genres: some(GENRES, 3).join(', '),
    tags: r() < 0.6 ? some(TAGS, 2).join(', ') : '',
  }));
  const csv = Papa.unparse(rows, { columns: ['item_id', 'title', 'genres', 'tags'], newline: '\n' });
  mkdirSync(join(out, 'vectors'), { recursive: true });
  writeFileSync(join(out, 'items.csv'), csv);
  log(`items.csv: ${n} items, ${(csv.length / 1e6).toFixed(1)} MB in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  // The engine's own path from CSV text to text sha256s: parse, build texts, hash.
  t = performance.now();
  const manifest = parseManifest(JSON.parse(readFileSync('public/models/default/hllm.json', 'utf8')));
  const items = parseCsv(csv);
  const prepared = await prepareItems(items, manifest);
  log(`parsed back and hashed ${prepared.length} item texts in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  // The dtype a WASM engine picks on its own for the default model (auto), and its model key.
  const caps = { runtime: 'worker' as const, crossOriginIsolated: true, hardwareConcurrency: 4, indexedDB: true, webgpu: { available: false, fallback: false, shaderF16: false, maxBufferSize: 0, maxStorageBufferBindingSize: 0, description: '' } };
  const { dtype } = planBackend(manifest, caps, 'wasm', 'auto');
  const key = await modelKeyOf(manifest, dtype);

  t = performance.now();
  const dim = manifest.dim;
  const shards: VectorManifest['shards'] = [];
  for (let s = 0; s * shardRows < n; s++) {
    const part = prepared.slice(s * shardRows, (s + 1) * shardRows);
    const vec = new Float32Array(part.length * dim);
    // Uniform in [-1, 1): a direction per item, no structure; enough for speed and memory.
    for (let i = 0; i < vec.length; i++) vec[i] = r() * 2 - 1;
    const bytes = encodeShard('int8', dim, vec, part.map((p) => p.textSha256), part.map((p) => p.item.id));
    const path = `shard-${String(s).padStart(3, '0')}.bin`;
    writeFileSync(join(out, 'vectors', path), bytes);
    shards.push({ path, rows: part.length, bytes: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex') });
  }
  const vm: VectorManifest = {
    format: VECTOR_FORMAT, version: VECTOR_FORMAT_VERSION, model: { id: manifest.id, key }, dim, dtype: 'int8', rows: n, shards,
    generator: `bench/make-synthetic.ts seed ${seed}`, created: new Date().toISOString(),
  };
  writeFileSync(join(out, 'vectors', 'vectors.json'), JSON.stringify(vm, null, 1));
  log(`vectors: ${shards.length} int8 shards, model ${manifest.id} dtype ${dtype} key ${key.slice(0, 12)}…, in ${((performance.now() - t) / 1000).toFixed(1)} s`);
}

if (process.argv[1]?.endsWith('make-synthetic.ts')) {
  const o = new Command('npx tsx bench/make-synthetic.ts')
    .description('A seeded synthetic catalogue (items.csv) and its matching int8 shard set (vectors/).')
    .option('--n <items>', 'catalogue size', positiveInt, 1_000_000)
    .option('--seed <n>', 'random seed', integer, 1)
    .option('--out <dir>', 'output folder (default: .tmp/synthetic-<n>)')
    .option('--shard-rows <n>', 'rows per shard', positiveInt, 131_072)
    .parse().opts<{ n: number; seed: number; out?: string; shardRows: number }>();
  await makeSynthetic(o.n, o.seed, o.out ?? `.tmp/synthetic-${o.n}`, o.shardRows, (m) => console.log(m));
}
