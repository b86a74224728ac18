// Test page script: puts the public API (createRecommender, HllmError, …), the test-only
// recommender with its hooks, and the storage layer (with hexOf for its packed hashes) on window
// so Playwright specs can drive them with page.evaluate(), and registers <hllm-recommendations>
// for widget checks that need this page's routes (e2e/vector-shards.spec.ts).
// Also the script of engine-isolated.html (the same page, cross-origin isolated).
import * as api from '../../src/index.ts';
import { defineHllmRecommendations } from '../../src/widget/index.ts';
import { hexOf } from '../../src/io/hex.ts';
import { IdbStore } from '../../src/storage/idb-store.ts';
import { DB_VERSION, openHllmDB } from '../../src/storage/schema.ts';
import { createTestRecommender, testHooks } from '../../src/testing/test-hooks.ts';
import type { TopkCheck, TopkCheckResult } from './topk-worker.ts';

declare global {
  interface Window {
    hllm: typeof api;
    hllmTest: { createRecommender: typeof createTestRecommender; hooks: typeof testHooks };
    hllmStorage: { IdbStore: typeof IdbStore; openHllmDB: typeof openHllmDB; DB_VERSION: number; hexOf: typeof hexOf };
    rec?: api.Recommender;
    progress?: api.Progress[];
    hllmKernel: { check(c: TopkCheck): Promise<TopkCheckResult> };
  }
}

window.hllm = api;
defineHllmRecommendations();
window.hllmTest = { createRecommender: createTestRecommender, hooks: testHooks };
window.hllmStorage = { IdbStore, openHllmDB, DB_VERSION, hexOf };
// The top-K kernel in a worker of its own (e2e/topk-kernel.spec.ts).
window.hllmKernel = {
  check: (c) => new Promise((resolve, reject) => {
    const w = new Worker(new URL('./topk-worker.ts', import.meta.url), { type: 'module' });
    w.onmessage = (e: MessageEvent<TopkCheckResult>) => { w.terminate(); resolve(e.data); };
    w.onerror = (e) => { w.terminate(); reject(new Error(e.message)); };
    w.postMessage(c);
  }),
};
document.getElementById('status')!.textContent = 'ready';
