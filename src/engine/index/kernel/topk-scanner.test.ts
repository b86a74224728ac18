// The WASM top-K kernel against the reference brute force: random tables (int8 and float32, dims
// not multiples of 16, duplicate and zero rows, masks incl. all masked, k past the row count) and
// 1,000 queries on a 20k-row table must give the same rows, order and scores; and how many scan
// threads a table gets (one in Node).
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createVectorTable, scanThreadsFor } from '../table-factory.ts';
import { bruteForceTopK, VectorTable, type TableDtype } from '../vector-table.ts';
import { compileKernel, createKernelTable } from './topk-scanner.ts';
import { normalize } from '../../../vectors/vector-math.ts';

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 2 ** 32; };
}

async function fill(dtype: TableDtype, dim: number, rows: number, seed: number, dupEvery = 0): Promise<VectorTable> {
  const t = await createVectorTable(dtype, dim, rows);
  const r = rng(seed);
  for (let i = 0; i < rows; i++) {
    const v = new Float32Array(dim);
    if (dupEvery && i % dupEvery === 1) { t.setRaw(i, t.raw(i - 1)); continue; }
    if (!(dupEvery && i % dupEvery === 2)) for (let j = 0; j < dim; j++) v[j] = r() * 2 - 1; // else a zero row
    t.setRaw(i, v);
  }
  return t;
}

