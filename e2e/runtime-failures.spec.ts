// Runtime failures in Chromium (issue #6): a worker that ends WITHOUT an error event —
// terminated from outside, or closing itself, on an observed mid-job progress event — is
// noticed (Web Locks, and the heartbeat used where locks are missing), the pending write
// rejects with WORKER_CRASHED, the worker restarts from IndexedDB and reads (also those sent
// to the dying worker) succeed; a WebGPU device lost mid-session moves
// the engine to WASM in the same session, with the same recommendations and no error.
import { expect, test } from '@playwright/test';
import { catalog, expectRestartedCleanly, killMidSetCatalog, openEnginePage, startRecommender } from './support/engine.ts';

const items = catalog.slice(0, 40);
const more = catalog.slice(0, 400);

for (const how of ['terminate', 'close'] as const) {
  test(`worker ended by ${how}() mid-setCatalog with no error event: WORKER_CRASHED for the write, restart, reads succeed (Web Locks)`, async ({ page }) => {
    await openEnginePage(page);
    expect(await page.evaluate(() => 'locks' in navigator)).toBe(true);
    await startRecommender(page, { catalog: items, backend: 'wasm', dtype: 'fp32', dbName: `e2e-${how}-${Date.now()}` }, 'test');
    const out = await killMidSetCatalog(page, more, how);
    expectRestartedCleanly(out);
  });
}

test('heartbeat (no Web Locks): a silently closed worker is noticed by the heartbeat; the write rejects, the read is retried', async ({ page }) => {
  await openEnginePage(page);
  const db = `e2e-heartbeat-${Date.now()}`;
  const info = await page.evaluate(async ({ items, db }) => {
    window.rec = await window.hllmTest.createRecommender({
      model: '/models/default/', catalog: items, backend: 'wasm', dtype: 'fp32', dbName: db,
      liveness: { mode: 'heartbeat', heartbeatTimeoutMs: 1500 },
    });
    return window.rec.ready;
  }, { items, db });
  expect(info.items).toBe(40);
  const out = await page.evaluate(async (id) => {
    const rec = window.rec!;
    const hooks = window.hllmTest.hooks(rec);
    await rec.track(id);
    // the test's own Web Lock tells when the worker is gone; the recommender only has the heartbeat
    const { ended } = await hooks.watchEnd();
    await hooks.simulateCrash('close');
    await ended;
    // the worker is gone: these calls would wait forever without the heartbeat
    const write = rec.track(id).then(() => ({ code: 'resolved', message: '' }), (e) => ({ code: e.code as string, message: e.message as string }));
    const read = rec.recommend({ k: 3 });
    const { code, message } = await write;
    const recs = await read;
    return { code, message, recs: recs.length, history: (await rec.history()).length, workers: hooks.workersStarted };
  }, items[0]!.id);
  expect(out.code).toBe('WORKER_CRASHED');
  // it was the heartbeat that noticed (its reason is in the error), not an error event or a lock
  expect(out.message).toMatch(/stopped \(no answer to a heartbeat for \d+ s\)/);
  expect(out.workers).toBe(2);
  expect(out.recs).toBe(3);
  expect(out.history).toBe(1);
});

test('WebGPU device lost mid-session: the engine moves to WASM, keeps its vectors and history, and answers the same', async ({ page }) => {
  const requests: string[] = [];
  page.on('request', (r) => requests.push(new URL(r.url()).pathname));
  await openEnginePage(page);
  const small = catalog.slice(0, 60);
  const info = await startRecommender(page, { catalog: small, backend: 'webgpu', dtype: 'fp32', dbName: `e2e-lost-${Date.now()}` }, 'test');
  expect(info.backend).toBe('webgpu');
  const out = await page.evaluate(async (ids) => {
    const rec = window.rec!;
    for (const id of ids) await rec.track(id);
    const before = await rec.recommend({ k: 10 });
    // lose the device while an encoding call is in flight: it must finish on WASM, not fail
    const probes = Array.from({ length: 40 }, (_, i) => ({ id: `x${i}`, title: `Probe film number ${i}`, genres: 'Drama' }));
    const inFlight = rec.embedItems(probes);
    const lost = await window.hllmTest.hooks(rec).simulateDeviceLoss();
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
  // the encoders were read (and verified) again for WASM from Cache Storage, not downloaded again
  expect(requests.filter((p) => p.endsWith('item_encoder.onnx')).length).toBe(1);
  // a catalogue change after the move encodes on WASM
  const upd = await page.evaluate((items) => window.rec!.setCatalog(items.map((it, i) => (i < 2 ? { ...it, title: `${it.title} (new cut)` } : it))), small);
  expect(upd).toMatchObject({ changed: 2, encoded: 2 });
});
