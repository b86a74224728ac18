// @vitest-environment happy-dom
// Unit tests of the custom element's state machine with a tiny in-page
// object standing in for the engine (rendering only; e2e uses the real engine).
import { afterEach, describe, expect, it, vi } from 'vitest';
import './index.ts';
import type { HllmRecommendationsElement } from './index.ts';
import type { WidgetProgress, WidgetRecommendation, WidgetRecommender } from './widget-types.ts';

function fakeEngine(opts: { fail?: unknown; recs?: WidgetRecommendation[] } = {}) {
  const listeners: Array<(p: WidgetProgress) => void> = [];
  let resolve!: (v: unknown) => void;
  let reject!: (e: unknown) => void;
  const ready = new Promise((res, rej) => ((resolve = res), (reject = rej)));
  const tracked: string[] = [];
  const recs =
    opts.recs ??
    Array.from({ length: 12 }, (_, i) => ({
      id: String(i + 1),
      score: 1 - i / 20,
      item: { id: String(i + 1), title: `Movie ${i + 1}` },
      because: { id: '100', score: 0.5, item: { id: '100', title: '<i>Alien</i> (1979)' } },
    }));
  const engine = {
    ready,
    recommend: vi.fn(async (o?: { k?: number }) => recs.slice(0, o?.k ?? 10)),
    track: vi.fn(async (id: string) => ({ seq: tracked.push(id), itemId: id, type: 'click', at: 0 })),
    on: (_: 'progress', cb: (p: WidgetProgress) => void) => (listeners.push(cb), () => undefined),
  } satisfies WidgetRecommender;
  return { engine, tracked, resolve, reject, emit: (p: WidgetProgress) => listeners.forEach((l) => l(p)) };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

function mount(attrs: Record<string, string> = {}): HllmRecommendationsElement {
  const el = document.createElement('hllm-recommendations');
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  document.body.append(el);
  return el;
}

afterEach(() => document.body.replaceChildren());

describe('<hllm-recommendations>', () => {
  it('explains itself when it has neither an engine nor attributes', () => {
    const el = mount();
    expect(el.shadowRoot!.textContent).toContain('Set the model and catalog attributes');
  });

  it('shows progress, then k items with reasons, and fires hllm-ready', async () => {
    const f = fakeEngine();
    const el = mount({ k: '5' });
    const ready = vi.fn();
    el.addEventListener('hllm-ready', ready);
    el.recommender = f.engine;
    f.emit({ phase: 'encode', done: 1, total: 4 });
    expect(el.status).toBe('loading');
    expect(el.shadowRoot!.querySelector('[role="status"]')!.textContent).toContain('25%');
    f.resolve({ backend: 'wasm', dtype: 'q8' });
    await flush();
    expect(ready).toHaveBeenCalledOnce();
    expect(ready.mock.calls[0]![0].detail).toEqual({ backend: 'wasm', dtype: 'q8' });
    const items = el.shadowRoot!.querySelectorAll('[role="listitem"]');
    expect(items.length).toBe(5);
    expect(el.shadowRoot!.querySelector('[part="reason"]')!.textContent).toBe('Because you liked <i>Alien</i> (1979)');
    expect(el.shadowRoot!.querySelector('i')).toBeNull();
    expect(el.dataset.state).toBe('ready');
  });

  it('tracks a click, emits hllm-click and re-ranks', async () => {
    const f = fakeEngine();
    f.resolve({});
    const el = mount();
    el.recommender = f.engine;
    await flush();
    const clicks: unknown[] = [];
    el.addEventListener('hllm-click', (e) => clicks.push((e as CustomEvent).detail.id));
    el.shadowRoot!.querySelectorAll<HTMLButtonElement>('button')[2]!.click();
    await flush();
    expect(clicks).toEqual(['3']);
    expect(f.tracked).toEqual(['3']);
    expect(f.engine.recommend).toHaveBeenCalledTimes(2);
  });

  it('does not track when the host cancels hllm-click', async () => {
    const f = fakeEngine();
    f.resolve({});
    const el = mount();
    el.recommender = f.engine;
    await flush();
    el.addEventListener('hllm-click', (e) => e.preventDefault());
    el.shadowRoot!.querySelector<HTMLButtonElement>('button')!.click();
    await flush();
    expect(f.tracked).toEqual([]);
  });

  it('shows a readable alert and fires hllm-error when the engine fails to load', async () => {
    const f = fakeEngine();
    const el = mount();
    const errors: Array<{ code?: string; fatal: boolean }> = [];
    el.addEventListener('hllm-error', (e) => errors.push((e as CustomEvent).detail));
    el.recommender = f.engine;
    f.reject(Object.assign(new Error('model.onnx: 404 Not Found'), { code: 'E_FETCH' }));
    await flush();
    const alert = el.shadowRoot!.querySelector('[role="alert"]')!;
    expect(alert.textContent).toContain('model.onnx: 404 Not Found');
    expect(errors).toMatchObject([{ code: 'E_FETCH', fatal: true }]);
    expect(el.status).toBe('error');
  });

  it('keeps the last list when a later refresh fails (degrades, does not break)', async () => {
    const f = fakeEngine();
    f.resolve({});
    const el = mount({ k: '3' });
    el.recommender = f.engine;
    await flush();
    f.engine.recommend.mockRejectedValueOnce(new Error('worker crashed'));
    await el.refresh();
    expect(el.shadowRoot!.querySelectorAll('[role="listitem"]').length).toBe(3);
    expect(el.shadowRoot!.querySelector('[part="notice"]')!.textContent).toContain('worker crashed');
  });

  it('moves focus with arrow keys, Home and End', async () => {
    const f = fakeEngine();
    f.resolve({});
    const el = mount({ k: '4' });
    el.recommender = f.engine;
    await flush();
    const buttons = [...el.shadowRoot!.querySelectorAll<HTMLButtonElement>('button')];
    buttons[0]!.focus();
    const key = (k: string) =>
      el.shadowRoot!.activeElement!.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true }));
    key('ArrowDown');
    expect(el.shadowRoot!.activeElement).toBe(buttons[1]);
    key('End');
    expect(el.shadowRoot!.activeElement).toBe(buttons[3]);
    key('Home');
    expect(el.shadowRoot!.activeElement).toBe(buttons[0]);
  });

  it('names the liked item from the engine\'s because item and never fetches the catalogue', async () => {
    const f = fakeEngine();
    f.resolve({});
    const fetchMock = vi.fn(async () => new Response('item_id,title\n100,Wrong title\n'));
    vi.stubGlobal('fetch', fetchMock);
    try {
      const el = mount({ k: '2', catalog: 'https://models.example/items.csv' });
      el.recommender = f.engine;
      await vi.waitFor(() => expect(el.status).toBe('ready'));
      await el.refresh();
      const reasons = [...el.shadowRoot!.querySelectorAll('[part="reason"]')].map((r) => r.textContent);
      expect(reasons).toEqual(['Because you liked <i>Alien</i> (1979)', 'Because you liked <i>Alien</i> (1979)']);
      expect(fetchMock).not.toHaveBeenCalled();
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('styles its shadow root with the shared adopted stylesheet, not a <style> element', () => {
    const a = mount();
    const b = mount();
    const sheets = a.shadowRoot!.adoptedStyleSheets;
    expect(sheets.length).toBe(1);
    expect(b.shadowRoot!.adoptedStyleSheets[0]).toBe(sheets[0]);
    expect(a.shadowRoot!.querySelector('style')).toBeNull();
  });

  it('says so when there is nothing to recommend yet', async () => {
    const f = fakeEngine({ recs: [] });
    f.resolve({});
    const el = mount();
    el.recommender = f.engine;
    await flush();
    expect(el.shadowRoot!.textContent).toContain('Nothing to recommend yet');
  });
});
