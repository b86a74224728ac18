// `hllm embed`: encodes a catalogue with a model folder into a vector shard set
// (docs/vector-format.md) with the browser engine's own code on ONNX Runtime's WASM backend
// (src/engine/item-embedder.ts), incrementally (--previous) and resumably (OUT/.partial);
// on --threads encoder threads (src/cli/encode-pool.ts; every core for an LLM-sized item encoder,
// else one: autoThreads(), docs/design.md#threads).
import { availableParallelism } from 'node:os';
import { Command, Option } from 'commander';
import { defaultFetcher } from '../io/fetcher.ts';
import { loadCatalog } from '../engine/catalog/catalog.ts';
import { ItemEmbedder } from '../engine/item-embedder.ts';
import { externalDataFiles, fileFor } from '../engine/model/manifest.ts';
import type { PreparedItem } from '../engine/index/catalog-index.ts';
import type { DtypeOption } from '../protocol.ts';
import { VECTOR_DTYPES, type VectorDtype } from '../vectors/format.ts';
import { DEFAULT_SHARD_BYTES, writeVectors, type WriteVectorsResult } from '../vectors/writer.ts';
import { EncodePool } from './encode-pool.ts';
import { progressReporter } from './progress.ts';

interface EmbedOptions {
  model: string;
  catalog: string;
  out: string;
  dtype: VectorDtype;
  previous?: string;
  modelDtype: DtypeOption;
  batchSize: number;
  /** Encoder threads: 1 encodes on this thread; more start that many worker threads (EncodePool); 'auto': autoThreads(). */
  threads: number | 'auto';
  shardBytes: number;
  progress: boolean;
  log?: (line: string) => void;
}

interface EmbedResult extends WriteVectorsResult {
  items: number;
  modelDtype: string;
  seconds: number;
  /** Items encoded per second of encoding (model load excluded); null when nothing was encoded. */
  itemsPerSecond: number | null;
  /** Encoder threads used (--threads, or what 'auto' chose). */
  threads: number;
}

/** Parses '16MiB', '512k', '1000' into bytes. */
function parseSize(s: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?$/i.exec(s.trim());
  if (!m) throw new Error(`'${s}' is not a size (e.g. 16MiB, 512KiB, 100000)`);
  const unit = (m[2] ?? 'b').toLowerCase()[0]!;
  return Math.round(parseFloat(m[1]!) * (unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1));
}

/**
 * Runs one embed: loads and verifies model and catalogue (the engine's typed errors), then
 * writes the shard set.
 *
 * @example
 * ```ts
 * const r = await runEmbed({ model: 'public/models/default', catalog: 'items.csv', out: 'vectors', dtype: 'int8',
 *   modelDtype: 'auto', batchSize: 64, threads: 4, shardBytes: 16 * 2 ** 20, progress: false });
 * ```
 */
/** An item encoder file at least this big costs milliseconds an item: worth a worker per core. */
const LLM_SIZED_BYTES = 16e6;

/**
 * `--threads auto`: every core for an LLM-sized item encoder, one thread for a small one. Each
 * worker loads the model again, which a d64 encoder's microseconds an item never repay (3,650
 * items: 1.8 s on one thread, 2.9 s on two); at SmolLM2-135M's shape two workers encoded 2.6–2.7
 * items/s against 2.1 on one, 32 items on an idle 2-core machine (docs/design.md#threads).
 *
 * @example
 * ```ts
 * autoThreads(96e6, 8); // 8
 * autoThreads(0.5e6, 8); // 1
 * ```
 */
export function autoThreads(itemEncoderBytes: number, cores: number): number {
  return itemEncoderBytes >= LLM_SIZED_BYTES ? Math.max(1, cores) : 1;
}

