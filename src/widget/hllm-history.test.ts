// @vitest-environment happy-dom
// Unit tests of `<hllm-history>` with a stand-in recommender: an in-memory
// history on the real MemoryStore and the real importHistory() (so import errors are the
// engine's own), a three-item catalogue. e2e/history-panel.spec.ts uses the real engine.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HllmError } from '../errors.ts';
import { importHistory } from '../engine/history/history-import.ts';
import type { CatalogItem, ExportData, HistoryEvent } from '../protocol.ts';
import { MemoryStore } from '../storage/memory-store.ts';
import './index.ts';
import type { HllmHistoryChangeDetail } from './index.ts';
import type { HistoryRecommender } from './widget-types.ts';

const XSS = '<img src=x onerror="window.__xss=1">';
const CATALOG: CatalogItem[] = [{ id: '1', title: 'Alien (1979)' }, { id: '2', title: XSS }, { id: '3', title: 'Heat (1995)' }];

async function standIn(seed: Array<[string, string, number]>) {
  const store = new MemoryStore();
  let events: HistoryEvent[] = await store.appendEvents(seed.map(([itemId, type, at]) => ({ itemId, type, at })));
  const byId = new Map(CATALOG.map((c) => [c.id, c]));
  const rec = {
    ready: Promise.resolve(),
    history: vi.fn(async () => events.map((e) => ({ ...e }))),
    items: vi.fn(async (ids: string[]) => ids.map((id) => {
      const it = byId.get(id);
      if (!it) throw new HllmError('UNKNOWN_ITEM', `item '${id}' is not in the catalogue`, { itemId: id });
      return it;
    })),
    forget: vi.fn(async (ids: string[] | 'all') => {
      const n = await store.deleteEvents(ids);
      events = await store.getEvents();
      return n;
    }),
    exportData: vi.fn(async (): Promise<ExportData> => ({ version: 1, exportedAt: 0, history: events, model: { id: 'm', sha256: 's', backend: 'wasm', dtype: 'q8' } })),
    importData: vi.fn(async (d: ExportData | string, o?: { mode?: 'merge' | 'replace' }) => {
      const r = await importHistory(store, events, d, o, (id) => byId.has(id));
      events = r.history;
      return r.result;
    }),
  } satisfies HistoryRecommender;
  return { rec, stored: () => store.getEvents() };
}

const DAY = Date.UTC(2026, 0, 15, 12, 0);

async function mount(seed: Array<[string, string, number]>, attrs: Record<string, string> = {}) {
  const s = await standIn(seed);
  const el = document.createElement('hllm-history');
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  document.body.append(el);
  el.recommender = s.rec;
  await el.refresh();
  const root = el.shadowRoot!;
  const rows = () => [...root.querySelectorAll('[role="listitem"]')] as HTMLElement[];
  const byName = (name: string) => [...root.querySelectorAll('button')].find((b) => (b.getAttribute('aria-label') ?? b.textContent) === name && !b.closest('[hidden]') && !b.hidden);
  const status = () => root.querySelector('[role="status"]')!.textContent;
  const changes: HllmHistoryChangeDetail[] = [];
  el.addEventListener('hllm-history-change', (e) => changes.push((e as CustomEvent<HllmHistoryChangeDetail>).detail));
  /** Resolves after the element's next history-change event or status message. */
  const settled = (f: () => void) => new Promise<void>((resolve) => {
    const obs = new MutationObserver(() => { obs.disconnect(); resolve(); });
    obs.observe(root.querySelector('[role="status"]')!, { childList: true, characterData: true, subtree: true });
    f();
  });
  return { el, root, rows, byName, status, changes, settled, ...s };
}

afterEach(() => document.body.replaceChildren());

