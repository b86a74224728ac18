// The `<hllm-history>` custom element, a privacy panel: it lists what the
// recommender stores on this device (newest first: item, event type, date), and lets the
// visitor forget one item or everything (after a confirmation step), export the data as
// a file (a blob: URL download, nothing is uploaded) or import one (importData(); a bad
// file shows its typed error and the history stays). It gets its recommender through the
// `recommender` property and re-reads the history after its own actions and when the host
// calls refresh(). Importing this module is safe where HTMLElement does not exist (SSR).
import type { CatalogItem, HistoryEvent, ImportOptions } from '../protocol.ts';
import { dateFormatter, exportFileName, mergeLabels, renderRows, type HistoryLabels } from './history-render.ts';
import { applyHistoryStyles } from './history-styles.ts';
import type { HistoryRecommender } from './widget-types.ts';

/** Detail of `hllm-history-change`: what changed and how many events are stored now. */
export interface HllmHistoryChangeDetail {
  action: 'forget' | 'forget-all' | 'import';
  /** forget / forget-all: the item forgotten (forget only) and how many events went. */
  itemId?: string;
  removed?: number;
  /** import: events added and skipped. */
  imported?: number;
  skipped?: number;
  /** Events stored after the change. */
  events: number;
}

/** In Node (SSR) there is no HTMLElement: a plain class stands in so this module loads. */
const Base: typeof HTMLElement = typeof HTMLElement === 'undefined' ? (class {} as unknown as typeof HTMLElement) : HTMLElement;

const el = <K extends keyof HTMLElementTagNameMap>(tag: K, part: string): HTMLElementTagNameMap[K] => {
  const e = document.createElement(tag);
  e.setAttribute('part', part);
  return e;
};

const button = (part: string, action: string): HTMLButtonElement => {
  const b = el('button', part);
  b.type = 'button';
  b.dataset.action = action;
  return b;
};

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * Titles of `ids` from items(); an id the catalogue no longer has (the engine rejects it
 * with UNKNOWN_ITEM naming it) is left out, so the row shows the id instead.
 */
async function titlesOf(items: HistoryRecommender['items'], ids: string[]): Promise<Map<string, string>> {
  let want = [...new Set(ids)];
  for (;;) {
    try {
      const found: CatalogItem[] = want.length > 0 ? await items(want) : [];
      return new Map(found.map((it) => [it.id, typeof it.title === 'string' && it.title.trim() ? it.title : it.id]));
    } catch (e) {
      const gone = (e as { code?: string; details?: { itemId?: unknown } }).code === 'UNKNOWN_ITEM' ? (e as { details?: { itemId?: unknown } }).details?.itemId : undefined;
      if (typeof gone !== 'string' || !want.includes(gone)) throw e;
      want = want.filter((id) => id !== gone);
    }
  }
}

/**
 * A privacy panel over a recommender's on-device history.
 *
 * @example
 * ```html
 * <hllm-history lang="de"></hllm-history>
 * <script type="module">
 *   import { createRecommender } from 'hllm-web';
 *   import 'hllm-web/widget';
 *   const rec = await createRecommender({ model: '/models/default/', catalog: '/items.csv' });
 *   const panel = document.querySelector('hllm-history');
 *   panel.labels = { heading: 'Auf diesem Gerät gespeichert' };
 *   panel.recommender = rec;
 *   panel.addEventListener('hllm-history-change', () => document.querySelector('hllm-recommendations').refresh());
 * </script>
 * ```
 */
export class HllmHistoryElement extends Base {
  static readonly observedAttributes = ['lang'];

  /** 'merge' (default) or 'replace': how an imported file meets the stored history. */
  importMode: NonNullable<ImportOptions['mode']> = 'merge';

  private engine: HistoryRecommender | undefined;
  private text: HistoryLabels = mergeLabels(undefined);
  private events: HistoryEvent[] = [];
  private titles = new Map<string, string>();
  private loaded = false;
  private readSeq = 0;
  private readonly headingEl: HTMLHeadingElement;
  private readonly summary: HTMLParagraphElement;
  private readonly list: HTMLUListElement;
  private readonly actions: HTMLDivElement;
  private readonly exportBtn: HTMLButtonElement;
  private readonly importBtn: HTMLButtonElement;
  private readonly forgetAllBtn: HTMLButtonElement;
  private readonly confirm: HTMLDivElement;
  private readonly confirmText: HTMLSpanElement;
  private readonly yesBtn: HTMLButtonElement;
  private readonly noBtn: HTMLButtonElement;
  private readonly fileInput: HTMLInputElement;
  private readonly statusEl: HTMLParagraphElement;

