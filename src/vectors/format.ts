// The vector-shard format (docs/vector-format.md): the valibot schema of vectors.json, the
// byte layout of one shard, int8/fp16 (de)quantisation, and shard encode/decode. Used by
// the engine (browser and Node) and by `hllm embed`; models/embed_catalog.py writes the same.
// Pure; unit-tested.
import * as v from 'valibot';
import { HllmError } from '../errors.ts';
import { hexOf, hexToBytes } from '../io/hex.ts';

export const VECTOR_FORMAT = 'hllm-vectors';
export const VECTOR_FORMAT_VERSION = 1;
export const VECTOR_DTYPES = ['int8', 'fp16', 'fp32'] as const;
export type VectorDtype = (typeof VECTOR_DTYPES)[number];

const hex64 = (what: string) => v.pipe(v.string(`must be ${what}`), v.regex(/^[0-9a-f]{64}$/, `must be ${what} (64 lowercase hex digits)`));
const nonNegInt = () => v.pipe(v.number('must be a non-negative integer'), v.integer('must be a non-negative integer'), v.minValue(0, 'must be a non-negative integer'));

const ShardSchema = v.object({
  // Relative to vectors.json; no '..' so a manifest cannot point outside its folder.
  path: v.pipe(v.string('must be a string'), v.nonEmpty('must not be empty'), v.check((p) => !p.split('/').includes('..') && !p.startsWith('/'), 'must be a relative path inside the vectors folder')),
  rows: nonNegInt(),
  bytes: nonNegInt(),
  sha256: hex64('a sha256'),
}, 'must be an object with path, rows, bytes and sha256');

const VectorManifestSchema = v.object({
  format: v.literal(VECTOR_FORMAT, `must be '${VECTOR_FORMAT}'`),
  version: v.literal(VECTOR_FORMAT_VERSION, (i) => `is unknown version ${i.received} (this engine reads version ${VECTOR_FORMAT_VERSION})`),
  model: v.object({
    id: v.pipe(v.string('must be a string'), v.nonEmpty('must not be empty')),
    key: hex64("the model key (the engine's vector cache key)"),
  }, 'must be { id, key }'),
  dim: v.pipe(nonNegInt(), v.minValue(1, 'must be ≥ 1')),
  dtype: v.picklist(VECTOR_DTYPES, (i) => `is ${i.received}, not one of ${VECTOR_DTYPES.join(', ')}`),
  rows: nonNegInt(),
  shards: v.array(ShardSchema, 'must be an array of shards'),
  /** Free-form provenance (tool and version, time); not read by the engine. */
  generator: v.optional(v.string('must be a string')),
  created: v.optional(v.string('must be a string')),
});

export type VectorManifest = v.InferOutput<typeof VectorManifestSchema>;
export type ShardEntry = VectorManifest['shards'][number];

/** Validates a parsed vectors.json; VECTORS_FORMAT names the field on failure. */
export function parseVectorManifest(json: unknown, where = 'vectors.json'): VectorManifest {
  const r = v.safeParse(VectorManifestSchema, json);
  if (!r.success) {
    const issue = r.issues[0]!;
    const path = v.getDotPath(issue) ?? '(root)';
    throw new HllmError('VECTORS_FORMAT', `${where}: '${path}' ${issue.message}. Rebuild it with \`hllm embed\`.`, { file: where, field: path });
  }
  const m = r.output;
  const sum = m.shards.reduce((a, s) => a + s.rows, 0);
  if (sum !== m.rows) throw new HllmError('VECTORS_FORMAT', `${where}: the shards hold ${sum} rows but 'rows' is ${m.rows}. Rebuild it with \`hllm embed\`.`, { file: where, field: 'rows' });
  for (const s of m.shards) {
    const want = shardBytes(m.dtype, m.dim, s.rows, null);
    if (s.bytes < want) throw new HllmError('VECTORS_FORMAT', `${where}: shard ${s.path} is ${s.bytes} bytes, too small for ${s.rows} ${m.dtype} rows of dim ${m.dim}.`, { file: s.path });
  }
  return m;
}

