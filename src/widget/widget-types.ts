/**
 * Role: the small structural contract the widget needs from a recommender.
 * The real engine (`createRecommender` in ../index) satisfies it; keeping the
 * widget on this narrow shape lets it render without pulling the engine into
 * unit tests. May import: nothing (types only).
 */

/** A catalogue item as the widget sees it: only `id`, `title` and `image` are read. */
export interface WidgetItem {
  id: string;
  title?: string;
  image?: string;
  [field: string]: unknown;
}

/** One recommendation: the engine's `recommend()` result row. */
export interface WidgetRecommendation {
  id: string;
  score: number;
  item?: WidgetItem;
  /** The history item that contributed most to this recommendation. */
  because?: { id: string; score: number; item?: WidgetItem; title?: string };
}

/** Load progress as the engine reports it. */
export interface WidgetProgress {
  phase: string;
  done: number;
  total: number;
  etaMs?: number;
}

/** What the widget calls on a recommender. */
export interface WidgetRecommender {
  ready: Promise<unknown>;
  recommend(options: { k: number }): Promise<WidgetRecommendation[]>;
  track(itemId: string, options?: { type?: string }): Promise<unknown>;
  on?(event: 'progress', listener: (p: WidgetProgress) => void): () => void;
}

/** `layout` attribute values. Unknown values fall back to `list`. */
export type WidgetLayout = 'list' | 'grid' | 'row';
