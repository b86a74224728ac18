// Test page script: puts the public API (createRecommender, HllmError, …) and the storage
// layer on window so Playwright specs can drive them with page.evaluate().
// Imports: src/index.ts, src/storage/*.
import * as api from '../../src/index.ts';
import { IdbStore } from '../../src/storage/idb-store.ts';
import { DB_VERSION, openHllmDB } from '../../src/storage/schema.ts';

declare global {
  interface Window {
    hllm: typeof api;
    hllmStorage: { IdbStore: typeof IdbStore; openHllmDB: typeof openHllmDB; DB_VERSION: number };
    rec?: api.Recommender;
    progress?: api.Progress[];
  }
}

window.hllm = api;
window.hllmStorage = { IdbStore, openHllmDB, DB_VERSION };
document.getElementById('status')!.textContent = 'ready';
