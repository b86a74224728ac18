// @vitest-environment happy-dom
// Unit tests of the element's modes, fallback reasons, rule properties,
// labels, templates, carousel chrome and hllm-view bookkeeping, against a
// stand-in recommender (the narrow WidgetRecommender Pick<>); the real engine
// is driven by e2e/widget-modes.spec.ts.
import { afterEach, describe, expect, it, vi } from 'vitest';
import './index.ts';
import type { HllmRecommendationsElement, HllmViewDetail } from './index.ts';
import type { WidgetRecommendation, WidgetRecommender } from './widget-types.ts';

const rec = (id: string, extra: Partial<WidgetRecommendation> = {}): WidgetRecommendation => ({
  id, score: 0.5, item: { id, title: `Title ${id}`, genres: ['Drama', 'War'], image: `https://img.example/${id}.jpg` }, ...extra,
});

function standIn() {
  const engine = {
    ready: Promise.resolve({}),
    recommend: vi.fn(async (o?: { seeds?: string[] }) =>
      o?.seeds
        ? [rec('s1', { source: 'seeds', because: { id: o.seeds[0]!, score: 0.9, item: { id: o.seeds[0]!, title: 'Seed A' } } })]
        : [rec('f1', { source: 'for-you', because: { id: 'h1', score: 0.8, item: { id: 'h1', title: 'Liked A' } } }), rec('p1', { source: 'popular' })]),
    similar: vi.fn(async (id: string) => [rec('n1', { source: 'similar', because: { id, score: 0.7, item: { id, title: 'Shown item' } } })]),
    popular: vi.fn(async () => [rec('p1', { source: 'popular' }), rec('p2', { source: 'popular' })]),
    track: vi.fn(async (id: string) => ({ seq: 1, itemId: id, type: 'click', at: 0 })),
  } satisfies WidgetRecommender;
  return engine;
}

const flush = () => new Promise((r) => setTimeout(r, 0));
const texts = (el: HllmRecommendationsElement, part: string) =>
  [...el.shadowRoot!.querySelectorAll(`[part~="${part}"]`)].map((n) => n.textContent);

async function mount(attrs: Record<string, string>, engine = standIn(), before?: (el: HllmRecommendationsElement) => void) {
  const el = document.createElement('hllm-recommendations');
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  before?.(el);
  document.body.append(el);
  el.recommender = engine;
  await flush();
  return { el, engine };
}

afterEach(() => {
  document.body.replaceChildren();
  vi.unstubAllGlobals();
});

describe('modes', () => {
  it('for-you asks recommend() with the popular fallback by default and names each reason', async () => {
    const { el, engine } = await mount({ k: '4' });
    expect(engine.recommend).toHaveBeenCalledWith({ k: 4, fallback: 'popular' });
    expect(texts(el, 'reason')).toEqual(['Because you liked Liked A', 'Popular']);
  });

  it('fallback="none" is passed on', async () => {
    const { engine } = await mount({ fallback: 'none' });
    expect(engine.recommend).toHaveBeenCalledWith({ k: 10, fallback: 'none' });
  });

  it('similar calls similar(item) and says "Similar to"; changing item re-renders', async () => {
    const { el, engine } = await mount({ mode: 'similar', item: 'x1', k: '3' });
    expect(engine.similar).toHaveBeenCalledWith('x1', { k: 3, fallback: 'popular' });
    expect(texts(el, 'reason')).toEqual(['Similar to Shown item']);
    el.setAttribute('item', 'x2');
    await flush();
    expect(engine.similar).toHaveBeenLastCalledWith('x2', { k: 3, fallback: 'popular' });
    expect(engine.recommend).not.toHaveBeenCalled();
  });

  it('seeds calls recommend({ seeds }) with the parsed ids', async () => {
    const { el, engine } = await mount({ mode: 'seeds', items: ' a, b,,c ' });
    expect(engine.recommend).toHaveBeenCalledWith({ k: 10, seeds: ['a', 'b', 'c'], fallback: 'popular' });
    expect(texts(el, 'reason')).toEqual(['Because you liked Seed A']);
  });

  it('popular calls popular() and switching mode re-renders', async () => {
    const { el, engine } = await mount({ mode: 'popular', k: '2' });
    expect(engine.popular).toHaveBeenCalledWith({ k: 2 });
    expect(texts(el, 'reason')).toEqual(['Popular', 'Popular']);
    el.mode = 'for-you';
    await flush();
    expect(engine.recommend).toHaveBeenCalledOnce();
    expect(texts(el, 'title')).toEqual(['Title f1', 'Title p1']);
  });

  it('similar without item and seeds without items show a hint, not an error, and call nothing', async () => {
    const { el, engine } = await mount({ mode: 'similar' });
    expect(el.status).toBe('ready');
    expect(el.shadowRoot!.textContent).toContain('Set the item');
    el.mode = 'seeds';
    await flush();
    expect(el.shadowRoot!.textContent).toContain('Set the item');
    expect(engine.similar).not.toHaveBeenCalled();
    expect(engine.recommend).not.toHaveBeenCalled();
  });

  it('a recommender without popular() gives one INVALID_OPTIONS error', async () => {
    const engine = standIn() as Partial<ReturnType<typeof standIn>>;
    delete engine.popular;
    const errors: string[] = [];
    const el = document.createElement('hllm-recommendations');
    el.setAttribute('mode', 'popular');
    el.addEventListener('hllm-error', (e) => errors.push(e.detail.code ?? ''));
    document.body.append(el);
    el.recommender = engine as WidgetRecommender;
    await flush();
    expect(errors).toEqual(['INVALID_OPTIONS']);
    expect(el.status).toBe('error');
  });
});

