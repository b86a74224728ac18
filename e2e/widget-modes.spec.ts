// <hllm-recommendations> on the real engine (worker, ONNX Runtime Web, demo model) in
// Chromium: host templates with hostile catalogue data, the hllm-view analytics hook
// (once per visible item, never for hidden ones, no request), and the carousel laid out
// right-to-left. Catalogues are slices of the demo catalogue (or hostile rows) handed in
// as items, so each test encodes ~100 items, not 3,650.
import { expect, test, type Page } from '@playwright/test';
import type { CatalogItem } from '../src/protocol.ts';
import { catalog } from './support/engine.ts';
import { IMAGE_PAYLOADS, TEXT_PAYLOADS } from './support/xss-payloads.ts';

const PAGE = '/e2e/pages/widget.html';
const SLICE: CatalogItem[] = catalog.slice(0, 100);
const LIKED = [SLICE[0]!.id, SLICE[1]!.id];

/** Opens the page, starts window.rec on `items` and tracks `liked`. */
async function start(page: Page, items: CatalogItem[], liked: string[]): Promise<void> {
  await page.goto(PAGE);
  await expect(page.locator('#status')).toHaveText('ready');
  await page.evaluate(async ({ items, liked }) => {
    window.rec = await window.hllm.createRecommender({ model: '/models/default/', catalog: items, storage: 'memory', backend: 'wasm' });
    await window.rec.ready;
    for (const id of liked) await window.rec.track(id, { type: 'like' });
  }, { items, liked });
}

/** Mounts a widget on window.rec from `html` (one element string) into #stage; resolves when it is ready. */
async function mount(page: Page, html: string): Promise<void> {
  await page.evaluate(async (html) => {
    const stage = document.getElementById('stage')!;
    stage.insertAdjacentHTML('beforeend', html);
    const el = stage.lastElementChild!.matches('hllm-recommendations') ? stage.lastElementChild! : stage.lastElementChild!.querySelector('hllm-recommendations')!;
    const w = el as HTMLElementTagNameMap['hllm-recommendations'];
    w.recommender = window.rec!;
    await new Promise<void>((resolve) => {
      const check = () => (w.status === 'ready' || w.status === 'error' ? resolve() : requestAnimationFrame(check));
      check();
    });
  }, html);
}

