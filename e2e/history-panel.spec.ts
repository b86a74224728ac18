// The demo's privacy panel, <hllm-history>, on the real engine (WASM worker) and Chromium's
// real IndexedDB: it lists what is stored, forgets one item and everything, exports a file
// that imports into a fresh profile (a new browser context) as the same history with the
// same recommendations, refuses a bad file with its INVALID_IMPORT text and loses nothing,
// and works from the keyboard alone. Every request of both profiles is recorded: none may
// leave the origin, none may be a write, none may carry a history item id.
import { expect, test, type BrowserContext, type Locator, type Page } from '@playwright/test';
import { DEMO, LIKED, like, openDemo, readRecs, waitReady } from './support/demo.ts';

interface Seen { url: string; method: string; body: string | null }

function record(context: BrowserContext, seen: Seen[]): void {
  context.on('request', (r) => seen.push({ url: r.url(), method: r.method(), body: r.postData() }));
}

/** What no recorded request may do: leave the origin, write, or mention a history id. */
function offenders(seen: Seen[], ids: readonly string[]): string[] {
  const origin = new URL(DEMO).origin;
  const out: string[] = [];
  for (const r of seen) {
    const local = r.url.startsWith('blob:') ? new URL(r.url.slice(5)).origin : r.url.startsWith('data:') ? origin : new URL(r.url).origin;
    if (local !== origin) out.push(`foreign origin: ${r.method} ${r.url}`);
    if (r.method !== 'GET') out.push(`${r.method} ${r.url}`);
    for (const id of ids) {
      if (decodeURIComponent(r.url).includes(id)) out.push(`id ${id} in URL: ${r.url}`);
      if (r.body?.includes(id)) out.push(`id ${id} in body of ${r.url}`);
    }
  }
  return out;
}

const panel = (page: Page): Locator => page.locator('#history');
const rows = (page: Page): Locator => panel(page).getByRole('listitem');
const status = (page: Page): Locator => panel(page).getByRole('status');

async function openPanel(page: Page): Promise<void> {
  await page.getByRole('button', { name: /Your history/ }).click();
  await expect(page.getByRole('dialog', { name: 'Your history, stored in this browser' })).toBeVisible();
}

async function exportFile(page: Page): Promise<string> {
  const download = page.waitForEvent('download');
  await panel(page).getByRole('button', { name: 'Export JSON' }).click();
  const d = await download;
  expect(d.suggestedFilename()).toMatch(/^hllm-history-\d{4}-\d{2}-\d{2}\.json$/);
  expect(d.url()).toMatch(/^blob:/);
  return Buffer.concat(await (await d.createReadStream()).toArray()).toString('utf8');
}

async function importFile(page: Page, name: string, text: string): Promise<void> {
  const chooser = page.waitForEvent('filechooser', { timeout: 30_000 });
  await panel(page).getByRole('button', { name: 'Import JSON…' }).click();
  await (await chooser).setFiles({ name, mimeType: 'application/json', buffer: Buffer.from(text, 'utf8') });
}

test('list, forget one, bad file, export → import into a fresh profile, forget everything; no request carries the history', async ({ page, context, browser }) => {
  const seen: Seen[] = [];
  record(context, seen);
  await openDemo(page);
  for (const m of LIKED.slice(0, 3)) await like(page, m.query, m.title);
  const recsOfThree = await readRecs(page);
  expect(recsOfThree).toHaveLength(10);

  await openPanel(page);
  await expect(rows(page)).toHaveCount(3);
  // Newest first, with the catalogue title, the event type and a date.
  await expect(rows(page).locator('[part="title"]')).toHaveText([LIKED[2].title, LIKED[1].title, LIKED[0].title]);
  await expect(rows(page).locator('[part="type"]')).toHaveText(['Liked', 'Liked', 'Liked']);
  await expect(rows(page).first().locator('time')).toHaveAttribute('datetime', /^\d{4}-\d{2}-\d{2}T/);
  const exported = await exportFile(page);
  const file = JSON.parse(exported) as { version: number; history: Array<{ itemId: string; type: string; at: number }> };
  expect(file.version).toBe(1);
  expect(file.history.map((e) => e.itemId)).toEqual(LIKED.slice(0, 3).map((m) => m.id));
  await expect(status(page)).toHaveText('Exported 3 events to a file on this device.');

  // A bad file: its INVALID_IMPORT text is shown, and nothing is lost (also after a reload).
  await importFile(page, 'bad.json', JSON.stringify({ ...file, version: 2 }));
  await expect(status(page)).toHaveText(/^That file was not imported: field 'version' must be 1 .*Nothing was imported/);
  await importFile(page, 'broken.json', exported.slice(0, 40));
  await expect(status(page)).toHaveText(/^That file was not imported: the file is not JSON/);
  await expect(rows(page)).toHaveCount(3);

  await panel(page).getByRole('button', { name: `Forget ${LIKED[1].title}` }).click();
  await expect(status(page)).toHaveText(`Forgot ${LIKED[1].title} (1 event).`);
  await expect(rows(page).locator('[part="title"]')).toHaveText([LIKED[2].title, LIKED[0].title]);
  await expect(page.locator('#history-count')).toHaveText('2');
  await page.reload();
  await waitReady(page);
  await expect(page.locator('#history-count')).toHaveText('2');

  // A fresh profile: nothing stored; the exported file brings back the same history and ranking.
  const fresh = await browser.newContext();
  record(fresh, seen);
  const page2 = await fresh.newPage();
  await openDemo(page2);
  await expect(page2.locator('#history-count')).toHaveText('0');
  await openPanel(page2);
  await expect(panel(page2)).toContainText('Nothing yet. Like or open a movie');
  await importFile(page2, 'mine.json', exported);
  await expect(status(page2)).toHaveText('Imported 3 events.');
  await expect(rows(page2)).toHaveCount(3);
  await expect(page2.locator('#history-count')).toHaveText('3');
  const again = JSON.parse(await exportFile(page2)) as typeof file;
  const strip = (h: typeof file.history) => h.map(({ itemId, type, at }) => ({ itemId, type, at }));
  expect(strip(again.history)).toEqual(strip(file.history));
  await page2.getByRole('button', { name: 'Close' }).click();
  await expect.poll(() => readRecs(page2)).toEqual(recsOfThree);
  // Imported into IndexedDB, not only into the worker's memory.
  await page2.reload();
  await waitReady(page2);
  await expect(page2.locator('#history-count')).toHaveText('3');

  // Importing the same file again adds nothing.
  await openPanel(page2);
  await importFile(page2, 'mine.json', exported);
  await expect(status(page2)).toHaveText('Imported 0 events, skipped 3 (already stored or not in this catalogue).');

  await panel(page2).getByRole('button', { name: 'Wipe history…' }).click();
  await panel(page2).getByRole('button', { name: 'Yes, wipe everything' }).click();
  await expect(status(page2)).toHaveText('Forgot everything (3 events).');
  await expect(panel(page2)).toContainText('Nothing yet. Like or open a movie');
  await expect(page2.locator('#history-count')).toHaveText('0');
  await fresh.close();

  expect(seen.some((r) => /\.onnx$/.test(r.url))).toBe(true); // the recorder saw the real traffic
  expect(offenders(seen, LIKED.slice(0, 3).map((m) => m.id))).toEqual([]);
});

