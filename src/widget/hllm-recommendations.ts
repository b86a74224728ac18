/**
 * Role: the `<hllm-recommendations>` custom element. It owns a shadow root,
 * turns engine state into one of four views (loading, empty, error, list),
 * tracks clicks on recommendations and re-ranks. It either creates its own
 * engine from the `model`/`catalog` attributes (only when those attributes are set) or uses one handed to it through
 * the `recommender` property. The "because you liked X" item comes with each
 * recommendation from the engine, so the element never reads the catalogue itself.
 * May import: ./render, ./styles, ./widget-types, and ../client (the page-side client only, so the engine itself never lands
 * in a page bundle: it runs in the worker).
 */
import { createRecommender } from '../client.ts';
import { describeError, renderEmpty, renderError, renderList, renderLoading, updateLoading } from './render';
import { applyWidgetStyles } from './styles';
import type { WidgetLayout, WidgetProgress, WidgetRecommendation, WidgetRecommender } from './widget-types';

const DEFAULT_K = 10;
const MAX_K = 100;

/** Detail of the `hllm-click` event. Call `preventDefault()` on the event to skip auto-tracking. */
export interface HllmClickDetail {
  id: string;
  rank: number;
  recommendation: WidgetRecommendation;
}

/** Detail of the `hllm-error` event. `fatal` is false when the widget kept its last good view. */
export interface HllmErrorDetail {
  message: string;
  code?: string;
  error: unknown;
  fatal: boolean;
}

type OwnedRecommender = WidgetRecommender & { dispose?: () => Promise<unknown> | void };

/**
 * Shows a user's on-device recommendations.
 *
 * @example
 * ```html
 * <hllm-recommendations model="/models/default/" catalog="/catalogs/ml-latest-small/items.csv"
 *   k="10" layout="grid"></hllm-recommendations>
 * <script type="module">
 *   import 'hllm-web/widget';
 *   document.querySelector('hllm-recommendations')
 *     .addEventListener('hllm-click', (e) => console.log('opened', e.detail.id));
 * </script>
 * ```
 * With precomputed item vectors (`hllm embed`), and `vectors-mismatch="encode"` to encode on
 * the device when they were built for another model:
 * ```html
 * <hllm-recommendations model="/models/default/" catalog="/items.json" vectors="/vectors/"></hllm-recommendations>
 * ```
 */
export class HllmRecommendationsElement extends HTMLElement {
  static readonly observedAttributes = ['model', 'catalog', 'k', 'layout', 'heading', 'backend', 'dtype', 'vectors', 'vectors-mismatch'];

  private readonly body: HTMLElement;
  private readonly headingEl: HTMLElement;
  private readonly notice: HTMLElement;
  private engine: OwnedRecommender | undefined;
  private ownsEngine = false;
  private unsubscribe: (() => void) | undefined;
  private lastRecs: WidgetRecommendation[] | undefined;
  private generation = 0; // bumps whenever the engine changes, so stale loads are ignored
  private refreshSeq = 0; // latest refresh wins; earlier answers are dropped
  private state: 'idle' | 'loading' | 'ready' | 'error' = 'idle';

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

  /** Number of recommendations to show (attribute `k`, 1–100, default 10). */
  get k(): number {
    const n = Number.parseInt(this.getAttribute('k') ?? '', 10);
    return Number.isFinite(n) && n > 0 ? Math.min(n, MAX_K) : DEFAULT_K;
  }
  set k(value: number) {
    this.setAttribute('k', String(value));
  }

  /** `list` (default), `grid` or `row`. */
  get layout(): WidgetLayout {
    const v = this.getAttribute('layout');
    return v === 'grid' || v === 'row' ? v : 'list';
  }
  set layout(value: WidgetLayout) {
    this.setAttribute('layout', value);
  }

  /** The engine in use: the one passed in, or the one the element created from its attributes. */
  get recommender(): WidgetRecommender | undefined {
    return this.engine;
  }
  /** Hand the element an existing engine (it will not dispose it). */
  set recommender(value: WidgetRecommender | undefined) {
    this.attach(value, false);
  }

  /** Current view state, mirrored in the `data-state` attribute for styling and tests. */
  get status(): 'idle' | 'loading' | 'ready' | 'error' {
    return this.state;
  }

  connectedCallback(): void {
    this.syncHeading();
    if (!this.engine) this.createFromAttributes();
    else if (this.state === 'idle') void this.refresh();
  }

  disconnectedCallback(): void {
    // A move within the document disconnects and reconnects in one task: only
    // tear down an engine we own if we are still detached afterwards.
    queueMicrotask(() => {
      if (!this.isConnected && this.ownsEngine) this.attach(undefined, false);
    });
  }

