// The `<hllm-recommendations>` custom element. It owns a shadow root,
// turns engine state into one of four views (loading, empty, error, list),
// asks the engine for the ranking of its `mode` (for-you, similar, seeds,
// popular) with the host's rules, tracks clicks, fires the analytics hooks
// (`hllm-view`, `hllm-click`) and re-ranks. It either creates its own engine
// from the `model`/`catalog` attributes (only when those attributes are set) or
// uses one handed to it through the `recommender` property. The reason of each
// item comes with the recommendation from the engine, so the element never
// reads the catalogue itself. Its attribute/property surface is in
// ./widget-properties.
import { createRecommender } from '../client.ts';
import { isRtl } from './carousel.ts';
import { fill } from './labels.ts';
import { NEEDS_ITEMS, runQuery } from './query.ts';
import { describeError, renderEmpty, renderError, renderList, renderLoading, updateLoading } from './render.ts';
import { applyWidgetStyles } from './styles.ts';
import { ViewTracker } from './view-tracker.ts';
import { WidgetProperties } from './widget-properties.ts';
import type {
  HllmClickDetail, HllmErrorDetail, HllmItemDetail, HllmRecommendationsEventMap, WidgetMode,
  WidgetProgress, WidgetRecommendation, WidgetRecommender,
} from './widget-types.ts';

const ENGINE_ATTRS = ['model', 'catalog', 'backend', 'dtype', 'vectors', 'vectors-mismatch'];
const QUERY_ATTRS = ['k', 'mode', 'item', 'items', 'fallback'];

type OwnedRecommender = WidgetRecommender & { dispose?: () => Promise<unknown> | void };
type State = 'idle' | 'loading' | 'ready' | 'error';
type HintKey = 'needsItems' | 'empty' | 'nothing';

/** Typed listeners for the element's own events (`hllm-view`, `hllm-click`, …). */
export interface HllmRecommendationsElement {
  addEventListener<K extends keyof HllmRecommendationsEventMap>(type: K, listener: (this: HllmRecommendationsElement, ev: HllmRecommendationsEventMap[K]) => unknown, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
  removeEventListener<K extends keyof HllmRecommendationsEventMap>(type: K, listener: (this: HllmRecommendationsElement, ev: HllmRecommendationsEventMap[K]) => unknown, options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | EventListenerOptions): void;
}

/**
 * Shows a user's on-device recommendations.
 *
 * @example
 * ```html
 * <hllm-recommendations model="/models/default/" catalog="/catalogs/ml-latest-small/items.csv"
 *   k="10" layout="grid"></hllm-recommendations>
 * <hllm-recommendations mode="similar" item="79132" layout="carousel" ...></hllm-recommendations>
 * <script type="module">
 *   import 'hllm-web/widget';
 *   const el = document.querySelector('hllm-recommendations');
 *   el.filter = (item) => item.stock !== '0';
 *   el.addEventListener('hllm-view', (e) => myAnalytics('view', e.detail.id, e.detail.rank));
 * </script>
 * ```
 */
export class HllmRecommendationsElement extends WidgetProperties {
  static readonly observedAttributes = ['heading', 'layout', ...ENGINE_ATTRS, ...QUERY_ATTRS];

  private readonly body: HTMLElement;
  private readonly headingEl: HTMLElement;
  private readonly notice: HTMLElement;
  private readonly views = new ViewTracker((li) => this.onView(li));
  private engine: OwnedRecommender | undefined;
  private ownsEngine = false;
  private unsubscribe: (() => void) | undefined;
  private lastRecs: WidgetRecommendation[] | undefined;
  private shownMode: WidgetMode = 'for-you'; // the mode lastRecs were ranked for
  private generation = 0; // bumps whenever the engine changes, so stale loads are ignored
  private refreshSeq = 0; // latest refresh wins; earlier answers are dropped
  private refreshQueued = false;
  private state: State = 'idle';

