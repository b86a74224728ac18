// The default model in Chromium's engine worker on the WASM backend, full catalogue:
// golden parity (tokens, item/user cosine ≥ 0.9999, golden top-10), zero re-encodes
// after a reload, exactly 3 re-encodes after changing 3 items, and a worker that crashes
// mid-job (killed on an observed progress event) restarting with reads retried.
import { expect, test } from '@playwright/test';
import { catalog, CATALOG_URL, cosine, golden, goldenParity, expectRestartedCleanly, killMidSetCatalog, openEnginePage, startRecommender } from './support/engine.ts';

const MIN_COS = 0.9999;

test('WASM: loads in a worker, matches golden.json, caches vectors across reloads, re-encodes only changes', async ({ page }) => {
  const workers: string[] = [];
  page.on('worker', (w) => workers.push(w.url()));
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  await openEnginePage(page);
  const db = `e2e-wasm-${Date.now()}`;

  const info = await startRecommender(page, { catalog: CATALOG_URL, backend: 'wasm', dtype: 'fp32', dbName: db });
  expect(info).toMatchObject({ backend: 'wasm', dtype: 'fp32', items: golden.catalog.items, encoded: golden.catalog.items, cached: 0, storage: 'indexeddb' });
  expect(workers.some((u) => /engine\.worker/.test(u))).toBe(true);
  const phases = await page.evaluate(() => [...new Set(window.progress!.map((p) => p.phase))]);
  expect(phases).toEqual(expect.arrayContaining(['download', 'verify', 'load', 'encode']));
  const origin = new URL(page.url()).origin;
  expect(requests.filter((u) => !u.startsWith(origin))).toEqual([]);
  expect(requests.some((u) => u.endsWith('.wasm'))).toBe(true);

  // golden parity
  const par = await goldenParity(page, golden.users);
  expect(par.isF32).toBe(true);
  par.tokens.forEach((t, i) => {
    expect(t.text).toBe(golden.items[i]!.text);
    expect(t.inputIds).toEqual(golden.items[i]!.input_ids);
  });
  const itemCos = par.itemVecs.map((v, i) => cosine(v, golden.items[i]!.embedding));
  const userCos = par.userVecs.map((v, i) => cosine(v, golden.users[i]!.embedding));
  expect(Math.min(...itemCos)).toBeGreaterThanOrEqual(MIN_COS);
  expect(Math.min(...userCos)).toBeGreaterThanOrEqual(MIN_COS);
  const tops = await page.evaluate(async (users) => {
    const out = [];
    for (const u of users) {
      await window.rec!.forget('all');
      for (const id of u.history) await window.rec!.track(id);
      out.push((await window.rec!.recommend({ k: 10 })).map((r) => r.id));
    }
    return out;
  }, golden.users);
  expect(tops).toEqual(golden.users.map((u) => u.top10));
  const before = await page.evaluate(() => window.rec!.stats());
  expect(before.itemsEncoded).toBe(golden.catalog.items + golden.items.length);

  // reload: vectors and history come from IndexedDB, nothing is encoded
  await page.reload();
  await openEnginePage(page);
  const again = await startRecommender(page, { catalog: CATALOG_URL, backend: 'wasm', dtype: 'fp32', dbName: db });
  expect(again).toMatchObject({ items: golden.catalog.items, encoded: 0, cached: golden.catalog.items });
  expect(await page.evaluate(() => window.rec!.stats())).toMatchObject({ encoderCalls: 0, itemsEncoded: 0 });
  const last = golden.users.at(-1)!;
  expect(await page.evaluate(() => window.rec!.history().then((h) => h.length))).toBe(last.history.length);
  expect(await page.evaluate(() => window.rec!.recommend({ k: 10 }).then((r) => r.map((x) => x.id)))).toEqual(last.top10);

  // change 3 items: exactly 3 are encoded
  const changed = catalog.map((it, i) => ([7, 1007, 2007].includes(i) ? { ...it, title: `${it.title} [remastered]` } : it));
  const res = await page.evaluate((items) => window.rec!.setCatalog(items), changed);
  expect(res).toEqual({ added: 0, changed: 3, removed: 0, encoded: 3 });
  expect(await page.evaluate(() => window.rec!.stats())).toMatchObject({ encoderCalls: 1, itemsEncoded: 3 });

  // errors keep their code across the worker boundary
  const err = await page.evaluate(() => window.rec!.track('no-such-item').then(() => null, (e) => ({ name: e.name, code: e.code, isHllm: e instanceof window.hllm.HllmError })));
  expect(err).toEqual({ name: 'HllmError', code: 'UNKNOWN_ITEM', isHllm: true });
});

test('WASM: a worker that crashes mid-setCatalog: the write rejects WORKER_CRASHED, reads sent at once succeed on the restarted worker', async ({ page }) => {
  await openEnginePage(page);
  const db = `e2e-crash-${Date.now()}`;
  await startRecommender(page, { catalog: catalog.slice(0, 40), backend: 'wasm', dtype: 'fp32', dbName: db }, 'test');
  const out = await killMidSetCatalog(page, catalog.slice(0, 400), 'error');
  expectRestartedCleanly(out);
});
