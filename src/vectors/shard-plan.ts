// Which rows of a shard set can be kept and which must be encoded: the pure half of the
// vector writer (writer.ts does the files). A previous shard whose every row is still in
// the catalogue with the same text sha256 is kept byte-identical; one that lost rows is cut
// down to the rows still current (bytes copied, never re-quantised); every other catalogue
// row is "fresh" and goes, in catalogue order, into new shards cut at a byte target.
// Pure; unit-tested.
import { shardBytes, valueBytes, type VectorDtype } from './format.ts';

/** One catalogue row: its id and the sha256 of its item text. */
export interface RowKey {
  id: string;
  textSha256: string;
}

/** A previous shard's rows, as its bytes say (decoded ids and text hashes). */
export interface PreviousShard {
  path: string;
  rows: RowKey[];
}

export interface ShardPlan {
  /** Previous shards kept as they are (indices into `previous`). */
  keep: number[];
  /** Previous shards cut down to the listed row indices (none empty). */
  cut: Array<{ shard: number; rows: number[] }>;
  /** Catalogue rows to encode (indices into `current`), in catalogue order. */
  fresh: number[];
}

/**
 * Plans a shard set for `current` given the previous set's shards (in manifest order).
 *
 * @example
 * ```ts
 * const plan = planShards([{ id: '1', textSha256: a }], [{ path: 'v-1.bin', rows: [{ id: '1', textSha256: a }] }]);
 * // { keep: [0], cut: [], fresh: [] }
 * ```
 */
export function planShards(current: readonly RowKey[], previous: readonly PreviousShard[]): ShardPlan {
  const want = new Map(current.map((r) => [r.id, r.textSha256]));
  // An id is reused once even if a (malformed) previous set holds it twice.
  const covered = new Set<string>();
  const keep: number[] = [];
  const cut: ShardPlan['cut'] = [];
  previous.forEach((s, i) => {
    const rows: number[] = [];
    s.rows.forEach((r, j) => {
      if (want.get(r.id) === r.textSha256 && !covered.has(r.id)) {
        rows.push(j);
        covered.add(r.id);
      }
    });
    if (rows.length === s.rows.length && rows.length > 0) keep.push(i);
    else if (rows.length > 0) cut.push({ shard: i, rows });
  });
  const fresh: number[] = [];
  current.forEach((r, i) => { if (!covered.has(r.id)) fresh.push(i); });
  return { keep, cut, fresh };
}

/**
 * Splits rows (in order) into chunks whose shard is at most `targetBytes`; a chunk holds at
 * least one row, so a single row larger than the target still gets a shard of its own.
 */
export function chunkRows(ids: readonly string[], dtype: VectorDtype, dim: number, targetBytes: number): Array<[number, number]> {
  const fixed = dim * valueBytes(dtype) + (dtype === 'int8' ? 4 : 0) + 32;
  const enc = new TextEncoder();
  const out: Array<[number, number]> = [];
  let start = 0;
  let bytes = 0;
  ids.forEach((id, i) => {
    const row = fixed + enc.encode(id).length + 1;
    if (i > start && bytes + row > targetBytes) {
      out.push([start, i]);
      start = i;
      bytes = 0;
    }
    bytes += row;
  });
  if (ids.length > start) out.push([start, ids.length]);
  return out;
}

/**
 * The bytes of a shard holding only `keep` (row indices, ascending) of `bytes`: each section's
 * rows are copied as they are, so kept int8 codes and scales are exactly the old ones.
 */
export function subsetShard(bytes: Uint8Array, dtype: VectorDtype, dim: number, rows: number, ids: readonly string[], keep: readonly number[]): Uint8Array {
  const vb = dim * valueBytes(dtype);
  const keptIds = keep.map((r) => ids[r]!);
  const out = new Uint8Array(shardBytes(dtype, dim, keep.length, keptIds));
  const n = keep.length;
  const scalesAt = rows * vb;
  const shasAt = scalesAt + (dtype === 'int8' ? rows * 4 : 0);
  const outScalesAt = n * vb;
  const outShasAt = outScalesAt + (dtype === 'int8' ? n * 4 : 0);
  keep.forEach((r, k) => {
    out.set(bytes.subarray(r * vb, (r + 1) * vb), k * vb);
    if (dtype === 'int8') out.set(bytes.subarray(scalesAt + r * 4, scalesAt + r * 4 + 4), outScalesAt + k * 4);
    out.set(bytes.subarray(shasAt + r * 32, shasAt + r * 32 + 32), outShasAt + k * 32);
  });
  out.set(new TextEncoder().encode(keptIds.map((id) => id + '\n').join('')), outShasAt + n * 32);
  return out;
}
