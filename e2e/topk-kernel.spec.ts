// The WASM SIMD top-K kernel as the browser build ships it (bytes inlined by the Vite plugin),
// in a Web Worker of real Chromium on the (not cross-origin isolated) engine page: topK over
// int8 and float32 tables equals the JS brute force on random queries with history masks, and
// asking for 4 threads there still scans on one (no SharedArrayBuffer is tried).
import { expect, test } from '@playwright/test';
import { openEnginePage } from './support/engine.ts';

const single = { wasmScanner: true, mismatches: 0, firstMismatch: null, isolated: false, scanThreads: 1, scanThreadsAtEnd: 1, crashed: false, warnings: [] };

test('kernel topK equals bruteForceTopK in a Chromium worker (int8 and float32)', async ({ page }) => {
  await openEnginePage(page);
  const int8 = await page.evaluate(() => window.hllmKernel.check({ dtype: 'int8', rows: 20_000, dim: 64, queries: 200, k: 10, seed: 3, threads: 4, minRowsPerThread: 1000 }));
  expect(int8).toEqual({ ...single, checked: 200 });
  const odd = await page.evaluate(() => window.hllmKernel.check({ dtype: 'int8', rows: 3_001, dim: 37, queries: 100, k: 25, seed: 4 }));
  expect(odd).toEqual({ ...single, checked: 100 });
  const f32 = await page.evaluate(() => window.hllmKernel.check({ dtype: 'fp32', rows: 5_000, dim: 30, queries: 100, k: 10, seed: 5 }));
  expect(f32).toEqual({ ...single, checked: 100 });
});
