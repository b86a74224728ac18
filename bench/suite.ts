// The benchmark suite itself, identical in Node and in headless Chromium (WASM, WebGPU):
// every figure is measured with the ENGINE's own modules (ort-backend sessions,
// encoders, ranking, createEngine + storage) against a reference measured in the same
// run: a large MatMul on the same runtime/backend (roofline), a memory copy (bandwidth),
// a naive one-run-per-item encoder, and the warm path's cold counterpart.
// No Node or DOM APIs:
// the runner passes them in through BenchEnv.
import { createEngine, type Backend, type CatalogItem } from '../src/index.ts';
import { parseCsv } from '../src/engine/catalog/catalog.ts';
import { encodeItemRows, encodeUsers } from '../src/engine/model/encoders.ts';
import { createModel, type OnnxModel } from '../src/engine/model/ort-backend.ts';
import { normalize } from '../src/vectors/vector-math.ts';
import { mostSimilar, topK } from './float-topk.ts';
import { buildItemText } from '../src/engine/catalog/text-builder.ts';
import { createItemTokenizer } from '../src/engine/model/tokenizer.ts';
import { bertFlops, itemFlops, median, now, quantile, timeRuns, type ModelShape } from './stats.ts';

export interface BenchConfig {
  reps: number;
  /** Items for the batched-throughput figure (and the transformers-free naive one). */
  encodeItems: number;
  naiveItems: number;
  batchSize: number;
  catalogueSizes: number[];
  histories: number[];
  /** Items in the cold/warm start catalogue. */
  startItems: number;
  startReps: number;
  matmul: { m: number; k: number; n: number };
}

/**
 * Runs the transformers.js `feature-extraction` pipeline (mean pooling) over `texts` in
 * batches, `reps` timed passes after one warm-up; only the browser page provides it.
 */
export type TjsBaseline = (texts: string[], batchSize: number, reps: number) => Promise<{ ms: number[]; loadMs: number; meanTokens: number; version: string }>;

export interface BenchEnv {
  name: string;
  backend: Backend;
  threads: number;
  /** Model folder for createEngine (URL in browsers, path in Node). */
  modelUrl: string;
  storage: 'indexeddb' | 'memory';
  /** Reads a repository file (model files, catalogue, the MatMul probe). */
  readFile(path: string): Promise<Uint8Array>;
  /** Peak memory so far in bytes (worker/page or process), null if unmeasurable. */
  memory(): Promise<{ bytes: number; how: string } | null>;
  log(msg: string): void;
  /** The transformers.js baseline, where this environment can run it. */
  tjs?: TjsBaseline;
}

const MODEL = 'public/models/default';
const json = async (env: BenchEnv, p: string) => JSON.parse(new TextDecoder().decode(await env.readFile(p)));

function syntheticNormed(n: number, dim: number, seed: number): Float32Array {
  // xorshift: deterministic and fast enough for 1M × 64 without Math.random's cost.
  let x = seed >>> 0 || 1;
  const out = new Float32Array(n * dim);
  for (let i = 0; i < out.length; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    out[i] = ((x >>> 0) / 4294967296) - 0.5;
  }
  for (let r = 0; r < n; r++) out.set(normalize(out.subarray(r * dim, (r + 1) * dim)), r * dim);
  return out;
}

async function roofline(env: BenchEnv, c: BenchConfig) {
  const model = await createModel(await env.readFile(`.tmp/bench/matmul-${c.matmul.k}x${c.matmul.n}.onnx`), env.backend, env.threads);
  const { m, k, n } = c.matmul;
  const a = new Float32Array(m * k).fill(0.01);
  const ms = await timeRuns(c.reps, () => model.run({ A: { type: 'float32', data: a, dims: [m, k] } }, 'C'), 2);
  await model.release();
  const flops = 2 * m * k * n;
  return { shape: c.matmul, flops, ms, gflops: flops / median(ms) / 1e6 };
}

async function transformersJs(env: BenchEnv, c: BenchConfig, texts: string[], shape: ModelShape, rooflineGflops: number, engineItemsPerSec: number) {
  if (!env.tjs) return null;
  try {
    const r = await env.tjs(texts, c.batchSize, c.reps);
    const itemsPerSec = texts.length / (median(r.ms) / 1000);
    const gflops = (itemsPerSec * bertFlops(shape, r.meanTokens)) / 1e9;
    return {
      what: `@huggingface/transformers ${r.version} feature-extraction (mean pooling), BERT-shaped encoder of the Item LLM's size (bench/make-tjs-encoder.py), fp32, batches of ${c.batchSize}`,
      items: texts.length, ms: r.ms, loadMs: r.loadMs, meanTokens: r.meanTokens, itemsPerSec, gflops,
      pctOfRoofline: (100 * gflops) / rooflineGflops, engineSpeedup: engineItemsPerSec / itemsPerSec,
    };
  } catch (e) {
    env.log(`  transformers.js baseline failed: ${(e as Error).message}`);
    return { error: (e as Error).message.slice(0, 300) };
  }
}

