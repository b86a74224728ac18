// The warm index (storage/types.ts WarmIndexRecord): the built catalogue and its vector table
// stored with what they were built from, so a start whose catalogue bytes, model key and
// vector set are all unchanged skips the parse, the 1M text hashes and the diff.
// Correctness: the key holds the sha256 of the catalogue's raw bytes (WebCrypto in browsers),
// so any changed byte — same size or not — misses and the catalogue is rebuilt; the record's
// digest (an xxHash128 checksum) covers every stored field, so a damaged record is detected and rebuilt too.
import type { Store, WarmIndexRecord } from '../../storage/types.ts';
import { CatalogIndex } from './catalog-index.ts';
import { CompactCatalog } from '../catalog/compact-catalog.ts';
import { checksum, sha256Hex } from '../../io/sha256.ts';
import { createVectorTable, type TableOptions } from './table-factory.ts';

/** What an index is built from. */
export interface WarmSource {
  /** The catalogue URL/path as given. */
  source: string;
  bytes: Uint8Array;
  /** The item-vector cache key (model-loader.ts modelKeyOf). */
  modelKey: string;
  /** Identity of the vector shard set in use (vector-shards.ts VectorSource.key), or null. */
  vectors: string | null;
  dim: number;
}

/** Bumped when the record layout or the way an index is built changes: old records then miss. */
const WARM_FORMAT = 4;

/**
 * The key a warm index is stored under and looked up by.
 * @example
 * const key = await warmKeyOf({ source: '/items.csv', bytes, modelKey, vectors: null, dim: 64 });
 */
export async function warmKeyOf(s: WarmSource): Promise<string> {
  const bytesSha256 = await sha256Hex(s.bytes);
  return JSON.stringify({ format: WARM_FORMAT, source: s.source, bytes: s.bytes.byteLength, sha256: bytesSha256, modelKey: s.modelKey, vectors: s.vectors, dim: s.dim });
}

const bytesOf = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Checksum (xxHash128, sha256.ts checksum) over every field but the digest: at 1M rows SHA-256 took ~1 s of a warm start. */
async function digestOf(r: Omit<WarmIndexRecord, 'digest'>): Promise<string> {
  const head = JSON.stringify({ builtFrom: r.builtFrom, dtype: r.dtype, dim: r.dim, shardRows: r.shardRows, rows: r.idEnds.length, scales: r.scales?.length ?? null });
  return checksum([head, r.ids, bytesOf(r.idEnds), r.json, bytesOf(r.jsonEnds), r.shapes, r.textShas, bytesOf(r.values), r.scales ? bytesOf(r.scales) : new Uint8Array(0), bytesOf(r.invNorm)]);
}

/** Whether packed end offsets fit a string of `length` (non-decreasing, last = length). */
function endsFit(ends: Uint32Array, length: number): boolean {
  let prev = 0;
  for (let i = 0; i < ends.length; i++) { if (ends[i]! < prev) return false; prev = ends[i]!; }
  return prev === length;
}

/** Why the record cannot be an index of `dim`-d rows, or null when its shape is sound. */
function shapeError(r: WarmIndexRecord, dim: number): string | null {
  const n = r.idEnds?.length;
  if (typeof r.ids !== 'string' || typeof r.json !== 'string' || typeof r.shapes !== 'string' || !(r.idEnds instanceof Uint32Array) || !(r.jsonEnds instanceof Uint32Array) || !(r.textShas instanceof Uint8Array)) return 'a field has the wrong type';
  if (r.dim !== dim || r.jsonEnds.length !== n || r.textShas.length !== n * 32 || !(r.shardRows >= 0 && r.shardRows <= n)) return 'the row counts do not agree';
  const int8 = r.dtype === 'int8';
  if (int8 ? !(r.values instanceof Int8Array) || !(r.scales instanceof Float32Array) || r.scales.length !== n : !(r.values instanceof Float32Array) || r.scales !== null) return 'the vector table has the wrong type';
  if (r.values.length !== n * dim) return 'the vector table has the wrong size';
  if (!(r.invNorm instanceof Float64Array) || r.invNorm.length !== n) return 'the row norms do not fit the table';
  if (!endsFit(r.idEnds, r.ids.length) || !endsFit(r.jsonEnds, r.json.length)) return 'the packed offsets do not fit';
  return null;
}

/**
 * Packs a built index into a record (copies the vector rows: a table may live in a WASM heap,
 * and storing a view would store the whole heap).
 */
async function packWarmIndex(index: CatalogIndex, builtFrom: string): Promise<WarmIndexRecord> {
  const p = index.catalog.parts();
  const t = index.table;
  const body: Omit<WarmIndexRecord, 'digest'> = {
    builtFrom, ids: p.ids, idEnds: p.idEnds, json: p.json, jsonEnds: p.jsonEnds, shapes: p.shapes, textShas: p.textShas,
    dtype: t.dtype, dim: t.dim, values: t.values.slice(), scales: t.scales ? t.scales.slice() : null, invNorm: t.invNorm.slice(), shardRows: index.shardRows,
  };
  return { ...body, digest: await digestOf(body) };
}

/** Rebuilds the index from a record; the record must have passed checkWarmIndex. */
async function unpackWarmIndex(r: WarmIndexRecord, tableOptions: TableOptions = {}): Promise<CatalogIndex> {
  const catalog = CompactCatalog.fromParts(r);
  const rows = r.idEnds.length;
  const table = await createVectorTable(r.dtype, r.dim, rows, tableOptions);
  table.loadRows(r.values, r.scales, r.invNorm);
  return new CatalogIndex(catalog, table, r.dim, r.shardRows);
}

/**
 * The stored index when it was built from exactly `builtFrom` and is intact; null otherwise
 * (none, built from something else, or damaged — then `warn` says so and the caller rebuilds).
 *
 * @example
 * ```ts
 * const index = await loadWarmIndex(store, key, 64, console.warn) ?? await rebuild();
 * ```
 */
export async function loadWarmIndex(store: Store, builtFrom: string, dim: number, warn: (m: string) => void, tableOptions: TableOptions = {}): Promise<CatalogIndex | null> {
  const r = await store.getWarmIndex();
  if (!r || r.builtFrom !== builtFrom) return null;
  const damaged = (why: string) => { warn(`hllm: the stored catalogue index is damaged (${why}); rebuilding it from the catalogue.`); return null; };
  const shape = shapeError(r, dim);
  if (shape) return damaged(shape);
  const { digest, ...body } = r;
  if ((await digestOf(body)) !== digest) return damaged('its digest does not match');
  try {
    return await unpackWarmIndex(r, tableOptions);
  } catch (e) {
    // e.g. a repeated id (PackedIds throws INVALID_CATALOG): the record, not the catalogue, is wrong.
    return damaged((e as Error).message);
  }
}

/** Stores the index as the warm index for `builtFrom`; null (an inline catalogue) deletes the stored one. */
export async function saveWarmIndex(store: Store, index: CatalogIndex, builtFrom: string | null): Promise<void> {
  await store.putWarmIndex(builtFrom === null ? null : await packWarmIndex(index, builtFrom));
}