describe('rule properties', () => {
  it('are passed to the engine; setting several in one task makes one call', async () => {
    const { el, engine } = await mount({ mode: 'popular' });
    const filter = (it: { id: string }) => it.id !== 'p2';
    const boost = (_: unknown, s: number) => s + 1;
    el.filter = filter;
    el.boost = boost;
    el.minScore = 0.2;
    el.maxPerGroup = 1;
    el.groupBy = 'genres';
    el.exclude = ['p9'];
    await flush();
    expect(engine.popular).toHaveBeenCalledTimes(2);
    expect(engine.popular).toHaveBeenLastCalledWith({ k: 10, filter, boost, minScore: 0.2, maxPerGroup: 1, groupBy: 'genres', exclude: ['p9'] });
    el.minScore = undefined;
    await flush();
    expect(engine.popular).toHaveBeenLastCalledWith({ k: 10, filter, boost, maxPerGroup: 1, groupBy: 'genres', exclude: ['p9'] });
  });
});

describe('labels', () => {
  it('replace every shown string and re-render without a new engine call', async () => {
    const { el, engine } = await mount({ layout: 'carousel' });
    el.labels = { popular: 'Beliebt', becauseYouLiked: 'Weil dir {title} gefiel', previous: 'Zurück', next: 'Weiter' };
    expect(texts(el, 'reason')).toEqual(['Weil dir Liked A gefiel', 'Beliebt']);
    const nav = [...el.shadowRoot!.querySelectorAll('[part~="nav"]')].map((b) => b.getAttribute('aria-label'));
    expect(nav).toEqual(['Zurück', 'Weiter']);
    expect(engine.recommend).toHaveBeenCalledOnce();
  });

  it('cover the empty hint and errors, with per-code messages', async () => {
    const engine = { ...standIn(), recommend: vi.fn(async () => []) };
    const { el } = await mount({}, engine, (e) => (e.labels = { empty: 'Noch nichts' }));
    expect(el.shadowRoot!.textContent).toContain('Noch nichts');
    el.labels = { errorTitle: 'Fehler.', errors: { UNKNOWN_ITEM: 'Unbekannter Artikel' } };
    el.showError(Object.assign(new Error('item 9 is not in the catalogue'), { code: 'UNKNOWN_ITEM' }));
    const alert = el.shadowRoot!.querySelector('[role="alert"]')!;
    expect(alert.textContent).toContain('Fehler.');
    expect(alert.textContent).toContain('Unbekannter Artikel');
    expect(alert.textContent).not.toContain('not in the catalogue');
  });
});

