/**
 * Role: pure DOM builders for the widget's four states (loading, empty, error,
 * list). Every piece of catalogue or engine text goes through `textContent` so a
 * title like `<img onerror=…>` stays a title. May import: ./widget-types only.
 */
import type { WidgetItem, WidgetLayout, WidgetProgress, WidgetRecommendation } from './widget-types';

const PHASE_LABEL: Record<string, string> = {
  download: 'Downloading the model',
  verify: 'Checking the model',
  load: 'Starting the model',
  encode: 'Reading the catalogue',
};

function el<K extends keyof HTMLElementTagNameMap>(
  doc: Document,
  tag: K,
  part?: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = doc.createElement(tag);
  if (part) node.setAttribute('part', part);
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Human label for a progress event; percentages only when `total` is meaningful. */
export function progressLabel(p: WidgetProgress | undefined): string {
  if (!p) return 'Loading recommendations…';
  const label = PHASE_LABEL[p.phase] ?? 'Loading';
  if (!(p.total > 0)) return `${label}…`;
  const pct = Math.min(100, Math.round((100 * p.done) / p.total));
  return `${label}… ${pct}%`;
}

/**
 * Only http(s), same-document relative and data:image URLs are used as image
 * sources: anything else (javascript:, file:, blob: from elsewhere) is dropped
 * rather than handed to the browser.
 */
export function safeImageUrl(raw: unknown, base: string): string | undefined {
  if (typeof raw !== 'string' || raw.trim() === '') return undefined;
  const value = raw.trim();
  if (/^data:image\/(png|jpe?g|gif|webp|avif);/i.test(value)) return value;
  try {
    const url = new URL(value, base);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/** Title to show for an item; falls back to its id so a row is never blank. */
export function itemTitle(item: WidgetItem | undefined, id: string): string {
  const title = item?.title;
  return typeof title === 'string' && title.trim() !== '' ? title : `Item ${id}`;
}

/** The "Because you liked X" line (X is the item the engine sent), or undefined when it gave no reason. */
export function reasonText(rec: WidgetRecommendation): string | undefined {
  const because = rec.because;
  if (!because) return undefined;
  const title = because.item?.title;
  return `Because you liked ${typeof title === 'string' && title.trim() !== '' ? title : `item ${because.id}`}`;
}

/** Replaces `root`'s children with a polite live status showing load progress. */
export function renderLoading(root: HTMLElement, progress?: WidgetProgress): void {
  const doc = root.ownerDocument;
  const box = el(doc, 'div', 'status');
  box.setAttribute('role', 'status');
  box.setAttribute('aria-live', 'polite');
  const label = el(doc, 'span', 'status-text', progressLabel(progress));
  const bar = el(doc, 'progress', 'progress');
  if (progress && progress.total > 0) {
    bar.max = progress.total;
    bar.value = Math.min(progress.done, progress.total);
  } // else: an indeterminate bar, because a fake percentage is worse than none
  bar.setAttribute('aria-label', label.textContent ?? '');
  box.append(label, bar);
  root.replaceChildren(box);
}

/** Updates an existing loading view in place so screen readers are not spammed with new nodes. */
export function updateLoading(root: HTMLElement, progress: WidgetProgress): void {
  const label = root.querySelector('[part="status-text"]');
  const bar = root.querySelector('progress');
  if (!label || !bar) return renderLoading(root, progress);
  label.textContent = progressLabel(progress);
  if (progress.total > 0) {
    bar.max = progress.total;
    bar.value = Math.min(progress.done, progress.total);
  }
  bar.setAttribute('aria-label', label.textContent ?? '');
}

/** A readable message for anything thrown: engine errors carry a `code`. */
export function describeError(error: unknown): { message: string; code?: string } {
  if (error && typeof error === 'object') {
    const e = error as { message?: unknown; code?: unknown };
    const message = typeof e.message === 'string' && e.message !== '' ? e.message : String(error);
    return { message, code: typeof e.code === 'string' ? e.code : undefined };
  }
  return { message: typeof error === 'string' && error !== '' ? error : 'Unknown error' };
}

/** Replaces `root`'s children with an alert explaining what failed. */
export function renderError(root: HTMLElement, error: unknown): void {
  const doc = root.ownerDocument;
  const { message, code } = describeError(error);
  const box = el(doc, 'div', 'error');
  box.setAttribute('role', 'alert');
  box.append(el(doc, 'strong', 'error-title', 'Recommendations are unavailable.'));
  box.append(el(doc, 'span', 'error-message', ` ${message}`));
  if (code) box.append(el(doc, 'code', 'error-code', code));
  root.replaceChildren(box);
}

/** Replaces `root`'s children with a short explanation of why there is nothing to show. */
export function renderEmpty(root: HTMLElement, message: string): void {
  const box = el(root.ownerDocument, 'p', 'empty', message);
  box.setAttribute('role', 'status');
  root.replaceChildren(box);
}

/**
 * Replaces `root`'s children with the recommendation list. Each row is a
 * `<button>` (natively focusable and activated by Enter/Space) inside a
 * `listitem`, with `data-id` and `data-rank` for the element's click handler.
 */
export function renderList(
  root: HTMLElement,
  recs: WidgetRecommendation[],
  options: { layout: WidgetLayout; label: string },
): void {
  const doc = root.ownerDocument;
  const list = el(doc, 'ul', 'list');
  list.setAttribute('role', 'list');
  list.setAttribute('aria-label', options.label);
  list.dataset.layout = options.layout;
  recs.forEach((rec, rank) => {
    const li = el(doc, 'li', 'item');
    li.setAttribute('role', 'listitem');
    const button = el(doc, 'button', 'button');
    button.type = 'button';
    button.dataset.id = rec.id;
    button.dataset.rank = String(rank);
    const src = safeImageUrl(rec.item?.image, doc.baseURI);
    if (src) {
      const img = el(doc, 'img', 'image');
      img.alt = ''; // the title next to it already names the item
      img.loading = 'lazy';
      img.decoding = 'async';
      img.referrerPolicy = 'no-referrer';
      img.src = src;
      img.addEventListener('error', () => img.remove(), { once: true });
      button.append(img);
    }
    const text = el(doc, 'span', 'text');
    text.append(el(doc, 'span', 'title', itemTitle(rec.item, rec.id)));
    const reason = reasonText(rec);
    if (reason) text.append(el(doc, 'span', 'reason', reason));
    button.append(text);
    li.append(button);
    list.append(li);
  });
  root.replaceChildren(list);
}
