/**
 * Role: the demo's own copy of the catalogue for browsing and search, plus a
 * title lookup for history and "because you liked" lines. The engine parses the
 * same file in its worker; the page needs the rows too, and the second read is
 * served by the HTTP cache / service worker. Parsing is the engine's own, so
 * ids and titles match it exactly. May import: ../engine/catalog (pure parser).
 */
import { parseCatalogText } from '../engine/catalog.ts';

/** A catalogue row as the demo shows it. */
export interface DemoItem {
  id: string;
  title: string;
  genres: string;
  tags: string;
  /** Lower-cased title + genres + tags, precomputed once for search. */
  haystack: string;
}

/** Fetches and parses an HLLM items.csv (`item_id,title,genres,tags`). */
export async function loadCatalog(url: string): Promise<DemoItem[]> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`Could not load the catalogue (${response.status} ${response.statusText})`);
  return parseCatalog(await response.text());
}

const text = (v: unknown): string => (Array.isArray(v) ? v.join(', ') : v == null ? '' : String(v)).trim();

/** Parses catalogue text (CSV or JSON) exactly as the engine does. */
export function parseCatalog(csv: string): DemoItem[] {
  return parseCatalogText(csv).map((item) => {
    const title = text(item.title);
    const genres = text(item.genres).replaceAll('|', ', ');
    const tags = text(item.tags).replaceAll('|', ', ');
    return { id: item.id, title, genres, tags, haystack: `${title} ${genres} ${tags}`.toLowerCase() };
  });
}

/**
 * Items matching every word of `query` (case-insensitive), title matches first,
 * otherwise in catalogue order. An empty query returns the whole catalogue.
 */
export function searchCatalog(items: DemoItem[], query: string): DemoItem[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return items;
  const inTitle: DemoItem[] = [];
  const elsewhere: DemoItem[] = [];
  for (const item of items) {
    if (!words.every((w) => item.haystack.includes(w))) continue;
    const title = item.title.toLowerCase();
    (words.every((w) => title.includes(w)) ? inTitle : elsewhere).push(item);
  }
  return inTitle.concat(elsewhere);
}
