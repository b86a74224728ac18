// npm package: a site that bundles hllm-web serves dist/lib from its own origin (here the
// host server) and imports the ESM entries. The library's own worker and ORT wasm load
// relative to the module, the model and catalogue come from another origin via CORS,
// and the widget in attribute mode shows recommendations. Imports: @playwright/test, ./support.
import { expect, test } from '@playwright/test';
import { DEMO, HOST, LIKED, START_TIMEOUT } from './support/demo';

test('dist/lib (index.js + widget.js) works as a bundled dependency', async ({ page, context }) => {
  const urls: string[] = [];
  context.on('request', (r) => urls.push(r.url()));
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));

  await page.goto(`${HOST}/lib.html`);
  await expect.poll(() => page.evaluate(() => (window as unknown as { libExports?: unknown }).libExports))
    .toEqual({ createRecommender: 'function', HllmError: 'function' });
  const widget = page.locator('#w');
  await expect(widget).toHaveAttribute('data-state', 'ready', { timeout: START_TIMEOUT });

  await page.evaluate(async (ids) => {
    const el = document.getElementById('w') as HTMLElementTagNameMap['hllm-recommendations'];
    for (const id of ids) await el.recommender!.track(id, { type: 'like' });
    await el.refresh();
  }, LIKED.slice(0, 3).map((m) => m.id));
  await expect(widget.locator('[part="item"]')).toHaveCount(5);
  await expect(widget.locator('[part="reason"]').first()).toHaveText(/^Because you liked (Inception|Interstellar|Mad Max)/);

  expect(urls.some((u) => u.startsWith(`${HOST}/lib/assets/engine.worker-`))).toBe(true);
  expect(urls.some((u) => u.startsWith(`${HOST}/lib/assets/`) && u.endsWith('.wasm'))).toBe(true);
  expect(urls).toContain(`${DEMO}/models/default/hllm.json`);
  expect(urls.filter((u) => !u.startsWith(`${HOST}/`) && !u.startsWith(`${DEMO}/`))).toEqual([]);
  expect(errors).toEqual([]);
});
