// The in-memory catalogue: ids, items, text sha256s, raw vectors (user-encoder input)
// and normalised vectors (ranking), as contiguous row-major Float32Arrays. Also the
// diff that decides which items a new catalogue must encode.
// Imports: protocol types, text builder, sha256, ranking, catalog-search, storage types.
import type { CatalogItem } from '../protocol.ts';
import type { StoredItem } from '../storage/types.ts';
import { CatalogText } from './catalog-search.ts';
import { normalize } from './ranking.ts';
import { sha256Hex } from './sha256.ts';
import { buildItemText, type TextSpec } from './text-builder.ts';

export class CatalogIndex {
  readonly byId: Map<string, number>;
  private textCache: CatalogText | undefined;
  constructor(
    readonly items: CatalogItem[],
    readonly textShas: string[],
    readonly raw: Float32Array,
    readonly normed: Float32Array,
    readonly dim: number,
  ) {
    this.byId = new Map(items.map((it, i) => [it.id, i]));
  }

  static empty(dim: number): CatalogIndex {
    return new CatalogIndex([], [], new Float32Array(0), new Float32Array(0), dim);
  }

  get size(): number {
    return this.items.length;
  }

  /** Search text of every item, built on first use and kept for this catalogue's lifetime. */
  get text(): CatalogText {
    return (this.textCache ??= new CatalogText(this.items));
  }

  rawRow(i: number): Float32Array {
    return this.raw.subarray(i * this.dim, (i + 1) * this.dim);
  }

  /** Raw vector by text sha, for reuse when a new catalogue keeps an item's text. */
  vectorsBySha(): Map<string, Float32Array> {
    const m = new Map<string, Float32Array>();
    this.textShas.forEach((s, i) => m.set(s, this.rawRow(i)));
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

/** Assembles the index from prepared items and a sha → raw vector map holding every sha. */
export function buildIndex(prepared: PreparedItem[], vectors: Map<string, Float32Array>, dim: number): CatalogIndex {
  const raw = new Float32Array(prepared.length * dim);
  const normed = new Float32Array(prepared.length * dim);
  prepared.forEach((p, i) => {
    const v = vectors.get(p.textSha256);
    if (!v || v.length !== dim) throw new Error(`internal: no ${dim}-d vector for item ${p.item.id}`);
    raw.set(v, i * dim);
    normed.set(normalize(v), i * dim);
  });
  return new CatalogIndex(prepared.map((p) => p.item), prepared.map((p) => p.textSha256), raw, normed, dim);
}
