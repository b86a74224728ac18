// A model whose weights are in ONNX external data (.onnx_data files, as every model over 2 GB has
// them), loaded by the engine's worker in Chromium on WASM and on the software WebGPU adapter
// (SwiftShader), in fp32 and q4: each run recommends exactly what the same checkpoint imported
// without external data recommends on WASM. On WebGPU the self-check compares with the reference
// stored beside the model (self_check_<dtype>.json) and opens no WASM session; a reference that
// does not match fails it. Both folders are built by the Python importer in beforeAll. In q4,
// WASM runs the User LLM's i8 file and WebGPU q4's own (manifest.ts userEncoderFile).
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import type { Backend, CatalogItem, Dtype } from '../src/protocol.ts';
import { openEnginePage, startRecommender } from './support/engine.ts';

interface Golden { items: { item: CatalogItem }[]; users: { history: string[]; top10: string[] }[] }

let tmp = '';
let golden: Golden;
test.beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'hllm-external-e2e-'));
  execFileSync('/usr/bin/python3', ['models/tests/make_tiny_import.py', tmp, '--inline'], { stdio: 'pipe', timeout: 300_000 });
  golden = JSON.parse(readFileSync(join(tmp, 'model', 'golden.json'), 'utf8'));
});
test.afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/**
 * Serves <tmp>/model at /ext/ and <tmp>/model-inline at /inline/, and at /own/ again with an
 * hllm.json that lists no i8 User LLM, so WASM runs the dtype's own file, as WebGPU does
 * (manifest.ts userEncoderFile); `override` replaces a file's bytes in /ext/. Returns the paths requested.
 */
async function serve(context: BrowserContext, override: Record<string, Buffer> = {}): Promise<string[]> {
  const served: string[] = [];
  const manifest = JSON.parse(readFileSync(join(tmp, 'model-inline', 'hllm.json'), 'utf8'));
  manifest.files = manifest.files.filter((f: { dtype: string | null }) => f.dtype !== 'i8');
  const own = Buffer.from(JSON.stringify(manifest));
  await context.route(/\/(ext|inline|own)\//, (route) => {
    const [, folder, rel] = /^\/(ext|inline|own)\/(.*)$/.exec(new URL(route.request().url()).pathname)!;
    served.push(`${folder}/${rel}`);
    const body = folder === 'ext' ? override[rel!] : folder === 'own' && rel === 'hllm.json' ? own : undefined;
    return body ? route.fulfill({ body }) : route.fulfill({ path: join(tmp, folder === 'ext' ? 'model' : 'model-inline', rel!) });
  });
  return served;
}

/** One recommender (own IndexedDB, so no item vector is reused across runs): its ReadyInfo, the sessions it opened ('load' progress), and the top-10 after one user's history. */
async function run(page: Page, model: string, backend: Backend, dtype: Dtype) {
  await openEnginePage(page);
  const catalog = golden.items.map((g) => g.item);
  const info = await startRecommender(page, { model, catalog, backend, dtype, dbName: `e2e-ext-${model.replaceAll('/', '')}-${backend}-${dtype}-${Date.now()}` });
  return page.evaluate(async ({ history, info }) => {
    const rec = window.rec!;
    for (const id of history) await rec.track(id);
    const top = (await rec.recommend({ k: 10 })).map((r) => ({ id: r.id, score: r.score }));
    await rec.dispose();
    const loads = window.progress!.filter((p) => p.phase === 'load' && / \((wasm|webgpu)\)$/.test(p.detail ?? '')).map((p) => p.detail);
    return { info, top, loads };
  }, { history: golden.users[1]!.history, info });
}

const REFERENCE = /self-check vs reference \(onnxruntime-web \d+\.\d+\.\d+ \(wasm\)\): min cosine (0\.999\d+|1\.0+) \(passed\)$/;

