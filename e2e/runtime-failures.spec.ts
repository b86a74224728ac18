// Runtime failures in Chromium (issue #6): a worker that ends WITHOUT an error event —
// terminated from outside, or closing itself — is noticed (Web Locks, and the heartbeat
// used where locks are missing), pending calls reject with WORKER_CRASHED, the worker
// restarts from IndexedDB and the next call works; a WebGPU device lost mid-session moves
// the engine to WASM in the same session, with the same recommendations and no error.
// Imports: @playwright/test, ./support/engine.
import { expect, test } from '@playwright/test';
import { catalog, openEnginePage, startRecommender } from './support/engine';

const items = catalog.slice(0, 40);
const more = catalog.slice(0, 400);

/** Starts a long setCatalog(), ends the worker the given way, then checks the restart. */
async function killDuringWork(page: import('@playwright/test').Page, how: 'terminate' | 'close') {
  return page.evaluate(async ({ more, how }) => {
    const rec = window.rec!;
    await rec.track(more[0]!.id);
    const t0 = performance.now();
    const pending = rec.setCatalog(more).then(() => 'resolved', (e) => e.code);
    await new Promise((r) => setTimeout(r, 300));
    if (how === 'terminate') rec.simulateTermination();
    else await rec.simulateCrash('close');
    const code = await pending;
    const noticedMs = performance.now() - t0;
    const stats = await rec.stats();
    const recs = await rec.recommend({ k: 3 });
    return { code, noticedMs, stats, recs: recs.length, history: (await rec.history()).length };
  }, { more, how });
}

for (const how of ['terminate', 'close'] as const) {
  test(`worker ended by ${how}() with no error event: WORKER_CRASHED, restart, next call works (Web Locks)`, async ({ page }) => {
    await openEnginePage(page);
    expect(await page.evaluate(() => 'locks' in navigator)).toBe(true);
    await startRecommender(page, { catalog: items, backend: 'wasm', dtype: 'fp32', dbName: `e2e-${how}-${Date.now()}` });
    const out = await killDuringWork(page, how);
    expect(out.code).toBe('WORKER_CRASHED');
    // the restarted worker re-initialised with the original catalogue, all 40 vectors from IndexedDB
    expect(out.stats).toMatchObject({ itemsEncoded: 0, catalogItems: 40, cacheHits: 40 });
    expect(out.history).toBe(1);
    expect(out.recs).toBe(3);
  });
}

test('heartbeat (no Web Locks): a silently closed worker is noticed within the timeout; the next call works', async ({ page }) => {
  await openEnginePage(page);
  const db = `e2e-heartbeat-${Date.now()}`;
  const info = await page.evaluate(async ({ items, db }) => {
    window.rec = await window.hllm.createRecommender({
      model: '/models/default/', catalog: items, backend: 'wasm', dtype: 'fp32', dbName: db,
      liveness: { mode: 'heartbeat', heartbeatTimeoutMs: 1500 },
    });
    return window.rec.ready;
  }, { items, db });
  expect(info.items).toBe(40);
  const out = await page.evaluate(async (id) => {
    const rec = window.rec!;
    await rec.track(id);
    await rec.simulateCrash('close');
    await new Promise((r) => setTimeout(r, 200));
    const t0 = performance.now();
    // the worker is gone: this call would wait forever without the heartbeat
    const code = await rec.recommend({ k: 3 }).then(() => 'resolved', (e) => e.code);
    const noticedMs = performance.now() - t0;
    const recs = await rec.recommend({ k: 3 });
    return { code, noticedMs, recs: recs.length, history: (await rec.history()).length };
  }, items[0]!.id);
  expect(out.code).toBe('WORKER_CRASHED');
  expect(out.noticedMs).toBeGreaterThanOrEqual(1500);
  expect(out.recs).toBe(3);
  expect(out.history).toBe(1);
});

test('WebGPU device lost mid-session: the engine moves to WASM, keeps its vectors and history, and answers the same', async ({ page }) => {
  const requests: string[] = [];
  page.on('request', (r) => requests.push(new URL(r.url()).pathname));
  await openEnginePage(page);
  const small = catalog.slice(0, 60);
  const info = await startRecommender(page, { catalog: small, backend: 'webgpu', dtype: 'fp32', dbName: `e2e-lost-${Date.now()}` });
  expect(info.backend).toBe('webgpu');
  const out = await page.evaluate(async (ids) => {
    const rec = window.rec!;
    for (const id of ids) await rec.track(id);
    const before = await rec.recommend({ k: 10 });
    // lose the device while an encoding call is in flight: it must finish on WASM, not fail
    const probes = Array.from({ length: 40 }, (_, i) => ({ id: `x${i}`, title: `Probe film number ${i}`, genres: 'Drama' }));
    const inFlight = rec.embedItems(probes);
    const lost = await rec.simulateDeviceLoss();
    const got = await inFlight.then((v) => v, (e) => `${e.code}: ${e.message}`);
    // the same items again, now surely on WASM: the in-flight result must match, not be garbage
    const again = await rec.embedItems(probes);
    const cos = typeof got === 'string' ? [] : probes.map((_, i) => {
      const a = got.subarray(i * 64, (i + 1) * 64), b = again.subarray(i * 64, (i + 1) * 64);
      let d = 0, na = 0, nb = 0;
      for (let j = 0; j < 64; j++) { d += a[j]! * b[j]!; na += a[j]! * a[j]!; nb += b[j]! * b[j]!; }
      return d / Math.sqrt(na * nb);
    });
    const vec = typeof got === 'string' ? got : got.length;
    const after = await rec.recommend({ k: 10 });
    const stats = await rec.stats();
    const exported = await rec.exportData();
    return {
      lost, vec, minCos: Math.min(...cos), stats, exported: exported.model,
      before: before.map((r) => [r.id, r.score] as const), after: after.map((r) => [r.id, r.score] as const),
    };
  }, small.slice(0, 5).map((i) => i.id));
  expect(out.lost).toBe(true);
  expect(out.vec).toBe(40 * 64);
  expect(out.minCos).toBeGreaterThan(0.999);
  expect(out.stats).toMatchObject({ backend: 'wasm', catalogItems: 60, historyEvents: 5 });
  expect(out.exported).toMatchObject({ backend: 'wasm', dtype: 'fp32' });
  expect(out.after.map((r) => r[0])).toEqual(out.before.map((r) => r[0]));
  out.after.forEach((r, i) => expect(r[1]).toBeCloseTo(out.before[i]![1], 3));
  // the encoders were fetched (and verified) again for WASM
  expect(requests.filter((p) => p.endsWith('item_encoder.onnx')).length).toBe(2);
  // a catalogue change after the move encodes on WASM
  const upd = await page.evaluate((items) => window.rec!.setCatalog(items.map((it, i) => (i < 2 ? { ...it, title: `${it.title} (new cut)` } : it))), small);
  expect(upd).toMatchObject({ changed: 2, encoded: 2 });
});