async function encoding(env: BenchEnv, c: BenchConfig, rows: number[][], shape: ModelShape, padId: number, dim: number, rooflineGflops: number) {
  const model = await createModel(await env.readFile(`${MODEL}/onnx/item_encoder.onnx`), env.backend, env.threads);
  const batchedRows = rows.slice(0, c.encodeItems);
  const flopsPerItem = batchedRows.reduce((a, r) => a + itemFlops(shape, r.length), 0) / batchedRows.length;
  const batchedMs = await timeRuns(c.reps, () => encodeItemRows(model, batchedRows, { dim, padId, batchSize: c.batchSize }));
  const naiveRows = rows.slice(0, c.naiveItems);
  const naiveMs = await timeRuns(Math.max(1, Math.ceil(c.reps / 2)), async () => {
    for (const r of naiveRows) await encodeItemRows(model, [r], { dim, padId, batchSize: 1 });
  });
  await model.release();
  const batched = batchedRows.length / (median(batchedMs) / 1000);
  const naive = naiveRows.length / (median(naiveMs) / 1000);
  const gflops = (batched * flopsPerItem) / 1e9;
  return {
    items: batchedRows.length, batchSize: c.batchSize, meanTokens: batchedRows.reduce((a, r) => a + r.length, 0) / batchedRows.length,
    flopsPerItem, batchedMs, naiveItems: naiveRows.length, naiveMs,
    itemsPerSec: { batched, naive }, gflops, rooflineGflops, pctOfRoofline: (100 * gflops) / rooflineGflops,
    speedupVsNaive: batched / naive,
  };
}

function copyBandwidth(c: BenchConfig): { bytes: number; ms: number[]; gbPerSec: number } {
  const n = 16 * 1024 * 1024; // 64 MB: far beyond any cache
  const src = new Float32Array(n).fill(1);
  const dst = new Float32Array(n);
  const ms: number[] = [];
  dst.set(src);
  for (let i = 0; i < c.reps; i++) { const t = now(); dst.set(src); ms.push(now() - t); }
  return { bytes: n * 4, ms, gbPerSec: (n * 4) / median(ms) / 1e6 };
}

async function recommendLatency(env: BenchEnv, c: BenchConfig, itemVecs: Float32Array, dim: number, maxHistory: number, copyGbps: number) {
  const user: OnnxModel = await createModel(await env.readFile(`${MODEL}/onnx/user_encoder.onnx`), env.backend, env.threads);
  const realRows = itemVecs.length / dim;
  const out = [];
  for (const n of c.catalogueSizes) {
    const normed = syntheticNormed(n, dim, n);
    const bytes = n * dim * 4;
    for (const h of c.histories) {
      const hist = Array.from({ length: h }, (_, i) => itemVecs.subarray(((i * 7) % realRows) * dim, (((i * 7) % realRows) + 1) * dim));
      const histRows = Array.from({ length: h }, (_, i) => (i * 13) % n);
      // What HllmEngine.recommend() does after loading: user encoder, mask, top-K, "because".
      const total = await timeRuns(c.reps, async () => {
        const u = await encodeUsers(user, [hist], dim, maxHistory);
        const masked = new Uint8Array(n);
        for (const r of histRows) masked[r] = 1;
        const uniq = [...new Set(histRows)];
        for (const s of topK(normed, dim, normalize(u), 10, masked)) mostSimilar(normed, dim, s.index, uniq);
      });
      const q = normalize(itemVecs.subarray(0, dim));
      const scan = await timeRuns(c.reps, () => topK(normed, dim, q, 10));
      const scanMs = median(scan);
      out.push({
        items: n, history: h, p50: median(total), p95: quantile(total, 0.95), runs: total.length,
        scanMs, scanBytes: bytes, scanGbPerSec: bytes / scanMs / 1e6, boundMs: bytes / (copyGbps * 1e6),
        pctOfBandwidth: (100 * (bytes / scanMs / 1e6)) / copyGbps,
      });
      env.log(`  recommend n=${n} h=${h}: p50 ${median(total).toFixed(2)} ms, scan ${scanMs.toFixed(2)} ms`);
    }
  }
  await user.release();
  return out;
}

