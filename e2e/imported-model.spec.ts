// A model imported from a Hugging Face checkpoint by models/import_checkpoint.py, with every graph
// in ONNX external data, loaded by the engine's worker in Chromium (WASM): the data files are
// fetched, verified and handed to ORT, and golden.json's item and user embeddings are reproduced.
// The folder is built by the Python importer in beforeAll and served from disk by a route.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import type { CatalogItem } from '../src/protocol.ts';
import { cosine, openEnginePage, startRecommender } from './support/engine.ts';

let tmp = '';
test.beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'hllm-imported-e2e-'));
  execFileSync('/usr/bin/python3', ['models/tests/make_tiny_import.py', tmp], { stdio: 'pipe', timeout: 180_000 });
});
test.afterAll(() => rmSync(tmp, { recursive: true, force: true }));

test('Chromium loads an imported model whose weights are in ONNX external data', async ({ page, context }) => {
  const dir = join(tmp, 'model');
  const golden: { items: { item: CatalogItem; embedding: number[] }[]; users: { history: string[]; embedding: number[]; top10: string[] }[] } =
    JSON.parse(readFileSync(join(dir, 'golden.json'), 'utf8'));
  const served: string[] = [];
  await context.route('**/imported/**', (route) => {
    const rel = new URL(route.request().url()).pathname.replace(/^\/imported\//, '');
    served.push(rel);
    return route.fulfill({ path: join(dir, rel) });
  });
  await openEnginePage(page);
  const catalog = golden.items.map((g) => g.item);
  const dbName = `e2e-imported-${Date.now()}`;
  const info = await startRecommender(page, { model: '/imported/', catalog, backend: 'wasm', dtype: 'fp32', dbName });
  expect(info).toMatchObject({ backend: 'wasm', dtype: 'fp32', modelId: 'tiny-imported', items: catalog.length });
  expect(served).toEqual(expect.arrayContaining(['onnx/item_encoder.onnx_data', 'onnx/user_kv_encoder.onnx_data']));
  // the User LLM with its key/value cache replaces the whole-history graph: one download, not two
  expect(served).not.toContain('onnx/user_encoder.onnx_data');

  const res = await page.evaluate(async ({ items, users }) => {
    const rec = window.rec!;
    const v = await rec.embedItems(items);
    const dim = v.length / items.length;
    const itemVecs = items.map((_, i) => Array.from(v.subarray(i * dim, (i + 1) * dim)));
    const userVecs = [];
    for (const u of users) userVecs.push(Array.from(await rec.embedUser(u.history)));
    for (const id of users[0]!.history) await rec.track(id);
    const top = (await rec.recommend({ k: 10 })).map((r) => r.id);
    await rec.dispose(); // waits for the user state's write, as a page that stays open would get
    return { itemVecs, userVecs, top };
  }, { items: catalog, users: golden.users });
  const itemCos = res.itemVecs.map((v, i) => cosine(v, golden.items[i]!.embedding));
  const userCos = res.userVecs.map((v, i) => cosine(v, golden.users[i]!.embedding));
  expect(Math.min(...itemCos)).toBeGreaterThanOrEqual(0.9999);
  expect(Math.min(...userCos)).toBeGreaterThanOrEqual(0.9999);
  expect(res.top).toEqual(golden.users[0]!.top10);

  // The User LLM's key/value cache is kept in IndexedDB: after a reload the same history costs
  // no position, and the next click costs one.
  const history = golden.users[0]!.history;
  await openEnginePage(page);
  await startRecommender(page, { model: '/imported/', catalog, backend: 'wasm', dtype: 'fp32', dbName });
  const after = await page.evaluate(async ({ history, next }) => {
    const rec = window.rec!;
    const top = (await rec.recommend({ k: 10 })).map((r) => r.id);
    const reloaded = (await rec.stats()).userPositions;
    await rec.track(next);
    await rec.recommend({ k: 10 });
    return { top, reloaded, clicked: (await rec.stats()).userPositions, history };
  }, { history, next: catalog[0]!.id });
  expect(after.top).toEqual(golden.users[0]!.top10);
  expect(after.reloaded).toBe(0);
  expect(after.clicked).toBe(history.length + 1 > 10 ? 10 : 1);
});