  attributeChangedCallback(name: string, oldValue: string | null, newValue: string | null): void {
    if (oldValue === newValue || !this.isConnected) return;
    if (name === 'heading') this.syncHeading();
    else if (name === 'layout' && this.lastRecs) this.show(this.lastRecs);
    else if (name === 'k' && this.state === 'ready') void this.refresh();
    else if (['model', 'catalog', 'backend', 'dtype', 'vectors', 'vectors-mismatch'].includes(name) && (this.ownsEngine || !this.engine)) {
      this.createFromAttributes();
    }
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
    try {
      await engine.ready;
      const recs = await engine.recommend({ k: this.k });
      if (gen !== this.generation || seq !== this.refreshSeq) return;
      this.lastRecs = recs;
      this.notice.textContent = '';
      this.show(recs);
    } catch (error) {
      if (gen !== this.generation || seq !== this.refreshSeq) return;
      // Degrade: keep the last good list on screen and explain below it.
      const fatal = !this.lastRecs;
      if (fatal) {
        this.setState('error');
        renderError(this.body, error);
      } else {
        this.notice.textContent = `Could not update: ${describeError(error).message}`;
      }
      this.emitError(error, fatal);
    }
  }

  /**
   * Shows a readable error in place of the list, for failures the element
   * cannot see (e.g. the host's own createRecommender() call rejected).
   */
  showError(error: unknown): void {
    this.setState('error');
    renderError(this.body, error);
    this.emitError(error, true);
  }

  private syncHeading(): void {
    this.headingEl.textContent = this.getAttribute('heading') ?? '';
  }

  private setState(state: 'idle' | 'loading' | 'ready' | 'error'): void {
    this.state = state;
    this.dataset.state = state;
    this.body.setAttribute('aria-busy', String(state === 'loading'));
  }

  private createFromAttributes(): void {
    const model = this.getAttribute('model');
    const catalog = this.getAttribute('catalog');
    if (!model || !catalog) {
      if (!this.engine) {
        this.setState('idle');
        renderEmpty(this.body, 'Set the model and catalog attributes to show recommendations.');
      }
      return;
    }
    const gen = this.attach(undefined, true);
    this.setState('loading');
    renderLoading(this.body);
    const backend = this.getAttribute('backend') ?? undefined;
    const dtype = this.getAttribute('dtype') ?? undefined;
    const vectors = this.getAttribute('vectors') || undefined;
    const vectorsMismatch = this.getAttribute('vectors-mismatch') || undefined;
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
        this.setState('error');
        renderError(this.body, error);
        this.emitError(error, true);
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
    if (!engine) return gen;
    this.setState('loading');
    renderLoading(this.body);
    this.unsubscribe = engine.on?.('progress', (p: WidgetProgress) => {
      if (gen === this.generation && this.state === 'loading') updateLoading(this.body, p);
    });
    engine.ready.then(
      (info) => {
        if (gen !== this.generation) return;
        this.dispatchEvent(new CustomEvent('hllm-ready', { detail: info, bubbles: true, composed: true }));
        void this.refresh();
      },
      (error: unknown) => {
        if (gen !== this.generation) return;
        this.setState('error');
        renderError(this.body, error);
        this.emitError(error, true);
      },
    );
    return gen;
  }

  private show(recs: WidgetRecommendation[]): void {
    const focused = this.focusedRank();
    this.setState('ready');
    if (recs.length === 0) {
      renderEmpty(this.body, 'Nothing to recommend yet: open or like a few items first.');
      return;
    }
    renderList(this.body, recs, {
      layout: this.layout,
      label: this.getAttribute('heading') || 'Recommendations',
    });
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

  private onClick(event: Event): void {
    const target = event.target as Element | null;
    const button = target?.closest?.('button[data-id]') as HTMLButtonElement | null;
    if (!button || !this.lastRecs) return;
    const rank = Number(button.dataset.rank);
    const recommendation = this.lastRecs[rank];
    if (!recommendation || recommendation.id !== button.dataset.id) return;
    const detail: HllmClickDetail = { id: recommendation.id, rank, recommendation };
    const proceed = this.dispatchEvent(
      new CustomEvent('hllm-click', { detail, bubbles: true, composed: true, cancelable: true }),
    );
    if (!proceed || !this.engine) return;
    const engine = this.engine;
    engine.track(recommendation.id, { type: 'click' }).then(
      () => this.refresh(),
      (error: unknown) => {
        this.notice.textContent = `Could not remember this click: ${describeError(error).message}`;
        this.emitError(error, false);
      },
    );
  }

  /** Arrow keys, Home and End move between items; Tab still visits each one. */
  private onKeyDown(event: KeyboardEvent): void {
    const keys = ['ArrowDown', 'ArrowRight', 'ArrowUp', 'ArrowLeft', 'Home', 'End'];
    if (!keys.includes(event.key)) return;
    const current = this.focusedRank();
    if (current === undefined) return;
    const buttons = this.buttons();
    const last = buttons.length - 1;
    const next =
      event.key === 'Home' ? 0
      : event.key === 'End' ? last
      : event.key === 'ArrowDown' || event.key === 'ArrowRight' ? Math.min(current + 1, last)
      : Math.max(current - 1, 0);
    event.preventDefault();
    buttons[next]?.focus();
  }

  private emitError(error: unknown, fatal: boolean): void {
    const { message, code } = describeError(error);
    const detail: HllmErrorDetail = { message, code, error, fatal };
    this.dispatchEvent(new CustomEvent('hllm-error', { detail, bubbles: true, composed: true }));
  }
}
