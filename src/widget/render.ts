// Pure DOM builders for the widget's four states (loading, empty, error,
// list). Every piece of catalogue or engine text goes through `textContent` so a
// title like `<img onerror=…>` stays a title; every visible string comes from
// the labels.
import { buildCarousel } from './carousel.ts';
import { DEFAULT_LABELS, fill, reasonFor } from './labels.ts';
import { safeImageUrl } from './safe-url.ts';
import { fillTemplate } from './template.ts';
import type { WidgetItem, WidgetLabels, WidgetLayout, WidgetMode, WidgetProgress, WidgetRecommendation } from './widget-types.ts';

const PHASES = ['download', 'verify', 'load', 'vectors', 'encode'] as const;

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
export function progressLabel(p: WidgetProgress | undefined, labels: WidgetLabels = DEFAULT_LABELS): string {
  if (!p) return labels.loading;
  const phase = (PHASES as readonly string[]).includes(p.phase) ? labels[p.phase] : labels.loading;
  if (!(p.total > 0)) return `${phase}…`;
  const percent = Math.min(100, Math.round((100 * p.done) / p.total));
  return fill(labels.progress, { phase, percent });
}

export { safeImageUrl } from './safe-url.ts';

/** Title to show for an item; falls back to its id so a row is never blank. */
function itemTitle(item: WidgetItem | undefined, id: string): string {
  const title = item?.title;
  return typeof title === 'string' && title.trim() !== '' ? title : `Item ${id}`;
}

/** The reason line ("Because you liked X", "Similar to X", "Popular"), or undefined when the engine gave none. */
export function reasonText(rec: WidgetRecommendation, mode: WidgetMode = 'for-you', labels: WidgetLabels = DEFAULT_LABELS): string | undefined {
  return reasonFor(rec, mode, labels);
}

/** Replaces `root`'s children with a polite live status showing load progress. */
export function renderLoading(root: HTMLElement, progress?: WidgetProgress, labels: WidgetLabels = DEFAULT_LABELS): void {
  const doc = root.ownerDocument;
  const box = el(doc, 'div', 'status');
  box.setAttribute('role', 'status');
  box.setAttribute('aria-live', 'polite');
  const label = el(doc, 'span', 'status-text', progressLabel(progress, labels));
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
export function updateLoading(root: HTMLElement, progress: WidgetProgress, labels: WidgetLabels = DEFAULT_LABELS): void {
  const label = root.querySelector('[part="status-text"]');
  const bar = root.querySelector('progress');
  if (!label || !bar) return renderLoading(root, progress, labels);
  label.textContent = progressLabel(progress, labels);
  if (progress.total > 0) {
    bar.max = progress.total;
    bar.value = Math.min(progress.done, progress.total);
  }
  bar.setAttribute('aria-label', label.textContent ?? '');
}

/** A readable message for anything thrown: engine errors carry a `code`. */
export function describeError(error: unknown, labels: WidgetLabels = DEFAULT_LABELS): { message: string; code?: string } {
  if (error && typeof error === 'object') {
    const e = error as { message?: unknown; code?: unknown };
    const code = typeof e.code === 'string' ? e.code : undefined;
    const own = code ? labels.errors[code] : undefined;
    const message = own ?? (typeof e.message === 'string' && e.message !== '' ? e.message : String(error));
    return { message, code };
  }
  return { message: typeof error === 'string' && error !== '' ? error : 'Unknown error' };
}

/** Replaces `root`'s children with an alert explaining what failed. */
export function renderError(root: HTMLElement, error: unknown, labels: WidgetLabels = DEFAULT_LABELS): void {
  const doc = root.ownerDocument;
  const { message, code } = describeError(error, labels);
  const box = el(doc, 'div', 'error');
  box.setAttribute('role', 'alert');
  box.append(el(doc, 'strong', 'error-title', labels.errorTitle));
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

/** What renderList needs besides the rows. */
export interface ListOptions {
  layout: WidgetLayout;
  /** Accessible name of the list. */
  label: string;
  mode?: WidgetMode;
  labels?: WidgetLabels;
  /** The host's `<template>`: cloned per item and filled instead of the built-in row. */
  template?: HTMLTemplateElement | null;
}

/**
 * Replaces `root`'s children with the recommendation list. Each row is a
 * `<button>` (natively focusable and activated by Enter/Space) inside a
 * `listitem`, with `data-id` and `data-rank` for the element's click handler.
 * The `carousel` layout wraps the list between previous/next buttons.
 */
export function renderList(root: HTMLElement, recs: WidgetRecommendation[], options: ListOptions): void {
  const doc = root.ownerDocument;
  const labels = options.labels ?? DEFAULT_LABELS;
  const mode = options.mode ?? 'for-you';
  const list = el(doc, 'ul', 'list');
  list.setAttribute('role', 'list');
  list.setAttribute('aria-label', options.label);
  list.dataset.layout = options.layout;
  recs.forEach((rec, rank) => {
    const li = el(doc, 'li', 'item');
    li.setAttribute('role', 'listitem');
    li.dataset.id = rec.id;
    li.dataset.rank = String(rank);
    if (rec.source) li.dataset.source = rec.source;
    const button = el(doc, 'button', 'button');
    button.type = 'button';
    button.dataset.id = rec.id;
    button.dataset.rank = String(rank);
    const reason = reasonText(rec, mode, labels);
    if (options.template) button.append(fillTemplate(options.template, rec, reason));
    else appendDefaultRow(button, rec, reason);
    li.append(button);
    list.append(li);
  });
  root.replaceChildren(options.layout === 'carousel' ? buildCarousel(list, labels) : list);
}

/** The built-in row: optional image, title, reason. */
function appendDefaultRow(button: HTMLButtonElement, rec: WidgetRecommendation, reason: string | undefined): void {
  const doc = button.ownerDocument;
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
  if (reason) text.append(el(doc, 'span', 'reason', reason));
  button.append(text);
}