describe('WASM top-K kernel', () => {
  it('is the scanner createVectorTable attaches, for int8 and float32', async () => {
    expect((await createVectorTable('int8', 64, 10)).scanner).not.toBeNull();
    expect((await createVectorTable('fp32', 7, 10)).scanner).not.toBeNull();
  });

  it('returns every row when all rows are identical, and the brute force order (lowest rows first)', async () => {
    const t = await createVectorTable('int8', 19, 500);
    const v = Float32Array.from({ length: 19 }, (_, j) => Math.sin(j + 1));
    for (let i = 0; i < t.rows; i++) t.setRaw(i, v);
    const masked = new Uint8Array(t.rows);
    masked[0] = masked[3] = 1;
    const q = Float32Array.from({ length: 19 }, (_, j) => Math.cos(j));
    expect((t.scanner!.candidates(t, normalize(q), 5, masked) as Int32Array).length).toBe(498);
    const top = await t.topK(q, 5, masked);
    expect(top.map((s) => s.index)).toEqual([1, 2, 4, 5, 6]);
    expect(top).toEqual(bruteForceTopK(t, normalize(q), 5, masked));
  });

  it('float32 rows with tiny or huge norms (no f32 error bound) still rank exactly', async () => {
    const t = await createVectorTable('fp32', 5, 400);
    const r = rng(5);
    for (let i = 0; i < t.rows; i++) {
      const mag = i % 3 === 0 ? 1e-43 : i % 3 === 1 ? 1e38 : 1;
      t.setRaw(i, Float32Array.from({ length: 5 }, () => (r() * 2 - 1) * mag));
    }
    for (let n = 0; n < 20; n++) {
      const q = Float32Array.from({ length: 5 }, () => r() * 2 - 1);
      expect(await t.topK(q, 7)).toEqual(bruteForceTopK(t, normalize(q), 7));
    }
  });

  it('compileKernel gives null for bytes that do not compile (createVectorTable then makes the plain table); tables live in the wasm memory', async () => {
    expect(await compileKernel(async () => Uint8Array.of(0, 0x61, 0x73, 0x6d, 2))).toBeNull();
    const module = await compileKernel(async () => (await import('./topk-kernel.as.ts?topk-wasm')).default);
    const t = await createKernelTable(module!, 'int8', 8, 4);
    expect(t).toBeInstanceOf(VectorTable);
    expect(t!.values.buffer.byteLength).toBeGreaterThan(t!.values.byteLength); // a view into the kernel's memory
    expect(t!.invNorm.buffer).toBe(t!.values.buffer);
  });

  it('equals bruteForceTopK on random tables, ties, masks and k', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          dtype: fc.constantFrom<TableDtype>('int8', 'fp32'),
          dim: fc.integer({ min: 1, max: 70 }),
          rows: fc.integer({ min: 0, max: 3000 }),
          seed: fc.integer({ min: 1, max: 2 ** 31 }),
          dupEvery: fc.constantFrom(0, 3, 7),
          k: fc.integer({ min: 1, max: 3100 }),
          maskKind: fc.constantFrom('none', 'some', 'all', 'short'),
          queryKind: fc.constantFrom('random', 'row', 'zero'),
        }),
        async ({ dtype, dim, rows, seed, dupEvery, k, maskKind, queryKind }) => {
          const t = await fill(dtype, dim, rows, seed, dupEvery);
          const r = rng(seed ^ 0x5bd1e995);
          let masked: Uint8Array | undefined;
          if (maskKind === 'all') masked = new Uint8Array(rows).fill(1);
          else if (maskKind !== 'none') {
            masked = new Uint8Array(maskKind === 'short' ? Math.floor(rows / 2) : rows);
            for (let i = 0; i < masked.length; i++) masked[i] = r() < 0.2 ? 1 : 0;
          }
          const query = new Float32Array(dim);
          if (queryKind === 'random') for (let j = 0; j < dim; j++) query[j] = r() * 2 - 1;
          else if (queryKind === 'row' && rows > 0) query.set(t.raw(Math.floor(r() * rows)));
          const got = await t.topK(query, k, masked);
          expect(got).toEqual(rows === 0 ? [] : bruteForceTopK(t, normalize(query), k, masked));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('equals bruteForceTopK on 1,000 random queries over 20k int8 rows with a history mask', async () => {
    const dim = 64;
    const t = await fill('int8', dim, 20_000, 7);
    const r = rng(99);
    let mismatches = 0;
    let candidates = 0;
    for (let n = 0; n < 1000; n++) {
      const q = new Float32Array(dim);
      for (let j = 0; j < dim; j++) q[j] = r() * 2 - 1;
      const masked = new Uint8Array(t.rows);
      for (let h = 0; h < 50; h++) masked[Math.floor(r() * t.rows)] = 1;
      const qn = normalize(q);
      candidates += (t.scanner!.candidates(t, qn, 10, masked) as Int32Array).length;
      if (JSON.stringify(await t.topK(q, 10, masked)) !== JSON.stringify(bruteForceTopK(t, qn, 10, masked))) mismatches++;
    }
    expect(mismatches).toBe(0);
    // The bound prunes: far fewer candidates than rows come back to JS.
    expect(candidates / 1000).toBeLessThan(200);
  });
});

// The threaded scan itself runs in Chromium (e2e/topk-threads.spec.ts): Node has no Web Worker.
describe('scan threads', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('Node, without cross-origin isolation, scans on one thread whatever threads are asked', async () => {
    expect(scanThreadsFor(1_000_000, { threads: 4 })).toBe(1);
    const t = await createVectorTable('int8', 8, 200_000, { threads: 4, minRowsPerThread: 1 });
    expect(t.scanThreads).toBe(1);
    t.dispose();
    expect((await t.topK(Float32Array.from({ length: 8 }, (_, j) => j - 3), 3)).length).toBe(3);
  });

  it('an isolated page gets min(threads, rows / minRowsPerThread) threads, at least 1', () => {
    vi.stubGlobal('crossOriginIsolated', true);
    vi.stubGlobal('Worker', class {});
    expect(scanThreadsFor(1_000_000, { threads: 4 })).toBe(4);
    expect(scanThreadsFor(150_000, { threads: 4 })).toBe(2);
    expect(scanThreadsFor(9_742, { threads: 4 })).toBe(1);
    expect(scanThreadsFor(1_000_000, {})).toBe(1);
    expect(scanThreadsFor(3_000, { threads: 3, minRowsPerThread: 1000 })).toBe(3);
  });
});
