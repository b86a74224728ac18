// Helpers for the engine specs: open the e2e test page, start a recommender in its Web
// Worker, and read golden.json / the catalogue on the Node side. No mocks: the page runs
// the real worker, ONNX Runtime Web and IndexedDB.
import { readFileSync } from 'node:fs';
import { expect, type Page } from '@playwright/test';
import { parseCsv } from '../../src/engine/catalog/catalog.ts';
import type { CatalogItem, EngineOptions, ReadyInfo } from '../../src/protocol.ts';

export const ENGINE_PAGE = '/e2e/pages/engine.html';
export const CATALOG_URL = '/catalogs/ml-latest-small/items.csv';

export interface Golden {
  catalog: { sha256: string; items: number };
  tokenizer_cases: { text: string; ids: number[] }[];
  items: { item: CatalogItem; text: string; input_ids: number[]; embedding: number[] }[];
  users: { history: string[]; embedding: number[]; top10: string[] }[];
}
export const golden: Golden = JSON.parse(readFileSync('public/models/default/golden.json', 'utf8'));
export const catalog: CatalogItem[] = parseCsv(readFileSync(`public${CATALOG_URL}`, 'utf8'));

export async function openEnginePage(page: Page): Promise<void> {
  await page.goto(ENGINE_PAGE);
  await expect(page.locator('#status')).toHaveText('ready');
}

/**
 * Starts window.rec and returns its ReadyInfo: createRecommender() on the engine worker, or
 * with `via: 'test'` the test worker, whose hooks window.hllmTest.hooks(window.rec) reaches.
 */
export async function startRecommender(page: Page, opts: Omit<EngineOptions, 'model'> & { model?: string }, via: 'public' | 'test' = 'public'): Promise<ReadyInfo> {
  return page.evaluate(async ({ o, via }) => {
    window.progress = [];
    const create = via === 'test' ? window.hllmTest.createRecommender : window.hllm.createRecommender;
    window.rec = await create({ model: '/models/default/', ...o, onProgress: (p) => window.progress!.push(p) });
    return window.rec.ready;
  }, { o: opts, via });
}

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) { d += a[i]! * b[i]!; na += a[i]! * a[i]!; nb += b[i]! * b[i]!; }
  return d / Math.sqrt(na * nb);
}

/** Golden parity inside the page: token ids, item and user embeddings (as cosines). */
export async function goldenParity(page: Page, users: Golden['users']) {
  return page.evaluate(async ({ items, users }) => {
    const rec = window.rec!;
    const tokens = [];
    for (const g of items) tokens.push(await rec.tokenizeItem(g.item));
    const v = await rec.embedItems(items.map((g) => g.item));
    const itemVecs = items.map((_, i) => Array.from(v.subarray(i * 64, (i + 1) * 64)));
    const userVecs = [];
    for (const u of users) userVecs.push(Array.from(await rec.embedUser(u.history)));
    return { tokens, itemVecs, userVecs, isF32: v instanceof Float32Array };
  }, { items: golden.items, users });
}

/** How killMidSetCatalog() ends the worker: an uncaught error, its own close(), or terminate() from the page. */
export type KillHow = 'error' | 'close' | 'terminate';

/**
 * On a test recommender (startRecommender(…, 'test')) that has tracked nothing yet: tracks
 * `more[0]`, starts setCatalog(more) and ends the worker on the first encode progress event
 * that has done > 0, so the kill provably lands mid-job. Reads (stats, recommend, history)
 * are issued the moment the kill is made, before the page can know the worker is dead.
 */
export async function killMidSetCatalog(page: Page, more: CatalogItem[], how: KillHow) {
  return page.evaluate(async ({ more, how }) => {
    const rec = window.rec!;
    const hooks = window.hllmTest.hooks(rec);
    await rec.track(more[0]!.id);
    let atKill: { done: number; total: number } | null = null;
    const killed = new Promise<void>((resolve, reject) => {
      const off = rec.on('progress', (p) => {
        if (atKill || p.phase !== 'encode' || p.done === 0) return;
        atKill = { done: p.done, total: p.total };
        off();
        if (how === 'terminate') resolve(hooks.simulateTermination());
        else hooks.simulateCrash(how).then(resolve, reject);
      });
    });
    const write = rec.setCatalog(more).then(() => 'resolved', (e) => e.code as string);
    await killed;
    const t0 = performance.now();
    const reads = Promise.all([rec.stats(), rec.recommend({ k: 3 }), rec.history()]);
    const code = await write;
    const noticedMs = performance.now() - t0;
    const [, recs, history] = await reads;
    return { atKill: atKill!, code, noticedMs, recs: recs.length, history: history.length, stats: await rec.stats(), workers: hooks.workersStarted };
  }, { more, how });
}

/**
 * What a worker killed mid-setCatalog() must leave (e2e/engine-wasm and runtime-failures): the
 * job had started and not finished, the write rejected with WORKER_CRASHED, one restart, the
 * reads sent at the kill answered, and the restarted worker back on the original 40 items, every
 * vector from IndexedDB.
 */
export function expectRestartedCleanly(out: Awaited<ReturnType<typeof killMidSetCatalog>>): void {
  expect(out.atKill.done).toBeGreaterThan(0);
  expect(out.atKill.done).toBeLessThan(out.atKill.total);
  expect(out.code).toBe('WORKER_CRASHED');
  expect(out.workers).toBe(2);
  expect(out.recs).toBe(3);
  expect(out.history).toBe(1);
  expect(out.stats).toMatchObject({ itemsEncoded: 0, catalogItems: 40, cacheHits: 40, historyEvents: 1 });
}

/** The item ids of the history events stored in IndexedDB database `db`, read straight from the store (not through the engine). */
export async function storedItemIds(page: Page, db: string): Promise<string[]> {
  return page.evaluate(async (name) => {
    const s = await window.hllmStorage.IdbStore.open(name);
    const ids = (await s.getEvents()).map((x) => x.itemId);
    await s.close();
    return ids;
  }, db);
}
