// Reliability and privacy on Chromium's real IndexedDB and the real engine worker (issue #6):
// two tabs writing history at once lose nothing; tabs closed in the middle of writes keep
// every acknowledged event (100 closes on the storage call track() awaits, 5 on track()
// itself); forget() and exportData() agree with what IndexedDB holds; no cookies or
// localStorage; calls before ready / after dispose; track()+recommend() sent together.
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { catalog, ENGINE_PAGE, openEnginePage, startRecommender } from './support/engine.ts';

const items = catalog.slice(0, 50);

/** Every history event in the database, read with the raw IndexedDB API (no engine code). */
async function rawEvents(page: Page, db: string): Promise<Array<{ seq: number; itemId: string; type: string }>> {
  return page.evaluate((name) => new Promise((resolve, reject) => {
    const r = indexedDB.open(name);
    r.onerror = () => reject(r.error);
    r.onsuccess = () => {
      const tx = r.result.transaction('events', 'readonly');
      const q = tx.objectStore('events').getAll();
      q.onsuccess = () => { r.result.close(); resolve(q.result); };
      q.onerror = () => reject(q.error);
    };
  }), db);
}

async function newEnginePage(context: BrowserContext): Promise<Page> {
  const p = await context.newPage();
  await openEnginePage(p);
  return p;
}

test('two tabs tracking at once: no event lost', async ({ context }) => {
  const db = `e2e-two-tabs-${Date.now()}`;
  const [a, b] = [await newEnginePage(context), await newEnginePage(context)];
  await startRecommender(a, { catalog: items, backend: 'wasm', dtype: 'fp32', dbName: db });
  await startRecommender(b, { catalog: items, backend: 'wasm', dtype: 'fp32', dbName: db });
  const burst = (p: Page, tag: string) => p.evaluate(async ({ ids, tag }) => {
    const done = await Promise.all(ids.map((id, i) => window.rec!.track(id, { type: `${tag}${i}` })));
    return done.map((e) => e.seq);
  }, { ids: items.slice(0, 30).map((i) => i.id), tag });
  const [sa, sb] = await Promise.all([burst(a, 'a'), burst(b, 'b')]);
  const all = await rawEvents(a, db);
  expect(all).toHaveLength(60);
  expect(new Set(all.map((e) => e.seq)).size).toBe(60);
  expect(all.map((e) => e.seq).sort((x, y) => x - y)).toEqual([...sa, ...sb].sort((x, y) => x - y));
  for (const tag of ['a', 'b']) expect(all.filter((e) => e.type.startsWith(tag))).toHaveLength(30);
});

test('tabs closed in the middle of writes keep every acknowledged event', async ({ context }) => {
  test.setTimeout(20 * 60_000);
  const db = `e2e-close-${Date.now()}`;
  const acked = new Set<number>();
  // Each close is tied to an observed acknowledgement (the n-th write since the page opened),
  // never to a sleep: the writes in flight at that moment are what the test is about.
  let waiter: { target: number; resolve: () => void } | null = null;
  await context.exposeBinding('ack', (_src, seq: number) => {
    acked.add(seq);
    if (waiter && acked.size >= waiter.target) { waiter.resolve(); waiter = null; }
  });
  const acksReach = (target: number) => new Promise<void>((resolve) => {
    if (acked.size >= target) resolve();
    else waiter = { target, resolve };
  });
  // 100 closes on IdbStore.appendEvent, the call track() awaits before it resolves.
  for (let round = 0; round < 100; round++) {
    const p = await newEnginePage(context);
    const before = acked.size;
    await p.evaluate((name) => {
      void (async () => {
        const s = await window.hllmStorage.IdbStore.open(name);
        for (let i = 0; ; i++) {
          const e = await s.appendEvent({ itemId: `r${i}`, type: 'view', at: Date.now() });
          await (window as unknown as { ack(n: number): Promise<void> }).ack(e.seq);
        }
      })();
    }, db);
    await acksReach(before + 1 + ((round * 37) % 12));
    await p.close();
  }
  // 5 closes on the real recommender: track() in the worker, closed while tracking.
  for (let round = 0; round < 5; round++) {
    const p = await newEnginePage(context);
    await startRecommender(p, { catalog: items, backend: 'wasm', dtype: 'fp32', dbName: db });
    const before = acked.size;
    await p.evaluate((ids) => {
      void (async () => {
        for (let i = 0; ; i++) {
          const e = await window.rec!.track(ids[i % ids.length]!);
          await (window as unknown as { ack(n: number): Promise<void> }).ack(e.seq);
        }
      })();
    }, items.map((i) => i.id));
    await acksReach(before + 1 + round * 3);
    await p.close();
  }
  const check = await newEnginePage(context);
  const stored = new Set((await rawEvents(check, db)).map((e) => e.seq));
  expect(acked.size).toBeGreaterThan(100);
  const lost = [...acked].filter((s) => !stored.has(s));
  expect(lost).toEqual([]);
});

