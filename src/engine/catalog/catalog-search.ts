// Text search over the in-memory catalogue: each item's text fields, lower-cased once per
// catalogue (not per query) into ONE packed string with row offsets, matched word by word;
// title matches rank first. Packed, not a string per item: at 1M items an array of small
// strings is a million-object graph in the worker, and indexOf over one string is fast.
import { HllmError } from '../../errors.ts';
import type { CatalogItem, SearchOptions, SearchResult } from '../../protocol.ts';

/** Fields that hold links or ids, not words a visitor would type. */
const SKIP = new Set(['id', 'item_id', 'image', 'url', 'href']);

const words = (query: string): string[] => query.toLowerCase().split(/\s+/).filter(Boolean);

function haystackOf(item: CatalogItem): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(item)) {
    if (SKIP.has(k)) continue;
    if (typeof v === 'string') parts.push(v);
    else if (Array.isArray(v)) parts.push(v.join(' '));
  }
  return parts.join('\n').toLowerCase();
}

/** Many strings packed into one, with end offsets: row r is text.slice(ends[r-1] ?? 0, ends[r]). */
class Packed {
  readonly text: string;
  readonly ends: Uint32Array;
  constructor(n: number, at: (i: number) => string) {
    const parts = new Array<string>(n);
    this.ends = new Uint32Array(n);
    let end = 0;
    for (let i = 0; i < n; i++) {
      const s = at(i);
      parts[i] = s;
      end += s.length;
      this.ends[i] = end;
    }
    this.text = parts.join('');
  }
  start(r: number): number {
    return r === 0 ? 0 : this.ends[r - 1]!;
  }
  row(r: number): string {
    return this.text.slice(this.start(r), this.ends[r]);
  }
}

/**
 * Lower-cased title and text of every item, in catalogue order.
 * @example
 * const text = CatalogText.of([{ id: '1', title: 'Heat' }]);
 * text.match('heat'); // [0]
 */
export class CatalogText {
  private readonly titles: Packed;
  private readonly hay: Packed;

  /** `itemAt(i)` is called once per row, in order, while the text is built. */
  constructor(readonly size: number, itemAt: (i: number) => CatalogItem) {
    const titles: string[] = new Array(size);
    // One pass over the items (each may be materialised from packed JSON): keep the title aside.
    this.hay = new Packed(size, (i) => {
      const it = itemAt(i);
      titles[i] = typeof it.title === 'string' ? it.title.toLowerCase() : '';
      return haystackOf(it);
    });
    this.titles = new Packed(size, (i) => titles[i]!);
  }

  static of(items: readonly CatalogItem[]): CatalogText {
    return new CatalogText(items.length, (i) => items[i]!);
  }

  /**
   * Rows of items containing every word of `query` (case-insensitive substrings): those
   * whose title has them all first, then the rest, each in catalogue order. An empty
   * query matches every item in catalogue order.
   */
  match(query: string): number[] {
    const w = words(query);
    if (w.length === 0) return Array.from({ length: this.size }, (_, i) => i);
    // Scan the packed text for the longest word (fewest hits); check the rest per hit row.
    const lead = w.reduce((a, b) => (b.length > a.length ? b : a));
    const rest = w.filter((x) => x !== lead);
    const { text, ends } = this.hay;
    const inTitle: number[] = [];
    const elsewhere: number[] = [];
    let row = 0;
    for (let p = text.indexOf(lead); p !== -1 && row < this.size; ) {
      while (ends[row]! <= p) row++;
      // A hit that runs past its row's end spans two items: not a match, look further on.
      if (p + lead.length > ends[row]!) {
        p = text.indexOf(lead, p + 1);
        continue;
      }
      const h = rest.length > 0 ? this.hay.row(row) : '';
      if (rest.every((x) => h.includes(x))) {
        const t = this.titles.row(row);
        (w.every((x) => t.includes(x)) ? inTitle : elsewhere).push(row);
      }
      p = text.indexOf(lead, ends[row]!);
      row++;
    }
    return inTitle.concat(elsewhere);
  }
}

/** Largest page searchPage() returns: a page is cloned to the page thread, so keep it small. */
const MAX_SEARCH_LIMIT = 1000;

/**
 * One page of search(): the matching rows' items, title matches first, and the total count.
 *
 * @example
 * ```ts
 * searchPage(index, 'heat', { limit: 20, offset: 0 }); // { items: [...], total: 3 }
 * ```
 */
export function searchPage(index: { text: CatalogText; item(row: number): CatalogItem }, query: string, options: SearchOptions = {}): SearchResult {
  if (typeof query !== 'string') throw new HllmError('INVALID_OPTIONS', "search() takes the query as a string ('' lists the catalogue in order).");
  const limit = options.limit ?? 20;
  const offset = options.offset ?? 0;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SEARCH_LIMIT) {
    throw new HllmError('INVALID_OPTIONS', `'limit' must be an integer from 1 to ${MAX_SEARCH_LIMIT}; page through more with 'offset'.`, { limit });
  }
  if (!Number.isInteger(offset) || offset < 0) throw new HllmError('INVALID_OPTIONS', "'offset' must be a non-negative integer.", { offset });
  const rows = index.text.match(query);
  return { items: rows.slice(offset, offset + limit).map((r) => index.item(r)), total: rows.length };
}
