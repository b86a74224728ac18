/**
 * Role: title lookup for "because you liked X" when the engine's reason carries
 * only an item id. The liked item may never have been shown by the widget, so
 * the widget reads titles from the same catalogue URL the engine uses (a second
 * read that the HTTP cache or service worker usually serves). Parsing is the
 * engine's own, so ids match exactly. May import: ../engine/catalog (pure parser).
 */
import { parseCatalogText } from '../engine/catalog.ts';

/** `[id, title]` pairs of a JSON or CSV catalogue; rows without a title are skipped. */
export async function fetchCatalogTitles(url: string): Promise<Array<{ id: string; title: string }>> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`catalogue ${url}: ${response.status} ${response.statusText}`);
  const items = parseCatalogText(await response.text(), url);
  return items.flatMap((item) => (typeof item.title === 'string' && item.title ? [{ id: item.id, title: item.title }] : []));
}