test('a template renders every field as text; 60 hostile payloads in every field stay inert', async ({ page }) => {
  const dialogs: string[] = [];
  page.on('dialog', (d) => { dialogs.push(d.message()); void d.dismiss(); });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.addInitScript(() => { (window as unknown as { __xss: number }).__xss = 0; });
  const hostile: CatalogItem[] = TEXT_PAYLOADS.map((p, i) => ({
    id: `x${i}`, title: `Evil ${i} ${p}`, genres: p, tags: p, description: p, image: IMAGE_PAYLOADS[i % IMAGE_PAYLOADS.length]!,
  }));
  hostile.push({ id: 'ok', title: 'Fine poster', genres: 'Drama', image: 'data:image/png;base64,iVBORw0KGgo=' });
  await start(page, hostile, ['x0', 'x1']);
  await mount(page, `<hllm-recommendations id="t" k="40" layout="grid"><template>
      <img data-image alt=""><b part="t-title" data-field="title"></b><i data-field="genres"></i>
      <span data-field="tags"></span><em data-field="description"></em><code data-field="id"></code><small data-reason></small>
    </template></hllm-recommendations>`);
  const rows = await page.locator('#t').evaluate((el) =>
    [...el.shadowRoot!.querySelectorAll('button[data-id]')].map((b) => ({
      id: (b as HTMLElement).dataset.id!,
      tags: [...b.querySelectorAll('*')].map((n) => n.localName),
      title: b.querySelector('b')!.textContent, genres: b.querySelector('i')!.textContent, tags2: b.querySelector('span')!.textContent,
      description: b.querySelector('em')!.textContent, code: b.querySelector('code')!.textContent, reason: b.querySelector('small')!.textContent,
      img: b.querySelector('img')?.getAttribute('src') ?? null,
    })));
  expect(rows.length).toBe(40);
  const byId = new Map(hostile.map((h) => [h.id, h]));
  for (const r of rows) {
    const item = byId.get(r.id)!;
    expect(r.title).toBe(item.title);
    expect(r.genres).toBe(item.genres);
    expect(r.tags2).toBe(item.tags ?? '');
    expect(r.description).toBe(item.description ?? '');
    expect(r.code).toBe(r.id);
    expect(r.reason).toMatch(/^Because you liked Evil [01] /);
    // Only the template's own elements: no payload became markup.
    expect(r.tags.filter((t) => t !== 'img')).toEqual(['b', 'i', 'span', 'em', 'code', 'small']);
    // Only http(s) (also a relative URL, resolved against the page) and data:image/png survive;
    // javascript:, vbscript:, blob:, data:text/html and data:image/svg+xml are dropped.
    const safe = /^(https:|x")/.test(item.image as string) || (item.image as string).startsWith('data:image/png');
    if (safe) expect(r.img).toMatch(/^(https?:\/\/|data:image\/png;)/);
    else expect(r.img).toBeNull();
  }
  expect(rows.filter((r) => r.img !== null).length).toBeGreaterThan(0);
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  expect(await page.evaluate(() => (window as unknown as { __xss: number }).__xss)).toBe(0);
  expect(dialogs).toEqual([]);
  expect(errors).toEqual([]);
});

/**
 * Resolves once a fresh IntersectionObserver has delivered its first notification for
 * `selector`. Observers created earlier (the widgets') are notified in the same rendering
 * step, before it, so after this every earlier observer has seen the current layout.
 */
async function settleObservers(page: Page, selector = '#status'): Promise<void> {
  await page.evaluate((sel) => new Promise<void>((resolve) => {
    const io = new IntersectionObserver(() => { io.disconnect(); resolve(); });
    io.observe(document.querySelector(sel)!);
  }), selector);
}

test('hllm-view: once per visible item, never for hidden ones, and no request follows', async ({ page }) => {
  await page.setViewportSize({ width: 1000, height: 700 });
  await start(page, SLICE, LIKED);
  await page.evaluate(() => {
    (window as unknown as { views: string[] }).views = [];
    document.addEventListener('hllm-view', (e) => {
      const d = (e as CustomEvent<{ id: string; rank: number; mode: string; because?: string }>).detail;
      (window as unknown as { views: string[] }).views.push(`${(e.target as HTMLElement).id}:${d.rank}:${d.id}:${d.mode}:${d.because ? 'b' : '-'}`);
    });
  });
  await mount(page, '<hllm-recommendations id="shown" k="4" layout="grid"></hllm-recommendations>');
  await mount(page, '<hllm-recommendations id="none" k="4" style="display:none"></hllm-recommendations>');
  await mount(page, '<div id="far" style="margin-block-start:3000px"><hllm-recommendations id="below" k="3" layout="grid"></hllm-recommendations></div>');
  await mount(page, '<div style="width:420px"><hllm-recommendations id="car" k="10" layout="carousel"></hllm-recommendations></div>');
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  const ids = (id: string) => page.locator(`#${id}`).evaluate((el) => [...el.shadowRoot!.querySelectorAll('li[data-id]')].map((li) => (li as HTMLElement).dataset.id!));
  const shown = await ids('shown');
  expect(shown.length).toBe(4);
  await settleObservers(page);
  const views = () => page.evaluate(() => (window as unknown as { views: string[] }).views);
  expect((await views()).filter((v) => v.startsWith('shown:'))).toEqual(shown.map((id, rank) => `shown:${rank}:${id}:for-you:b`));
  expect((await views()).filter((v) => /^(none|below|car):/.test(v))).toEqual([]);

  // Scrolled into view: each item of #below once; scrolling away and back adds nothing.
  const below = await ids('below');
  await page.locator('#below').scrollIntoViewIfNeeded();
  await expect.poll(async () => (await views()).filter((v) => v.startsWith('below:')).length).toBe(below.length);
  await page.evaluate(() => window.scrollTo(0, 0));
  await settleObservers(page);
  await page.locator('#below').scrollIntoViewIfNeeded();
  await settleObservers(page, '#far');
  expect((await views()).filter((v) => v.startsWith('below:'))).toEqual(below.map((id, rank) => `below:${rank}:${id}:for-you:b`));

  // Carousel: only the items inside its scrollport; paging on shows the next ones.
  await page.locator('#car').scrollIntoViewIfNeeded();
  await settleObservers(page, '#far');
  const carViews = async () => (await views()).filter((v) => v.startsWith('car:'));
  const firstPage = (await carViews()).length;
  expect(firstPage).toBeGreaterThan(0);
  expect(firstPage).toBeLessThan(10);
  await page.locator('#car').locator('[data-nav="next"]').click();
  await expect.poll(async () => (await carViews()).length).toBeGreaterThan(firstPage);
  const ranks = (await carViews()).map((v) => Number(v.split(':')[1]));
  expect(new Set(ranks).size).toBe(ranks.length); // each once
  expect((await views()).filter((v) => v.startsWith('none:'))).toEqual([]);
  expect(requests).toEqual([]);
});

test('carousel right-to-left: mirrored order, arrows, keys and paging', async ({ page }) => {
  await page.setViewportSize({ width: 1000, height: 700 });
  await start(page, SLICE, LIKED);
  await mount(page, '<div dir="rtl" style="width:480px"><hllm-recommendations id="rtl" k="8" layout="carousel"></hllm-recommendations></div>');
  await mount(page, '<div style="width:480px"><hllm-recommendations id="ltr" k="8" layout="carousel"></hllm-recommendations></div>');
  const geometry = (id: string) => page.locator(`#${id}`).evaluate((el) => {
    const r = el.shadowRoot!;
    const x = (s: string) => r.querySelector(s)!.getBoundingClientRect().left;
    return {
      prev: x('[data-nav="prev"]'), next: x('[data-nav="next"]'), item0: x('li[data-rank="0"]'), item1: x('li[data-rank="1"]'),
      arrow: getComputedStyle(r.querySelector('[data-nav="next"]')!).transform,
      prevDisabled: (r.querySelector('[data-nav="prev"]') as HTMLButtonElement).disabled,
    };
  });
  const rtl = await geometry('rtl');
  const ltr = await geometry('ltr');
  expect(ltr.prev).toBeLessThan(ltr.next);
  expect(ltr.item0).toBeLessThan(ltr.item1);
  expect(ltr.arrow).toBe('none');
  expect(rtl.prev).toBeGreaterThan(rtl.next); // "previous" sits at the inline start: the right
  expect(rtl.item0).toBeGreaterThan(rtl.item1); // the first item is rightmost
  expect(rtl.arrow).toBe('matrix(-1, 0, 0, 1, 0, 0)'); // arrows point in reading direction
  expect(rtl.prevDisabled).toBe(true);

  const scrollLeft = (id: string) => page.locator(`#${id}`).evaluate((el) => el.shadowRoot!.querySelector('[part="list"]')!.scrollLeft);
  await page.locator('#rtl [data-nav="next"]').click();
  await expect.poll(() => scrollLeft('rtl')).toBeLessThan(-50); // RTL scrolls towards negative x
  await expect(page.locator('#rtl [data-nav="prev"]')).toBeEnabled();
  await page.locator('#ltr [data-nav="next"]').click();
  await expect.poll(() => scrollLeft('ltr')).toBeGreaterThan(50);

  // Keys follow the reading direction: ArrowLeft is "next" right-to-left.
  const focusedRank = (id: string) => page.locator(`#${id}`).evaluate((el) => (el.shadowRoot!.activeElement as HTMLElement | null)?.dataset.rank ?? null);
  await page.locator('#rtl [part="button"][data-rank="0"]').focus();
  await page.keyboard.press('ArrowLeft');
  expect(await focusedRank('rtl')).toBe('1');
  await page.keyboard.press('ArrowRight');
  expect(await focusedRank('rtl')).toBe('0');
  await page.locator('#ltr [part="button"][data-rank="0"]').focus();
  await page.keyboard.press('ArrowRight');
  expect(await focusedRank('ltr')).toBe('1');
});
