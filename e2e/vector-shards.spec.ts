// Precomputed vector shards (EngineOptions.vectors) on Chromium's real IndexedDB and the real
// engine worker: a cold start from shards encodes nothing, a reload downloads no shard and
// ranks the same, a corrupt shard fails with VECTORS_INTEGRITY and stores nothing from it,
// a quota error while storing shards moves to memory with one warning, history intact, and
// <hllm-recommendations vectors=…> starts its own engine from the shards.
// The shard set is built from the page's own item vectors (the way `hllm embed` does) and
// served with context.route, so every request for it is seen.
import { createHash } from 'node:crypto';
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { encodeShardSet, type EncodedShardSet } from '../src/testing/shard-fixture.ts';
import { catalog, openEnginePage, startRecommender, storedItemIds } from './support/engine.ts';

const items = catalog.slice(0, 40);
const history = [items[0]!.id, items[3]!.id, items[7]!.id];
const VECTORS = '/vectors-e2e/';
const base = { catalog: items, backend: 'wasm' as const, dtype: 'fp32' as const };
const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

let built: EncodedShardSet | null = null;

/** Encodes the items in the page (memory storage), then writes int8 shards of 15 rows in Node. */
async function shardSet(page: Page): Promise<EncodedShardSet> {
  if (built) return built;
  await startRecommender(page, { ...base, storage: 'memory', dbName: 'e2e-shard-source' });
  const src = await page.evaluate(async (ids) => {
    const rec = window.rec!;
    const vectors: number[][] = [];
    const texts: string[] = [];
    for (const id of ids) {
      vectors.push(Array.from(await rec.itemVector(id)));
      texts.push((await rec.tokenizeItem((await rec.items([id]))[0]!)).text);
    }
    const key = (await rec.exportData()).model.sha256;
    await rec.dispose();
    return { vectors, texts, key };
  }, items.map((i) => i.id));
  built = await encodeShardSet({ id: 'default', key: src.key }, 'int8', items.map((it, i) => ({ id: it.id, textSha256: sha(src.texts[i]!), vector: src.vectors[i]! })), 15);
  return built;
}

/** Serves `set` under VECTORS (with `tamper` applied to a shard's bytes); returns the paths requested. */
async function serve(context: BrowserContext, set: EncodedShardSet, tamper?: (path: string, b: Uint8Array) => Uint8Array): Promise<string[]> {
  const seen: string[] = [];
  await context.route(`**${VECTORS}**`, (route) => {
    const path = new URL(route.request().url()).pathname.slice(VECTORS.length);
    seen.push(path);
    if (path === 'vectors.json') return route.fulfill({ contentType: 'application/json', body: JSON.stringify(set.manifest) });
    const b = set.files.get(path);
    if (!b) return route.fulfill({ status: 404, body: 'not found' });
    return route.fulfill({ contentType: 'application/octet-stream', body: Buffer.from(tamper ? tamper(path, b) : b) });
  });
  return seen;
}

/** The shard sha256s stored in database `db`, read through the storage layer. */
const storedShards = (page: Page, db: string) => page.evaluate(async (db) => {
  const s = await window.hllmStorage.IdbStore.open(db);
  const l = await s.listShards();
  await s.close();
  return l.map((x) => x.sha256).sort();
}, db);

const topIds = (page: Page) => page.evaluate(async () => (await window.rec!.recommend({ k: 10 })).map((r) => [r.id, r.score, r.because?.id]));

test('cold start from shards encodes nothing; a reload downloads no shard and ranks the same', async ({ page, context }) => {
  await openEnginePage(page);
  const set = await shardSet(page);
  const seen = await serve(context, set);
  const db = `e2e-shards-${test.info().repeatEachIndex}-${Date.now()}`;
  const info = await startRecommender(page, { ...base, dbName: db, vectors: VECTORS });
  expect(info).toMatchObject({ items: 40, encoded: 0, storage: 'indexeddb' });
  const stats = await page.evaluate(async (ids) => { for (const id of ids) await window.rec!.track(id); return window.rec!.stats(); }, history);
  expect(stats).toMatchObject({ itemsEncoded: 0, shardRows: 40 });
  expect(seen.sort()).toEqual(['shard-000.bin', 'shard-001.bin', 'shard-002.bin', 'vectors.json']);
  const vectorsPhase = await page.evaluate(() => window.progress!.filter((p) => p.phase === 'vectors').at(-1));
  const total = set.manifest.shards.reduce((a, s) => a + s.bytes, 0);
  expect([vectorsPhase?.done, vectorsPhase?.total]).toEqual([total, total]);
  const top = await topIds(page);
  expect(top).toHaveLength(10);
  expect(await storedShards(page, db)).toEqual(set.manifest.shards.map((s) => s.sha256).sort());

  seen.length = 0;
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.reload();
  await openEnginePage(page);
  const again = await startRecommender(page, { ...base, dbName: db, vectors: VECTORS });
  expect(again).toMatchObject({ items: 40, encoded: 0 });
  expect(await page.evaluate(() => window.rec!.stats())).toMatchObject({ itemsEncoded: 0, shardRows: 40, historyEvents: 3 });
  expect(await topIds(page)).toEqual(top);
  expect(seen).toEqual(['vectors.json']);
  expect(requests.filter((u) => u.includes(VECTORS))).toEqual([new URL(`${VECTORS}vectors.json`, page.url()).href]);
});