/** The focused element, looking through open shadow roots. */
function focused(page: Page) {
  return page.evaluate(() => {
    let a: Element | null = document.activeElement;
    while (a?.shadowRoot?.activeElement) a = a.shadowRoot.activeElement;
    return { tag: a?.localName, label: a?.getAttribute('aria-label') ?? a?.textContent ?? '' };
  });
}

async function tabTo(page: Page, label: string, key = 'Tab', max = 30): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(key);
    if ((await focused(page)).label === label) return;
  }
  throw new Error(`${key} never reached '${label}'; ended on ${JSON.stringify(await focused(page))}`);
}

test('keyboard alone: open, forget one, Escape cancels the confirmation, wipe; right-to-left layout', async ({ page }) => {
  await openDemo(page);
  for (const m of LIKED.slice(0, 3)) await like(page, m.query, m.title);
  await page.locator('#history-open').focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Your history, stored in this browser' });
  await expect(dialog).toBeVisible();
  await expect(rows(page)).toHaveCount(3);

  await tabTo(page, `Forget ${LIKED[1].title}`);
  await page.keyboard.press('Enter');
  await expect(rows(page)).toHaveCount(2);
  // Focus moved to the row that took its place, so the next key press still works.
  await expect.poll(() => focused(page)).toEqual({ tag: 'button', label: `Forget ${LIKED[0].title}` });

  await tabTo(page, 'Wipe history…');
  await page.keyboard.press('Space');
  await expect(panel(page)).toContainText('Forget all 2 events? This cannot be undone.');
  expect(await focused(page)).toEqual({ tag: 'button', label: 'Cancel' });
  await page.keyboard.press('Escape');
  await expect(panel(page).getByRole('button', { name: 'Yes, wipe everything' })).toBeHidden();
  await expect(dialog).toBeVisible(); // Escape closed the confirmation, not the dialog
  expect(await focused(page)).toEqual({ tag: 'button', label: 'Wipe history…' });
  await expect(rows(page)).toHaveCount(2);

  // Enter on the import button takes the same path as a mouse click: the file input's click(),
  // which the first test shows opening the picker. Watched on the input (the picker itself is
  // cancelled here) because Playwright's 'filechooser' event raced with a key press: it did
  // not fire in 1 of 3 runs.
  await tabTo(page, 'Import JSON…', 'Shift+Tab');
  await panel(page).evaluate((el) => {
    const input = el.shadowRoot!.querySelector('input[type=file]')!;
    input.addEventListener('click', (e) => { e.preventDefault(); el.setAttribute('data-picker-opened', 'yes'); }, { once: true });
  });
  await page.keyboard.press('Enter');
  await expect(panel(page)).toHaveAttribute('data-picker-opened', 'yes');
  await panel(page).evaluate((el) => el.removeAttribute('data-picker-opened'));

  // Right to left: the forget button sits at the row's start edge, now on the left.
  await panel(page).evaluate((el) => el.setAttribute('dir', 'rtl'));
  const row = rows(page).first();
  const title = (await row.locator('[part="title"]').boundingBox())!;
  const forget = (await row.getByRole('button').boundingBox())!;
  expect(forget.x + forget.width).toBeLessThanOrEqual(title.x);
  await panel(page).evaluate((el) => el.removeAttribute('dir'));

  await tabTo(page, 'Wipe history…');
  await page.keyboard.press('Enter');
  await page.keyboard.press('Shift+Tab');
  expect(await focused(page)).toEqual({ tag: 'button', label: 'Yes, wipe everything' });
  await page.keyboard.press('Enter');
  await expect(panel(page)).toContainText('Nothing yet. Like or open a movie');
  await expect(page.locator('#history-count')).toHaveText('0');
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  expect((await focused(page)).tag).toBe('button');
  await expect(page.locator('#history-open')).toBeFocused();
});
