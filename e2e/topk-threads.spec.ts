// The threaded top-K scan in real Chromium on the one cross-origin-isolated test page
// (engine-isolated.html, COOP/COEP from vite.config.ts): a table in a shared WebAssembly.Memory
// scanned by this worker plus nested scan workers equals bruteForceTopK on 1,000 random queries
// with history masks and exact ties (int8 and float32, odd dims, k past a range's rows); a scan
// worker that dies mid-query degrades to one thread with one warning and no wrong result; dispose
// ends the workers and topK keeps working. The plain page's one thread: e2e/topk-kernel.spec.ts.
import { expect, test } from '@playwright/test';

const exact = { wasmScanner: true, mismatches: 0, firstMismatch: null, isolated: true, crashed: false, warnings: [] };

test.beforeEach(async ({ page }) => {
  await page.goto('/e2e/pages/engine-isolated.html');
  await expect(page.locator('#status')).toHaveText('ready');
  expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true);
});

test('threaded topK equals bruteForceTopK on 1,000 queries (4 threads, masks, ties)', async ({ page }) => {
  const int8 = await page.evaluate(() => window.hllmKernel.check({ dtype: 'int8', rows: 40_000, dim: 64, queries: 1000, k: 10, seed: 7, threads: 4, minRowsPerThread: 1000 }));
  expect(int8).toEqual({ ...exact, checked: 1000, scanThreads: 4, scanThreadsAtEnd: 4 });
  const odd = await page.evaluate(() => window.hllmKernel.check({ dtype: 'int8', rows: 3_001, dim: 37, queries: 100, k: 900, seed: 8, threads: 4, minRowsPerThread: 500 }));
  expect(odd).toEqual({ ...exact, checked: 100, scanThreads: 4, scanThreadsAtEnd: 4 });
  const f32 = await page.evaluate(() => window.hllmKernel.check({ dtype: 'fp32', rows: 5_000, dim: 30, queries: 100, k: 10, seed: 9, threads: 3, minRowsPerThread: 1000 }));
  expect(f32).toEqual({ ...exact, checked: 100, scanThreads: 3, scanThreadsAtEnd: 3 });
});

test('threads are capped by table size: a small table scans on one thread even when isolated', async ({ page }) => {
  const small = await page.evaluate(() => window.hllmKernel.check({ dtype: 'int8', rows: 2_000, dim: 16, queries: 20, k: 10, seed: 10, threads: 4 }));
  expect(small).toEqual({ ...exact, checked: 20, scanThreads: 1, scanThreadsAtEnd: 1 });
});

test('a scan worker dying mid-query degrades to one thread with one warning, results stay exact', async ({ page }) => {
  const res = await page.evaluate(() => window.hllmKernel.check({ dtype: 'int8', rows: 20_000, dim: 64, queries: 60, k: 10, seed: 11, threads: 4, minRowsPerThread: 1000, crashAt: 20 }));
  expect(res).toMatchObject({ wasmScanner: true, checked: 60, mismatches: 0, firstMismatch: null, isolated: true, scanThreads: 4, scanThreadsAtEnd: 1, crashed: true });
  expect(res.warnings).toHaveLength(1);
  expect(res.warnings[0]).toMatch(/^hllm: the threaded top-K scan scan worker 1 failed .*; recommendations continue on one thread\.$/);
});

test('dispose() ends the scan workers; topK still answers exactly on this thread', async ({ page }) => {
  const res = await page.evaluate(() => window.hllmKernel.check({ dtype: 'int8', rows: 20_000, dim: 64, queries: 40, k: 10, seed: 12, threads: 2, minRowsPerThread: 1000, disposeAt: 10 }));
  expect(res).toEqual({ ...exact, checked: 40, scanThreads: 2, scanThreadsAtEnd: 1 });
});
