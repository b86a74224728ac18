/**
 * Role: the small structural contract the widget needs from a recommender,
 * derived from the engine's own types in ../protocol (no second copy of a
 * type). The real engine (`createRecommender` in ../index) satisfies it; the
 * narrow Pick<> lets unit tests hand the element a tiny stand-in.
 * May import: ../protocol (types only).
 */
import type { CatalogItem, RecommenderApi, Progress, ProgressCallback, Recommendation } from '../protocol.ts';

/** A catalogue item as the engine sends it; the widget reads `id`, `title` and `image`. */
export type WidgetItem = CatalogItem;

/** One recommendation: the engine's `recommend()` row, `because` carrying the liked item. */
export type WidgetRecommendation = Recommendation;

/** Load progress as the engine reports it. */
export type WidgetProgress = Progress;

/**
 * What the widget calls on a recommender: the engine's recommend() and track(), a
 * `ready` promise (its value becomes the `hllm-ready` detail) and optionally the
 * page-side client's `on('progress')`.
 */
export type WidgetRecommender = Pick<RecommenderApi, 'recommend' | 'track'> & {
  ready: Promise<unknown>;
  on?(event: 'progress', listener: ProgressCallback): () => void;
};

/** `layout` attribute values. Unknown values fall back to `list`. */
export type WidgetLayout = 'list' | 'grid' | 'row';

/**
 * What `<hllm-history>` calls on a recommender: reading the history and the item titles,
 * forgetting, exporting and importing; `ready`, when present, is awaited first.
 */
export type HistoryRecommender = Pick<RecommenderApi, 'history' | 'items' | 'forget' | 'exportData' | 'importData'> & {
  ready?: Promise<unknown>;
};