async function coldWarm(env: BenchEnv, c: BenchConfig, items: CatalogItem[]) {
  const catalog = items.slice(0, c.startItems);
  const cold: number[] = [];
  const warm: number[] = [];
  for (let r = 0; r < c.startReps; r++) {
    const dbName = `bench-${env.name}-${Date.now()}-${r}`;
    const opts = { model: env.modelUrl, catalog, backend: env.backend, dtype: 'fp32' as const, storage: env.storage, dbName, threads: env.threads, batchSize: c.batchSize };
    let t = now();
    const a = createEngine({ warn: () => undefined });
    const ia = await a.init(opts);
    cold.push(now() - t);
    await a.dispose();
    t = now();
    const b = createEngine({ warn: () => undefined });
    const ib = await b.init(opts);
    warm.push(now() - t);
    await b.dispose();
    if (ia.encoded !== catalog.length || ib.cached !== catalog.length || ib.storage !== env.storage) {
      throw new Error(`cold/warm start did not behave: cold encoded ${ia.encoded}, warm cached ${ib.cached} (${ib.storage})`);
    }
  }
  return { items: catalog.length, storage: env.storage, coldMs: cold, warmMs: warm, cold: median(cold), warm: median(warm), speedup: median(cold) / median(warm) };
}

export async function runSuite(env: BenchEnv, c: BenchConfig) {
  const t0 = now();
  const mem: Array<{ at: string; bytes: number }> = [];
  let memHow = 'unavailable';
  const sample = async (at: string) => {
    const m = await env.memory();
    if (m) { mem.push({ at, bytes: m.bytes }); memHow = m.how; }
  };
  const manifest = await json(env, `${MODEL}/hllm.json`);
  const shape: ModelShape = await json(env, `${MODEL}/config.json`);
  const tok = createItemTokenizer(await json(env, `${MODEL}/tokenizer.json`), await json(env, `${MODEL}/tokenizer_config.json`), manifest);
  const items = parseCsv(new TextDecoder().decode(await env.readFile('public/catalogs/ml-latest-small/items.csv')));
  const rows = items.map((it) => tok.itemIds(buildItemText(it, manifest)));
  await sample('start');

  env.log(`${env.name}: roofline MatMul ${JSON.stringify(c.matmul)}`);
  const roof = await roofline(env, c);
  env.log(`  ${roof.gflops.toFixed(2)} GFLOP/s`);
  env.log(`${env.name}: item encoding, ${c.encodeItems} items batched / ${c.naiveItems} naive`);
  const enc = await encoding(env, c, rows, shape, manifest.pad_token_id, manifest.dim, roof.gflops);
  env.log(`  ${enc.itemsPerSec.batched.toFixed(1)} items/s batched (${enc.pctOfRoofline.toFixed(1)}% of roofline), ${enc.itemsPerSec.naive.toFixed(1)} naive`);
  const texts = items.slice(0, c.encodeItems).map((it) => buildItemText(it, manifest));
  const tjs = await transformersJs(env, c, texts, shape, roof.gflops, enc.itemsPerSec.batched);
  if (tjs && tjs.itemsPerSec !== undefined) env.log(`  transformers.js: ${tjs.itemsPerSec.toFixed(1)} items/s (${tjs.pctOfRoofline!.toFixed(1)}% of roofline); engine ${tjs.engineSpeedup!.toFixed(2)}× faster`);
  await sample('encoding');

  // Real item vectors for the histories fed to the user encoder.
  const itemModel = await createModel(await env.readFile(`${MODEL}/onnx/item_encoder.onnx`), env.backend, env.threads);
  const histVecs = await encodeItemRows(itemModel, rows.slice(0, 64), { dim: manifest.dim, padId: manifest.pad_token_id, batchSize: 64 });
  await itemModel.release();
  const copy = copyBandwidth(c);
  env.log(`${env.name}: copy bandwidth ${copy.gbPerSec.toFixed(2)} GB/s; recommend latency`);
  const rec = await recommendLatency(env, c, histVecs, manifest.dim, manifest.max_history, copy.gbPerSec);
  await sample('recommend');

  env.log(`${env.name}: cold vs warm start, ${Math.min(c.startItems, items.length)} items × ${c.startReps}`);
  const start = await coldWarm(env, c, items);
  env.log(`  cold ${start.cold.toFixed(0)} ms, warm ${start.warm.toFixed(0)} ms (${start.speedup.toFixed(1)}×)`);
  await sample('start');

  return {
    env: env.name, backend: env.backend, threads: env.threads, config: c, model: { id: manifest.id, shape },
    roofline: roof, encoding: { ...enc, transformersJs: tjs }, copy, recommend: rec, start,
    memory: { how: memHow, peakBytes: mem.length ? Math.max(...mem.map((m) => m.bytes)) : null, samples: mem },
    seconds: (now() - t0) / 1000,
  };
}
export type SuiteResult = Awaited<ReturnType<typeof runSuite>>;