describe('<hllm-history>', () => {
  it('lists events newest first with titles, type labels and dates; an unknown id shows as itself', async () => {
    const { rows, root } = await mount([['1', 'like', DAY], ['gone-42', 'view', DAY + 60_000], ['3', 'click', DAY + 120_000]], { lang: 'en-GB' });
    expect(rows().map((r) => [r.querySelector('[part="title"]')!.textContent, r.querySelector('[part="type"]')!.textContent]))
      .toEqual([['Heat (1995)', 'Opened'], ['gone-42', 'Viewed'], ['Alien (1979)', 'Liked']]);
    const time = rows()[2]!.querySelector('time')!;
    expect(time.dateTime).toBe(new Date(DAY).toISOString());
    expect(time.textContent).toBe(new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short' }).format(DAY));
    expect(rows()[2]!.getAttribute('aria-label')).toBe(`Alien (1979), Liked, ${time.textContent}`);
    expect(root.querySelector('[part="summary"]')!.textContent).toBe('3 events, kept in this browser only.');
    expect(root.querySelector('ul')!.getAttribute('role')).toBe('list');
  });

  it('formats dates for its lang attribute (or the nearest ancestor’s)', async () => {
    const { el, rows } = await mount([['1', 'like', DAY]], { lang: 'de' });
    const de = new Intl.DateTimeFormat('de', { dateStyle: 'medium', timeStyle: 'short' }).format(DAY);
    const us = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'short' }).format(DAY);
    expect(de).not.toBe(us);
    expect(rows()[0]!.querySelector('time')!.textContent).toBe(de);
    el.setAttribute('lang', 'en-US');
    expect(rows()[0]!.querySelector('time')!.textContent).toBe(us);
    // Without a lang of its own it takes the nearest ancestor's.
    el.removeAttribute('lang');
    document.body.setAttribute('lang', 'de');
    await el.refresh();
    expect(rows()[0]!.querySelector('time')!.textContent).toBe(de);
    document.body.removeAttribute('lang');
  });

  it('keeps an XSS title as text', async () => {
    const { root, byName } = await mount([['2', 'view', DAY]]);
    expect(root.querySelector('img')).toBeNull();
    expect(root.querySelector('[part="title"]')!.textContent).toBe(XSS);
    expect(byName(`Forget ${XSS}`)).toBeDefined();
    expect((window as { __xss?: number }).__xss).toBeUndefined();
  });

  it('forgets one item (all its events), says so, fires hllm-history-change and keeps focus in the list', async () => {
    const { el, root, rows, byName, status, changes, settled, rec, stored } = await mount([['1', 'like', DAY], ['3', 'view', DAY + 1], ['1', 'view', DAY + 2]]);
    expect(rows()).toHaveLength(3);
    await settled(() => byName('Forget Alien (1979)')!.click());
    expect(rec.forget).toHaveBeenCalledWith(['1']);
    expect((await stored()).map((e) => e.itemId)).toEqual(['3']);
    expect(rows().map((r) => r.dataset.id)).toEqual(['3']);
    expect(status()).toBe('Forgot Alien (1979) (2 events).');
    expect(changes).toEqual([{ action: 'forget', itemId: '1', removed: 2, events: 1 }]);
    expect(document.activeElement).toBe(el);
    expect(root.activeElement).toBe(byName('Forget Heat (1995)'));
  });

  it('forget everything asks first: Escape and Cancel keep everything, Yes forgets all', async () => {
    const { root, rows, byName, status, changes, settled, rec } = await mount([['1', 'like', DAY], ['3', 'view', DAY + 1]]);
    const forgetAll = byName('Forget everything…')!;
    forgetAll.click();
    const confirm = root.querySelector('[part="confirm"]') as HTMLElement;
    expect(confirm.hidden).toBe(false);
    expect(confirm.textContent).toContain('Forget all 2 events? This cannot be undone.');
    expect(root.activeElement).toBe(byName('Cancel'));
    root.activeElement!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true, composed: true }));
    expect(confirm.hidden).toBe(true);
    expect(root.activeElement).toBe(forgetAll);
    forgetAll.click();
    byName('Cancel')!.click();
    expect(confirm.hidden).toBe(true);
    expect(rec.forget).not.toHaveBeenCalled();
    expect(rows()).toHaveLength(2);

    forgetAll.click();
    await settled(() => byName('Yes, forget everything')!.click());
    expect(rec.forget).toHaveBeenCalledWith('all');
    expect(rows()).toHaveLength(0);
    expect(root.querySelector('[part="empty"]')!.textContent).toBe('Nothing is stored on this device.');
    expect(status()).toBe('Forgot everything (2 events).');
    expect(changes).toEqual([{ action: 'forget-all', removed: 2, events: 0 }]);
    expect(byName('Forget everything…')).toBeUndefined(); // nothing left to forget
  });

  it('imports a file (merge), and a bad file shows the typed error and changes nothing', async () => {
    const { root, rows, status, changes, settled, stored } = await mount([['1', 'like', DAY]]);
    const input = root.querySelector('input[type="file"]') as HTMLInputElement;
    const choose = (text: string) => settled(() => {
      Object.defineProperty(input, 'files', { configurable: true, value: [new File([text], 'h.json', { type: 'application/json' })] });
      input.dispatchEvent(new Event('change'));
    });
    const before = await stored();
    await choose('{"version":1,"history":[{"itemId":"3","type":"view"}]}');
    expect(status()).toBe("That file was not imported: history event 0 field 'at' is missing (must be an object like { \"itemId\": \"42\", \"type\": \"view\", \"at\": 1700000000000 }). Nothing was imported; choose a file made by exportData() (the history export).");
    expect((root.querySelector('[role="status"]') as HTMLElement).dataset.kind).toBe('error');
    expect(await stored()).toEqual(before);
    expect(rows()).toHaveLength(1);
    expect(changes).toEqual([]);

    await choose(JSON.stringify({ version: 1, history: [{ itemId: '3', type: 'view', at: DAY + 5 }, { itemId: 'nope', type: 'view', at: DAY + 6 }] }));
    expect(status()).toBe('Imported 1 event, skipped 1 (already stored or not in this catalogue).');
    expect(rows().map((r) => r.dataset.id)).toEqual(['3', '1']);
    expect(changes).toEqual([{ action: 'import', imported: 1, skipped: 1, events: 2 }]);
  });

  it('shows every string from labels, merged over the defaults', async () => {
    const { el, root, byName, rows } = await mount([['1', 'like', DAY]]);
    el.labels = { heading: 'Gespeichert', forget: 'Vergessen', forgetItem: (t) => `${t} vergessen`, types: { like: 'Gemocht' }, exportButton: 'Exportieren', count: (n) => `${n} Ereignis` };
    expect(root.querySelector('h2')!.textContent).toBe('Gespeichert');
    expect(root.querySelector('[part="summary"]')!.textContent).toBe('1 Ereignis');
    expect(byName('Alien (1979) vergessen')!.textContent).toBe('Vergessen');
    expect(rows()[0]!.querySelector('[part="type"]')!.textContent).toBe('Gemocht');
    expect(byName('Exportieren')).toBeDefined();
    expect(byName('Import…')).toBeDefined(); // not set: the default stays
  });

  it('keeps the list and explains when the recommender fails to read', async () => {
    const { el, rec, rows, status } = await mount([['1', 'like', DAY]]);
    rec.history.mockRejectedValueOnce(new Error('storage is gone'));
    await el.refresh();
    expect(rows()).toHaveLength(1);
    expect(status()).toBe('Something went wrong: storage is gone');
  });
});
