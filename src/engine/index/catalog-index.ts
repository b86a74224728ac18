// The in-memory catalogue: the packed items (compact-catalog.ts: ids, item JSON, text
// sha256s) and the item vectors as one VectorTable (float32, or int8 + scale when they come
// from int8 shards), which ranks them. Also the diff that decides which items a new catalogue must encode.
//
// Digests stay packed (32 bytes a row) from hashing to the index: hex strings only where a few items need them.
import type { CatalogItem } from '../../protocol.ts';
import type { CatalogSnapshot } from '../../storage/types.ts';
import type { CatalogText } from '../catalog/catalog-search.ts';
import { CompactCatalog, DigestSet, PackedIds, putHex } from '../catalog/compact-catalog.ts';
import { hexOf } from '../../io/hex.ts';
import { sha256Many } from '../../io/sha256.ts';
import { createVectorTable, type TableOptions } from './table-factory.ts';
import { VectorTable, type TableDtype } from './vector-table.ts';
import type { ShardLookup } from './vector-shards.ts';
import { buildItemText, type TextSpec } from '../catalog/text-builder.ts';

export class CatalogIndex {
  constructor(
    readonly catalog: CompactCatalog,
    readonly table: VectorTable,
    readonly dim: number,
    /** Rows whose vector came from vector shards. */
    readonly shardRows = 0,
  ) {}

  static empty(dim: number): CatalogIndex {
    // Zero rows: nothing for a scanner to own, and it must be synchronous (the engine's initial state).
    return new CatalogIndex(CompactCatalog.empty(), new VectorTable('fp32', dim, 0), dim);
  }

  get size(): number {
    return this.catalog.size;
  }

  id(i: number): string {
    return this.catalog.id(i);
  }

  /** A fresh item object for row i. */
  item(i: number): CatalogItem {
    return this.catalog.item(i);
  }

  rowOf(id: string): number | undefined {
    return this.catalog.rowOf(id);
  }

  /** Search text of every item, built on first use and kept for this catalogue's lifetime. */
  get text(): CatalogText {
    return this.catalog.text;
  }

  /** Row i as float32 (a copy; dequantised for an int8 table). */
  rawRow(i: number): Float32Array {
    return this.table.raw(i);
  }

  /** Raw vectors of the wanted text shas held here, for reuse when a new catalogue keeps an item's text. */
  vectorsBySha(wanted: Set<string>): Map<string, Float32Array> {
    const m = new Map<string, Float32Array>();
    if (wanted.size === 0 || this.size === 0) return m;
    // Compared as packed digests: a hex string per row would cost seconds at 1M rows.
    const want = [...wanted];
    const packed = new Uint8Array(want.length * 32);
    want.forEach((h, i) => putHex(h, packed, i * 32));
    const set = new DigestSet(packed);
    const shas = this.catalog.textShas;
    for (let i = 0; i < this.size && m.size < want.length; i++) {
      const w = set.rowOf(shas, i * 32);
      if (w >= 0 && !m.has(want[w]!)) m.set(want[w]!, this.rawRow(i));
    }
    return m;
  }
}

/** A catalogue's items with their texts and text sha256s, as columns (digests packed, 32 bytes a row). */
export interface PreparedCatalog {
  items: CatalogItem[];
  texts: string[];
  shas: Uint8Array;
}

/** Text sha256 of row i as hex. */
export const shaOf = (p: PreparedCatalog, i: number): string => hexOf(p.shas, i * 32);

/** Each item's text (text-builder.ts) and its sha256: the engine's cache key for the item's vector. */
export async function prepareCatalog(items: CatalogItem[], spec: TextSpec): Promise<PreparedCatalog> {
  const texts = items.map((it) => buildItemText(it, spec));
  return { items, texts, shas: await sha256Many(texts) };
}

export interface PreparedItem {
  item: CatalogItem;
  text: string;
  textSha256: string;
}