  constructor() {
    super();
    const root = this.attachShadow({ mode: 'open' });
    const container = document.createElement('section');
    container.setAttribute('part', 'container');
    this.headingEl = document.createElement('h2');
    this.headingEl.setAttribute('part', 'heading');
    this.headingEl.id = 'heading';
    container.setAttribute('aria-labelledby', 'heading');
    this.body = document.createElement('div');
    this.body.setAttribute('part', 'body');
    this.notice = document.createElement('p');
    this.notice.setAttribute('part', 'notice');
    this.notice.setAttribute('role', 'status');
    container.append(this.headingEl, this.body, this.notice);
    root.append(container);
    applyWidgetStyles(root);
    root.addEventListener('click', (e) => this.onClick(e));
    root.addEventListener('keydown', (e) => this.onKeyDown(e as KeyboardEvent));
  }

  /** The engine in use: the one passed in, or the one the element created from its attributes. */
  get recommender(): WidgetRecommender | undefined { return this.engine; }
  /** Hand the element an existing engine (it will not dispose it). */
  set recommender(value: WidgetRecommender | undefined) { this.attach(value, false); }

  /** Current view state, mirrored in the `data-state` attribute for styling and tests. */
  get status(): State { return this.state; }

  connectedCallback(): void {
    this.syncHeading();
    if (!this.engine) this.createFromAttributes();
    else if (this.state === 'idle') void this.refresh();
    else this.views.resume();
  }

  disconnectedCallback(): void {
    this.views.stop(); // a detached item is not seen
    // A move within the document disconnects and reconnects in one task: only
    // tear down an engine we own if we are still detached afterwards.
    queueMicrotask(() => {
      if (!this.isConnected && this.ownsEngine) this.attach(undefined, false);
    });
  }

  attributeChangedCallback(name: string, oldValue: string | null, newValue: string | null): void {
    if (oldValue === newValue || !this.isConnected) return;
    if (name === 'heading') this.syncHeading();
    else if (name === 'layout') this.rerender();
    else if (QUERY_ATTRS.includes(name)) this.scheduleRefresh();
    else if (ENGINE_ATTRS.includes(name) && (this.ownsEngine || !this.engine)) this.createFromAttributes();
  }

  /**
   * Asks the engine for a fresh ranking and re-renders. Call it after tracking
   * through the engine directly; clicks inside the widget refresh by themselves.
   */
  async refresh(): Promise<void> {
    const engine = this.engine;
    if (!engine) return;
    const gen = this.generation;
    const seq = ++this.refreshSeq;
    const mode = this.mode;
    try {
      await engine.ready;
      const recs = await runQuery(engine, { mode, k: this.k, fallback: this.fallback, item: this.item, items: this.items, rules: this.rules });
      if (gen !== this.generation || seq !== this.refreshSeq) return;
      this.lastRecs = recs;
      this.shownMode = mode;
      this.notice.textContent = '';
      this.show(recs);
    } catch (error) {
      if (gen !== this.generation || seq !== this.refreshSeq) return;
      if (error === NEEDS_ITEMS) return this.showHint('needsItems');
      // Degrade: keep the last good list on screen and explain below it.
      const fatal = !this.lastRecs;
      if (fatal) this.showFatal(error);
      else this.notice.textContent = fill(this.labelSet.couldNotUpdate, { message: describeError(error, this.labelSet).message });
      this.emitError(error, fatal);
    }
  }

  /**
   * Shows a readable error in place of the list, for failures the element
   * cannot see (e.g. the host's own createRecommender() call rejected).
   */
  showError(error: unknown): void {
    this.showFatal(error);
    this.emitError(error, true);
  }

  private lastError: unknown;
  private lastHint: HintKey | undefined;

  /** Several properties set in one task cause one engine call, not one each. */
  protected override scheduleRefresh(): void {
    if (this.refreshQueued || !this.engine) return;
    this.refreshQueued = true;
    queueMicrotask(() => {
      this.refreshQueued = false;
      if (this.state !== 'loading' || this.lastRecs) void this.refresh();
    });
  }

