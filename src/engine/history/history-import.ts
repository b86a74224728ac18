// importData(): checks an exportData() file with valibot (version 1, history events
// { itemId, type, at }, size limits), turns the first problem into an INVALID_IMPORT
// HllmError that names the event and the field, and writes the events to the store in one
// transaction (merge: only events not stored yet; replace: the file's history instead of
// the stored one). Nothing is written before the whole file has passed.
// Never ORT.
import * as v from 'valibot';
import { HllmError } from '../../errors.ts';
import type { ExportData, HistoryEvent, ImportOptions, ImportResult } from '../../protocol.ts';
import type { NewEvent, Store } from '../../storage/types.ts';

/** Largest file text importData() parses (a 100 000-event export is about 8 MB). */
const MAX_IMPORT_CHARS = 32 * 1024 * 1024;
/** Most events one file may carry. */
export const MAX_IMPORT_EVENTS = 100_000;
/** Longest item id and event type accepted. */
const MAX_ID_CHARS = 1024;
const MAX_TYPE_CHARS = 64;

const EventSchema = v.object({
  itemId: v.pipe(
    v.union([v.string(), v.pipe(v.number(), v.finite())], 'must be a string (a catalogue id)'),
    v.transform((x) => String(x)),
    v.nonEmpty('must not be empty'),
    v.maxLength(MAX_ID_CHARS, `must be at most ${MAX_ID_CHARS} characters`),
  ),
  type: v.pipe(
    v.string('must be a string such as "view" or "like"'),
    v.nonEmpty('must not be empty'),
    v.maxLength(MAX_TYPE_CHARS, `must be at most ${MAX_TYPE_CHARS} characters`),
  ),
  at: v.pipe(
    v.number('must be a timestamp in milliseconds'),
    v.finite('must be a finite timestamp in milliseconds'),
    v.minValue(0, 'must not be before 1970'),
  ),
}, 'must be an object like { "itemId": "42", "type": "view", "at": 1700000000000 }');

const FileSchema = v.object({
  version: v.literal(1, 'must be 1 (this file was written by another version of hllm-web)'),
  history: v.pipe(
    v.array(v.unknown(), "must be an array of events"),
    v.maxLength(MAX_IMPORT_EVENTS, `must hold at most ${MAX_IMPORT_EVENTS} events`),
  ),
}, 'must be an object with "version": 1 and a "history" array, as exportData() writes');

function invalid(message: string, details?: Record<string, unknown>): never {
  throw new HllmError('INVALID_IMPORT', `${message} Nothing was imported; choose a file made by exportData() (the history export).`, details);
}

function where(issue: v.BaseIssue<unknown>): string {
  return issue.path?.map((p) => String(p.key)).join('.') ?? '';
}

/** valibot reports a missing key with the object's own message: say "is missing" instead. */
function what(issue: v.BaseIssue<unknown>): string {
  return issue.type === 'object' && issue.path?.length ? `is missing (${issue.message})` : issue.message;
}

/**
 * The file's events, checked: the parsed JSON text or the object. Throws INVALID_IMPORT
 * naming the first problem (bad JSON, wrong shape, unknown version, which event and field).
 */
export function parseImport(data: ExportData | string | unknown): NewEvent[] {
  let raw: unknown = data;
  if (typeof data === 'string') {
    if (data.length > MAX_IMPORT_CHARS) invalid(`the file is ${data.length} characters long; at most ${MAX_IMPORT_CHARS} are accepted.`, { chars: data.length });
    try {
      raw = JSON.parse(data);
    } catch (e) {
      invalid(`the file is not JSON (${e instanceof Error ? e.message : String(e)}).`);
    }
  }
  // valibot's object() lets arrays through (typeof [] is 'object').
  if (Array.isArray(raw)) invalid('the file must be an object with "version": 1 and a "history" array, not an array.');
  const file = v.safeParse(FileSchema, raw);
  if (!file.success) {
    const issue = file.issues[0];
    const field = where(issue);
    if (field === '') invalid(`the file ${issue.message}.`);
    invalid(`field '${field}' ${what(issue)}.`, { field });
  }
  const events: NewEvent[] = [];
  file.output.history.forEach((entry, index) => {
    const res = v.safeParse(EventSchema, entry);
    if (!res.success) {
      const issue = res.issues[0];
      const field = where(issue);
      if (Array.isArray(entry)) invalid(`history event ${index} must be an object like { "itemId": "42", "type": "view", "at": 1700000000000 }, not an array.`, { index });
      invalid(`history event ${index}${field ? ` field '${field}'` : ''} ${what(issue)}.`, { index, ...(field ? { field } : {}) });
    }
    events.push(res.output);
  });
  return events;
}

const keyOf = (e: NewEvent): string => `${e.itemId}\u0000${e.type}\u0000${e.at}`;

/**
 * Imports `data` into `store`, given the history the engine holds (`stored`, oldest first)
 * and which ids the catalogue has. Merge adds the file's events that are not stored yet
 * (same item, type and time) and keeps the history in time order: events newer than every
 * stored one are appended; otherwise the whole history is rewritten, sorted by time, in one
 * transaction (stored seqs then change). Replace writes the file's events instead of the
 * stored ones, in one transaction. Events of items not in the catalogue, and repeats, are
 * skipped and counted. Resolves to the result and the history now stored.
 *
 * @example
 * ```ts
 * const { result, history } = await importHistory(store, events, fileText, { mode: 'merge' }, (id) => index.has(id));
 * ```
 */
export async function importHistory(
  store: Store, stored: readonly HistoryEvent[], data: ExportData | string, options: ImportOptions | undefined,
  known: (itemId: string) => boolean,
): Promise<{ result: ImportResult; history: HistoryEvent[] }> {
  const mode = options?.mode ?? 'merge';
  if (mode !== 'merge' && mode !== 'replace') throw new HllmError('INVALID_OPTIONS', "importData() 'mode' must be 'merge' or 'replace'.", { mode });
  const incoming = parseImport(data);
  const seen = new Set(mode === 'merge' ? stored.map(keyOf) : []);
  const fresh: NewEvent[] = [];
  for (const e of incoming) {
    const k = keyOf(e);
    if (!known(e.itemId) || seen.has(k)) continue;
    seen.add(k);
    fresh.push(e);
  }
  const result = { imported: fresh.length, skipped: incoming.length - fresh.length };
  // The file's own order can be anything; the User LLM reads the history oldest first.
  const byTime = (list: NewEvent[]) => list.map((e, i) => ({ e, i })).sort((a, b) => a.e.at - b.e.at || a.i - b.i).map((x) => x.e);
  if (mode === 'replace') return { result, history: await store.replaceEvents(byTime(fresh)) };
  if (fresh.length === 0) return { result, history: stored.map((e) => ({ ...e })) };
  const sorted = byTime(fresh);
  const last = stored.reduce((m, e) => Math.max(m, e.at), -Infinity);
  if (sorted[0]!.at >= last) return { result, history: [...stored.map((e) => ({ ...e })), ...(await store.appendEvents(sorted))] };
  const all: NewEvent[] = byTime([...stored.map(({ itemId, type, at }) => ({ itemId, type, at })), ...sorted]);
  return { result, history: await store.replaceEvents(all) };
}
