// Catalogue input: parse a JSON array or a CSV (papaparse; `item_id` or `id` column) and
// validate items (ids present, unique; values string | number | string[]).
// Imports: papaparse, errors, protocol types, fetcher.
import Papa from 'papaparse';
import { HllmError } from '../errors.ts';
import type { CatalogItem, CatalogSource } from '../protocol.ts';
import { fetchText, type Fetcher } from './fetcher.ts';

function invalid(msg: string, details?: Record<string, unknown>): never {
  throw new HllmError('INVALID_CATALOG', msg, details);
}

/** Checks and normalises items: ids become strings, `item_id` is accepted for `id`. */
export function validateCatalog(raw: unknown): CatalogItem[] {
  if (!Array.isArray(raw)) invalid('the catalogue must be an array of items ({ id, title?, … }) or a CSV with an item_id column.');
  const seen = new Set<string>();
  const out: CatalogItem[] = [];
  raw.forEach((r, i) => {
    if (typeof r !== 'object' || r === null || Array.isArray(r)) invalid(`catalogue entry ${i} is not an object.`, { index: i });
    const src = r as Record<string, unknown>;
    const idRaw = src.id ?? src.item_id;
    if ((typeof idRaw !== 'string' && typeof idRaw !== 'number') || String(idRaw).trim() === '') {
      invalid(`catalogue entry ${i} has no id: give every item a non-empty 'id' (or CSV column 'item_id').`, { index: i });
    }
    const id = String(idRaw).trim();
    if (seen.has(id)) invalid(`catalogue id '${id}' appears more than once (entry ${i}); ids must be unique.`, { index: i, id });
    seen.add(id);
    const item: CatalogItem = { id };
    for (const [k, v] of Object.entries(src)) {
      if (k === 'id' || (k === 'item_id' && src.id === undefined)) continue;
      const ok = v === null || v === undefined || typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v))
        || (Array.isArray(v) && v.every((x) => typeof x === 'string'));
      if (!ok) invalid(`catalogue item '${id}': field '${k}' must be a string, a number or an array of strings.`, { id, field: k });
      if (v !== null && v !== undefined) item[k] = v as CatalogItem[string];
    }
    out.push(item);
  });
  return out;
}

export function parseCsv(text: string): CatalogItem[] {
  const res = Papa.parse<Record<string, string>>(text.replace(/^\uFEFF/, ''), { header: true, skipEmptyLines: true });
  const fatal = res.errors.find((e) => e.type !== 'FieldMismatch' || e.code === 'TooManyFields');
  if (fatal) invalid(`CSV catalogue row ${fatal.row ?? '?'}: ${fatal.message}.`);
  const fields = res.meta.fields ?? [];
  if (!fields.includes('item_id') && !fields.includes('id')) {
    invalid(`the CSV catalogue needs an 'item_id' or 'id' column (columns: ${fields.join(', ')}).`);
  }
  return validateCatalog(res.data);
}

/** Parses catalogue text; CSV unless it looks like JSON. */
export function parseCatalogText(text: string, hint = ''): CatalogItem[] {
  const t = text.trimStart();
  if (/\.json(\?|#|$)/i.test(hint) || t.startsWith('[')) {
    let json: unknown;
    try {
      json = JSON.parse(t);
    } catch (e) {
      invalid(`the catalogue at ${hint || '(text)'} is not valid JSON: ${(e as Error).message}`);
    }
    return validateCatalog(json);
  }
  return parseCsv(text);
}

export async function loadCatalog(source: CatalogSource, fetcher: Fetcher): Promise<{ items: CatalogItem[]; source: string | null }> {
  if (typeof source === 'string') return { items: parseCatalogText(await fetchText(fetcher, source), source), source };
  return { items: validateCatalog(source), source: null };
}
