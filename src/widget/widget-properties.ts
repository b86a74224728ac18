// The public attribute and property surface of `<hllm-recommendations>`
// (k, layout, mode, item, items, fallback, the rule properties and labels), as
// a base class so the element file keeps to behaviour. Setting any of them asks
// the element to refresh or redraw. Defined in Node too (SSR): without
// HTMLElement the base is an empty class and nothing touches the DOM on import.
import { mergeLabels } from './labels.ts';
import { parseIds } from './query.ts';
import type { WidgetLabels, WidgetLayout, WidgetMode, WidgetRules } from './widget-types.ts';

const DEFAULT_K = 10;
const MAX_K = 100;
const MODES: readonly WidgetMode[] = ['for-you', 'similar', 'seeds', 'popular'];
const LAYOUTS: readonly WidgetLayout[] = ['list', 'grid', 'row', 'carousel'];

// In Node (SSR) there is no HTMLElement: the class is still defined (and never registered).
const BaseElement: typeof HTMLElement =
  typeof HTMLElement === 'undefined' ? (class {} as unknown as typeof HTMLElement) : HTMLElement;

/** Attributes and properties of the element; the element supplies what a change does. */
export abstract class WidgetProperties extends BaseElement {
  protected rules: WidgetRules = {};
  protected labelSet: WidgetLabels = mergeLabels(undefined);
  private customLabels: Partial<WidgetLabels> = {};

  /** Asks the engine again (soon, once per task). */
  protected abstract scheduleRefresh(): void;
  /** Draws the current view again without asking the engine. */
  protected abstract rerender(): void;

  /** Number of recommendations to show (attribute `k`, 1–100, default 10). */
  get k(): number {
    const n = Number.parseInt(this.getAttribute('k') ?? '', 10);
    return Number.isFinite(n) && n > 0 ? Math.min(n, MAX_K) : DEFAULT_K;
  }
  set k(value: number) { this.setAttribute('k', String(value)); }

  /** `list` (default), `grid`, `row` or `carousel`. */
  get layout(): WidgetLayout {
    const v = this.getAttribute('layout') as WidgetLayout | null;
    return v && LAYOUTS.includes(v) ? v : 'list';
  }
  set layout(value: WidgetLayout) { this.setAttribute('layout', value); }

  /** `for-you` (default), `similar` (with `item`), `seeds` (with `items`) or `popular`. */
  get mode(): WidgetMode {
    const v = this.getAttribute('mode') as WidgetMode | null;
    return v && MODES.includes(v) ? v : 'for-you';
  }
  set mode(value: WidgetMode) { this.setAttribute('mode', value); }

  /** The item of mode `similar` (attribute `item`). */
  get item(): string | undefined { return this.getAttribute('item')?.trim() || undefined; }
  set item(value: string | undefined) { this.toggleAttr('item', value); }

  /** The seed items of mode `seeds` (attribute `items`, comma-separated). */
  get items(): string[] { return parseIds(this.getAttribute('items')); }
  set items(value: string[]) { this.setAttribute('items', value.join(',')); }

  /** Fill empty rows with popular items (`popular`, default) or not (`none`). */
  get fallback(): 'popular' | 'none' { return this.getAttribute('fallback') === 'none' ? 'none' : 'popular'; }
  set fallback(value: 'popular' | 'none') { this.setAttribute('fallback', value); }

  /** Keeps only items for which it returns true (a property: functions are not attributes). */
  get filter(): WidgetRules['filter'] { return this.rules.filter; }
  set filter(value: WidgetRules['filter']) { this.setRule('filter', value); }
  /** Re-scores items: `(item, score) => number`. */
  get boost(): WidgetRules['boost'] { return this.rules.boost; }
  set boost(value: WidgetRules['boost']) { this.setRule('boost', value); }
  /** Leaves out items scoring below this. */
  get minScore(): number | undefined { return this.rules.minScore; }
  set minScore(value: number | undefined) { this.setRule('minScore', value); }
  /** At most this many items per value of `groupBy`. */
  get maxPerGroup(): number | undefined { return this.rules.maxPerGroup; }
  set maxPerGroup(value: number | undefined) { this.setRule('maxPerGroup', value); }
  /** Catalogue field of `maxPerGroup`. */
  get groupBy(): string | undefined { return this.rules.groupBy; }
  set groupBy(value: string | undefined) { this.setRule('groupBy', value); }
  /** Ids never to show. */
  get exclude(): string[] | undefined { return this.rules.exclude; }
  set exclude(value: string[] | undefined) { this.setRule('exclude', value); }

  /** Every visible string; set some or all (missing ones keep their default). */
  get labels(): Partial<WidgetLabels> { return this.customLabels; }
  set labels(value: Partial<WidgetLabels> | undefined) {
    // Frameworks pass a new object literal on every render: equal labels must not redraw,
    // or each redraw's hllm-view re-renders the host, which passes new labels, and so on.
    if (JSON.stringify(value ?? {}) === JSON.stringify(this.customLabels)) return;
    this.customLabels = value ?? {};
    this.labelSet = mergeLabels(value);
    this.rerender();
  }

  private toggleAttr(name: string, value: string | undefined): void {
    if (value === undefined || value === '') this.removeAttribute(name);
    else this.setAttribute(name, value);
  }

  private setRule<K extends keyof WidgetRules>(key: K, value: WidgetRules[K]): void {
    // Equal values (a new but equal `exclude` array from a framework re-render) change nothing.
    const old = this.rules[key];
    if (old === value || (Array.isArray(old) && Array.isArray(value) && old.length === value.length && old.every((v, i) => v === value[i]))) return;
    this.rules = { ...this.rules, [key]: value };
    this.scheduleRefresh();
  }
}
