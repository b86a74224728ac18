// The default model in Chromium's engine worker on WebGPU (SwiftShader here: correct but
// 20–30× slower than WASM, so the catalogue is small and WebGPU is forced — 'auto' picks
// WASM over a software adapter): the self-check against WASM passes, golden parity holds (tokens, item/user cosine ≥ 0.9999), and recommend() returns the
// same top-10 as the engine in Node, on WebGPU and on WASM.
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { createEngine } from '../src/index.ts';
import { catalog, cosine, golden, goldenParity, openEnginePage, startRecommender } from './support/engine.ts';

const MIN_COS = 0.9999;
const users = golden.users.filter((u) => u.history.length <= 60).slice(0, 2);
const wanted = new Set([...golden.items.map((g) => g.item.id), ...users.flatMap((u) => u.history.slice(-50))]);
const small = catalog.filter((it, i) => i < 30 || wanted.has(it.id));
const history = users[0]!.history.slice(-50);

/**
 * The dtype 'auto' must pick on a software adapter, by the documented rule (backend-policy.ts,
 * docs/vector-format.md): as on WASM, q8 then q4, the first whose test N@10 in hllm.json is at
 * least 97 % of fp32's; else fp32.
 */
function softwareAdapterDtype(): string {
  const test = (JSON.parse(readFileSync('public/models/default/hllm.json', 'utf8')) as { metrics: { test: Record<string, { 'N@10': number } | undefined> } }).metrics.test;
  return ['q8', 'q4'].find((d) => (test[d]?.['N@10'] ?? -1) >= 0.97 * test.fp32!['N@10']) ?? 'fp32';
}

async function nodeTop10(): Promise<Array<{ id: string; score: number }>> {
  const e = createEngine();
  await e.init({ model: 'public/models/default', catalog: small, backend: 'wasm', dtype: 'fp32', storage: 'memory' });
  for (const id of history) await e.track(id);
  const top = await e.recommend({ k: 10 });
  await e.dispose();
  return top.map((r) => ({ id: r.id, score: r.score }));
}

async function browserTop10(page: import('@playwright/test').Page) {
  return page.evaluate(async (h) => {
    await window.rec!.forget('all');
    for (const id of h) await window.rec!.track(id);
    return (await window.rec!.recommend({ k: 10 })).map((r) => ({ id: r.id, score: r.score }));
  }, history);
}

test('WebGPU: self-check passes, golden parity holds, top-10 equals Node', async ({ page }) => {
  await openEnginePage(page);
  const gpu = await page.evaluate(() => window.hllm.detectCapabilities().then((c) => c.webgpu));
  expect(gpu.available).toBe(true);

  const info = await startRecommender(page, { catalog: small, backend: 'webgpu', dtype: 'fp32', dbName: `e2e-gpu-${Date.now()}` });
  expect(info).toMatchObject({ backend: 'webgpu', dtype: 'fp32', items: small.length, encoded: small.length });
  expect(info.reason).toMatch(/self-check vs wasm: min cosine (0\.99\d+|1\.0+) \(passed\)/);

  const par = await goldenParity(page, users);
  par.tokens.forEach((t, i) => expect(t.inputIds).toEqual(golden.items[i]!.input_ids));
  const itemCos = par.itemVecs.map((v, i) => cosine(v, golden.items[i]!.embedding));
  const userCos = par.userVecs.map((v, i) => cosine(v, users[i]!.embedding));
  expect(Math.min(...itemCos)).toBeGreaterThanOrEqual(MIN_COS);
  expect(Math.min(...userCos)).toBeGreaterThanOrEqual(MIN_COS);

  const node = await nodeTop10();
  const browser = await browserTop10(page);
  expect(browser.map((r) => r.id)).toEqual(node.map((r) => r.id));
  browser.forEach((r, i) => expect(r.score).toBeCloseTo(node[i]!.score, 4));
  await page.evaluate(() => window.rec!.dispose());

  // the same catalogue on WASM in the browser gives the same top-10 as well
  const wasm = await startRecommender(page, { catalog: small, backend: 'wasm', dtype: 'fp32', dbName: `e2e-gpu-wasm-${Date.now()}` });
  expect(wasm.backend).toBe('wasm');
  const b2 = await browserTop10(page);
  expect(b2.map((r) => r.id)).toEqual(node.map((r) => r.id));
  b2.forEach((r, i) => expect(r.score).toBeCloseTo(node[i]!.score, 5));
});

test('WebGPU: automatic dtype on a software adapter loads and explains itself; auto backend prefers WASM there', async ({ page }) => {
  await openEnginePage(page);
  // the premise: Chromium here has a software (fallback) adapter
  expect(await page.evaluate(() => window.hllm.detectCapabilities().then((c) => c.webgpu))).toMatchObject({ available: true, fallback: true });
  const items = catalog.slice(0, 30);
  const info = await startRecommender(page, { catalog: items, backend: 'webgpu', dbName: `e2e-gpu-auto-${Date.now()}` });
  expect(info.backend).toBe('webgpu');
  const want = softwareAdapterDtype();
  expect(info.dtype).toBe(want);
  expect(info.reason).toContain(`dtype ${want}`);
  expect(info.reason).toMatch(/\(passed\)/);
  const recs = await page.evaluate(async (id) => { await window.rec!.track(id); return window.rec!.recommend({ k: 5 }); }, items[0]!.id);
  expect(recs).toHaveLength(5);
  expect(recs.every((r) => r.because?.id === items[0]!.id && r.score <= 1 && r.score >= -1)).toBe(true);
  await page.evaluate(() => window.rec!.dispose());

  const auto = await startRecommender(page, { catalog: items, dbName: `e2e-auto-${Date.now()}` });
  expect(auto.backend).toBe('wasm');
  expect(auto.reason).toMatch(/software fallback/);
});