test('forget() and exportData() match IndexedDB exactly; no cookies, no localStorage', async ({ page, context }) => {
  await openEnginePage(page);
  const db = `e2e-forget-${Date.now()}`;
  await startRecommender(page, { catalog: items, backend: 'wasm', dtype: 'fp32', dbName: db });
  const ids = items.slice(0, 5).map((i) => i.id);
  await page.evaluate(async (ids) => { for (const id of [...ids, ids[0]!]) await window.rec!.track(id, { type: 'like' }); }, ids);

  const exported = await page.evaluate(() => window.rec!.exportData());
  const raw = await rawEvents(page, db);
  expect(exported.history.map((e) => [e.seq, e.itemId, e.type])).toEqual(raw.map((e) => [e.seq, e.itemId, e.type]));
  expect(raw).toHaveLength(6);

  expect(await page.evaluate((id) => window.rec!.forget([id]), ids[0]!)).toBe(2);
  expect((await rawEvents(page, db)).map((e) => e.itemId)).toEqual(ids.slice(1));
  expect(await page.evaluate(() => window.rec!.forget('all'))).toBe(4);
  expect(await rawEvents(page, db)).toEqual([]);
  expect((await page.evaluate(() => window.rec!.exportData())).history).toEqual([]);
  // no history copy anywhere else in the origin's IndexedDB
  const dbs = await page.evaluate(() => indexedDB.databases().then((d) => d.map((x) => x.name!)));
  for (const name of dbs) {
    const events = await rawEvents(page, name).catch(() => []);
    expect(events.filter((e) => ids.includes(e.itemId))).toEqual([]);
  }
  expect(await context.cookies()).toEqual([]);
  expect(await page.evaluate(() => ({ cookie: document.cookie, local: localStorage.length, session: sessionStorage.length })))
    .toEqual({ cookie: '', local: 0, session: 0 });
});

test('calls before ready queue, calls after dispose reject DISPOSED, track+recommend run in order', async ({ page }) => {
  await page.goto(ENGINE_PAGE);
  await openEnginePage(page);
  const out = await page.evaluate(async ({ items }) => {
    const rec = await window.hllm.createRecommender({ model: '/models/default/', catalog: items, backend: 'wasm', dtype: 'fp32', storage: 'memory' });
    // sent before the model is loaded: they wait for ready instead of failing
    const early = await Promise.all([rec.track(items[0]!.id), rec.recommend({ k: 3 })]);
    const [ev, recs] = await Promise.all([rec.track(items[1]!.id), rec.recommend({ k: 50 })]);
    await rec.dispose();
    const after = await rec.recommend().then(() => 'resolved', (e) => `${e.name}:${e.code}`);
    return { earlyRecs: early[1].length, ev: ev.itemId, becauseIds: [...new Set(recs.map((r) => r.because?.id))], recIds: recs.map((r) => r.id), after };
  }, { items });
  expect(out.earlyRecs).toBe(3);
  expect(out.recIds).not.toContain(out.ev); // the event tracked just before is already masked
  expect(out.becauseIds).toContain(out.ev);
  expect(out.after).toBe('HllmError:DISPOSED');
});
