// The one contract of the package: the RecommenderApi interface that the engine
// (createEngine), the worker adapter and the page-side Recommender all implement, every
// type that crosses the page ⇄ worker boundary, and CALL_KINDS, the one table saying
// which calls only read (retried after a worker death) and which write.
// The only runtime code is the CALL_KINDS table. Item and ranking types live in
// protocol-items.ts and are re-exported here.
import type { CatalogItem, CatalogSource, PopularOptions, Recommendation, RecommendOptions, RuleCallbacks, SimilarOptions } from './protocol-items.ts';

export type { FieldValue, CatalogItem, CatalogSource, RuleOptions, RecommendationSource, RecommendOptions, SimilarOptions, PopularOptions, RuleCallbacks, Recommendation, Because } from './protocol-items.ts';

export type Backend = 'webgpu' | 'wasm';
export type Dtype = 'fp32' | 'q8' | 'q4';
export type BackendOption = 'auto' | Backend;
export type DtypeOption = 'auto' | Dtype;

export type ProgressPhase = 'download' | 'verify' | 'load' | 'vectors' | 'encode';

/** Progress of start-up or of a catalogue change. Download and vectors (shard downloads) count bytes, encode items. */
export interface Progress {
  phase: ProgressPhase;
  done: number;
  total: number;
  etaMs?: number;
  /** File or step the numbers refer to, e.g. 'onnx/item_encoder.onnx'. */
  detail?: string;
}
export type ProgressCallback = (p: Progress) => void;

/** Options of createRecommender() / Engine.init(). All but model and catalog are optional. */
export interface EngineOptions {
  /** Model folder: URL (ending in '/'), or in Node a directory path or file:// URL. */
  model: string;
  /** Catalogue URL / path, or the items themselves. */
  catalog: CatalogSource;
  backend?: BackendOption;
  dtype?: DtypeOption;
  /** IndexedDB database name (one per site/catalogue); default 'hllm'. */
  dbName?: string;
  /** 'auto' uses IndexedDB when present, else memory; 'memory' never persists. */
  storage?: 'auto' | 'indexeddb' | 'memory';
  /**
   * WASM threads; default min(4, cores) on a cross-origin-isolated page. Without cross-origin
   * isolation always 1, whatever is asked (no SharedArrayBuffer there): ReadyInfo.threads says
   * what was used.
   */
  threads?: number;
  /** Items per item-encoder call; default 32. */
  batchSize?: number;
  /**
   * Precomputed item vectors built by `hllm embed`: URL (or, in Node, path) of a vectors.json
   * or of the folder holding it. Catalogue items whose text has a row there are not encoded on
   * the device; the shards are kept in IndexedDB, so a warm start downloads none of them.
   *
   * @example
   * ```ts
   * createRecommender({ model: '/models/default/', catalog: '/items.json', vectors: '/vectors/' });
   * ```
   */
  vectors?: string;
  /**
   * What to do when `vectors` was built for another model (key or dim differs): 'error'
   * (default) fails with VECTORS_MISMATCH; 'encode' warns, ignores the shards and encodes the
   * catalogue on the device.
   *
   * @example
   * ```ts
   * createRecommender({ model, catalog, vectors: '/vectors/', vectorsMismatch: 'encode' });
   * ```
   */
  vectorsMismatch?: 'error' | 'encode';
  /**
   * Catalogue field holding each item's popularity (a number, higher = more popular) for
   * popular() and the 'popular' fallback. It wins over the interaction counts that a model
   * folder may ship (hllm.json file of role 'popularity'); see docs/usage.md.
   *
   * @example
   * ```ts
   * createRecommender({ model, catalog: '/products.csv', popularityField: 'sales_30d' });
   * ```
   */
  popularityField?: string;
  /**
   * Keep the User LLM's key/value cache between clicks (default true): with a model folder that
   * has `user_kv_encoder`, a `track()` then runs one User LLM position. `false` reads the whole
   * history window on every new history (the same user vector, more positions run:
   * EngineStats.userPositions); for benchmarks (bench/model-bench.ts) and checks.
   */
  userCache?: boolean;
}

