// The top-K kernel benchmark body, shared by Node (topk-bench.ts) and a browser worker: a seeded
// synthetic int8 table (rows × dim codes, random scales), queries with a 50-row history mask, and
// the median time of the WASM kernel's topK, of its candidate scan alone, of the JS brute force over
// the same table, and of a float32 scan (bench/float-topk.ts), each against the same run's copy
// bandwidth (TypedArray.set of the bytes the kernel reads per query).
import { createKernelTable } from '../src/engine/index/kernel/topk-scanner.ts';
import { normalize } from '../src/vectors/vector-math.ts';
import { topK as floatTopK } from './float-topk.ts';
import { bruteForceTopK } from '../src/engine/index/vector-table.ts';
import { median, now } from './stats.ts';

export interface TopkBenchOptions { rows: number; dim: number; k: number; history: number; reps: number; bruteReps: number; seed: number }
export const DEFAULTS: TopkBenchOptions = { rows: 1_000_000, dim: 64, k: 10, history: 50, reps: 50, bruteReps: 5, seed: 12 };

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 2 ** 32; };
}

const ms = (fn: () => unknown) => { const t = now(); fn(); return now() - t; };

export async function runTopkBench(module: WebAssembly.Module, o: TopkBenchOptions = DEFAULTS) {
  const { rows, dim, k } = o;
  const r = rng(o.seed);
  const t = await createKernelTable(module, 'int8', dim, rows);
  if (!t) throw new Error('kernel did not instantiate');
  const chunk = 65_536;
  for (let s = 0; s < rows; s += chunk) {
    const n = Math.min(chunk, rows - s);
    const codes = new Int8Array(n * dim);
    for (let i = 0; i < codes.length; i++) codes[i] = Math.round((r() * 2 - 1) * 127);
    const scales = new Float32Array(n);
    for (let i = 0; i < n; i++) scales[i] = 0.001 + r() * 0.01;
    t.setInt8Rows(s, codes, scales);
  }
  const queries = Array.from({ length: o.reps }, () => {
    const q = new Float32Array(dim);
    for (let j = 0; j < dim; j++) q[j] = r() * 2 - 1;
    // fill(0) commits the pages: otherwise whichever scan reads the mask first pays the page faults.
    const masked = new Uint8Array(rows).fill(0);
    for (let h = 0; h < o.history; h++) masked[Math.floor(r() * rows)] = 1;
    return { q, qn: normalize(q), masked };
  });
  // Bytes one query's scan reads: the codes, the f64 1/‖row‖, and the copied-in mask.
  const bytesPerQuery = rows * dim + rows * 8 + rows;
  const src = new Uint8Array(bytesPerQuery);
  for (let i = 0; i < src.length; i += 4096) src[i] = i;
  const dst = new Uint8Array(bytesPerQuery);
  const copy: number[] = [];
  for (let i = 0; i < 10; i++) copy.push(ms(() => dst.set(src)));

  const scan: number[] = [];
  const topk: number[] = [];
  let candidates = 0;
  let mismatches = 0;
  for (const { q, qn, masked } of queries) {
    let c: Int32Array | undefined;
    scan.push(ms(() => { c = t.scanner!.candidates(t, qn, k, masked) as Int32Array; }));
    candidates += c!.length;
    const s = now();
    await t.topK(q, k, masked);
    topk.push(now() - s);
  }
  const brute: number[] = [];
  for (const { q, qn, masked } of queries.slice(0, o.bruteReps)) {
    let ref: unknown;
    brute.push(ms(() => { ref = bruteForceTopK(t, qn, k, masked); }));
    if (JSON.stringify(ref) !== JSON.stringify(await t.topK(q, k, masked))) mismatches++;
  }
  // The float32 baseline: normalised float32 rows (4 bytes per value) through bench/float-topk.ts.
  const normed = new Float32Array(rows * dim);
  for (let i = 0; i < rows; i++) normed.set(t.normed(i), i * dim);
  const float: number[] = [];
  for (const { qn, masked } of queries.slice(0, o.bruteReps)) float.push(ms(() => floatTopK(normed, dim, qn, k, masked)));

  const copyMs = median(copy);
  const scanMs = median(scan);
  return {
    options: o,
    bytesPerQuery,
    copyMedianMs: copyMs,
    copyGBps: bytesPerQuery / copyMs / 1e6,
    kernelScanMedianMs: scanMs,
    kernelScanGBps: bytesPerQuery / scanMs / 1e6,
    kernelScanPctOfCopy: (100 * copyMs) / scanMs,
    kernelTopkMedianMs: median(topk),
    kernelTopkP95Ms: [...topk].sort((a, b) => a - b)[Math.floor(0.95 * (topk.length - 1))],
    meanCandidates: candidates / queries.length,
    jsBruteForceMedianMs: median(brute),
    jsFloat32RankingMedianMs: median(float),
    speedupVsBruteForce: median(brute) / median(topk),
    mismatchesVsBruteForce: mismatches,
  };
}

export type TopkBenchResult = Awaited<ReturnType<typeof runTopkBench>>;

export function topkSummary(env: string, x: TopkBenchResult): string {
  const f = (n: number) => n.toFixed(2);
  return [
    `### top-K kernel, ${env}: ${x.options.rows.toLocaleString('en')} × ${x.options.dim} int8 rows, k=${x.options.k}, history mask ${x.options.history}`,
    '',
    '| figure | median |',
    '|---|---|',
    `| WASM kernel topK (scan + exact re-score), ${x.options.reps} queries | **${f(x.kernelTopkMedianMs)} ms** (p95 ${f(x.kernelTopkP95Ms!)} ms) |`,
    `| kernel candidate scan alone | ${f(x.kernelScanMedianMs)} ms = ${f(x.kernelScanGBps)} GB/s |`,
    `| copy of the same ${(x.bytesPerQuery / 1e6).toFixed(0)} MB (TypedArray.set) | ${f(x.copyMedianMs)} ms = ${f(x.copyGBps)} GB/s → scan at **${x.kernelScanPctOfCopy.toFixed(0)} %** of copy bandwidth |`,
    `| JS brute force (bruteForceTopK, same int8 table), ${x.options.bruteReps} queries | ${f(x.jsBruteForceMedianMs)} ms → kernel ${x.speedupVsBruteForce.toFixed(0)}× faster |`,
    `| float32 baseline scan (bench/float-topk.ts over normalised fp32 rows) | ${f(x.jsFloat32RankingMedianMs)} ms |`,
    `| candidates re-scored per query (mean) | ${x.meanCandidates.toFixed(1)} |`,
    `| results different from bruteForceTopK | ${x.mismatchesVsBruteForce} of ${x.options.bruteReps} |`,
    '',
  ].join('\n');
}