  /** Draws the current state again (new labels or layout) without asking the engine. */
  protected override rerender(): void {
    if (this.state === 'ready' && this.lastRecs) this.show(this.lastRecs);
    else if (this.state === 'ready' && this.lastHint) this.showHint(this.lastHint);
    else if (this.state === 'error') renderError(this.body, this.lastError, this.labelSet);
    else if (this.state === 'loading') renderLoading(this.body, undefined, this.labelSet);
    else if (this.state === 'idle' && !this.engine) renderEmpty(this.body, this.labelSet.setup);
  }

  private syncHeading(): void {
    this.headingEl.textContent = this.getAttribute('heading') ?? '';
  }

  private setState(state: State): void {
    this.state = state;
    this.dataset.state = state;
    this.body.setAttribute('aria-busy', String(state === 'loading'));
  }

  private showFatal(error: unknown): void {
    this.views.stop();
    this.lastError = error;
    this.setState('error');
    renderError(this.body, error, this.labelSet);
  }

  private showHint(key: HintKey): void {
    this.views.stop();
    this.lastRecs = undefined;
    this.lastHint = key;
    this.setState('ready');
    renderEmpty(this.body, this.labelSet[key]);
  }

  private createFromAttributes(): void {
    const model = this.getAttribute('model');
    const catalog = this.getAttribute('catalog');
    if (!model || !catalog) {
      if (!this.engine) {
        this.setState('idle');
        renderEmpty(this.body, this.labelSet.setup);
      }
      return;
    }
    const gen = this.attach(undefined, true);
    this.setState('loading');
    renderLoading(this.body, undefined, this.labelSet);
    const attr = (name: string): string | undefined => this.getAttribute(name) || undefined;
    const [backend, dtype, vectors, vectorsMismatch] = ['backend', 'dtype', 'vectors', 'vectors-mismatch'].map(attr);
    Promise.resolve()
      .then(() =>
        createRecommender({
          model: new URL(model, document.baseURI).href,
          catalog: new URL(catalog, document.baseURI).href,
          ...(backend ? { backend: backend as never } : {}),
          ...(dtype ? { dtype: dtype as never } : {}),
          ...(vectors ? { vectors: new URL(vectors, document.baseURI).href } : {}),
          ...(vectorsMismatch ? { vectorsMismatch: vectorsMismatch as never } : {}),
        }),
      )
      .then((engine) => {
        if (gen !== this.generation) return void (engine as OwnedRecommender).dispose?.();
        this.attach(engine, true);
      })
      .catch((error: unknown) => {
        if (gen !== this.generation) return;
        this.showError(error);
      });
  }

  /** Swaps the engine; returns the new generation number. */
  private attach(engine: WidgetRecommender | undefined, owned: boolean): number {
    if (engine === this.engine && engine !== undefined) return this.generation;
    const gen = ++this.generation;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    if (this.ownsEngine && this.engine && this.engine !== engine) void this.engine.dispose?.();
    this.engine = engine;
    this.ownsEngine = owned && engine !== undefined;
    this.lastRecs = undefined;
    this.views.stop();
    if (!engine) return gen;
    this.setState('loading');
    renderLoading(this.body, undefined, this.labelSet);
    this.unsubscribe = engine.on?.('progress', (p: WidgetProgress) => {
      if (gen === this.generation && this.state === 'loading') updateLoading(this.body, p, this.labelSet);
    });
    engine.ready.then(
      (info) => {
        if (gen !== this.generation) return;
        this.dispatchEvent(new CustomEvent('hllm-ready', { detail: info, bubbles: true, composed: true }));
        void this.refresh();
      },
      (error: unknown) => {
        if (gen !== this.generation) return;
        this.showError(error);
      },
    );
    return gen;
  }