export interface ReadyInfo {
  backend: Backend;
  dtype: Dtype;
  /** Why this backend and dtype were chosen, in words. */
  reason: string;
  modelId: string;
  dim: number;
  /** Items in the catalogue. */
  items: number;
  /** Items encoded during this start-up. */
  encoded: number;
  /** Items whose vectors came from storage. */
  cached: number;
  /** Catalogue rows whose vector came from the vector shards (0 without `vectors`). */
  fromShards: number;
  storage: 'indexeddb' | 'memory';
  threads: number;
  /**
   * Threads the top-K scan runs on: up to `threads` on a cross-origin-isolated page for a big
   * enough catalogue (≥ 65,536 rows per thread), else 1 (third-party pages, Node). stats() says
   * the current figure (1 after a scan worker failed).
   */
  scanThreads: number;
}

export interface HistoryEvent {
  seq: number;
  itemId: string;
  type: string;
  at: number;
}

export interface TrackOptions {
  type?: string;
  at?: number;
}

/** Options of Engine.search(). */
export interface SearchOptions {
  /** Items per page, 1–1000; default 20. */
  limit?: number;
  /** Matches to skip (for paging); default 0. */
  offset?: number;
}

/** One page of Engine.search() matches; `total` counts every match, not just this page. */
export interface SearchResult {
  items: CatalogItem[];
  total: number;
}

export interface CatalogUpdate {
  added: number;
  changed: number;
  removed: number;
  encoded: number;
}

export interface ExportData {
  version: 1;
  exportedAt: number;
  history: HistoryEvent[];
  catalog?: { source: string | null; items: number };
  model: { id: string; sha256: string; backend: Backend; dtype: Dtype };
}

/** Options of importData(). */
export interface ImportOptions {
  /** 'merge' (default) adds the file's events that are not stored yet; 'replace' forgets the stored history first. */
  mode?: 'merge' | 'replace';
}

/** What importData() did. */
export interface ImportResult {
  /** Events added to the history. */
  imported: number;
  /** Events of the file left out: already stored, or of items not in this catalogue. */
  skipped: number;
}

export interface EngineStats {
  /** item_encoder runs since this engine started. */
  encoderCalls: number;
  /** Items embedded by item_encoder since this engine started. */
  itemsEncoded: number;
  /** user_encoder runs since this engine started (track() runs it ahead for the next ranking). */
  userEncoderCalls: number;
  /** History positions those runs read: a whole history counts each item; with a key/value cache, a new event counts one. */
  userPositions: number;
  /** Item vectors read from storage instead of being encoded. */
  cacheHits: number;
  /** Catalogue rows whose vector came from the vector shards (EngineOptions.vectors). */
  shardRows: number;
  catalogItems: number;
  historyEvents: number;
  backend: Backend | null;
  dtype: Dtype | null;
  storage: 'indexeddb' | 'memory' | null;
  /** Threads the top-K scan runs on now (ReadyInfo.scanThreads, or 1 once a scan worker failed). */
  scanThreads: number;
}

/** Result of tokenising one item the way the engine does (for parity checks). */
export interface ItemTokens {
  text: string;
  inputIds: number[];
}

/**
 * The recommender API: one interface, implemented in-page by the same-thread engine
 * (createEngine), behind the worker by the worker adapter, and on the page by the
 * Recommender that createRecommender() returns. Float32Array results are transferred
 * across the worker boundary, never copied.
 *
 * @example
 * ```ts
 * async function topTitles(rec: RecommenderApi): Promise<string[]> {
 *   return (await rec.recommend({ k: 5 })).map((r) => r.item.title ?? r.id);
 * }
 * ```
 */
