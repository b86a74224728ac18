// Turns the element's mode, k, fallback and rule properties into the one
// engine call that mode needs (recommend, recommend with seeds, similar or
// popular). Pure apart from that call.
import { HllmError } from '../errors.ts';
import type { WidgetMode, WidgetRecommendation, WidgetRecommender, WidgetRules } from './widget-types.ts';

/** What a refresh asks for. */
export interface WidgetQuery {
  mode: WidgetMode;
  k: number;
  fallback: 'popular' | 'none';
  /** `item` attribute (mode `similar`). */
  item: string | undefined;
  /** `items` attribute (mode `seeds`). */
  items: string[];
  rules: WidgetRules;
}

/** Thrown (never shown as an error) when the mode lacks its item(s): the widget shows a hint. */
export const NEEDS_ITEMS = Symbol('needs-items');

/** Parses `items="a, b,,c"` into ['a', 'b', 'c']. */
export function parseIds(value: string | null): string[] {
  return (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

/** Only the rules that are set, so an unset property never reaches the engine as `undefined`. */
function setRules(rules: WidgetRules): WidgetRules {
  return Object.fromEntries(Object.entries(rules).filter(([, v]) => v !== undefined && v !== null)) as WidgetRules;
}

function missing(name: 'similar' | 'popular'): HllmError {
  return new HllmError('INVALID_OPTIONS', `This recommender has no ${name}(): hand the widget one made by createRecommender() of hllm-web, or use mode "for-you".`);
}

/**
 * Runs the engine call of `q.mode`. Rejects with NEEDS_ITEMS when `similar` has no item or
 * `seeds` no items.
 *
 * @example
 * ```ts
 * await runQuery(rec, { mode: 'similar', item: '1', items: [], k: 8, fallback: 'popular', rules: {} });
 * ```
 */
export function runQuery(engine: WidgetRecommender, q: WidgetQuery): Promise<WidgetRecommendation[]> {
  const rules = setRules(q.rules);
  switch (q.mode) {
    case 'popular':
      if (!engine.popular) return Promise.reject(missing('popular'));
      return engine.popular({ k: q.k, ...rules });
    case 'similar':
      if (!q.item) return Promise.reject(NEEDS_ITEMS);
      if (!engine.similar) return Promise.reject(missing('similar'));
      return engine.similar(q.item, { k: q.k, fallback: q.fallback, ...rules });
    case 'seeds':
      if (q.items.length === 0) return Promise.reject(NEEDS_ITEMS);
      return engine.recommend({ k: q.k, seeds: q.items, fallback: q.fallback, ...rules });
    default:
      return engine.recommend({ k: q.k, fallback: q.fallback, ...rules });
  }
}
