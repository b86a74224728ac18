// Every type that crosses the page ⇄ worker boundary, and the Engine interface that both
// the in-worker engine and createEngine() (Node, no worker) implement.
// Imports: types only (errors). No runtime code lives here.
import type { HllmErrorCode } from './errors.ts';

export type Backend = 'webgpu' | 'wasm';
export type Dtype = 'fp32' | 'q8' | 'q4';
export type BackendOption = 'auto' | Backend;
export type DtypeOption = 'auto' | Dtype;

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

export type ProgressPhase = 'download' | 'verify' | 'load' | 'encode';

/** Progress of start-up or of a catalogue change. Download counts bytes, encode items. */
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
  /** WASM threads; default: 1 without cross-origin isolation, else min(4, cores). */
  threads?: number;
  /** Items per item-encoder call; default 32. */
  batchSize?: number;
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
  storage: 'indexeddb' | 'memory';
  threads: number;
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

export interface RecommendOptions {
  k?: number;
  exclude?: string[];
  includeHistory?: boolean;
}

export interface Recommendation {
  id: string;
  /** cosine(user vector, item vector) in [-1, 1]. */
  score: number;
  item: CatalogItem;
  /**
   * Why this item is shown, with the item itself so a page can name it without a
   * catalogue of its own. recommend(): the history item most similar to this one, `score`
   * = cosine(this item, that item). similar(): the seed item, `score` = this result's score.
   */
  because?: Because;
}

/** The catalogue item behind a recommendation (Recommendation.because). */
export interface Because {
  id: string;
  /** cosine(recommended item, because item) in [-1, 1]. */
  score: number;
  item: CatalogItem;
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

export interface EngineStats {
  /** item_encoder runs since this engine started. */
  encoderCalls: number;
  /** Items embedded by item_encoder since this engine started. */
  itemsEncoded: number;
  userEncoderCalls: number;
  /** Item vectors read from storage instead of being encoded. */
  cacheHits: number;
  catalogItems: number;
  historyEvents: number;
  backend: Backend | null;
  dtype: Dtype | null;
  storage: 'indexeddb' | 'memory' | null;
}

/** Result of tokenising one item the way the engine does (for parity checks). */
export interface ItemTokens {
  text: string;
  inputIds: number[];
}

/**
 * The engine API. Implemented by the in-worker engine (reached through comlink) and by
 * createEngine() in Node. Float32Array results are transferred, never copied.
 */
export interface Engine {
  init(options: EngineOptions, onProgress?: ProgressCallback): Promise<ReadyInfo>;
  track(itemId: string, options?: TrackOptions): Promise<HistoryEvent>;
  recommend(options?: RecommendOptions): Promise<Recommendation[]>;
  similar(itemId: string, k?: number): Promise<Recommendation[]>;
  history(): Promise<HistoryEvent[]>;
  forget(itemIds: string[] | 'all'): Promise<number>;
  exportData(): Promise<ExportData>;
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

export type { HllmErrorCode };
