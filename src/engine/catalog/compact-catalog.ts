// The catalogue as columns, not a million-object graph: ids packed into one string with
// end offsets and an open-addressing id → row hash table over them, each item's field values
// as a JSON array packed the same way with its field names stored once per shape (an item
// object is made only when asked for), text sha256s as 32 bytes a row.
// At 1M items this is a handful of large strings and typed arrays the GC never walks.
import { HllmError } from '../../errors.ts';
import type { CatalogItem } from '../../protocol.ts';
import type { CatalogSnapshot } from '../../storage/types.ts';
import { CatalogText } from './catalog-search.ts';
import { hexOf } from '../../io/hex.ts';

/** FNV-1a over UTF-16 code units of s[a, b). */
function hashRange(s: string, a: number, b: number): number {
  let h = 0x811c9dc5;
  for (let i = a; i < b; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * Ids packed in one string (row r is ids.slice(ends[r-1] ?? 0, ends[r])) with a linear-probing
 * hash table holding row + 1 (0 = empty) at twice the row count, so lookups stay short.
 * @example
 * const ids = PackedIds.of(['a', 'b']);
 * ids.rowOf('b'); // 1
 */
export class PackedIds {
  private readonly table: Int32Array;
  private readonly mask: number;

  /** Throws INVALID_CATALOG naming both rows when an id repeats. */
  constructor(readonly ids: string, readonly ends: Uint32Array) {
    let cap = 2;
    while (cap < ends.length * 2) cap *= 2;
    this.table = new Int32Array(cap);
    this.mask = cap - 1;
    for (let r = 0; r < ends.length; r++) {
      const a = this.start(r);
      const b = ends[r]!;
      let slot = hashRange(ids, a, b) & this.mask;
      for (let t = this.table[slot]!; t !== 0; t = this.table[slot]!) {
        if (this.same(t - 1, ids, a, b)) {
          throw new HllmError('INVALID_CATALOG', `catalogue id '${ids.slice(a, b)}' appears more than once (entries ${t - 1} and ${r}); ids must be unique. Merge or rename the duplicates; nothing was changed.`, { index: r, id: ids.slice(a, b) });
        }
        slot = (slot + 1) & this.mask;
      }
      this.table[slot] = r + 1;
    }
  }

  static of(ids: readonly string[]): PackedIds {
    const ends = new Uint32Array(ids.length);
    let end = 0;
    ids.forEach((id, i) => { end += id.length; ends[i] = end; });
    return new PackedIds(ids.join(''), ends);
  }

  get size(): number {
    return this.ends.length;
  }

  private start(r: number): number {
    return r === 0 ? 0 : this.ends[r - 1]!;
  }

  /** Whether row r's id equals s[a, b). */
  private same(r: number, s: string, a: number, b: number): boolean {
    const ra = this.start(r);
    const rb = this.ends[r]!;
    if (rb - ra !== b - a) return false;
    for (let i = 0; i < b - a; i++) if (this.ids.charCodeAt(ra + i) !== s.charCodeAt(a + i)) return false;
    return true;
  }

  id(r: number): string {
    return this.ids.slice(this.start(r), this.ends[r]);
  }

  /** Row of `id`, or -1. */
  rowOf(id: string): number {
    let slot = hashRange(id, 0, id.length) & this.mask;
    for (let t = this.table[slot]!; t !== 0; t = this.table[slot]!) {
      if (this.same(t - 1, id, 0, id.length)) return t - 1;
      slot = (slot + 1) & this.mask;
    }
    return -1;
  }
}

/** Set of 32-byte digests (rows of a packed Uint8Array) → first row holding each, hashed by their first 4 bytes. */
export class DigestSet {
  private readonly table: Int32Array;
  private readonly mask: number;
  constructor(private readonly digests: Uint8Array) {
    const n = digests.length / 32;
    let cap = 2;
    while (cap < n * 2) cap *= 2;
    this.table = new Int32Array(cap);
    this.mask = cap - 1;
    for (let r = 0; r < n; r++) {
      const slot = this.find(digests, r * 32);
      if (this.table[slot] === 0) this.table[slot] = r + 1;
    }
  }
  private find(d: Uint8Array, at: number): number {
    let slot = ((d[at]! | (d[at + 1]! << 8) | (d[at + 2]! << 16) | (d[at + 3]! << 24)) >>> 0) & this.mask;
    for (let t = this.table[slot]!; t !== 0; t = this.table[slot]!) {
      const o = (t - 1) * 32;
      let eq = true;
      for (let i = 0; i < 32 && eq; i++) eq = this.digests[o + i] === d[at + i];
      if (eq) return slot;
      slot = (slot + 1) & this.mask;
    }
    return slot;
  }
  /** Whether the digest at d[at, at+32) is in the set. */
  has(d: Uint8Array, at: number): boolean {
    return this.table[this.find(d, at)] !== 0;
  }
  /** Row of the first digest equal to d[at, at+32), or -1. */
  rowOf(d: Uint8Array, at: number): number {
    return this.table[this.find(d, at)]! - 1;
  }
}

/** 64 hex digits → 32 bytes at out[at]. */
export function putHex(hex: string, out: Uint8Array, at: number): void {
  for (let i = 0; i < 32; i++) out[at + i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
}

/**
 * CompactCatalog's columns: ids packed with end offsets; each item's other fields as a JSON
 * array `[shape, value…]` packed the same way, where `shapes` (JSON of string[][]) lists the
 * field names of each shape: the names are stored once per shape, not once per item (at 1M
 * CSV rows they were ~36 MB of the worker's heap). 32 sha bytes a row.
 */
export interface CatalogParts {
  ids: string;
  idEnds: Uint32Array;
  json: string;
  jsonEnds: Uint32Array;
  shapes: string;
  textShas: Uint8Array;
}

/** Field names (without id) in item order → shape number, for the items of one build. */
class Shapes {
  readonly list: string[][] = [];
  private readonly index = new Map<string, number>();
  private last = -1;
  of(keys: string[]): number {
    // Consecutive items nearly always share a shape (every CSV row does): compare with the last one first.
    const prev = this.last >= 0 ? this.list[this.last]! : null;
    if (prev && prev.length === keys.length && prev.every((k, i) => k === keys[i])) return this.last;
    const k = JSON.stringify(keys);
    let n = this.index.get(k);
    if (n === undefined) { n = this.list.length; this.list.push(keys); this.index.set(k, n); }
    this.last = n;
    return n;
  }
}

/** Why `shapes` is not a list of field-name lists, or null. */
function shapesError(shapes: unknown): string | null {
  return Array.isArray(shapes) && shapes.every((s) => Array.isArray(s) && s.every((k) => typeof k === 'string' && k !== 'id')) ? null : 'its field shapes are malformed';
}

/**
 * The in-memory catalogue: `size`, `id(i)`, `item(i)`, `rowOf(id)`, `textSha(i)`, and
 * search text built on first use.
 * @example
 * const cat = CompactCatalog.build([{ id: '1', title: 'Heat' }], ['ab…64 hex…']);
 * cat.item(cat.rowOf('1')); // { id: '1', title: 'Heat' }
 */
export class CompactCatalog {
  private textCache: CatalogText | undefined;
  private constructor(
    private readonly ids: PackedIds,
    private readonly json: string,
    private readonly jsonEnds: Uint32Array,
    private readonly shapes: string[][],
    /** 32 bytes per row: sha256 of the item text. */
    readonly textShas: Uint8Array,
  ) {}

  static empty(): CompactCatalog {
    return new CompactCatalog(PackedIds.of([]), '', new Uint32Array(0), [], new Uint8Array(0));
  }

  /** Packs `items` (ids unique, else INVALID_CATALOG) with their text sha256s: packed (32 bytes a row, kept by reference) or hex. */
  static build(items: readonly CatalogItem[], textShas: Uint8Array | readonly string[]): CompactCatalog {
    const n = items.length;
    const idEnds = new Uint32Array(n);
    const jsonEnds = new Uint32Array(n);
    const idParts = new Array<string>(n);
    const jsonParts = new Array<string>(n);
    const packed = textShas instanceof Uint8Array;
    if (packed && textShas.length !== n * 32) throw new RangeError(`CompactCatalog.build: ${n} items, ${textShas.length / 32} digests`);
    const shas = packed ? textShas : new Uint8Array(n * 32);
    const shapes = new Shapes();
    let ie = 0;
    let je = 0;
    for (let i = 0; i < n; i++) {
      const it = items[i]!;
      const keys: string[] = [];
      const row: unknown[] = [0];
      for (const k of Object.keys(it)) if (k !== 'id') { keys.push(k); row.push(it[k]); }
      row[0] = shapes.of(keys);
      const j = JSON.stringify(row);
      idParts[i] = it.id;
      jsonParts[i] = j;
      ie += it.id.length;
      je += j.length;
      idEnds[i] = ie;
      jsonEnds[i] = je;
      if (!packed) putHex(textShas[i]!, shas, i * 32);
    }
    return new CompactCatalog(new PackedIds(idParts.join(''), idEnds), jsonParts.join(''), jsonEnds, shapes.list, shas);
  }

  /** Rebuilds a catalogue from parts() (warm start); ids must still be unique, else INVALID_CATALOG. */
  static fromParts(p: CatalogParts): CompactCatalog {
    const shapes = JSON.parse(p.shapes) as unknown;
    const bad = shapesError(shapes);
    if (bad) throw new Error(bad);
    return new CompactCatalog(new PackedIds(p.ids, p.idEnds), p.json, p.jsonEnds, shapes as string[][], p.textShas);
  }

  /** The packed columns, by reference (for the warm index). */
  parts(): CatalogParts {
    return { ids: this.ids.ids, idEnds: this.ids.ends, json: this.json, jsonEnds: this.jsonEnds, shapes: JSON.stringify(this.shapes), textShas: this.textShas };
  }

  get size(): number {
    return this.ids.size;
  }

  id(i: number): string {
    return this.ids.id(i);
  }

  /** A fresh item object (callers may keep or change it). */
  item(i: number): CatalogItem {
    if (!(i >= 0 && i < this.size)) throw new RangeError(`row ${i} is not in 0..${this.size - 1}`);
    const row = JSON.parse(this.json.slice(i === 0 ? 0 : this.jsonEnds[i - 1]!, this.jsonEnds[i])) as unknown[];
    const keys = this.shapes[row[0] as number];
    if (!keys || keys.length !== row.length - 1) throw new Error(`internal: row ${i} does not fit its field shape`);
    const item: CatalogItem = { id: this.id(i) };
    for (let k = 0; k < keys.length; k++) {
      // An own '__proto__' field (only from an unvalidated build) stays a field, as JSON.parse makes it.
      if (keys[k] === '__proto__') Object.defineProperty(item, '__proto__', { value: row[k + 1], enumerable: true, writable: true, configurable: true });
      else item[keys[k]!] = row[k + 1] as CatalogItem[string];
    }
    return item;
  }

  /** Row of `id`, or undefined. */
  rowOf(id: string): number | undefined {
    const r = this.ids.rowOf(id);
    return r < 0 ? undefined : r;
  }

  textSha(i: number): string {
    return hexOf(this.textShas, i * 32);
  }

  /** Search text of every item, built on first use and kept for this catalogue's lifetime. */
  get text(): CatalogText {
    return (this.textCache ??= new CatalogText(this.size, (i) => this.item(i)));
  }

  /** What storage keeps to diff the next catalogue against this one (ids and text shas). */
  snapshot(): CatalogSnapshot {
    return { ids: this.ids.ids, idEnds: this.ids.ends, textShas: this.textShas };
  }
}
