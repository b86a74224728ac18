// Shared helpers for the demo/embed specs: where the servers are (started by
// playwright.config.ts) and how a person drives the demo page. No mocks: every
// helper goes through the real page, the real engine worker and IndexedDB.
import { expect, type Locator, type Page } from '@playwright/test';

export const DEMO = `http://127.0.0.1:${process.env.HLLM_E2E_DEMO_PORT ?? 4173}`;
export const HOST = `http://127.0.0.1:${process.env.HLLM_E2E_HOST_PORT ?? 4175}`;

/** First start embeds the whole catalogue on WASM; later starts read vectors from IndexedDB. */
export const START_TIMEOUT = 240_000;

/** Five well-known movies with 5–6 digit ids, so the privacy spec can search for the ids in traffic. */
export const LIKED = [
  { id: '79132', title: 'Inception (2010)', query: 'inception' },
  { id: '109487', title: 'Interstellar (2014)', query: 'interstellar' },
  { id: '122882', title: 'Mad Max: Fury Road (2015)', query: 'fury road' },
  { id: '112552', title: 'Whiplash (2014)', query: 'whiplash' },
  { id: '115713', title: 'Ex Machina (2015)', query: 'ex machina' },
] as const;

/** Opens the demo and waits until the engine is ready and the catalogue is browsable. */
export async function openDemo(page: Page, url = `${DEMO}/`): Promise<void> {
  await page.goto(url);
  await waitReady(page);
}

export async function waitReady(page: Page): Promise<void> {
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true', { timeout: START_TIMEOUT });
  await expect(page.locator('#engine-status')).toContainText('Running on WASM');
}

/** The widget's recommendation rows (Playwright CSS locators pierce open shadow roots). */
export function recItems(page: Page): Locator {
  return page.locator('#recs [part="item"]');
}

/**
 * A fresh (or wiped) visitor's row: the widget's default 'popular' fallback fills all `k`
 * rows from the model's training-split counts, each with the reason "Popular".
 */
export async function expectPopularRows(widget: Locator, k: number, timeout?: number): Promise<void> {
  await expect(widget.locator('[part="reason"]')).toHaveText(Array.from({ length: k }, () => 'Popular'), { timeout });
}

/** Searches the catalogue and presses Like on the row with exactly this title. */
export async function like(page: Page, query: string, title: string): Promise<void> {
  const count = Number(await page.locator('#history-count').textContent());
  await page.getByLabel('Search movies by title, genre or tag').fill(query);
  const button = page.getByRole('button', { name: `Like ${title}`, exact: true });
  await button.click();
  await expect(button).toHaveAttribute('aria-pressed', 'true');
  await expect(page.locator('#history-count')).toHaveText(String(count + 1));
}

/** Likes all five LIKED movies and waits for 10 recommendations. */
export async function likeFive(page: Page): Promise<void> {
  for (const m of LIKED) await like(page, m.query, m.title);
  await expect(recItems(page)).toHaveCount(10);
}

/** Ids and reasons of the visible recommendations, in rank order. */
export async function readRecs(page: Page): Promise<Array<{ id: string; title: string; reason: string }>> {
  return page.locator('#recs [part="button"]').evaluateAll((buttons) =>
    buttons.map((b) => ({
      id: (b as HTMLElement).dataset.id ?? '',
      title: b.querySelector('[part="title"]')?.textContent ?? '',
      reason: b.querySelector('[part="reason"]')?.textContent ?? '',
    })),
  );
}
