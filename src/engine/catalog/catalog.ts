// Catalogue input: parse a JSON array or a CSV (papaparse; `item_id` or `id` column) and
// validate items with the schema in catalog-schema.ts (ids present, unique; values
// string | number | string[]; at least one item).
import Papa from 'papaparse';
import { HllmError } from '../../errors.ts';
import type { CatalogItem, CatalogSource } from '../../protocol.ts';
import { parseCatalogEntries } from './catalog-schema.ts';
import type { Fetcher } from '../../io/fetcher.ts';

function invalid(msg: string, details?: Record<string, unknown>): never {
  throw new HllmError('INVALID_CATALOG', msg, details);
}

/**
 * Checks and normalises items against the valibot schema in catalog-schema.ts: ids become
 * strings, `item_id` is accepted for `id`; empty catalogues, missing/duplicate ids and
 * values that are not string | number | string[] throw INVALID_CATALOG.
 */
export function validateCatalog(raw: unknown): CatalogItem[] {
  return parseCatalogEntries(raw);
}

export function parseCsv(text: string): CatalogItem[] {
  const res = Papa.parse<Record<string, string>>(text.replace(/^\uFEFF/, ''), { header: true, skipEmptyLines: true });
  // 'Delimiter' only means papaparse fell back to ',' (e.g. a one-column file): not fatal.
  const fatal = res.errors.find((e) => (e.type !== 'FieldMismatch' && e.type !== 'Delimiter') || e.code === 'TooManyFields');
  if (fatal) invalid(`CSV catalogue row ${fatal.row ?? '?'}: ${fatal.message}. Fix the CSV (quote fields that contain commas, quotes or newlines); nothing was changed.`, { row: fatal.row });
  const fields = res.meta.fields ?? [];
  if (!fields.includes('item_id') && !fields.includes('id')) {
    invalid(`the CSV catalogue needs an 'item_id' or 'id' column (columns: ${fields.join(', ') || 'none'}). Add a header row such as 'item_id,title'; nothing was changed.`);
  }
  return validateCatalog(res.data);
}

/** Parses catalogue text; CSV unless it looks like JSON. */
export function parseCatalogText(text: string, hint = ''): CatalogItem[] {
  const t = text.trimStart();
  if (t === '') invalid(`the catalogue at ${hint || '(text)'} is empty: check the catalogue URL and that the file is deployed with its items. Nothing was changed.`);
  // A wrong URL on a single-page-app host often answers 200 with index.html.
  if (/^<(!doctype|html|\?xml|head|body)/i.test(t)) {
    invalid(`the catalogue at ${hint || '(text)'} is an HTML/XML page, not JSON or CSV: check the catalogue URL (the server may answer unknown paths with its index page).`);
  }
  if (/\.json(\?|#|$)/i.test(hint) || t.startsWith('[')) {
    let json: unknown;
    try {
      json = JSON.parse(t);
    } catch (e) {
      invalid(`the catalogue at ${hint || '(text)'} is not valid JSON: ${(e as Error).message}. Fix the file (a JSON array of items) or serve a CSV; nothing was changed.`);
    }
    return validateCatalog(json);
  }
  return parseCsv(text);
}

/** A catalogue as read: a URL's raw bytes (parsed later, or never when unchanged), or inline items. */
export type RawCatalog =
  | { source: string; bytes: Uint8Array; items: null }
  | { source: null; bytes: null; items: CatalogItem[] };

/** Reads a catalogue source: fetches a URL's bytes (FETCH_FAILED when absent), validates inline items. */
export async function readCatalog(source: CatalogSource, fetcher: Fetcher): Promise<RawCatalog> {
  if (typeof source === 'string') {
    try {
      return { source, bytes: await fetcher(source), items: null };
    } catch (e) {
      // The fetcher reports 404 as MODEL_FILE_MISSING; for a catalogue that code would mislead.
      if (e instanceof HllmError && e.code === 'MODEL_FILE_MISSING') {
        throw new HllmError('FETCH_FAILED', `no catalogue at ${source}: check the 'catalog' URL (or path) and that the file is deployed. Nothing was changed.`, { url: source });
      }
      throw e;
    }
  }
  return { source: null, bytes: null, items: validateCatalog(source) };
}

/** The items of a RawCatalog (parses a URL's bytes). */
export function catalogItems(raw: RawCatalog): CatalogItem[] {
  return raw.items ?? parseCatalogText(new TextDecoder().decode(raw.bytes), raw.source);
}

export async function loadCatalog(source: CatalogSource, fetcher: Fetcher): Promise<{ items: CatalogItem[]; source: string | null }> {
  const raw = await readCatalog(source, fetcher);
  return { items: catalogItems(raw), source: raw.source };
}
