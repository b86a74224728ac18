// IndexedDB schema (typed idb DBSchema) and its numbered migrations.
// Add a migration by appending to MIGRATIONS; never edit an old one.
import { openDB, type DBSchema, type IDBPDatabase, type IDBPTransaction, type StoreNames } from 'idb';
import type { CatalogItem } from '../protocol.ts';
import type { WarmIndexRecord } from './types.ts';

interface ItemRow {
  id: string;
  item: CatalogItem;
  textSha256: string;
  order: number;
}

interface VectorRow {
  modelSha256: string;
  textSha256: string;
  /** Raw item_embedding (not normalised), float32. */
  vector: Float32Array;
}

/** One vector shard's bytes as downloaded and verified (src/vectors/format.ts layout). */
interface ShardRow {
  /** The engine's model key the shard set was built for (vectors.json model.key). */
  modelKey: string;
  /** sha256 of the shard's bytes (vectors.json shards[].sha256). */
  sha256: string;
  bytes: ArrayBuffer;
}

interface EventRow {
  seq?: number; // assigned by autoIncrement
  itemId: string;
  type: string;
  at: number;
}

/** The one row of the catalogue store (key 'current'): storage/types.ts CatalogSnapshot. */
interface CatalogRow {
  key: 'current';
  ids: string;
  idEnds: Uint32Array;
  textShas: Uint8Array;
}

/** Key 'warm' of the catalogue store: storage/types.ts WarmIndexRecord (a cache, no migration needed). */
export interface WarmIndexRow extends WarmIndexRecord {
  key: 'warm';
}

export interface HllmDB extends DBSchema {
  catalog: { key: string; value: CatalogRow | WarmIndexRow };
  items: { key: string; value: ItemRow };
  vectors: { key: [string, string]; value: VectorRow; indexes: { byModel: string } };
  events: { key: number; value: EventRow; indexes: { byItem: string } };
  meta: { key: string; value: { key: string; value: unknown } };
  shards: { key: [string, string]; value: ShardRow; indexes: { byModel: string } };
}

type UpgradeTx = IDBPTransaction<HllmDB, StoreNames<HllmDB>[], 'versionchange'>;
type Migration = (db: IDBPDatabase<HllmDB>, tx: UpgradeTx) => void;

/**
 * MIGRATIONS[n] upgrades a database from version n to n + 1.
 * v1: catalogue, vectors, history, meta (meta has been unused since issue #11).
 * v2: index events by item (forget(ids) without a full scan) and vectors by model (GC).
 * v3: vector shards, one row per shard (not per item: 1M items would be 1M rows), by model
 *     key and shard sha256; meta now holds the last verified vectors.json per URL.
 * v4 (issue #12): the catalogue as one packed snapshot row (ids + text shas) instead of a row
 *     per item; existing item rows are moved into it (history and vectors untouched).
 */
const MIGRATIONS: readonly Migration[] = [
  (db) => {
    db.createObjectStore('items', { keyPath: 'id' });
    db.createObjectStore('vectors', { keyPath: ['modelSha256', 'textSha256'] });
    db.createObjectStore('events', { keyPath: 'seq', autoIncrement: true });
    db.createObjectStore('meta', { keyPath: 'key' });
  },
  (_db, tx) => {
    tx.objectStore('events').createIndex('byItem', 'itemId');
    tx.objectStore('vectors').createIndex('byModel', 'modelSha256');
  },
  (db) => {
    db.createObjectStore('shards', { keyPath: ['modelKey', 'sha256'] }).createIndex('byModel', 'modelKey');
  },
  (db, tx) => {
    db.createObjectStore('catalog', { keyPath: 'key' });
    // An upgrade callback must stay synchronous to idb, so chain requests on the versionchange tx.
    const items = tx.objectStore('items');
    void items.getAll().then((rows) => {
      if (rows.length === 0) return;
      rows.sort((a, b) => a.order - b.order);
      const idEnds = new Uint32Array(rows.length);
      const textShas = new Uint8Array(rows.length * 32);
      let end = 0;
      rows.forEach((r, i) => {
        end += r.id.length;
        idEnds[i] = end;
        for (let b = 0; b < 32; b++) textShas[i * 32 + b] = parseInt(r.textSha256.slice(b * 2, b * 2 + 2), 16) || 0;
      });
      void tx.objectStore('catalog').put({ key: 'current', ids: rows.map((r) => r.id).join(''), idEnds, textShas });
      void items.clear();
    });
  },
];

export const DB_VERSION = MIGRATIONS.length;

/** Opens (and migrates) the database. `version` lets tests open an older schema. */
export function openHllmDB(name: string, version: number = DB_VERSION, hooks: { blocked?: () => void } = {}): Promise<IDBPDatabase<HllmDB>> {
  if (version < 1 || version > MIGRATIONS.length) throw new RangeError(`schema version ${version} is not in 1..${MIGRATIONS.length}`);
  return openDB<HllmDB>(name, version, {
    // An older connection elsewhere will not close: the open waits until it does.
    blocked: hooks.blocked,
    upgrade(db, oldVersion, newVersion, tx) {
      for (let v = oldVersion; v < (newVersion ?? version); v++) MIGRATIONS[v]!(db, tx);
    },
    blocking() {
      // Another tab wants a newer schema: step aside instead of blocking it.
      dbClosers.get(name)?.();
    },
  });
}

/** Close callbacks so a newer schema elsewhere is not blocked by this tab. */
const dbClosers = new Map<string, () => void>();
export function onBlocking(name: string, close: () => void): void {
  dbClosers.set(name, close);
}
