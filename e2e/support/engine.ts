// Helpers for the engine specs: open the e2e test page, start a recommender in its Web
// Worker, and read golden.json / the catalogue on the Node side. No mocks: the page runs
// the real worker, ONNX Runtime Web and IndexedDB.
// Imports: @playwright/test, node:fs, src/engine/catalog (CSV parsing, pure).
import { readFileSync } from 'node:fs';
import { expect, type Page } from '@playwright/test';
import { parseCsv } from '../../src/engine/catalog.ts';
import type { CatalogItem, EngineOptions, ReadyInfo } from '../../src/protocol.ts';

export const ENGINE_PAGE = '/e2e/pages/engine.html';
export const MODEL_URL = '/models/default/';
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

/** Starts window.rec (createRecommender) and returns its ReadyInfo. */
export async function startRecommender(page: Page, opts: Omit<EngineOptions, 'model'> & { model?: string }): Promise<ReadyInfo> {
  return page.evaluate(async (o) => {
    window.progress = [];
    window.rec = await window.hllm.createRecommender({ model: '/models/default/', ...o, onProgress: (p) => window.progress!.push(p) });
    return window.rec.ready;
  }, opts);
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