  constructor() {
    super();
    const root = this.attachShadow({ mode: 'open' });
    const section = el('section', 'container');
    section.setAttribute('aria-labelledby', 'heading');
    this.headingEl = el('h2', 'heading');
    this.headingEl.id = 'heading';
    this.headingEl.tabIndex = -1; // focus lands here when the last row is forgotten
    this.summary = el('p', 'summary');
    this.list = el('ul', 'list');
    this.list.setAttribute('role', 'list');
    this.list.setAttribute('aria-labelledby', 'heading');
    this.actions = el('div', 'actions');
    this.exportBtn = button('export', 'export');
    this.importBtn = button('import', 'import');
    this.forgetAllBtn = button('forget-all', 'forget-all');
    this.forgetAllBtn.setAttribute('aria-expanded', 'false');
    this.confirm = el('div', 'confirm');
    this.confirm.id = 'confirm';
    this.confirm.setAttribute('role', 'group');
    this.confirm.hidden = true;
    this.forgetAllBtn.setAttribute('aria-controls', 'confirm');
    this.confirmText = el('span', 'confirm-text');
    this.confirmText.id = 'confirm-text';
    this.confirm.setAttribute('aria-labelledby', 'confirm-text');
    this.yesBtn = button('confirm-yes', 'confirm-yes');
    this.noBtn = button('confirm-no', 'confirm-no');
    this.confirm.append(this.confirmText, this.yesBtn, this.noBtn);
    this.fileInput = el('input', 'file');
    this.fileInput.type = 'file';
    this.fileInput.accept = 'application/json,.json';
    this.fileInput.hidden = true;
    this.fileInput.tabIndex = -1; // reached through the import button
    this.actions.append(this.exportBtn, this.importBtn, this.forgetAllBtn, this.confirm, this.fileInput);
    this.statusEl = el('p', 'status');
    this.statusEl.setAttribute('role', 'status');
    this.statusEl.setAttribute('aria-live', 'polite');
    section.append(this.headingEl, this.summary, this.list, this.actions, this.statusEl);
    root.append(section);
    applyHistoryStyles(root);
    root.addEventListener('click', (e) => this.onClick(e));
    root.addEventListener('keydown', (e) => {
      const k = e as KeyboardEvent;
      if (k.key === 'Escape' && !this.confirm.hidden) {
        k.preventDefault();
        k.stopPropagation(); // a surrounding <dialog> must not close as well
        this.closeConfirm(true);
      }
    });
    this.fileInput.addEventListener('change', () => void this.onFile());
    this.syncStatic();
    this.renderList();
  }

  /** The recommender whose history is shown; setting it re-reads the history. */
  get recommender(): HistoryRecommender | undefined {
    return this.engine;
  }
  set recommender(value: HistoryRecommender | undefined) {
    this.engine = value;
    this.loaded = false;
    this.events = [];
    this.renderList();
    if (value && this.isConnected) void this.refresh();
  }

  /** Every visible string; set some and the rest keep their defaults (see HistoryLabels). */
  get labels(): HistoryLabels {
    return this.text;
  }
  set labels(value: Partial<HistoryLabels> | undefined) {
    this.text = mergeLabels(value);
    this.syncStatic();
    this.renderList();
  }

  connectedCallback(): void {
    if (this.engine && !this.loaded) void this.refresh();
  }

  attributeChangedCallback(): void {
    this.renderList(); // lang changes the date format
  }

  /**
   * Re-reads the history and the titles and re-renders. The element calls it after its
   * own actions; the host calls it after it changes the history itself (track(), forget()).
   */
  async refresh(): Promise<void> {
    const engine = this.engine;
    if (!engine) return;
    const seq = ++this.readSeq;
    this.list.setAttribute('aria-busy', 'true');
    try {
      await engine.ready;
      const events = (await engine.history()).slice().reverse();
      const titles = await titlesOf((ids) => engine.items(ids), events.map((e) => e.itemId));
      if (seq !== this.readSeq || engine !== this.engine) return; // a later read wins
      this.events = events;
      this.titles = titles;
      this.loaded = true;
      this.renderList();
    } catch (e) {
      if (seq !== this.readSeq) return;
      // Degrade: keep what is on screen and say why it may be stale.
      this.say(this.text.failed(messageOf(e)), 'error');
    } finally {
      if (seq === this.readSeq) this.list.removeAttribute('aria-busy');
    }
  }

  private syncStatic(): void {
    const t = this.text;
    this.headingEl.textContent = t.heading;
    this.exportBtn.textContent = t.exportButton;
    this.importBtn.textContent = t.importButton;
    this.forgetAllBtn.textContent = t.forgetAll;
    this.yesBtn.textContent = t.confirmYes;
    this.noBtn.textContent = t.confirmNo;
    this.confirmText.textContent = t.confirmAll(this.events.length);
  }

