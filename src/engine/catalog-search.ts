// Text search over the in-memory catalogue: each item's text fields, lower-cased once per
// catalogue (not per query), matched word by word; title matches rank first.
// Imports: protocol types only (pure, no I/O).
import type { CatalogItem } from '../protocol.ts';

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

/** Lower-cased title and text of every item, in catalogue order. */
export class CatalogText {
  private readonly titles: string[];
  private readonly haystacks: string[];

  constructor(private readonly items: CatalogItem[]) {
    this.titles = items.map((it) => (typeof it.title === 'string' ? it.title.toLowerCase() : ''));
    this.haystacks = items.map(haystackOf);
  }

  /**
   * Rows of items containing every word of `query` (case-insensitive substrings): those
   * whose title has them all first, then the rest, each in catalogue order. An empty
   * query matches every item in catalogue order.
   */
  match(query: string): number[] {
    const w = words(query);
    if (w.length === 0) return this.items.map((_, i) => i);
    const inTitle: number[] = [];
    const elsewhere: number[] = [];
    for (let i = 0; i < this.haystacks.length; i++) {
      const h = this.haystacks[i]!;
      if (!w.every((x) => h.includes(x))) continue;
      const t = this.titles[i]!;
      (w.every((x) => t.includes(x)) ? inTitle : elsewhere).push(i);
    }
    return inTitle.concat(elsewhere);
  }
}