/** Bytes per stored value. */
export function valueBytes(dtype: VectorDtype): number {
  return dtype === 'int8' ? 1 : dtype === 'fp16' ? 2 : 4;
}

/**
 * Byte size of a shard: vectors (rows × dim values), then for int8 one float32 scale per row,
 * then one 32-byte text sha256 per row, then the ids as UTF-8, each followed by '\n'.
 * `ids` null gives the size without the id section (its lower bound).
 */
export function shardBytes(dtype: VectorDtype, dim: number, rows: number, ids: readonly string[] | null): number {
  const idBytes = ids ? ids.reduce((a, id) => a + utf8Length(id) + 1, 0) : 0;
  return rows * dim * valueBytes(dtype) + (dtype === 'int8' ? rows * 4 : 0) + rows * 32 + idBytes;
}

function utf8Length(s: string): number {
  return new TextEncoder().encode(s).length;
}

/** A decoded shard's vectors and text digests. `values` is int8 codes, fp16 bits, or float32 values (rows × dim). */
export interface ShardVectors {
  dtype: VectorDtype;
  dim: number;
  rows: number;
  values: Int8Array | Uint16Array | Float32Array;
  /** int8 only: value = code × scale. */
  scales: Float32Array | null;
  /** Row r's text sha256 at bytes [32r, 32r + 32): packed, as at 1M rows a hex string per row costs seconds and ~100 MB. */
  textShas: Uint8Array;
}

/** One decoded shard with its item ids. */
export interface Shard extends ShardVectors {
  ids: string[];
}

/** Row r's text sha256 as lowercase hex. */
export function shardShaHex(s: ShardVectors, r: number): string {
  return hexOf(s.textShas, r * 32);
}

/** Quantises one float32 row to int8 codes with one scale (max |x| / 127; 0 for a zero row). */
export function quantizeRow(x: ArrayLike<number>, codes: Int8Array, at: number): number {
  let max = 0;
  for (let i = 0; i < x.length; i++) max = Math.max(max, Math.abs(x[i]!));
  const scale = Math.fround(max / 127);
  for (let i = 0; i < x.length; i++) codes[at + i] = scale > 0 ? Math.max(-127, Math.min(127, Math.round(x[i]! / scale))) : 0;
  return scale;
}

/** IEEE 754 half from a float32 (round to nearest even). */
export function toHalf(f: number): number {
  const b = new DataView(new ArrayBuffer(4));
  b.setFloat32(0, f, true);
  const x = b.getUint32(0, true);
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let h = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rest > half || (rest === half && (h & 1))) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (h & 1))) h++;
  return sign | h;
}