describe('templates', () => {
  it('fill data-field, data-reason and data-image as text and safe URLs only', async () => {
    const hostile = '<img src=x onerror="window.__pwned=1">';
    const engine = {
      ...standIn(),
      popular: vi.fn(async () => [
        rec('a', { source: 'popular', item: { id: 'a', title: hostile, genres: ['<b>x</b>', 'y'], image: 'javascript:alert(1)' } }),
        rec('b', { source: 'popular', item: { id: 'b', title: 'Fine', poster: '/p/b.jpg' } }),
      ]),
    };
    const { el } = await mount({ mode: 'popular' }, engine, (e) => {
      e.innerHTML = '<template><img data-image alt=""><img data-image="poster" alt=""><b data-field="title"></b><i data-field="genres"></i><span data-field="id"></span><small data-reason></small></template>';
    });
    const buttons = el.shadowRoot!.querySelectorAll('button[data-id]');
    expect(buttons.length).toBe(2);
    const [a, b] = [...buttons];
    expect(a!.querySelector('b')!.textContent).toBe(hostile);
    expect(a!.querySelector('i')!.textContent).toBe('<b>x</b>, y');
    expect(a!.querySelector('span')!.textContent).toBe('a');
    expect(a!.querySelector('small')!.textContent).toBe('Popular');
    expect(a!.querySelectorAll('img').length).toBe(0); // javascript: dropped, no poster field
    expect(a!.querySelector('b img, i b')).toBeNull();
    expect([...b!.querySelectorAll('img')].map((i) => i.getAttribute('src'))).toEqual([`${document.baseURI.replace(/\/[^/]*$/, '')}/p/b.jpg`]);
    expect(el.shadowRoot!.querySelector('[part="title"]')).toBeNull(); // the template replaced the built-in row
  });
});

describe('hllm-view and hllm-click', () => {
  it('fire with { id, rank, score, mode, because }; views once per item per render', async () => {
    const observed: Element[] = [];
    let callback!: (entries: Array<Partial<IntersectionObserverEntry>>) => void;
    vi.stubGlobal('IntersectionObserver', class {
      constructor(cb: typeof callback, opts: IntersectionObserverInit) { callback = cb; expect(opts.threshold).toBe(0.5); }
      observe(t: Element) { observed.push(t); }
      unobserve() {}
      disconnect() {}
    });
    const { el } = await mount({ k: '2' });
    const views: HllmViewDetail[] = [];
    el.addEventListener('hllm-view', (e) => views.push(e.detail));
    const [first, second] = observed;
    callback([{ target: first!, isIntersecting: true, intersectionRatio: 0.6 }, { target: second!, isIntersecting: false, intersectionRatio: 0 }]);
    callback([{ target: first!, isIntersecting: true, intersectionRatio: 1 }]);
    expect(views).toEqual([{ id: 'f1', rank: 0, score: 0.5, mode: 'for-you', because: 'h1' }]);
    const clicks: unknown[] = [];
    el.addEventListener('hllm-click', (e) => { clicks.push({ ...e.detail, recommendation: e.detail.recommendation.id }); e.preventDefault(); });
    el.shadowRoot!.querySelectorAll<HTMLButtonElement>('button[data-id]')[1]!.click();
    expect(clicks).toEqual([{ id: 'p1', rank: 1, score: 0.5, mode: 'for-you', because: undefined, recommendation: 'p1' }]);
  });
});

describe('carousel', () => {
  // Right-to-left (computed direction) is checked in real Chromium: e2e/widget-modes.spec.ts.
  it('wraps the list in prev/next buttons; arrow keys move along it', async () => {
    const { el } = await mount({ layout: 'carousel', k: '2' });
    const carousel = el.shadowRoot!.querySelector('[part="carousel"]')!;
    expect([...carousel.children].map((c) => c.getAttribute('part'))).toEqual(['nav prev', 'list', 'nav next']);
    const buttons = [...el.shadowRoot!.querySelectorAll<HTMLButtonElement>('button[data-id]')];
    buttons[0]!.focus();
    const key = (k: string) => el.shadowRoot!.activeElement!.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true }));
    key('ArrowRight');
    expect(el.shadowRoot!.activeElement).toBe(buttons[1]);
    key('ArrowLeft');
    expect(el.shadowRoot!.activeElement).toBe(buttons[0]);
  });
});

describe('framework re-renders', () => {
  it('equal labels and an equal new exclude array neither redraw nor call the engine', async () => {
    const { el, engine } = await mount({ mode: 'popular' });
    el.labels = { popular: 'Beliebt' };
    el.exclude = ['p9'];
    await flush();
    const calls = engine.popular.mock.calls.length;
    const list = el.shadowRoot!.querySelector('ul');
    el.labels = { popular: 'Beliebt' };
    el.exclude = ['p9'];
    await flush();
    expect(engine.popular).toHaveBeenCalledTimes(calls);
    expect(el.shadowRoot!.querySelector('ul')).toBe(list);
    el.exclude = ['p8'];
    await flush();
    expect(engine.popular).toHaveBeenCalledTimes(calls + 1);
  });
});
