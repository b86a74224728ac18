// Keyboard: with no mouse at all, a person can search, like movies, jump to the
// recommendations, move between them and activate one (which is tracked and re-ranks).
// Also checks the ARIA shape: a list of listitems holding named buttons.
import { expect, test, type Page } from '@playwright/test';
import { LIKED, openDemo, recItems, waitReady } from './support/demo.ts';

/** The focused element, looking through open shadow roots. */
function focused(page: Page) {
  return page.evaluate(() => {
    let a: Element | null = document.activeElement;
    while (a?.shadowRoot?.activeElement) a = a.shadowRoot.activeElement;
    const el = a as HTMLElement | null;
    return { tag: el?.localName, part: el?.getAttribute('part'), id: el?.dataset.id, label: el?.getAttribute('aria-label'), text: el?.textContent ?? '' };
  });
}

async function tabTo(page: Page, match: (f: Awaited<ReturnType<typeof focused>>) => boolean, max = 40): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    if (match(await focused(page))) return;
  }
  throw new Error(`Tab never reached the target; ended on ${JSON.stringify(await focused(page))}`);
}

test('keyboard alone reaches and activates a recommendation', async ({ page }) => {
  await openDemo(page);

  for (const m of LIKED.slice(0, 2)) {
    await page.keyboard.press('/'); // the demo's search shortcut
    expect((await focused(page)).tag).toBe('input');
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type(m.query);
    await page.keyboard.press('Enter');
    await tabTo(page, (f) => f.label === `Like ${m.title}`);
    await page.keyboard.press('Enter');
    await expect(page.locator('#history-count')).toHaveText(String(LIKED.indexOf(m) + 1));
  }
  await expect(recItems(page)).toHaveCount(10);
  // Start again from the top of a fresh page: history persists, focus starts at the document.
  await page.reload();
  await waitReady(page);
  await expect(recItems(page)).toHaveCount(10);
  await page.evaluate(() => {
    (window as unknown as { clicks: string[] }).clicks = [];
    document.addEventListener('hllm-click', (e) => (window as unknown as { clicks: string[] }).clicks.push((e as CustomEvent).detail.id));
  });

  const list = page.locator('#recs [part="list"]');
  await expect(list).toHaveAttribute('role', 'list');
  await expect(recItems(page).first()).toHaveAttribute('role', 'listitem');

  // The skip link leads to the recommendations; Tab then lands on the first one.
  await page.keyboard.press('Tab');
  expect((await focused(page)).text).toBe('Skip to recommendations');
  await page.keyboard.press('Enter');
  await tabTo(page, (f) => f.part === 'button', 3);
  const first = await focused(page);
  await page.keyboard.press('ArrowDown');
  const second = await focused(page);
  expect(second.part).toBe('button');
  expect(second.id).not.toBe(first.id);
  await expect(page.locator('#recs').getByRole('button', { name: new RegExp(`Because you liked`) }).first()).toBeVisible();

  await page.keyboard.press('Enter');
  await expect(page.locator('#history-count')).toHaveText('3');
  expect(await page.evaluate(() => (window as unknown as { clicks: string[] }).clicks)).toEqual([second.id]);
  // Focus stays in the list after the re-rank, so the next key press still works.
  expect((await focused(page)).part).toBe('button');
  await expect(recItems(page)).toHaveCount(10);
  const ids = await page.locator('#recs [part="button"]').evaluateAll((bs) => bs.map((b) => (b as HTMLElement).dataset.id));
  expect(ids).not.toContain(second.id); // the activated item is now history, so it is masked
});