for (const dtype of ['fp32', 'q4'] as Dtype[]) {
  test(`${dtype}: external data on WASM and on WebGPU recommends what the model without external data does`, async ({ page, context }) => {
    const served = await serve(context);
    const inline = await run(page, '/inline/', 'wasm', dtype);
    expect(inline.info).toMatchObject({ backend: 'wasm', dtype, modelId: 'tiny-imported' });
    expect(inline.top).toHaveLength(10);
    // fp32 ranks as PyTorch does (golden.json); q4 is compared with its own inline twin below
    if (dtype === 'fp32') expect(inline.top.map((r) => r.id)).toEqual(golden.users[1]!.top10);

    const wasm = await run(page, '/ext/', 'wasm', dtype);
    expect(wasm.info).toMatchObject({ backend: 'wasm', dtype });
    expect(wasm.top).toEqual(inline.top); // same weights, same runtime: the same scores, to the bit

    const gpu = await run(page, '/ext/', 'webgpu', dtype);
    expect(gpu.info).toMatchObject({ backend: 'webgpu', dtype });
    expect(gpu.info.reason).toMatch(REFERENCE);
    expect(gpu.loads).toEqual(['item_encoder (webgpu)', 'user_encoder (webgpu)']); // no WASM copy of the model
    // on WASM a q4 model's User LLM is the i8 file; WebGPU runs q4's own, so its twin is WASM on it
    const twin = dtype === 'q4' ? await run(page, '/own/', 'wasm', dtype) : inline;
    expect(gpu.top.map((r) => r.id)).toEqual(twin.top.map((r) => r.id));
    gpu.top.forEach((r, i) => expect(r.score).toBeCloseTo(twin.top[i]!.score, 4));

    const suffix = dtype === 'fp32' ? '' : `_${dtype}`;
    expect(served).toEqual(expect.arrayContaining([`ext/onnx/item_encoder${suffix}.onnx_data`, `ext/onnx/user_kv_encoder${suffix}.onnx_data`]));
    // which User LLM file each backend read: WASM's i8 for q4, never q4's; WebGPU never i8
    const i8 = (folder: string) => served.filter((p) => p.startsWith(`${folder}/onnx/user_kv_encoder_i8.onnx`));
    expect(i8('inline')).toEqual(dtype === 'q4' ? ['inline/onnx/user_kv_encoder_i8.onnx'] : []);
    expect(served.filter((p) => p.startsWith('inline/onnx/user_kv_encoder_q4'))).toEqual([]);
    expect(i8('ext')).toEqual(dtype === 'q4' ? ['ext/onnx/user_kv_encoder_i8.onnx', 'ext/onnx/user_kv_encoder_i8.onnx_data'] : []);
    if (dtype === 'q4') expect(served).toContain('own/onnx/user_kv_encoder_q4.onnx');
    expect(served.filter((p) => p.startsWith('inline/') && p.endsWith('_data'))).toEqual([]);
  });
}

test('a stored reference that the WebGPU outputs do not match fails the self-check', async ({ page, context }) => {
  // the reference of another model: the first two items' vectors swapped, hllm.json re-hashed to match
  const ref = JSON.parse(readFileSync(join(tmp, 'model', 'self_check_fp32.json'), 'utf8'));
  [ref.items[0].embedding, ref.items[1].embedding] = [ref.items[1].embedding, ref.items[0].embedding];
  const body = Buffer.from(JSON.stringify(ref));
  const manifest = JSON.parse(readFileSync(join(tmp, 'model', 'hllm.json'), 'utf8'));
  Object.assign(manifest.files.find((f: { path: string }) => f.path === 'self_check_fp32.json'),
    { bytes: body.length, sha256: createHash('sha256').update(body).digest('hex') });
  await serve(context, { 'self_check_fp32.json': body, 'hllm.json': Buffer.from(JSON.stringify(manifest)) });
  const gpu = await run(page, '/ext/', 'webgpu', 'fp32');
  // forced WebGPU is kept, with the failure in its reason ('auto' would have fallen back to WASM)
  expect(gpu.info.backend).toBe('webgpu');
  expect(gpu.info.reason).toMatch(/self-check vs reference \(onnxruntime-web [\d.]+ \(wasm\)\): min cosine -?0\.\d+ \(FAILED, kept because forced\)$/);
});
