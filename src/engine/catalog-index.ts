// The in-memory catalogue: the packed items (compact-catalog.ts: ids, item JSON, text
// sha256s) and the item vectors as one VectorTable (float32, or int8 + scale when they come
// from int8 shards), which ranks them. Also the diff that decides which items a new catalogue must encode.
// Imports: protocol types, text builder, sha256, vector-table, vector-shards (type), compact-catalog, storage types.
import type { CatalogItem } from '../protocol.ts';
import type { CatalogSnapshot } from '../storage/types.ts';
import type { CatalogText } from './catalog-search.ts';
import { CompactCatalog, DigestSet, PackedIds, putHex } from './compact-catalog.ts';
import { hexOf, sha256ManyHex } from './sha256.ts';
import { createVectorTable, VectorTable, type TableDtype, type TableOptions } from './vector-table.ts';
import type { ShardSet } from './vector-shards.ts';
import { buildItemText, type TextSpec } from './text-builder.ts';

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

  textSha(i: number): string {
    return this.catalog.textSha(i);
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
    for (let i = 0; i < this.size; i++) { const s = this.textSha(i); if (wanted.has(s) && !m.has(s)) m.set(s, this.rawRow(i)); }
    return m;
  }
}

export interface PreparedItem {
  item: CatalogItem;
  text: string;
  textSha256: string;
}

export async function prepareItems(items: CatalogItem[], spec: TextSpec): Promise<PreparedItem[]> {
  const texts = items.map((it) => buildItemText(it, spec));
  const shas = await sha256ManyHex(texts);
  return items.map((item, i) => ({ item, text: texts[i]!, textSha256: shas[i]! }));
}

export interface CatalogDiff {
  added: number;
  changed: number;
  removed: number;
  /** Text shas of items that left the catalogue (their vectors may be dropped). */
  droppedShas: string[];
}

/** Compares the stored snapshot of the previous catalogue (or none) with the next one. */
export function diffCatalog(previous: CatalogSnapshot | null, next: PreparedItem[]): CatalogDiff {
  if (!previous || previous.idEnds.length === 0) return { added: next.length, changed: 0, removed: 0, droppedShas: [] };
  // Packed hash tables, not Maps of hex strings: at 1M rows this runs without a lasting graph.
  const prevIds = new PackedIds(previous.ids, previous.idEnds);
  const nextShas = new Uint8Array(next.length * 32);
  next.forEach((n, i) => putHex(n.textSha256, nextShas, i * 32));
  const nextShaSet = new DigestSet(nextShas);
  const seen = new Uint8Array(prevIds.size);
  let added = 0;
  let changed = 0;
  for (let i = 0; i < next.length; i++) {
    const r = prevIds.rowOf(next[i]!.item.id);
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
 * Assembles the index: each row from the shard set when it holds the item's text, else from
 * `vectors` (sha → raw vector; must hold every other sha). int8 shards make an int8 table.
 * `table`: scan threads and their warning (createVectorTable).
 */
export async function buildIndex(prepared: PreparedItem[], vectors: Map<string, Float32Array>, dim: number, shards: ShardSet | null = null, table: TableOptions = {}): Promise<CatalogIndex> {
  const dtype: TableDtype = shards?.dtype === 'int8' ? 'int8' : 'fp32';
  const t = await createVectorTable(dtype, dim, prepared.length, table);
  try {
    return fillIndex(prepared, vectors, dim, shards, t);
  } catch (e) {
    t.dispose();
    throw e;
  }
}

function fillIndex(prepared: PreparedItem[], vectors: Map<string, Float32Array>, dim: number, shards: ShardSet | null, table: VectorTable): CatalogIndex {
  let fromShards = 0;
  prepared.forEach((p, i) => {
    if (shards?.copyInto(p.textSha256, table, i)) { fromShards++; return; }
    const v = vectors.get(p.textSha256);
    if (!v || v.length !== dim) throw new Error(`internal: no ${dim}-d vector for item ${p.item.id}`);
    table.setRaw(i, v);
  });
  const catalog = CompactCatalog.build(prepared.map((p) => p.item), prepared.map((p) => p.textSha256));
  return new CatalogIndex(catalog, table, dim, fromShards);
}
