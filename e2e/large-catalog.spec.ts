// A 100,000-item catalogue (10 MB of CSV) in Chromium (issue #6), handed to the worker as a
// URL: encoding streams progress batch by batch; cancel() stops it and the previous catalogue
// keeps working. (How smoothly the page runs meanwhile is a speed figure, not tested here.)
import { expect, test } from '@playwright/test';
import { catalog, openEnginePage, startRecommender } from './support/engine.ts';

test('100k items: encoding streams progress, cancel keeps the old catalogue', async ({ page }) => {
  await openEnginePage(page);
  const items = catalog.slice(0, 30);
  await startRecommender(page, { catalog: items, backend: 'wasm', dtype: 'q8', dbName: `e2e-100k-${Date.now()}` });
  const out = await page.evaluate(async (first) => {
    const rec = window.rec!;
    await rec.track(first);
    const rows = ['item_id,title,genres,tags'];
    for (let i = 0; i < 100_000; i++) rows.push(`big${i},"Synthetic film ${i} (${1950 + (i % 70)})",Drama|Comedy,"tag ${i % 977}, tag ${i % 13}"`);
    const url = URL.createObjectURL(new Blob([rows.join('\n')], { type: 'text/csv' }));
    const bytes = rows.reduce((a, r) => a + r.length + 1, 0);

    const encodeEvents: number[] = [];
    let streamed!: () => void;
    const threeBatches = new Promise<void>((r) => { streamed = r; });
    const off = rec.on('progress', (p) => {
      if (p.phase !== 'encode') return;
      encodeEvents.push(p.done);
      if (encodeEvents.filter((d) => d > 0).length === 3) streamed();
    });
    const job = rec.setCatalog(url).then(() => 'resolved', (e) => e.code);
    // stop once three batches have streamed out (or earlier, if the job ends first: the checks below fail then)
    await Promise.race([threeBatches, job]);
    await rec.cancel();
    const code = await job;
    off();
    const stats = await rec.stats();
    const recs = await rec.recommend({ k: 5 });
    return { bytes, code, encodeEvents, stats, recs: recs.map((r) => r.id) };
  }, items[0]!.id);
  expect(out.bytes).toBeGreaterThan(5e6);
  // progress arrived batch by batch, counting up, out of 100k
  const done = out.encodeEvents.filter((d) => d > 0);
  expect(done.length).toBeGreaterThanOrEqual(3);
  expect([...done].sort((a, b) => a - b)).toEqual(done);
  expect(done.at(-1)!).toBeLessThan(100_000);
  expect(out.code).toBe('CANCELLED');
  // the cancelled change left the old 30-item catalogue in place
  expect(out.stats.catalogItems).toBe(30);
  expect(out.recs).toHaveLength(5);
  expect(out.recs.every((id) => items.some((it) => it.id === id))).toBe(true);
});
