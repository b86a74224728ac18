// The storage interface the engine codes against, implemented by IndexedDB and memory.
// Imports: protocol types only. Must not import ONNX or engine code.
import type { CatalogItem, HistoryEvent } from '../protocol.ts';

/** A catalogue item as stored: the item, its position and the sha256 of its text. */
export interface StoredItem {
  id: string;
  item: CatalogItem;
  /** sha256 (hex) of the item text built from the manifest's template. */
  textSha256: string;
  order: number;
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
  getItems(): Promise<StoredItem[]>;
  /** Replaces the stored catalogue with `items`. */
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
  appendEvent(event: NewEvent): Promise<HistoryEvent>;
  /** All events, oldest first (by seq). */
  getEvents(): Promise<HistoryEvent[]>;
  /** Deletes the events of these items (or all); returns how many were deleted. */
  deleteEvents(itemIds: string[] | 'all'): Promise<number>;
  close(): Promise<void>;
}
