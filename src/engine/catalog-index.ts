// The in-memory catalogue: ids, items, text sha256s and the item vectors as one VectorTable
// (float32, or int8 + scale when they come from int8 shards), which ranks them. Also the
// diff that decides which items a new catalogue must encode.
// Imports: protocol types, text builder, sha256, vector-table, vector-shards (type), catalog-search, storage types.
import type { CatalogItem } from '../protocol.ts';
import type { StoredItem } from '../storage/types.ts';
import { CatalogText } from './catalog-search.ts';
import { sha256Hex } from './sha256.ts';
import { createVectorTable, VectorTable, type TableDtype } from './vector-table.ts';
import type { ShardSet } from './vector-shards.ts';
import { buildItemText, type TextSpec } from './text-builder.ts';

export class CatalogIndex {
  readonly byId: Map<string, number>;
  private textCache: CatalogText | undefined;
  constructor(
    readonly items: CatalogItem[],
    readonly textShas: string[],
    readonly table: VectorTable,
    readonly dim: number,
    /** Rows whose vector came from vector shards. */
    readonly shardRows = 0,
  ) {
    this.byId = new Map(items.map((it, i) => [it.id, i]));
  }

  static empty(dim: number): CatalogIndex {
    // Zero rows: nothing for a scanner to own, and it must be synchronous (the engine's initial state).
    return new CatalogIndex([], [], new VectorTable('fp32', dim, 0), dim);
  }

  get size(): number {
    return this.items.length;
  }

  /** Search text of every item, built on first use and kept for this catalogue's lifetime. */
  get text(): CatalogText {
    return (this.textCache ??= new CatalogText(this.items));
  }

  /** Row i as float32 (a copy; dequantised for an int8 table). */
  rawRow(i: number): Float32Array {
    return this.table.raw(i);
  }

  /** Raw vectors of the wanted text shas held here, for reuse when a new catalogue keeps an item's text. */
  vectorsBySha(wanted: Set<string>): Map<string, Float32Array> {
    const m = new Map<string, Float32Array>();
    this.textShas.forEach((s, i) => { if (wanted.has(s) && !m.has(s)) m.set(s, this.rawRow(i)); });
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
  const shas = await Promise.all(texts.map((t) => sha256Hex(t)));
  return items.map((item, i) => ({ item, text: texts[i]!, textSha256: shas[i]! }));
}

export interface CatalogDiff {
  added: number;
  changed: number;
  removed: number;
  /** Text shas of items that left the catalogue (their vectors may be dropped). */
  droppedShas: string[];
}

export function diffCatalog(previous: Pick<StoredItem, 'id' | 'textSha256'>[], next: PreparedItem[]): CatalogDiff {
  const prev = new Map(previous.map((p) => [p.id, p.textSha256]));
  const nextIds = new Set(next.map((n) => n.item.id));
  const nextShas = new Set(next.map((n) => n.textSha256));
  let added = 0;
  let changed = 0;
  for (const n of next) {
    const old = prev.get(n.item.id);
    if (old === undefined) added++;
    else if (old !== n.textSha256) changed++;
  }
  const removedEntries = previous.filter((p) => !nextIds.has(p.id));
  const droppedShas = [...new Set(previous.filter((p) => !nextShas.has(p.textSha256)).map((p) => p.textSha256))];
  return { added, changed, removed: removedEntries.length, droppedShas };
}

/**
 * Assembles the index: each row from the shard set when it holds the item's text, else from
 * `vectors` (sha → raw vector; must hold every other sha). int8 shards make an int8 table.
 */
export async function buildIndex(prepared: PreparedItem[], vectors: Map<string, Float32Array>, dim: number, shards: ShardSet | null = null): Promise<CatalogIndex> {
  const dtype: TableDtype = shards?.dtype === 'int8' ? 'int8' : 'fp32';
  const table = await createVectorTable(dtype, dim, prepared.length);
  let fromShards = 0;
  prepared.forEach((p, i) => {
    if (shards?.copyInto(p.textSha256, table, i)) { fromShards++; return; }
    const v = vectors.get(p.textSha256);
    if (!v || v.length !== dim) throw new Error(`internal: no ${dim}-d vector for item ${p.item.id}`);
    table.setRaw(i, v);
  });
  return new CatalogIndex(prepared.map((p) => p.item), prepared.map((p) => p.textSha256), table, dim, fromShards);
}
