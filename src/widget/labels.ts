// The widget's default (English) strings and the helpers that fill their
// `{title}` / `{message}` / `{percent}` slots and pick an item's reason by its
// source. Pure functions, no DOM.
import type { WidgetLabels, WidgetMode, WidgetRecommendation } from './widget-types.ts';

/** The strings the widget shows unless the host sets `labels`. */
export const DEFAULT_LABELS: Readonly<WidgetLabels> = Object.freeze({
  loading: 'Loading recommendations…',
  download: 'Downloading the model',
  verify: 'Checking the model',
  load: 'Starting the model',
  vectors: 'Downloading item vectors',
  encode: 'Reading the catalogue',
  progress: '{phase}… {percent}%',
  setup: 'Set the model and catalog attributes to show recommendations.',
  empty: 'Nothing to recommend yet: open or like a few items first.',
  needsItems: 'Set the item (mode "similar") or items (mode "seeds") attribute to show recommendations.',
  nothing: 'No items match right now.',
  popular: 'Popular',
  becauseYouLiked: 'Because you liked {title}',
  similarTo: 'Similar to {title}',
  list: 'Recommendations',
  previous: 'Previous items',
  next: 'Next items',
  errorTitle: 'Recommendations are unavailable.',
  couldNotUpdate: 'Could not update: {message}',
  couldNotTrack: 'Could not remember this click: {message}',
  errors: {},
});

/** The defaults overlaid with the host's labels; non-string values are ignored. */
export function mergeLabels(custom: Partial<WidgetLabels> | null | undefined): WidgetLabels {
  const out: WidgetLabels = { ...DEFAULT_LABELS, errors: { ...DEFAULT_LABELS.errors } };
  if (!custom || typeof custom !== 'object') return out;
  for (const [key, value] of Object.entries(custom)) {
    if (key === 'errors' && value && typeof value === 'object') out.errors = { ...(value as Record<string, string>) };
    else if (key in out && key !== 'errors' && typeof value === 'string') (out as unknown as Record<string, string>)[key] = value;
  }
  return out;
}

/** Replaces `{name}` slots; unknown slots stay as written so a typo is visible, not silent. */
export function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}

function titleOf(item: { title?: unknown } | undefined, id: string): string {
  const title = item?.title;
  return typeof title === 'string' && title.trim() !== '' ? title : `item ${id}`;
}

/**
 * The reason line of a recommendation: "Popular" for source 'popular', "Similar to X" in
 * `similar` mode, "Because you liked X" otherwise; undefined when the engine gave no reason.
 */
export function reasonFor(rec: WidgetRecommendation, mode: WidgetMode, labels: WidgetLabels): string | undefined {
  if (rec.source === 'popular') return labels.popular;
  const because = rec.because;
  if (!because) return undefined;
  const similar = rec.source === 'similar' || (rec.source === undefined && mode === 'similar');
  return fill(similar ? labels.similarTo : labels.becauseYouLiked, { title: titleOf(because.item, because.id) });
}