  private show(recs: WidgetRecommendation[]): void {
    const focused = this.focusedRank();
    this.setState('ready');
    if (recs.length === 0) return this.showHint(this.shownMode === 'for-you' ? 'empty' : 'nothing');
    this.lastHint = undefined;
    renderList(this.body, recs, {
      layout: this.layout,
      label: this.getAttribute('heading') || this.labelSet.list,
      mode: this.shownMode,
      labels: this.labelSet,
      template: [...this.children].find((c): c is HTMLTemplateElement => c.localName === 'template') ?? null,
    });
    this.views.watch([...this.body.querySelectorAll<HTMLElement>('li[data-id]')]);
    // Keyboard users keep their place when the list re-ranks under them.
    if (focused !== undefined) this.buttons()[Math.min(focused, recs.length - 1)]?.focus();
  }

  private buttons(): HTMLButtonElement[] {
    return [...this.body.querySelectorAll<HTMLButtonElement>('button[data-id]')];
  }

  private focusedRank(): number | undefined {
    const active = this.shadowRoot?.activeElement as HTMLElement | null | undefined;
    const rank = active?.dataset?.rank;
    return rank === undefined ? undefined : Number(rank);
  }

  private itemDetail(rank: number, id: string | undefined): HllmItemDetail | undefined {
    const rec = this.lastRecs?.[rank];
    if (!rec || rec.id !== id) return undefined;
    return { id: rec.id, rank, score: rec.score, mode: this.shownMode, because: rec.because?.id };
  }

  private onView(li: HTMLElement): void {
    const detail = this.itemDetail(Number(li.dataset.rank), li.dataset.id);
    if (detail) this.dispatchEvent(new CustomEvent('hllm-view', { detail, bubbles: true, composed: true }));
  }

  private onClick(event: Event): void {
    const target = event.target as Element | null;
    const button = target?.closest?.('button[data-id]') as HTMLButtonElement | null;
    if (!button) return;
    const base = this.itemDetail(Number(button.dataset.rank), button.dataset.id);
    const recommendation = this.lastRecs?.[Number(button.dataset.rank)];
    if (!base || !recommendation) return;
    const detail: HllmClickDetail = { ...base, recommendation };
    const proceed = this.dispatchEvent(
      new CustomEvent('hllm-click', { detail, bubbles: true, composed: true, cancelable: true }),
    );
    if (!proceed || !this.engine) return;
    this.engine.track(recommendation.id, { type: 'click' }).then(
      () => this.refresh(),
      (error: unknown) => {
        this.notice.textContent = fill(this.labelSet.couldNotTrack, { message: describeError(error, this.labelSet).message });
        this.emitError(error, false);
      },
    );
  }

  /** Arrow keys (mirrored in RTL), Home and End move between items; Tab still visits each one. */
  private onKeyDown(event: KeyboardEvent): void {
    const keys = ['ArrowDown', 'ArrowRight', 'ArrowUp', 'ArrowLeft', 'Home', 'End'];
    if (!keys.includes(event.key)) return;
    const current = this.focusedRank();
    if (current === undefined) return;
    const buttons = this.buttons();
    const last = buttons.length - 1;
    const forward = isRtl(this) ? 'ArrowLeft' : 'ArrowRight';
    const backward = isRtl(this) ? 'ArrowRight' : 'ArrowLeft';
    const next =
      event.key === 'Home' ? 0
      : event.key === 'End' ? last
      : event.key === 'ArrowDown' || event.key === forward ? Math.min(current + 1, last)
      : event.key === 'ArrowUp' || event.key === backward ? Math.max(current - 1, 0)
      : current;
    event.preventDefault();
    buttons[next]?.focus(); // focusing scrolls a carousel item into view
  }

  private emitError(error: unknown, fatal: boolean): void {
    const { message, code } = describeError(error, this.labelSet);
    const detail: HllmErrorDetail = { message, code, error, fatal };
    this.dispatchEvent(new CustomEvent('hllm-error', { detail, bubbles: true, composed: true }));
  }
}
