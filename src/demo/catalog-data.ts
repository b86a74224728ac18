// How the demo shows catalogue items it gets from the engine. The
// catalogue is parsed once, in the engine's worker; the page asks the engine
// (search(), items()) and only formats what comes back.
import type { CatalogItem } from '../protocol.ts';

const text = (v: unknown): string => (Array.isArray(v) ? v.join(', ') : v == null ? '' : String(v)).trim();

/** The title to show; the id when the item has none, so a row is never blank. */
export function displayTitle(item: CatalogItem): string {
  return text(item.title) || `Item ${item.id}`;
}

/** MovieLens genres are pipe-separated (`Action|Crime`): shown as `Action, Crime`. */
export function displayGenres(item: CatalogItem): string {
  return text(item.genres).replaceAll('|', ', ');
}
