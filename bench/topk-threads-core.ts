// The threaded top-K scan benchmark body (browser worker on a cross-origin-isolated page only):
// one seeded synthetic int8 table per thread count (1, 2, 4 by default: the same rows, queries and
// 50-row history masks each time), built by createThreadedTable exactly as the engine builds it,
// and per count the median of VectorTable.topK (scan on this worker + scan workers, exact
// re-score), its bytes/s against the same run's copy bandwidth, and a check against bruteForceTopK.
import { createThreadedTable } from '../src/engine/index/kernel/topk-threads.ts';
import { normalize } from '../src/vectors/vector-math.ts';
import { bruteForceTopK, type VectorTable } from '../src/engine/index/vector-table.ts';
import { median, now } from './stats.ts';
import type { TopkBenchOptions } from './topk-core.ts';

export interface ThreadedRun { threads: number; scanThreads: number; topkMedianMs: number; topkP95Ms: number; GBps: number; pctOfCopy: number; speedupVs1: number; mismatchesVsBruteForce: number; warnings: string[] }
export interface ThreadedBench { hardwareConcurrency: number; bytesPerQuery: number; copyMedianMs: number; copyGBps: number; runs: ThreadedRun[] }

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 2 ** 32; };
}

function fill(t: VectorTable, seed: number): void {
  const r = rng(seed);
  const chunk = 65_536;
  for (let s = 0; s < t.rows; s += chunk) {
    const n = Math.min(chunk, t.rows - s);
    const codes = new Int8Array(n * t.dim);
    for (let i = 0; i < codes.length; i++) codes[i] = Math.round((r() * 2 - 1) * 127);
    const scales = new Float32Array(n);
    for (let i = 0; i < n; i++) scales[i] = 0.001 + r() * 0.01;
    t.setInt8Rows(s, codes, scales);
  }
}

export async function runThreadedTopkBench(shared: WebAssembly.Module, o: TopkBenchOptions, counts = [1, 2, 4]): Promise<ThreadedBench> {
  const { rows, dim, k } = o;
  const r = rng(o.seed + 1);
  const queries = Array.from({ length: o.reps }, () => {
    const q = new Float32Array(dim);
    for (let j = 0; j < dim; j++) q[j] = r() * 2 - 1;
    const masked = new Uint8Array(rows).fill(0);
    for (let h = 0; h < o.history; h++) masked[Math.floor(r() * rows)] = 1;
    return { q, masked };
  });
  const bytesPerQuery = rows * dim + rows * 8 + rows;
  const src = new Uint8Array(bytesPerQuery);
  for (let i = 0; i < src.length; i += 4096) src[i] = i;
  const dst = new Uint8Array(bytesPerQuery);
  const copy: number[] = [];
  for (let i = 0; i < 10; i++) { const t = now(); dst.set(src); copy.push(now() - t); }
  const copyMs = median(copy);
  const runs: ThreadedRun[] = [];
  for (const threads of counts) {
    const warnings: string[] = [];
    const t = await createThreadedTable(shared, 'int8', dim, rows, threads, (m) => warnings.push(m));
    if (!t) throw new Error('shared kernel did not instantiate');
    fill(t, o.seed);
    const times: number[] = [];
    await t.topK(queries[0]!.q, k, queries[0]!.masked); // warm-up: the workers' first call
    for (const { q, masked } of queries) { const s = now(); await t.topK(q, k, masked); times.push(now() - s); }
    let mismatches = 0;
    for (const { q, masked } of queries.slice(0, o.bruteReps)) {
      if (JSON.stringify(await t.topK(q, k, masked)) !== JSON.stringify(bruteForceTopK(t, normalize(q), k, masked))) mismatches++;
    }
    const ms = median(times);
    runs.push({
      threads, scanThreads: t.scanThreads, topkMedianMs: ms, topkP95Ms: [...times].sort((a, b) => a - b)[Math.floor(0.95 * (times.length - 1))]!,
      GBps: bytesPerQuery / ms / 1e6, pctOfCopy: (100 * copyMs) / ms, speedupVs1: runs[0] ? runs[0].topkMedianMs / ms : 1,
      mismatchesVsBruteForce: mismatches, warnings,
    });
    t.dispose();
  }
  return { hardwareConcurrency: navigator.hardwareConcurrency, bytesPerQuery, copyMedianMs: copyMs, copyGBps: bytesPerQuery / copyMs / 1e6, runs };
}

export function threadedSummary(env: string, o: TopkBenchOptions, x: ThreadedBench, load: string): string {
  const f = (n: number) => n.toFixed(2);
  return [
    `### threaded top-K scan, ${env} (cross-origin isolated): ${o.rows.toLocaleString('en')} × ${o.dim} int8 rows, k=${o.k}, history mask ${o.history}, ${o.reps} queries`,
    '',
    `navigator.hardwareConcurrency ${x.hardwareConcurrency}; ${load}. Copy of the same ${(x.bytesPerQuery / 1e6).toFixed(0)} MB: ${f(x.copyMedianMs)} ms = ${f(x.copyGBps)} GB/s.`,
    '',
    '| threads | topK median | p95 | bytes/s | % of 1-thread copy bandwidth | speed-up vs 1 | results ≠ bruteForceTopK |',
    '|---|---|---|---|---|---|---|',
    ...x.runs.map((r) => `| ${r.threads} (${r.scanThreads} in use) | **${f(r.topkMedianMs)} ms** | ${f(r.topkP95Ms)} ms | ${f(r.GBps)} GB/s | ${r.pctOfCopy.toFixed(0)} % | ${r.speedupVs1.toFixed(2)}× | ${r.mismatchesVsBruteForce} of ${o.bruteReps} |`),
    '',
  ].join('\n');
}
