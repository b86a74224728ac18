// The widget on its own (attribute mode): it creates its own engine from `model` and
// `catalog`, fires hllm-ready, shows k items after tracking, tracks clicks itself, and
// shows a readable alert (and fires hllm-error) when the model cannot be loaded.
import { expect, test } from '@playwright/test';
import { DEMO, expectPopularRows, LIKED, START_TIMEOUT } from './support/demo.ts';

const PAGE = `${DEMO}/src/demo/widget.html`;

test('attribute mode: ready event, k items with reasons, clicks tracked', async ({ page }) => {
  const catalogueReads: string[] = [];
  page.on('request', (r) => { if (new URL(r.url()).pathname.endsWith('/items.csv')) catalogueReads.push(r.url()); });
  await page.goto(PAGE);
  const widget = page.locator('#w');
  await expect(page.locator('#events')).toContainText('hllm-ready: wasm', { timeout: START_TIMEOUT });
  await expect(widget).toHaveAttribute('data-state', 'ready');
  await expectPopularRows(widget, 5);

  await page.evaluate(async (ids) => {
    const el = document.getElementById('w') as HTMLElementTagNameMap['hllm-recommendations'];
    for (const id of ids) await el.recommender!.track(id, { type: 'like' });
    await el.refresh();
  }, LIKED.slice(0, 2).map((m) => m.id));
  const items = widget.locator('[part="item"]');
  await expect(items).toHaveCount(5);
  await expect(widget.locator('[part="list"]')).toHaveAttribute('data-layout', 'grid');
  await expect(widget.locator('[part="reason"]').first()).toHaveText(/^Because you liked (Inception \(2010\)|Interstellar \(2014\))$/);

  const firstId = await widget.locator('[part="button"]').first().getAttribute('data-id');
  await widget.locator('[part="button"]').first().click();
  await expect(page.locator('#events')).toContainText(`hllm-click: ${firstId}`);
  await expect.poll(() => page.evaluate(async () => {
    const el = document.getElementById('w') as HTMLElementTagNameMap['hllm-recommendations'];
    return (await (el.recommender as unknown as { history(): Promise<Array<{ itemId: string; type: string }>> }).history())
      .map((e) => `${e.type}:${e.itemId}`);
  })).toEqual([`like:${LIKED[0].id}`, `like:${LIKED[1].id}`, `click:${firstId}`]);
  await expect(widget.locator(`[part="button"][data-id="${firstId}"]`)).toHaveCount(0);
  // Only the engine read the catalogue: the reasons named the liked items without a second read.
  expect(catalogueReads).toEqual([`${DEMO}/catalogs/ml-latest-small/items.csv`]);
});

test('a model that cannot be fetched gives a readable error state and hllm-error', async ({ page }) => {
  await page.goto(`${PAGE}?model=${encodeURIComponent('../../models/does-not-exist/')}`);
  const widget = page.locator('#w');
  const alert = widget.getByRole('alert');
  await expect(alert).toBeVisible({ timeout: 60_000 });
  await expect(alert).toContainText('Recommendations are unavailable.');
  await expect(alert).toContainText('does-not-exist');
  await expect(widget).toHaveAttribute('data-state', 'error');
  await expect(page.locator('#events')).toContainText('hllm-error:');
});