  private renderList(): void {
    const t = this.text;
    const n = this.events.length;
    const lang = this.closest?.('[lang]')?.getAttribute('lang');
    this.summary.textContent = !this.engine || !this.loaded ? t.loading : n === 0 ? t.empty : t.count(n);
    this.summary.setAttribute('part', this.loaded && n === 0 ? 'empty' : 'summary');
    this.list.replaceChildren(...renderRows(this.events, this.titles, t, dateFormatter(lang)));
    this.list.hidden = n === 0;
    this.forgetAllBtn.hidden = n === 0 || !this.confirm.hidden;
    this.confirmText.textContent = t.confirmAll(n);
    if (n === 0 && !this.confirm.hidden) this.closeConfirm(false);
  }

  private say(message: string, kind: 'info' | 'error' = 'info'): void {
    this.statusEl.dataset.kind = kind;
    this.statusEl.textContent = message;
  }

  private change(detail: HllmHistoryChangeDetail): void {
    this.dispatchEvent(new CustomEvent<HllmHistoryChangeDetail>('hllm-history-change', { detail, bubbles: true, composed: true }));
  }

  private onClick(e: Event): void {
    const b = (e.target as Element | null)?.closest?.('button[data-action]') as HTMLButtonElement | null;
    if (!b || b.disabled) return;
    switch (b.dataset.action) {
      case 'forget': void this.forgetItem(b); break;
      case 'forget-all': this.openConfirm(); break;
      case 'confirm-no': this.closeConfirm(true); break;
      case 'confirm-yes': void this.forgetAll(); break;
      case 'export': void this.exportFile(); break;
      case 'import': this.fileInput.value = ''; this.fileInput.click(); break;
    }
  }

  private openConfirm(): void {
    this.confirmText.textContent = this.text.confirmAll(this.events.length);
    this.confirm.hidden = false;
    this.forgetAllBtn.hidden = true;
    this.forgetAllBtn.setAttribute('aria-expanded', 'true');
    this.noBtn.focus(); // the safe choice first: Enter by reflex does not wipe
  }

  private closeConfirm(focusBack: boolean): void {
    this.confirm.hidden = true;
    this.forgetAllBtn.hidden = this.events.length === 0;
    this.forgetAllBtn.setAttribute('aria-expanded', 'false');
    if (focusBack) (this.forgetAllBtn.hidden ? this.headingEl : this.forgetAllBtn).focus();
  }

  private async forgetItem(b: HTMLButtonElement): Promise<void> {
    const engine = this.engine;
    const id = b.dataset.id;
    if (!engine || id === undefined) return;
    const buttons = [...this.list.querySelectorAll<HTMLButtonElement>('button[data-action="forget"]')];
    const at = buttons.indexOf(b);
    const title = this.titles.get(id) ?? id;
    b.disabled = true;
    try {
      const removed = await engine.forget([id]);
      await this.refresh();
      this.say(this.text.forgotten(title, removed));
      this.change({ action: 'forget', itemId: id, removed, events: this.events.length });
      // Keep the keyboard user in place: the row that took this one's place, else the one before.
      const left = [...this.list.querySelectorAll<HTMLButtonElement>('button[data-action="forget"]')];
      (left[Math.min(at, left.length - 1)] ?? this.headingEl).focus();
    } catch (e) {
      b.disabled = false;
      this.say(this.text.failed(messageOf(e)), 'error');
    }
  }

  private async forgetAll(): Promise<void> {
    const engine = this.engine;
    if (!engine) return;
    this.yesBtn.disabled = true;
    try {
      const removed = await engine.forget('all');
      await this.refresh();
      this.closeConfirm(true);
      this.say(this.text.forgottenAll(removed));
      this.change({ action: 'forget-all', removed, events: this.events.length });
    } catch (e) {
      this.say(this.text.failed(messageOf(e)), 'error');
    } finally {
      this.yesBtn.disabled = false;
    }
  }

  private async exportFile(): Promise<void> {
    const engine = this.engine;
    if (!engine) return;
    try {
      const data = await engine.exportData();
      const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = exportFileName(new Date());
      a.hidden = true;
      this.shadowRoot!.append(a);
      a.click();
      a.remove();
      // The download reads the URL after this task; revoking at once can cancel it.
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      this.say(this.text.exported(data.history.length));
    } catch (e) {
      this.say(this.text.failed(messageOf(e)), 'error');
    }
  }

  private async onFile(): Promise<void> {
    const engine = this.engine;
    const file = this.fileInput.files?.[0];
    if (!engine || !file) return;
    this.importBtn.disabled = true;
    try {
      const result = await engine.importData(await file.text(), { mode: this.importMode });
      await this.refresh();
      this.say(this.text.imported(result));
      this.change({ action: 'import', imported: result.imported, skipped: result.skipped, events: this.events.length });
    } catch (e) {
      // INVALID_IMPORT (or any failure): nothing was changed; the list stays as it is.
      this.say(this.text.importFailed(messageOf(e)), 'error');
    } finally {
      this.importBtn.disabled = false;
      this.fileInput.value = '';
      this.importBtn.focus();
    }
  }
}
