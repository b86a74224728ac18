// Test worker for e2e/topk-kernel.spec.ts and e2e/topk-threads.spec.ts: builds a seeded random
// table through createVectorTable (so the browser build's inlined kernel bytes, and on the
// isolated page the threaded scan with its nested scan workers, are what runs) and compares topK
// with the JS brute force on random queries and history masks; posts back the counts, the scan
// threads used and the warnings. `crashAt`: before that query a scan worker is made to die
// (src/testing/crashing-scan-workers.ts); `disposeAt`: the table is disposed (its workers end) before that query.
import { normalize } from '../../src/vectors/vector-math.ts';
import { createVectorTable } from '../../src/engine/index/table-factory.ts';
import { bruteForceTopK, type TableDtype } from '../../src/engine/index/vector-table.ts';
import { crashingScanWorkers } from '../../src/testing/crashing-scan-workers.ts';

export interface TopkCheck {
  dtype: TableDtype; rows: number; dim: number; queries: number; k: number; seed: number;
  threads?: number; minRowsPerThread?: number; crashAt?: number; disposeAt?: number;
}
export interface TopkCheckResult {
  wasmScanner: boolean; checked: number; mismatches: number; firstMismatch: string | null;
  isolated: boolean; scanThreads: number; scanThreadsAtEnd: number; crashed: boolean; warnings: string[];
}

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 2 ** 32; };
}

self.onmessage = async (e: MessageEvent<TopkCheck>) => {
  const { dtype, rows, dim, queries, k, seed } = e.data;
  const r = rng(seed);
  const warnings: string[] = [];
  const crash = crashingScanWorkers();
  const t = await createVectorTable(dtype, dim, rows, { threads: e.data.threads, minRowsPerThread: e.data.minRowsPerThread, warn: (m) => warnings.push(m), spawnScanWorker: crash.spawn });
  const scanThreads = t.scanThreads;
  for (let i = 0; i < rows; i++) {
    if (i % 11 === 5) { t.setRaw(i, t.raw(i - 1)); continue; } // exact ties
    const v = new Float32Array(dim);
    for (let j = 0; j < dim; j++) v[j] = r() * 2 - 1;
    t.setRaw(i, v);
  }
  let mismatches = 0;
  let firstMismatch: string | null = null;
  let crashed = false;
  for (let n = 0; n < queries; n++) {
    if (n === e.data.crashAt) crashed = crash.failNextScan(t);
    if (n === e.data.disposeAt) t.dispose();
    const q = new Float32Array(dim);
    for (let j = 0; j < dim; j++) q[j] = r() * 2 - 1;
    const masked = new Uint8Array(rows);
    for (let h = 0; h < 50; h++) masked[Math.floor(r() * rows)] = 1;
    const got = JSON.stringify(await t.topK(q, k, masked));
    const want = JSON.stringify(bruteForceTopK(t, normalize(q), k, masked));
    if (got !== want) { mismatches++; firstMismatch ??= `${got} vs ${want}`; }
  }
  const result: TopkCheckResult = {
    wasmScanner: t.scanner !== null, checked: queries, mismatches, firstMismatch,
    isolated: self.crossOriginIsolated, scanThreads, scanThreadsAtEnd: t.scanThreads, crashed, warnings,
  };
  t.dispose();
  self.postMessage(result);
};
