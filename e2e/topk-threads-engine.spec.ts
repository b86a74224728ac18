// The real engine (createRecommender, its worker, ONNX Runtime Web) with the threaded top-K scan:
// 140,000 synthetic items with precomputed int8 vector shards (served with context.route; random
// vectors under the model's key, so nothing is encoded), started on the cross-origin-isolated
// test page with threads: 2 reports scanThreads 2, on the plain engine page 1, and both give the
// same recommendations (ids, scores, because) for the same history; the isolated page's history
// never leaves the device.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { buildItemText } from '../src/engine/catalog/text-builder.ts';
import type { Manifest } from '../src/engine/model/manifest.ts';
import { encodeShard, type VectorManifest } from '../src/vectors/format.ts';
import { catalog, startRecommender } from './support/engine.ts';

const ROWS = 140_000;
const PER_SHARD = 35_000;
const BASE = '/synthetic-threads/';
const manifest: Manifest = JSON.parse(readFileSync('public/models/default/hllm.json', 'utf8'));
const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');
const items = Array.from({ length: ROWS }, (_, i) => ({ id: `s${i}`, title: `Synthetic film ${i}`, genres: i % 2 ? 'Drama' : 'Comedy', tags: `tag ${i % 97}` }));
const history = ['s11', 's70001', 's139998'];

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 2 ** 32; };
}

/** The model key (of the fp32 item encoder) from a throwaway start on a small catalogue. */
async function modelKey(page: Page): Promise<string> {
  await startRecommender(page, { catalog: catalog.slice(0, 5), backend: 'wasm', dtype: 'fp32', storage: 'memory', dbName: 'e2e-threads-key' });
  return page.evaluate(async () => { const k = (await window.rec!.exportData()).model.sha256; await window.rec!.dispose(); return k; });
}

async function serve(context: BrowserContext, key: string): Promise<void> {
  const r = rng(21);
  const dim = manifest.dim;
  const files = new Map<string, Uint8Array>();
  const shards: VectorManifest['shards'] = [];
  for (let start = 0; start < ROWS; start += PER_SHARD) {
    const part = items.slice(start, start + PER_SHARD);
    const vectors = new Float32Array(part.length * dim);
    for (let i = 0; i < vectors.length; i++) vectors[i] = r() * 2 - 1;
    const bytes = encodeShard('int8', dim, vectors, part.map((it) => sha(buildItemText(it, manifest))), part.map((it) => it.id));
    const path = `shard-${shards.length}.bin`;
    files.set(path, bytes);
    shards.push({ path, rows: part.length, bytes: bytes.byteLength, sha256: sha(bytes) });
  }
  const vm: VectorManifest = { format: 'hllm-vectors', version: 1, model: { id: manifest.id, key }, dim, dtype: 'int8', rows: ROWS, shards };
  const itemsJson = JSON.stringify(items);
  await context.route(`**${BASE}**`, (route) => {
    const path = new URL(route.request().url()).pathname.slice(BASE.length);
    if (path === 'items.json') return route.fulfill({ contentType: 'application/json', body: itemsJson });
    if (path === 'vectors.json') return route.fulfill({ contentType: 'application/json', body: JSON.stringify(vm) });
    const b = files.get(path);
    return b ? route.fulfill({ contentType: 'application/octet-stream', body: Buffer.from(b) }) : route.fulfill({ status: 404, body: 'not found' });
  });
}

async function run(page: Page, url: string, threads: number | undefined) {
  await page.goto(url);
  await expect(page.locator('#status')).toHaveText('ready');
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  const ready = await startRecommender(page, {
    catalog: `${BASE}items.json`, vectors: BASE, backend: 'wasm', dtype: 'fp32', storage: 'memory', dbName: `e2e-threads-${Date.now()}`, ...(threads ? { threads } : {}),
  });
  const out = await page.evaluate(async (h) => {
    const rec = window.rec!;
    for (const id of h) await rec.track(id);
    const recs = (await rec.recommend({ k: 10, exclude: ['s5'] })).map((x) => [x.id, x.score, x.because?.id]);
    const stats = await rec.stats();
    await rec.dispose();
    return { recs, scanThreads: stats.scanThreads, isolated: self.crossOriginIsolated };
  }, history);
  return { ready, ...out, leaked: requests.filter((u) => history.some((h) => u.includes(h))) };
}

test('140k items: 2 scan threads on the isolated page, 1 on the plain page, identical recommendations', async ({ page, context }) => {
  await page.goto('/e2e/pages/engine.html');
  await serve(context, await modelKey(page));
  const plain = await run(page, '/e2e/pages/engine.html', undefined);
  const iso = await run(page, '/e2e/pages/engine-isolated.html', 2);
  expect(plain).toMatchObject({ isolated: false, scanThreads: 1, ready: { items: ROWS, fromShards: ROWS, encoded: 0, scanThreads: 1 }, leaked: [] });
  expect(iso).toMatchObject({ isolated: true, scanThreads: 2, ready: { items: ROWS, fromShards: ROWS, encoded: 0, threads: 2, scanThreads: 2 }, leaked: [] });
  expect(plain.recs).toHaveLength(10);
  expect(plain.recs.some((r) => r[0] === 's5' || history.includes(r[0] as string))).toBe(false);
  expect(iso.recs).toEqual(plain.recs);
});