/** prepareCatalog as one object per item with a hex sha (the CLI's shard writer keys rows by string). */
export async function prepareItems(items: CatalogItem[], spec: TextSpec): Promise<PreparedItem[]> {
  const p = await prepareCatalog(items, spec);
  return items.map((item, i) => ({ item, text: p.texts[i]!, textSha256: shaOf(p, i) }));
}

export interface CatalogDiff {
  added: number;
  changed: number;
  removed: number;
  /** Text shas of items that left the catalogue (their vectors may be dropped). */
  droppedShas: string[];
}

/** Compares the stored snapshot of the previous catalogue (or none) with the next one. */
export function diffCatalog(previous: CatalogSnapshot | null, next: PreparedCatalog): CatalogDiff {
  const n = next.items.length;
  if (!previous || previous.idEnds.length === 0) return { added: n, changed: 0, removed: 0, droppedShas: [] };
  // Packed hash tables, not Maps of hex strings: at 1M rows this runs without a lasting graph.
  const prevIds = new PackedIds(previous.ids, previous.idEnds);
  const nextShas = next.shas;
  const nextShaSet = new DigestSet(nextShas);
  const seen = new Uint8Array(prevIds.size);
  let added = 0;
  let changed = 0;
  for (let i = 0; i < n; i++) {
    const r = prevIds.rowOf(next.items[i]!.id);
    if (r < 0) { added++; continue; }
    seen[r] = 1;
    for (let b = 0; b < 32; b++) {
      if (previous.textShas[r * 32 + b] !== nextShas[i * 32 + b]) { changed++; break; }
    }
  }
  let removed = 0;
  const dropped = new Set<string>();
  for (let r = 0; r < prevIds.size; r++) {
    if (!seen[r]) removed++;
    if (!nextShaSet.has(previous.textShas, r * 32)) dropped.add(hexOf(previous.textShas, r * 32));
  }
  return { added, changed, removed, droppedShas: [...dropped] };
}

/**
 * Shard-set row (global, or -1) holding each prepared item's text: the one lookup per item that
 * decides which items need a vector from elsewhere.
 */
export function shardRowsOf(prepared: PreparedCatalog, shards: ShardLookup | null): Int32Array {
  const rows = new Int32Array(prepared.items.length).fill(-1);
  if (shards) for (let i = 0; i < rows.length; i++) rows[i] = shards.rowOf(prepared.shas, i * 32);
  return rows;
}

/**
 * Assembles the index: each row from the shard set when `shardRows` (shardRowsOf) names a row
 * for it, else from `vectors` (hex sha → raw vector; must hold every other item's sha). int8
 * shards make an int8 table. `table`: scan threads and their warning (createVectorTable).
 */
export async function buildIndex(prepared: PreparedCatalog, vectors: Map<string, Float32Array>, dim: number, shards: ShardLookup | null = null, table: TableOptions = {}, shardRows = shardRowsOf(prepared, shards)): Promise<CatalogIndex> {
  const dtype: TableDtype = shards?.dtype === 'int8' ? 'int8' : 'fp32';
  const t = await createVectorTable(dtype, dim, prepared.items.length, table);
  try {
    return fillIndex(prepared, vectors, dim, shards, t, shardRows);
  } catch (e) {
    t.dispose();
    throw e;
  }
}

function fillIndex(prepared: PreparedCatalog, vectors: Map<string, Float32Array>, dim: number, shards: ShardLookup | null, table: VectorTable, shardRows: Int32Array): CatalogIndex {
  let fromShards = 0;
  for (let i = 0; i < prepared.items.length; i++) {
    const g = shardRows[i]!;
    if (shards && g >= 0) { shards.copyRow(g, table, i); fromShards++; continue; }
    const v = vectors.get(shaOf(prepared, i));
    if (!v || v.length !== dim) throw new Error(`internal: no ${dim}-d vector for item ${prepared.items[i]!.id}`);
    table.setRaw(i, v);
  }
  const catalog = CompactCatalog.build(prepared.items, prepared.shas);
  return new CatalogIndex(catalog, table, dim, fromShards);
}