test('a corrupt shard: VECTORS_INTEGRITY naming it, nothing stored from it', async ({ page, context }) => {
  await openEnginePage(page);
  const set = await shardSet(page);
  await serve(context, set, (path, b) => { if (path !== 'shard-001.bin') return b; const c = b.slice(); c[5] = c[5]! ^ 0x40; return c; });
  const db = `e2e-shards-bad-${test.info().repeatEachIndex}-${Date.now()}`;
  const err = await page.evaluate(async (o) => {
    try { await window.hllm.createRecommender({ model: '/models/default/', ...o }).then((r) => r.ready); return null; }
    catch (e) { const h = e as { code?: string; details?: { file?: string }; message: string }; return { code: h.code, file: h.details?.file, message: h.message }; }
  }, { ...base, dbName: db, vectors: VECTORS });
  expect(err).toMatchObject({ code: 'VECTORS_INTEGRITY', file: 'shard-001.bin' });
  expect(err!.message).toContain('shard-001.bin');
  expect(await storedShards(page, db)).not.toContain(set.manifest.shards[1]!.sha256);
});

/** Writes 60, 120, 240, 480 MB to a scratch database of the origin until one fails; returns the error name ('ok' if all fitted). */
const probeQuota = async (db: string): Promise<string> => {
  const name = `${db}-probe`;
  const conn: IDBDatabase = await new Promise((res, rej) => { const o = indexedDB.open(name, 1); o.onupgradeneeded = () => o.result.createObjectStore('s'); o.onsuccess = () => res(o.result); o.onerror = () => rej(o.error); });
  const once = (n: number) => new Promise<string>((res) => {
    const tx = conn.transaction('s', 'readwrite');
    tx.objectStore('s').put(new Uint8Array(n * 2 ** 20), 1);
    tx.oncomplete = () => res('ok');
    tx.onabort = () => res(tx.error?.name ?? 'aborted');
  });
  // Doubling sizes: a write larger than IndexedDB's cached space left makes it ask the quota
  // manager again, and Chromium 150 can cache more than 60 MB here even under a 50 MB override.
  let out = 'ok';
  for (const n of [60, 120, 240, 480]) { out = await once(n); if (out !== 'ok') break; }
  conn.close();
  return out;
};

test('quota exceeded while storing shards: memory, one warning, history intact', async ({ page, context }) => {
  await openEnginePage(page);
  const set = await shardSet(page);
  await serve(context, set);
  const db = `e2e-shards-quota-${test.info().repeatEachIndex}-${Date.now()}`;
  const cdp = await context.newCDPSession(page);
  const origin = new URL(page.url()).origin;
  // Chromium's IndexedDB caches the space left and asks the quota manager again only for a
  // write larger than that: a 50 MB quota before the first write keeps that cache small, and
  // writes of 60 MB and up after the quota drops to 1 byte refresh it (see probeQuota()).
  await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 50 * 2 ** 20 });
  // History first, in IndexedDB, from a start without shards.
  await startRecommender(page, { ...base, dbName: db });
  await page.evaluate(async (ids) => { for (const id of ids) await window.rec!.track(id); await window.rec!.dispose(); }, history);
  await page.reload();
  await openEnginePage(page);
  const warnings: string[] = [];
  page.on('console', (m) => { if (m.type() === 'warning' && m.text().startsWith('hllm:')) warnings.push(m.text()); });
  await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 1 });
  expect(await page.evaluate(probeQuota, db)).toBe('QuotaExceededError');
  try {
    const info = await startRecommender(page, { ...base, dbName: db, vectors: VECTORS });
    expect(info).toMatchObject({ storage: 'memory', encoded: 0 });
    const h = await page.evaluate(async () => (await window.rec!.history()).map((e) => e.itemId));
    expect(h).toEqual(history);
    expect(await page.evaluate(() => window.rec!.stats())).toMatchObject({ itemsEncoded: 0, shardRows: 40 });
    expect((await topIds(page))).toHaveLength(10);
    expect(warnings.filter((w) => /IndexedDB failed/.test(w) && /QuotaExceeded/i.test(w))).toHaveLength(1);
    expect(warnings).toHaveLength(1);
  } finally {
    await cdp.send('Storage.overrideQuotaForOrigin', { origin });
  }
  expect(await storedItemIds(page, db)).toEqual(history);
});

test('the widget\'s vectors attribute: its engine starts from the shards and encodes nothing', async ({ page, context }) => {
  await openEnginePage(page);
  const set = await shardSet(page);
  const seen = await serve(context, set);
  // The widget fetches its catalogue itself: the 40 items the shards hold.
  await context.route('**/catalog-e2e/items.json', (route) => route.fulfill({ contentType: 'application/json', body: JSON.stringify(items) }));
  const info = await page.evaluate((vectors) => new Promise<unknown>((resolve, reject) => {
    const el = document.createElement('hllm-recommendations');
    el.addEventListener('hllm-ready', (e) => resolve((e as CustomEvent).detail), { once: true });
    el.addEventListener('hllm-error', (e) => reject(new Error(JSON.stringify((e as CustomEvent).detail))), { once: true });
    const attrs = { model: '/models/default/', catalog: '/catalog-e2e/items.json', vectors, backend: 'wasm', dtype: 'fp32', k: '5' };
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
    document.body.append(el);
  }), VECTORS);
  expect(info).toMatchObject({ items: 40, encoded: 0, fromShards: 40 });
  expect(seen.sort()).toEqual(['shard-000.bin', 'shard-001.bin', 'shard-002.bin', 'vectors.json']);
  const widget = page.locator('hllm-recommendations');
  await expect(widget).toHaveAttribute('data-state', 'ready');
  // With history the shard vectors rank: k items appear.
  await page.evaluate(async (ids) => {
    const el = document.querySelector('hllm-recommendations') as HTMLElementTagNameMap['hllm-recommendations'];
    for (const id of ids) await el.recommender!.track(id);
    await el.refresh();
  }, history);
  await expect(widget.locator('[part="item"]')).toHaveCount(5);
});