/** float32 value of an IEEE 754 half. */
export function fromHalf(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/**
 * Encodes float32 rows (rows × dim) with their text sha256s and ids into one shard's bytes.
 *
 * @example
 * ```ts
 * const bytes = encodeShard('int8', 64, vectors, shas, ids);
 * ```
 */
export function encodeShard(dtype: VectorDtype, dim: number, vectors: Float32Array, textSha256: readonly string[], ids: readonly string[]): Uint8Array {
  const rows = ids.length;
  if (vectors.length !== rows * dim || textSha256.length !== rows) throw new RangeError(`encodeShard: ${rows} ids, ${textSha256.length} shas and ${vectors.length / dim} vectors`);
  for (const id of ids) if (id.includes('\n')) throw new HllmError('INVALID_CATALOG', `item id ${JSON.stringify(id)} contains a newline, which vector shards cannot store.`, { itemId: id });
  const out = new Uint8Array(shardBytes(dtype, dim, rows, ids));
  const view = new DataView(out.buffer);
  let at = 0;
  if (dtype === 'int8') {
    const codes = new Int8Array(out.buffer, 0, rows * dim);
    for (let r = 0; r < rows; r++) {
      const scale = quantizeRow(vectors.subarray(r * dim, (r + 1) * dim), codes, r * dim);
      view.setFloat32(rows * dim + r * 4, scale, true);
    }
    at = rows * dim + rows * 4;
  } else if (dtype === 'fp16') {
    for (let i = 0; i < rows * dim; i++) view.setUint16(i * 2, toHalf(vectors[i]!), true);
    at = rows * dim * 2;
  } else {
    for (let i = 0; i < rows * dim; i++) view.setFloat32(i * 4, vectors[i]!, true);
    at = rows * dim * 4;
  }
  for (let r = 0; r < rows; r++) hexToBytes(textSha256[r]!, out, at + r * 32);
  out.set(new TextEncoder().encode(ids.map((id) => id + '\n').join('')), at + rows * 32);
  return out;
}

/**
 * Decodes a shard's vectors and text digests, without its ids (what the engine needs); the id
 * section must still hold exactly `rows` newline-ended ids. VECTORS_FORMAT (naming `file`) when
 * the sections do not fit `rows`.
 */
export function decodeShardVectors(bytes: Uint8Array, dtype: VectorDtype, dim: number, rows: number, file: string): ShardVectors {
  const vBytes = rows * dim * valueBytes(dtype);
  const sBytes = dtype === 'int8' ? rows * 4 : 0;
  const fixed = vBytes + sBytes + rows * 32;
  if (bytes.length < fixed) throw badShard(file, `${bytes.length} bytes is too short for ${rows} ${dtype} rows of dim ${dim}`);
  let lines = 0;
  for (let i = fixed; i < bytes.length; i++) if (bytes[i] === 10) lines++;
  if (lines !== rows || (rows > 0 && bytes[bytes.length - 1] !== 10) || (rows === 0 && bytes.length !== fixed)) throw badShard(file, `its id section holds ${lines} ids, not ${rows}`);
  // Copies into fresh buffers keep every typed array aligned whatever the section offsets (and
  // hold no view of `bytes`: a Node Buffer's slice() is a view of a shared pool).
  const copy = (a: number, b: number) => new Uint8Array(bytes.subarray(a, b)).buffer;
  const body = copy(0, vBytes);
  const values = dtype === 'int8' ? new Int8Array(body) : dtype === 'fp16' ? new Uint16Array(body) : new Float32Array(body);
  const scales = dtype === 'int8' ? new Float32Array(copy(vBytes, vBytes + sBytes)) : null;
  return { dtype, dim, rows, values, scales, textShas: new Uint8Array(copy(vBytes + sBytes, fixed)) };
}

function badShard(file: string, why: string): HllmError {
  return new HllmError('VECTORS_FORMAT', `${file}: ${why}. Rebuild the vectors with \`hllm embed\`.`, { file });
}

/** Decodes a shard's bytes with its ids (UTF-8); VECTORS_FORMAT (naming `file`) when they do not fit `rows`. */
export function decodeShard(bytes: Uint8Array, dtype: VectorDtype, dim: number, rows: number, file: string): Shard {
  const v = decodeShardVectors(bytes, dtype, dim, rows, file);
  const fixed = rows * dim * valueBytes(dtype) + (dtype === 'int8' ? rows * 4 : 0) + rows * 32;
  let idText: string;
  try {
    idText = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(fixed));
  } catch {
    throw badShard(file, 'its id section is not valid UTF-8');
  }
  const ids = idText.split('\n');
  ids.pop();
  return { ...v, ids };
}

/** Row r of a decoded shard as float32 (dequantised). */
export function shardRow(s: ShardVectors, r: number): Float32Array {
  const out = new Float32Array(s.dim);
  const o = r * s.dim;
  if (s.dtype === 'int8') { const sc = s.scales![r]!; for (let i = 0; i < s.dim; i++) out[i] = (s.values as Int8Array)[o + i]! * sc; }
  else if (s.dtype === 'fp16') for (let i = 0; i < s.dim; i++) out[i] = fromHalf((s.values as Uint16Array)[o + i]!);
  else out.set((s.values as Float32Array).subarray(o, o + s.dim));
  return out;
}
