// The storage interface the engine codes against, implemented by IndexedDB and memory.
// Must not import ONNX or engine code.
import type { CatalogItem, HistoryEvent } from '../protocol.ts';

/** A catalogue item as stored: the item, its position and the sha256 of its text. */
export interface StoredItem {
  id: string;
  item: CatalogItem;
  /** sha256 (hex) of the item text built from the manifest's template. */
  textSha256: string;
  order: number;
}

/**
 * The stored catalogue: what the engine needs to diff the next catalogue against it, packed
 * (one IndexedDB row, not one per item): ids concatenated in catalogue order with their end
 * offsets (row r's id is ids.slice(idEnds[r-1] ?? 0, idEnds[r])), and 32 sha256 bytes per row.
 */
export interface CatalogSnapshot {
  ids: string;
  idEnds: Uint32Array;
  textShas: Uint8Array;
}

/**
 * The catalogue ready to rank, as the engine last built it (engine/index/warm-index.ts): the packed
 * catalogue and its vector table, so a start whose catalogue source, model and vector set are
 * unchanged (`builtFrom`) loads it instead of parsing, hashing and diffing the catalogue again.
 * Only a cache: it may be missing or dropped at any time. `digest` covers every other field.
 */
export interface WarmIndexRecord {
  /** What it was built from (source, raw bytes sha256, model key, vector set); compared exactly. */
  builtFrom: string;
  ids: string;
  idEnds: Uint32Array;
  /** Each item's field values as a JSON array `[shape, value…]`, packed like ids (engine/catalog/compact-catalog.ts CatalogParts). */
  json: string;
  jsonEnds: Uint32Array;
  /** JSON of the field names of each shape. */
  shapes: string;
  textShas: Uint8Array;
  dtype: 'fp32' | 'int8';
  dim: number;
  /** rows × dim float32 values, or int8 codes with one scale per row. */
  values: Float32Array | Int8Array;
  scales: Float32Array | null;
  /** 1 / L2 norm of each row, as the table computed it (vector-table.ts). */
  invNorm: Float64Array;
  /** Rows whose vector came from vector shards. */
  shardRows: number;
  digest: string;
}

/**
 * The User LLM's state for the stored history: its key/value cache and user vector, so a warm
 * start does not read the history again. `model` names the user encoder and item vectors it was
 * computed with, `digests` the text sha256 of each history item it covers, oldest first.
 */
export interface UserStateRecord {
  model: string;
  digests: string[];
  vector: Float32Array;
  tensors: Record<string, { data: Float32Array; dims: number[] }>;
}

export interface NewEvent {
  itemId: string;
  type: string;
  at: number;
}

export type StorageKind = 'indexeddb' | 'memory';

/**
 * Local persistence: catalogue items, item vectors keyed by (model sha256, text sha256),
 * vector shards keyed by (model key, shard sha256), append-only history events. (Schema v1's meta object store exists but holds nothing the engine reads.)
 */
export interface Store {
  readonly kind: StorageKind;
  /** The catalogue snapshot last put, or null when none (also after a schema-v1/v2 database held no items). */
  getCatalog(): Promise<CatalogSnapshot | null>;
  /** Replaces the stored catalogue snapshot in one write. */
  putCatalog(snapshot: CatalogSnapshot): Promise<void>;
  /** The stored warm index, or undefined (none, or unreadable: it is only a cache). */
  getWarmIndex(): Promise<WarmIndexRecord | undefined>;
  /** Replaces the warm index (null deletes it). Never degrades the store: a failed write only loses the cache. */
  putWarmIndex(record: WarmIndexRecord | null): Promise<void>;
  /** @deprecated one row per item, too slow at 1M items: the engine uses getCatalog/putCatalog. */
  getItems(): Promise<StoredItem[]>;
  /** @deprecated see getItems. Replaces the per-item rows with `items`. */
  replaceItems(items: StoredItem[]): Promise<void>;
  /** Vectors present for `textShas` under `modelSha`; missing ones are absent from the map. */
  getVectors(modelSha: string, textShas: string[]): Promise<Map<string, Float32Array>>;
  putVectors(modelSha: string, entries: Array<[textSha: string, vector: Float32Array]>): Promise<void>;
  deleteVectors(modelSha: string, textShas: string[]): Promise<number>;
  /**
   * Deletes every vector stored under a model key other than `modelSha` (vectors of models
   * no longer in use); returns how many. Items and history are never touched.
   */
  deleteVectorsExcept(modelSha: string): Promise<number>;
  countVectors(): Promise<number>;
  /** A stored vector shard's bytes (verified before it was stored), or undefined. */
  getShard(modelKey: string, sha256: string): Promise<Uint8Array | undefined>;
  putShard(modelKey: string, sha256: string, bytes: Uint8Array): Promise<void>;
  /** Deletes every shard not under `modelKey` or not in `keep` (sha256s); returns how many. */
  deleteShardsExcept(modelKey: string, keep: readonly string[]): Promise<number>;
  /** Every stored shard's key, for GC checks and tests. */
  listShards(): Promise<Array<{ modelKey: string; sha256: string }>>;
  /** The last verified vectors.json text read from `url` (used when it cannot be fetched). */
  getVectorManifest(url: string): Promise<string | undefined>;
  putVectorManifest(url: string, text: string): Promise<void>;
  /** The User LLM state last put, or undefined. */
  getUserState(): Promise<UserStateRecord | undefined>;
  /** Replaces the stored User LLM state; null deletes it (forget, import). */
  putUserState(record: UserStateRecord | null): Promise<void>;
  appendEvent(event: NewEvent): Promise<HistoryEvent>;
  /** All events, oldest first (by seq). */
  getEvents(): Promise<HistoryEvent[]>;
  /**
   * Appends these events, in order, in one transaction (all or none); resolves to them with
   * their new seqs once committed.
   */
  appendEvents(events: NewEvent[]): Promise<HistoryEvent[]>;
  /**
   * Deletes every stored event and stores these, in order, in one transaction: if it fails
   * (quota, a closed connection) the stored history is as it was. Resolves to the stored events.
   */
  replaceEvents(events: NewEvent[]): Promise<HistoryEvent[]>;
  /** Deletes the events of these items (or all); returns how many were deleted. */
  deleteEvents(itemIds: string[] | 'all'): Promise<number>;
  close(): Promise<void>;
}
