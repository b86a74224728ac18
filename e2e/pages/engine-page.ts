// Test page script: puts the public API (createRecommender, HllmError, …), the test-only
// recommender with its hooks, and the storage layer on window so Playwright specs can
// drive them with page.evaluate().
// Imports: src/index.ts, src/testing/test-hooks, src/storage/*.
import * as api from '../../src/index.ts';
import { IdbStore } from '../../src/storage/idb-store.ts';
import { DB_VERSION, openHllmDB } from '../../src/storage/schema.ts';
import { createTestRecommender, testHooks } from '../../src/testing/test-hooks.ts';

declare global {
  interface Window {
    hllm: typeof api;
    hllmTest: { createRecommender: typeof createTestRecommender; hooks: typeof testHooks };
    hllmStorage: { IdbStore: typeof IdbStore; openHllmDB: typeof openHllmDB; DB_VERSION: number };
    rec?: api.Recommender;
    progress?: api.Progress[];
  }
}

window.hllm = api;
window.hllmTest = { createRecommender: createTestRecommender, hooks: testHooks };
window.hllmStorage = { IdbStore, openHllmDB, DB_VERSION };
document.getElementById('status')!.textContent = 'ready';
