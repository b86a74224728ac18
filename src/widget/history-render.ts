// The words and the DOM of `<hllm-history>`: its default labels (every visible
// string, replaceable through the element's `labels` property), the date format, and the
// rows of the list. Data reaches the page through textContent and attributes only, never
// as markup, so a title like `<img onerror=…>` stays text.
import type { HistoryEvent, ImportResult } from '../protocol.ts';

/** Every string `<hllm-history>` shows or announces. Functions get the numbers or names they mention. */
export interface HistoryLabels {
  heading: string;
  /** Shown while the history is read. */
  loading: string;
  /** Shown instead of the list when nothing is stored. */
  empty: string;
  /** Above the list: how many events are stored. */
  count: (events: number) => string;
  /** Visible text of each row's forget button. */
  forget: string;
  /** Accessible name of a row's forget button (it forgets every event of that item). */
  forgetItem: (title: string) => string;
  forgetAll: string;
  /** The confirmation question of forget everything. */
  confirmAll: (events: number) => string;
  confirmYes: string;
  confirmNo: string;
  exportButton: string;
  importButton: string;
  /** Display names of event types; a type not listed is shown as it is stored. */
  types: Record<string, string>;
  /** Accessible name of a row: title, event type and date. */
  row: (title: string, type: string, date: string) => string;
  /** Status messages (a polite live region). */
  forgotten: (title: string, events: number) => string;
  forgottenAll: (events: number) => string;
  exported: (events: number) => string;
  imported: (result: ImportResult) => string;
  importFailed: (message: string) => string;
  failed: (message: string) => string;
}

/** The English defaults. */
export const DEFAULT_HISTORY_LABELS: HistoryLabels = {
  heading: 'Stored on this device',
  loading: 'Reading what is stored…',
  empty: 'Nothing is stored on this device.',
  count: (n) => (n === 1 ? '1 event, kept in this browser only.' : `${n} events, kept in this browser only.`),
  forget: 'Forget',
  forgetItem: (title) => `Forget ${title}`,
  forgetAll: 'Forget everything…',
  confirmAll: (n) => `Forget all ${n} event${n === 1 ? '' : 's'}? This cannot be undone.`,
  confirmYes: 'Yes, forget everything',
  confirmNo: 'Cancel',
  exportButton: 'Export',
  importButton: 'Import…',
  types: { view: 'Viewed', click: 'Opened', like: 'Liked' },
  row: (title, type, date) => `${title}, ${type}, ${date}`,
  forgotten: (title, n) => `Forgot ${title} (${n} event${n === 1 ? '' : 's'}).`,
  forgottenAll: (n) => `Forgot everything (${n} event${n === 1 ? '' : 's'}).`,
  exported: (n) => `Exported ${n} event${n === 1 ? '' : 's'} to a file on this device.`,
  imported: (r) => `Imported ${r.imported} event${r.imported === 1 ? '' : 's'}${r.skipped > 0 ? `, skipped ${r.skipped} (already stored or not in this catalogue)` : ''}.`,
  importFailed: (m) => `That file was not imported: ${m}`,
  failed: (m) => `Something went wrong: ${m}`,
};

/** Merges partial labels over the defaults (types merge key by key). */
export function mergeLabels(partial: Partial<HistoryLabels> | undefined): HistoryLabels {
  if (!partial) return DEFAULT_HISTORY_LABELS;
  return { ...DEFAULT_HISTORY_LABELS, ...partial, types: { ...DEFAULT_HISTORY_LABELS.types, ...partial.types } };
}

/** A date formatter for `lang` (a BCP 47 tag); an invalid or empty tag falls back to the browser's locale. */
export function dateFormatter(lang: string | null | undefined): Intl.DateTimeFormat {
  const opts: Intl.DateTimeFormatOptions = { dateStyle: 'medium', timeStyle: 'short' };
  try {
    return new Intl.DateTimeFormat(lang || undefined, opts);
  } catch {
    return new Intl.DateTimeFormat(undefined, opts);
  }
}

/**
 * One list row per event: title, type, date and a forget button named after the item.
 * `titles` maps ids to titles; an id it lacks is shown as the id.
 */
export function renderRows(
  events: readonly HistoryEvent[], titles: ReadonlyMap<string, string>, labels: HistoryLabels, fmt: Intl.DateTimeFormat,
): HTMLLIElement[] {
  return events.map((e) => {
    const title = titles.get(e.itemId) ?? e.itemId;
    const type = labels.types[e.type] ?? e.type;
    const li = document.createElement('li');
    li.setAttribute('part', 'item');
    // list-style: none drops list semantics in WebKit: say it explicitly.
    li.setAttribute('role', 'listitem');
    li.dataset.id = e.itemId;
    li.dataset.seq = String(e.seq);
    const titleEl = document.createElement('span');
    titleEl.setAttribute('part', 'title');
    titleEl.textContent = title;
    const typeEl = document.createElement('span');
    typeEl.setAttribute('part', 'type');
    typeEl.textContent = type;
    const when = document.createElement('time');
    when.setAttribute('part', 'date');
    const d = new Date(e.at);
    const date = fmt.format(d);
    when.dateTime = d.toISOString();
    when.textContent = date;
    li.setAttribute('aria-label', labels.row(title, type, date));
    const forget = document.createElement('button');
    forget.type = 'button';
    forget.setAttribute('part', 'forget');
    forget.dataset.action = 'forget';
    forget.dataset.id = e.itemId;
    forget.textContent = labels.forget;
    forget.setAttribute('aria-label', labels.forgetItem(title));
    li.append(titleEl, typeEl, when, forget);
    return li;
  });
}

/** File name of an export: hllm-history-YYYY-MM-DD.json (the local date). */
export function exportFileName(now: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `hllm-history-${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())}.json`;
}
