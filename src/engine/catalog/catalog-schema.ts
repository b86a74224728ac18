// The catalogue's schema, written with valibot: what one entry may hold, and how a
// rejected entry is turned into an INVALID_CATALOG HllmError that names the entry, the
// field and what to change. Pure: no I/O, so it runs the same in the worker and in Node.
import * as v from 'valibot';
import { HllmError } from '../../errors.ts';
import type { CatalogItem } from '../../protocol.ts';

/** A field value the item text builder understands (protocol.ts FieldValue). */
const FieldValueSchema = v.union(
  [v.null(), v.undefined(), v.string(), v.pipe(v.number(), v.finite()), v.array(v.string())],
  'must be a string, a finite number or an array of strings',
);

const IdSchema = v.pipe(
  v.union([v.string(), v.pipe(v.number(), v.finite())], "must be a string or a number"),
  v.transform((x) => String(x).trim()),
  v.nonEmpty('must not be empty'),
);

/** One entry: any field names, each a FieldValue; `id` (or CSV's `item_id`) required. */
const CatalogEntrySchema = v.pipe(
  v.record(v.string(), FieldValueSchema, 'must be an object like { "id": "42", "title": "…" }'),
  v.check((r) => r.id != null || r.item_id != null, "has no id: give every item a non-empty 'id' (or CSV column 'item_id')"),
);

function invalid(msg: string, details?: Record<string, unknown>): never {
  throw new HllmError('INVALID_CATALOG', msg, details);
}

function describeIssue(issue: v.BaseIssue<unknown>): string {
  const key = issue.path?.map((p) => String(p.key)).join('.');
  return key ? `field '${key}' ${issue.message}` : issue.message;
}

/** Keys the fast path leaves to valibot (which never copies them onto an object's prototype chain). */
const SPECIAL_KEYS = new Set(['__proto__', 'prototype', 'constructor']);

/**
 * parseEntry without valibot for the common entry — a plain object whose values are strings,
 * finite numbers, null or undefined (every CSV row) — with the same result; null for anything
 * else, which takes the schema path (and its error message). At 1M CSV rows the schema path
 * took ~4.7 s in Node, this one a fraction of it.
 */
export function fastEntry(raw: unknown): CatalogItem | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const proto = Object.getPrototypeOf(raw);
  if (proto !== Object.prototype && proto !== null) return null;
  const src = raw as Record<string, unknown>;
  const idKey = src.id !== undefined && src.id !== null ? 'id' : 'item_id';
  const rawId = src[idKey];
  if (typeof rawId !== 'string' && !(typeof rawId === 'number' && Number.isFinite(rawId))) return null;
  const id = String(rawId).trim();
  if (id === '') return null;
  const item: CatalogItem = { id };
  for (const k of Object.keys(src)) {
    if (SPECIAL_KEYS.has(k)) return null;
    const val = src[k];
    if (val === null || val === undefined) continue;
    if (typeof val !== 'string' && !(typeof val === 'number' && Number.isFinite(val))) return null;
    if (k === idKey || k === 'id') continue;
    item[k] = val;
  }
  return item;
}

/**
 * Checks one raw entry and normalises it: the id becomes a trimmed string, `item_id` is
 * accepted for `id`, null/undefined fields are dropped. Throws INVALID_CATALOG.
 */
function parseEntry(raw: unknown, index: number): CatalogItem {
  const fast = fastEntry(raw);
  if (fast) return fast;
  return schemaEntry(raw, index);
}

/** parseEntry through the valibot schema (every entry fastEntry does not take). */
export function schemaEntry(raw: unknown, index: number): CatalogItem {
  const res = v.safeParse(CatalogEntrySchema, raw);
  if (!res.success) {
    const issue = res.issues[0];
    const where = typeof raw === 'object' && raw !== null && 'id' in raw ? `catalogue item '${String((raw as { id: unknown }).id)}' (entry ${index})` : `catalogue entry ${index}`;
    invalid(`${where}: ${describeIssue(issue)}. Fix that entry in the catalogue file; nothing was changed.`, { index, field: issue.path?.map((p) => p.key).join('.') });
  }
  const src = res.output;
  // CSV files name the column item_id; JSON catalogues usually say id. id wins when both exist.
  const idKey = src.id !== undefined && src.id !== null ? 'id' : 'item_id';
  const id = v.safeParse(IdSchema, src[idKey]);
  if (!id.success) {
    invalid(`catalogue entry ${index}: '${idKey}' ${id.issues[0].message}; give every item a non-empty id. Nothing was changed.`, { index });
  }
  const item: CatalogItem = { id: id.output };
  for (const [k, val] of Object.entries(src)) {
    if (k === idKey || k === 'id' || val === null || val === undefined) continue;
    item[k] = val;
  }
  return item;
}

/** Validates a whole catalogue: an array, non-empty, every entry valid, ids unique. */
export function parseCatalogEntries(raw: unknown): CatalogItem[] {
  if (!Array.isArray(raw)) invalid('the catalogue must be a JSON array of items ({ "id": …, "title": … }) or a CSV with an item_id column: serve one of those. Nothing was changed.');
  if (raw.length === 0) invalid('the catalogue is empty: it needs at least one item to recommend from. Check the catalogue URL or file; nothing was changed.');
  const seen = new Map<string, number>();
  const out: CatalogItem[] = new Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const item = parseEntry(raw[i], i);
    const first = seen.get(item.id);
    if (first !== undefined) {
      invalid(`catalogue id '${item.id}' appears more than once (entries ${first} and ${i}); ids must be unique. Merge or rename the duplicates; nothing was changed.`, { index: i, id: item.id });
    }
    seen.set(item.id, i);
    out[i] = item;
  }
  return out;
}
