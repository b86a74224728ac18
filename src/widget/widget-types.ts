// The small structural contract the widget needs from a recommender,
// derived from the engine's own types in ../protocol (no second copy of a
// type), plus the widget's own public types (modes, labels, event details,
// the typed event map). The real engine (`createRecommender` in ../index)
// satisfies WidgetRecommender; the narrow Pick<> lets unit tests hand the
// element a tiny stand-in.
import type {
  CatalogItem,
  ProgressCallback,
  Progress,
  Recommendation,
  RecommenderApi,
  RuleOptions,
} from '../protocol.ts';

/** A catalogue item as the engine sends it; the widget reads `id`, `title`, `image` and template fields. */
export type WidgetItem = CatalogItem;

/** One recommendation: the engine's row, `because` carrying the liked (or seed) item, `source` its ranking. */
export type WidgetRecommendation = Recommendation;

/** Load progress as the engine reports it. */
export type WidgetProgress = Progress;

/**
 * What the widget calls on a recommender: recommend() and track(), similar() and popular()
 * for those modes (a recommender without them makes that mode show an error), a `ready`
 * promise (its value becomes the `hllm-ready` detail) and optionally the page-side
 * client's `on('progress')`.
 */
export type WidgetRecommender = Pick<RecommenderApi, 'recommend' | 'track'> &
  Partial<Pick<RecommenderApi, 'similar' | 'popular'>> & {
    ready: Promise<unknown>;
    on?(event: 'progress', listener: ProgressCallback): () => void;
  };

/** `layout` attribute values. Unknown values fall back to `list`. */
export type WidgetLayout = 'list' | 'grid' | 'row' | 'carousel';

/**
 * `mode` attribute values: `for-you` (the history, default), `similar` (neighbours of
 * `item`), `seeds` (from `items`, history untouched), `popular`. Unknown values are `for-you`.
 */
export type WidgetMode = 'for-you' | 'similar' | 'seeds' | 'popular';

/** The business-rule properties of the element, passed to every engine call. */
export type WidgetRules = Pick<RuleOptions, 'filter' | 'boost' | 'minScore' | 'maxPerGroup' | 'groupBy' | 'exclude'>;

/**
 * Every string the widget shows. `{title}` is replaced by an item title, `{message}` by an
 * error message, `{percent}` by a number. Set some or all through the `labels` property.
 */
export interface WidgetLabels {
  loading: string;
  /** Progress phases; `{percent}` is left out while the total is unknown. */
  download: string;
  verify: string;
  load: string;
  vectors: string;
  encode: string;
  progress: string;
  /** Shown without `model`/`catalog` attributes and without a `recommender`. */
  setup: string;
  /** No recommendation in `for-you` mode (no history, fallback `none`). */
  empty: string;
  /** `similar` without `item`, or `seeds` without `items`. */
  needsItems: string;
  /** Nothing passed the rules (or the catalogue has no popularity). */
  nothing: string;
  /** Reason of items whose source is 'popular'. */
  popular: string;
  /** Reason in `for-you` and `seeds` modes. */
  becauseYouLiked: string;
  /** Reason in `similar` mode. */
  similarTo: string;
  /** Accessible name of the list when there is no heading. */
  list: string;
  previous: string;
  next: string;
  errorTitle: string;
  couldNotUpdate: string;
  couldNotTrack: string;
  /** Replacement messages per error code (e.g. `{ UNKNOWN_ITEM: 'Dieses Produkt …' }`). */
  errors: Partial<Record<string, string>>;
}

/** Detail of `hllm-view` and `hllm-click`: what a host forwards to its own analytics. */
export interface HllmItemDetail {
  id: string;
  /** 0-based position in the rendered row. */
  rank: number;
  score: number;
  mode: WidgetMode;
  /** Id of the history/seed item behind it, if any. */
  because: string | undefined;
}

/** Detail of the `hllm-view` event (≥ 50 % of the item visible, once per item and render). */
export type HllmViewDetail = HllmItemDetail;

/** Detail of the `hllm-click` event. Call `preventDefault()` on the event to skip auto-tracking. */
export interface HllmClickDetail extends HllmItemDetail {
  recommendation: WidgetRecommendation;
}

/** Detail of the `hllm-error` event. `fatal` is false when the widget kept its last good view. */
export interface HllmErrorDetail {
  message: string;
  code?: string;
  error: unknown;
  fatal: boolean;
}

/** The element's events, for typed `addEventListener`. */
export interface HllmRecommendationsEventMap extends HTMLElementEventMap {
  'hllm-ready': CustomEvent<unknown>;
  'hllm-view': CustomEvent<HllmViewDetail>;
  'hllm-click': CustomEvent<HllmClickDetail>;
  'hllm-error': CustomEvent<HllmErrorDetail>;
}

/**
 * What `<hllm-history>` calls on a recommender: reading the history and the item titles,
 * forgetting, exporting and importing; `ready`, when present, is awaited first.
 */
export type HistoryRecommender = Pick<RecommenderApi, 'history' | 'items' | 'forget' | 'exportData' | 'importData'> & {
  ready?: Promise<unknown>;
};
