// Fills the host's `<template>` for one recommendation. The template is
// the host's own markup; what goes into it is catalogue data and is only ever
// set as textContent, or as an image `src` that passed safeImageUrl, never as
// HTML.
import { safeImageUrl } from './safe-url.ts';
import type { WidgetRecommendation } from './widget-types.ts';

/** The text of catalogue field `field` (`id` is the recommendation's id); lists are joined with ", ". */
function fieldText(rec: WidgetRecommendation, field: string): string {
  if (field === 'id') return rec.id;
  const value = rec.item?.[field];
  if (Array.isArray(value)) return value.join(', ');
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
}

/**
 * A filled copy of `template`'s content: `[data-field="name"]` gets that field's text,
 * `[data-reason]` the reason line (hidden when there is none), `<img data-image>` the
 * item's `image` (or the field named by a value, `data-image="poster"`) when it is a safe
 * URL; otherwise the image is removed.
 *
 * @example
 * ```html
 * <hllm-recommendations mode="popular">
 *   <template><img data-image alt=""><b data-field="title"></b> <small data-reason></small></template>
 * </hllm-recommendations>
 * ```
 */
export function fillTemplate(template: HTMLTemplateElement, rec: WidgetRecommendation, reason: string | undefined): DocumentFragment {
  const doc = template.ownerDocument;
  const frag = doc.importNode(template.content, true);
  for (const node of frag.querySelectorAll<HTMLElement>('[data-field]')) {
    node.textContent = fieldText(rec, node.dataset.field ?? '');
  }
  for (const node of frag.querySelectorAll<HTMLElement>('[data-reason]')) {
    node.textContent = reason ?? '';
    node.hidden = !reason;
  }
  for (const img of frag.querySelectorAll<HTMLImageElement>('img[data-image]')) {
    const src = safeImageUrl(rec.item?.[img.dataset.image || 'image'], doc.baseURI);
    if (!src) {
      img.remove();
      continue;
    }
    img.referrerPolicy = 'no-referrer';
    img.src = src;
  }
  return frag;
}
