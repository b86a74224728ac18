// <hllm-recommendations> inside a React 19 app (e2e/pages/react.html, built by the e2e
// vite build): React sets the element's properties (recommender, exclude, labels) and
// receives its hllm-view / hllm-click events; the real engine ranks in its worker.
import { expect, test } from '@playwright/test';
import { catalog } from './support/engine.ts';

test('a React page passes properties and receives hllm-view and hllm-click', async ({ page }) => {
  await page.setViewportSize({ width: 1200, height: 900 });
  const items = catalog.slice(0, 100);
  const liked = [items[0]!.id, items[1]!.id];
  await page.goto('/e2e/pages/react.html');
  await expect(page.locator('#status')).toHaveText('ready');
  const excluded = await page.evaluate(({ items, liked }) => window.startApp(items, liked), { items, liked });
  const widget = page.locator('hllm-recommendations');
  await expect(widget.locator('[part="item"]')).toHaveCount(4);
  await expect(widget).toHaveAttribute('data-state', 'ready');
  await expect(widget.getByRole('heading')).toHaveText('Für dich');
  const ids = await widget.locator('[part="button"]').evaluateAll((bs) => bs.map((b) => (b as HTMLElement).dataset.id!));
  expect(ids).not.toContain(excluded); // the `exclude` property reached the engine
  const titles = new Map(items.map((it) => [it.id, it.title]));
  const reasons = await widget.locator('[part="reason"]').allTextContents();
  for (const r of reasons) expect(liked.map((id) => `Weil dir ${titles.get(id)} gefiel`)).toContain(r); // `labels`
  // React's onhllm-view / onhllm-click listeners received the events (rendered into its state).
  // Entries arrive in observe() order, i.e. rank order.
  await expect(page.locator('#events li')).toHaveText(ids.map((id) => `view:${id}`));
  await widget.locator('[part="button"]').nth(2).click();
  await expect(page.locator('#events li').last()).toHaveText(`click:${ids[2]}:2`);
});