export interface RecommenderApi {
  /** Records an interaction. Unknown ids reject with 'UNKNOWN_ITEM'. */
  track(itemId: string, options?: TrackOptions): Promise<HistoryEvent>;
  /** Top-k items for this user's history, each with the history item it is most like. */
  recommend(options?: RecommendOptions): Promise<Recommendation[]>;
  /** The items nearest to one item (a number is the k of older callers). */
  similar(itemId: string, options?: number | SimilarOptions): Promise<Recommendation[]>;
  /** The catalogue's most popular items; rejects with 'NO_POPULARITY' when neither the catalogue nor the model has counts. */
  popular(options?: PopularOptions): Promise<Recommendation[]>;
  history(): Promise<HistoryEvent[]>;
  /** Deletes history events of these items (or all); resolves to how many were removed. */
  forget(itemIds: string[] | 'all'): Promise<number>;
  exportData(): Promise<ExportData>;
  /** Adds (or, with mode 'replace', restores) the history of an exportData() file; a bad file rejects with 'INVALID_IMPORT' and changes nothing. */
  importData(data: ExportData | string, options?: ImportOptions): Promise<ImportResult>;
  /** Replaces the catalogue; only new or changed items are encoded. */
  setCatalog(catalog: CatalogSource, onProgress?: ProgressCallback): Promise<CatalogUpdate>;
  stats(): Promise<EngineStats>;
  /** Stops the running encoding job; its promise rejects with code 'CANCELLED'. */
  cancel(): Promise<void>;
  dispose(): Promise<void>;
  /** Text and token ids of an item, exactly as the item encoder sees them. */
  tokenizeItem(item: CatalogItem): Promise<ItemTokens>;
  /** Raw (unnormalised) item embeddings, row-major [items.length × dim]. Not cached. */
  embedItems(items: CatalogItem[]): Promise<Float32Array>;
  /** Raw user embedding for a history of catalogue ids (oldest first). */
  embedUser(itemIds: string[]): Promise<Float32Array>;
  /** Cached raw vector of a catalogue item. */
  itemVector(itemId: string): Promise<Float32Array>;
  /** Catalogue items by id, in the order asked; an unknown id rejects with 'UNKNOWN_ITEM'. */
  items(ids: string[]): Promise<CatalogItem[]>;
  /** Catalogue items whose text contains every word of `query` (title matches first). */
  search(query: string, options?: SearchOptions): Promise<SearchResult>;
}

/**
 * The engine: the recommender API plus init(), which loads the model and the catalogue.
 * Implemented by HllmEngine (createEngine(): Node, tests, inside the worker).
 *
 * @example
 * ```ts
 * const engine: Engine = createEngine();
 * await engine.init({ model: 'public/models/default', catalog: 'public/catalogs/ml-latest-small/items.csv' });
 * ```
 */
export interface Engine extends RecommenderApi {
  init(options: EngineOptions, onProgress?: ProgressCallback): Promise<ReadyInfo>;
}

/**
 * How a call behaves when the worker dies before answering it (see docs/usage.md):
 * 'read' calls change nothing stored, so the page retries them once on the restarted
 * worker; 'write' calls may already have committed, so they reject with WORKER_CRASHED
 * and the caller decides; 'control' calls act on the worker itself.
 */
export type CallKind = 'read' | 'write' | 'control';

/** Every RecommenderApi call and its kind; `satisfies` makes a new call fail to compile until it is listed. */
export const CALL_KINDS = {
  track: 'write',
  forget: 'write',
  importData: 'write',
  setCatalog: 'write',
  recommend: 'read',
  similar: 'read',
  popular: 'read',
  history: 'read',
  exportData: 'read',
  stats: 'read',
  tokenizeItem: 'read',
  embedItems: 'read',
  embedUser: 'read',
  itemVector: 'read',
  items: 'read',
  search: 'read',
  cancel: 'control',
  dispose: 'control',
} as const satisfies Record<keyof RecommenderApi, CallKind>;

/** What the page's liveness watcher needs from the worker (both bypass the worker's call queue). */
export interface LivenessRemote {
  /** Takes the Web Lock `name` and keeps it until the worker ends; false without Web Locks. */
  holdLock(name: string): Promise<boolean>;
  ping(): Promise<number>;
}

/** The object the engine worker exposes over comlink: the engine and the liveness hooks. */
export interface WorkerApi extends Engine, LivenessRemote {
  /** As Engine's, with `filter` / `boost` sent as comlink proxies of RuleCallbacks' methods (functions cannot be cloned). */
  recommend(options?: RecommendOptions, filter?: RuleCallbacks['filter'], boost?: RuleCallbacks['boost']): Promise<Recommendation[]>;
  similar(itemId: string, options?: number | SimilarOptions, filter?: RuleCallbacks['filter'], boost?: RuleCallbacks['boost']): Promise<Recommendation[]>;
  popular(options?: PopularOptions, filter?: RuleCallbacks['filter'], boost?: RuleCallbacks['boost']): Promise<Recommendation[]>;
}