async function runEmbed(o: EmbedOptions): Promise<EmbedResult> {
  const log = o.log ?? ((l: string) => console.error(l));
  const t0 = performance.now();
  // Catalogue first: a bad row should not wait for the model to load.
  const { items } = await loadCatalog(o.catalog, defaultFetcher);
  const emb = await ItemEmbedder.open({ model: o.model, dtype: o.modelDtype, threads: 1, batchSize: o.batchSize });
  const item = fileFor(emb.manifest, 'item_encoder', emb.dtype)!;
  const threads = o.threads === 'auto'
    ? autoThreads([item, ...externalDataFiles(emb.manifest, item)].reduce((a, f) => a + f.bytes, 0), availableParallelism())
    : o.threads;
  // Started on the first encode: an up-to-date shard set never loads the model again.
  let pool: Promise<EncodePool> | null = null;
  const encode = (rows: PreparedItem[]): Promise<Float32Array> => {
    if (threads <= 1) return emb.encode(rows);
    pool ??= EncodePool.open({ model: o.model, dtype: emb.dtype, batchSize: o.batchSize, workers: threads });
    return pool.then((p) => p.encode(emb, rows));
  };
  try {
    log(`hllm embed: ${items.length} items, model ${emb.manifest.id} item encoder ${emb.dtype} (${emb.reason}), vectors ${o.dtype}, ${threads} encoder thread${threads === 1 ? '' : 's'}`);
    const prepared = await emb.prepare(items);
    const bar = progressReporter(o.progress, 'encode', log);
    let encodeMs = 0;
    const r = await writeVectors({
      out: o.out, previous: o.previous, model: { id: emb.manifest.id, key: emb.modelKey }, dim: emb.dim, dtype: o.dtype,
      rows: prepared.map((p) => ({ id: p.item.id, textSha256: p.textSha256 })), shardBytes: o.shardBytes,
      generator: `hllm embed (hllm-web); item encoder ${emb.dtype}`,
      encode: async (idx) => {
        const t = performance.now();
        const v = await encode(idx.map((i) => prepared[i]!));
        encodeMs += performance.now() - t;
        return v;
      },
      onProgress: (done, total) => bar.update(done, total),
      warn: (m) => log(`warning: ${m}`),
    });
    bar.stop();
    return {
      ...r, items: items.length, modelDtype: emb.dtype, threads, seconds: (performance.now() - t0) / 1000,
      itemsPerSecond: r.encoded > 0 ? r.encoded / (encodeMs / 1000) : null,
    };
  } finally {
    const p = await (pool as Promise<EncodePool> | null)?.catch(() => null);
    await Promise.all([emb.release(), p?.close()]);
  }
}

const int = (what: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${what} must be a positive integer, got '${v}'`);
  return n;
};

const threadsOption = (v: string): number | 'auto' => (v === 'auto' ? 'auto' : int('--threads')(v));

export function embedCommand(): Command {
  return new Command('embed')
    .description('encode a catalogue into vector shards (vectors.json + shard-*.bin) for the engine')
    .requiredOption('--model <dir>', 'model folder with hllm.json')
    .requiredOption('--catalog <file>', 'catalogue: CSV (item_id or id column) or JSON array')
    .requiredOption('--out <dir>', 'folder to write vectors.json and the shards into')
    .addOption(new Option('--dtype <dtype>', 'stored vector type').choices([...VECTOR_DTYPES]).default('int8'))
    .option('--previous <dir>', 'an earlier shard set: shards whose rows are unchanged are kept byte-identical')
    .addOption(new Option('--model-dtype <dtype>', "item-encoder variant; 'auto' = what the browser engine picks on WASM").choices(['auto', 'fp32', 'q8', 'q4']).default('auto'))
    .option('--batch-size <n>', 'items per item-encoder call', int('--batch-size'), 64)
    .option('--threads <n|auto>', `encoder threads, each a single-threaded ONNX Runtime session on its share of the batches (same vectors, byte for byte); auto: every core (${availableParallelism()} here) for an item encoder of 16 MB or more, else 1`, threadsOption, 'auto')
    .option('--shard-size <size>', 'target bytes per shard (e.g. 16MiB)', parseSize, DEFAULT_SHARD_BYTES)
    .option('--json', 'print the result as one JSON line on stdout')
    .option('--no-progress', 'no progress output')
    .action(async (opts: { model: string; catalog: string; out: string; dtype: VectorDtype; previous?: string; modelDtype: DtypeOption; batchSize: number; threads: number | 'auto'; shardSize: number; json?: boolean; progress: boolean }) => {
      const r = await runEmbed({ ...opts, shardBytes: opts.shardSize });
      const rate = r.itemsPerSecond === null ? '' : `, ${r.itemsPerSecond.toFixed(0)} items/s`;
      console.error(`hllm embed: wrote ${opts.out}/vectors.json: ${r.manifest.rows} rows in ${r.manifest.shards.length} shards; `
        + `encoded ${r.encoded} items${rate}; kept ${r.kept} shards, cut ${r.cut}, new ${r.written}, resumed ${r.resumed} (${r.seconds.toFixed(1)} s)`);
      if (opts.json) {
        const { manifest, ...rest } = r;
        console.log(JSON.stringify({ ...rest, rows: manifest.rows, shards: manifest.shards.length, modelKey: manifest.model.key }));
      }
    });
}
