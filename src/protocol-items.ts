// Items and rankings, the part of the contract that protocol.ts re-exports (importers use
// protocol.ts): a catalogue item, the business rules of recommend(), similar() and popular(),
// their options, and what a recommendation carries back across the worker boundary.

/** A catalogue field value; arrays are joined with ", " when the item text is built. */
export type FieldValue = string | number | string[] | null | undefined;

/** One catalogue item. `id` is required and unique; other fields feed the item text. */
export interface CatalogItem {
  id: string;
  title?: string;
  image?: string;
  [field: string]: FieldValue;
}

/** A catalogue: a URL of a JSON array or a CSV (`item_id` or `id` column), or the items. */
export type CatalogSource = string | CatalogItem[];

/**
 * Business rules of recommend(), similar() and popular(). The engine applies them while it
 * walks the ranking, best score first, not to a top-k taken beforehand: k results come back
 * whenever k catalogue items pass them (a filter that keeps 1 % of the catalogue still fills
 * the row). Across the worker boundary `filter` and `boost` run on the page, called by the
 * engine in batches (see RuleCallbacks); everything else runs in the worker.
 *
 * @example
 * ```ts
 * await rec.recommend({ k: 8, filter: (it) => it.stock !== '0', maxPerGroup: 2, groupBy: 'genres', minScore: 0.1 });
 * ```
 */
export interface RuleOptions {
  /** Ids to leave out; unknown ids are ignored. */
  exclude?: string[];
  /** Keeps only items for which it returns true (in stock, a category, a price range). */
  filter?: (item: CatalogItem) => boolean;
  /**
   * The score an item is ranked by, given its catalogue score, e.g. `(it, s) => it.brand === 'Acme' ? s + 0.1 : s`.
   * Applied to the best `boostPool` items that pass `filter`; results are ordered by the boosted score.
   */
  boost?: (item: CatalogItem, score: number) => number;
  /** Candidates (best raw score first, after `filter`) that `boost` sees; default max(200, 20 × k). */
  boostPool?: number;
  /** Leaves out items whose (boosted) score is below this. */
  minScore?: number;
  /** Diversity: at most this many results share a value of `groupBy`. */
  maxPerGroup?: number;
  /**
   * Catalogue field of `maxPerGroup`. A list field (an array, or text with commas such as
   * "Comedy, Drama") puts an item in each of its values; it is taken only while every one of
   * them is under the cap. Items without the field are not capped.
   */
  groupBy?: string;
  /**
   * The batch form of `filter` and `boost` (RuleCallbacks); when set it replaces them. The page
   * client fills it in across the worker boundary; same-thread callers may set it themselves.
   */
  callbacks?: RuleCallbacks;
}

/** Where a recommendation came from (Recommendation.source); the widget shows it as the reason. */
export type RecommendationSource = 'for-you' | 'seeds' | 'similar' | 'popular';

/** Options of recommend(). */
export interface RecommendOptions extends RuleOptions {
  /** Results wanted; default 10. */
  k?: number;
  /** Also return items already in the history (default false). */
  includeHistory?: boolean;
  /**
   * Recommends from these items (a cart, a wish list) instead of the history, oldest first: the
   * User LLM runs over them, the stored history is neither read nor written, and they are left
   * out of the results. Unknown ids reject with 'UNKNOWN_ITEM'.
   */
  seeds?: string[];
  /**
   * Fills the rows that the model leaves empty (no history, or fewer than k items passed the
   * rules) with the most popular items that pass the same rules, each with source 'popular'.
   * Default 'none' in the API; the widget defaults to 'popular'.
   */
  fallback?: 'popular' | 'none';
}

/** Options of similar(). */
export interface SimilarOptions extends RuleOptions {
  /** Results wanted; default 10. */
  k?: number;
  /** As RecommendOptions.fallback. */
  fallback?: 'popular' | 'none';
}

/** Options of popular(). */
export interface PopularOptions extends RuleOptions {
  /** Results wanted; default 10. */
  k?: number;
  /** Also return items already in the history (default true: a best-seller row shows best-sellers). */
  includeHistory?: boolean;
}

/**
 * The wire form of `filter` and `boost`: functions cannot be cloned into a worker, so the
 * page-side client wraps them in batch callbacks (comlink proxies) that the engine calls with
 * up to a few hundred candidates at a time. Same-thread engines accept the functions as well.
 */
export interface RuleCallbacks {
  filter?(items: CatalogItem[]): boolean[] | Promise<boolean[]>;
  boost?(items: CatalogItem[], scores: number[]): number[] | Promise<number[]>;
}

export interface Recommendation {
  id: string;
  /**
   * cosine(user or item vector, item vector) in [-1, 1], after `boost` when one is given. For
   * source 'popular': the item's popularity / the catalogue's largest popularity, in [0, 1].
   */
  score: number;
  item: CatalogItem;
  /**
   * Why this item is shown, with the item itself so a page can name it without a
   * catalogue of its own. recommend(): the history item most similar to this one, `score`
   * = cosine(this item, that item). similar(): the seed item, `score` = this result's score.
   */
  because?: Because;
  /** Which ranking produced it: the history, the seeds, the item (similar) or popularity (a fallback or popular()). */
  source?: RecommendationSource;
}

/** The catalogue item behind a recommendation (Recommendation.because). */
export interface Because {
  id: string;
  /** cosine(recommended item, because item) in [-1, 1]. */
  score: number;
  item: CatalogItem;
}
