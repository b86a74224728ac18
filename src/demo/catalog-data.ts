// How the demo shows catalogue items it gets from the engine. The
// catalogue is parsed once, in the engine's worker; the page asks the engine
// (search(), items()) and only formats what comes back.
import { isHllmError } from '../errors.ts';
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

/**
 * Titles of `ids` from the engine's items(). Ids the catalogue no longer holds (a
 * history event from an older catalogue) are left out instead of failing the rest.
 */
export async function lookupTitles(items: (ids: string[]) => Promise<CatalogItem[]>, ids: string[]): Promise<Map<string, string>> {
  let want = [...new Set(ids)];
  for (;;) {
    try {
      return new Map((await items(want)).map((it) => [it.id, displayTitle(it)]));
    } catch (e) {
      const gone = isHllmError(e, 'UNKNOWN_ITEM') ? e.details?.itemId : undefined;
      if (typeof gone !== 'string' || !want.includes(gone)) throw e;
      want = want.filter((id) => id !== gone);
    }
  }
}
