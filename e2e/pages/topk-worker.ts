// Test worker for e2e/topk-kernel.spec.ts: builds a seeded random table through createVectorTable
// (so the browser build's inlined kernel bytes are what runs) and compares topK with the JS
// brute force on random queries and history masks; posts back the counts.
// Imports: src/engine/vector-table, src/engine/ranking.
import { normalize } from '../../src/engine/ranking.ts';
import { bruteForceTopK, createVectorTable, type TableDtype } from '../../src/engine/vector-table.ts';

export interface TopkCheck { dtype: TableDtype; rows: number; dim: number; queries: number; k: number; seed: number }
export interface TopkCheckResult { wasmScanner: boolean; checked: number; mismatches: number; firstMismatch: string | null }

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 2 ** 32; };
}

self.onmessage = async (e: MessageEvent<TopkCheck>) => {
  const { dtype, rows, dim, queries, k, seed } = e.data;
  const r = rng(seed);
  const t = await createVectorTable(dtype, dim, rows);
  for (let i = 0; i < rows; i++) {
    if (i % 11 === 5) { t.setRaw(i, t.raw(i - 1)); continue; } // exact ties
    const v = new Float32Array(dim);
    for (let j = 0; j < dim; j++) v[j] = r() * 2 - 1;
    t.setRaw(i, v);
  }
  let mismatches = 0;
  let firstMismatch: string | null = null;
  for (let n = 0; n < queries; n++) {
    const q = new Float32Array(dim);
    for (let j = 0; j < dim; j++) q[j] = r() * 2 - 1;
    const masked = new Uint8Array(rows);
    for (let h = 0; h < 50; h++) masked[Math.floor(r() * rows)] = 1;
    const got = JSON.stringify(await t.topK(q, k, masked));
    const want = JSON.stringify(bruteForceTopK(t, normalize(q), k, masked));
    if (got !== want) { mismatches++; firstMismatch ??= `${got} vs ${want}`; }
  }
  const result: TopkCheckResult = { wasmScanner: t.scanner !== null, checked: queries, mismatches, firstMismatch };
  self.postMessage(result);
};
