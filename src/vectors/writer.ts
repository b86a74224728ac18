// Writes a vector shard set (docs/vector-format.md) into a folder: reuses a previous set's
// shards whose rows are all still current (byte-identical, same sha256), cuts down those that
// lost rows, encodes the rest through a caller-given `encode` into new shards at the end, and
// writes vectors.json last. Every file is written to a temp name and renamed; finished new
// shards are recorded in OUT/.partial/journal.json, so a run that is killed and started again
// with the same inputs skips them (each checked by sha256) and encodes only what is left.
// Node only (used by `hllm embed`). Synchronous fs on purpose: see src/io/sha256.ts on
// threadpool completions once ORT is loaded in Node. models/embed_catalog.py's write_vectors
// writes the same files for a fresh folder (models/tests/test_embed_catalog.py compares them).
import { createHash } from 'node:crypto';
import { closeSync, copyFileSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { HllmError } from '../errors.ts';
import { defaultFetcher } from '../io/fetcher.ts';
import { decodeShard, encodeShard, parseVectorManifest, shardShaHex, VECTOR_FORMAT, VECTOR_FORMAT_VERSION, type ShardEntry, type VectorDtype, type VectorManifest } from './format.ts';
import { checkVectorFit, fetchShard, parseVectorManifestText, verifyShard } from './shard-set.ts';
import { chunkRows, planShards, subsetShard, type PreviousShard, type RowKey } from './shard-plan.ts';

/** Default shard size target: small enough for HTTP caches and resumable downloads. */
export const DEFAULT_SHARD_BYTES = 16 * 1024 * 1024;
const SHARD_FILE = /^shard-[0-9a-f]{16}\.bin$/;
const PARTIAL = '.partial';

export interface WriteVectorsOptions {
  out: string;
  /** A previous shard set to reuse (may be `out` itself). */
  previous?: string;
  model: { id: string; key: string };
  dim: number;
  dtype: VectorDtype;
  /** The catalogue, in order: ids must be unique. */
  rows: readonly RowKey[];
  /** Raw float32 vectors (indices.length × dim) of rows[indices]. */
  encode: (indices: number[]) => Promise<Float32Array>;
  shardBytes?: number;
  generator?: string;
  /** Items done / total among the rows that need encoding. */
  onProgress?: (done: number, total: number) => void;
  warn?: (message: string) => void;
}

export interface WriteVectorsResult {
  manifest: VectorManifest;
  /** Rows passed to `encode` in this run. */
  encoded: number;
  /** Previous shards kept byte-identical. */
  kept: number;
  /** Previous shards rewritten without their removed or changed rows. */
  cut: number;
  /** New shards written in this run, and new shards found finished by an earlier, interrupted run. */
  written: number;
  resumed: number;
}

const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');
const shardName = (sha: string) => `shard-${sha.slice(0, 16)}.bin`;

/** temp file + fsync + rename: a reader (or a killed run) sees the old file or the whole new one. */
function writeAtomic(path: string, bytes: Uint8Array | string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    const b = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
    let at = 0;
    while (at < b.length) at += writeSync(fd, b, at, b.length - at);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/** The file at `path` when it is the one `entry` describes (size and sha256), else null. */
async function readIfCurrent(path: string, entry: ShardEntry): Promise<Uint8Array | null> {
  if (!existsSync(path)) return null;
  return verifyShard(entry, readFileSync(path)).catch(() => null);
}

interface Previous {
  manifest: VectorManifest;
  shards: Array<PreviousShard & { entry: ShardEntry; bytes: Uint8Array; ids: string[] }>;
}

/** The previous set's usable shards; a set for another model/dtype or a damaged shard is skipped with a warning. */
async function readPrevious(dir: string, o: WriteVectorsOptions, warn: (m: string) => void): Promise<Previous | null> {
  const file = join(dir, 'vectors.json');
  if (!existsSync(file)) return null;
  let manifest: VectorManifest;
  try {
    manifest = parseVectorManifestText(readFileSync(file, 'utf8'), file);
  } catch (e) {
    warn(`--previous ${dir}: ${(e as Error).message}; encoding everything.`);
    return null;
  }
  // Its shard bytes are reused as they are, so the stored dtype must be this run's too.
  if (!checkVectorFit(manifest, file, { modelKey: o.model.key, dim: o.dim, dtype: o.dtype }, { mismatch: 'encode', instead: 'encoding every item', warn: (m) => warn(`--previous: ${m}`) })) return null;
  const shards: Previous['shards'] = [];
  for (const entry of manifest.shards) {
    let bytes: Uint8Array;
    try {
      bytes = await fetchShard(dir, entry, defaultFetcher);
    } catch (e) {
      warn(`--previous ${dir}: ${(e as Error).message} Its rows are encoded again.`);
      continue;
    }
    const s = decodeShard(bytes, manifest.dtype, manifest.dim, entry.rows, entry.path);
    shards.push({ path: entry.path, entry, bytes, ids: s.ids, rows: s.ids.map((id, i) => ({ id, textSha256: shardShaHex(s, i) })) });
  }
  return { manifest, shards };
}

interface Journal {
  key: string;
  chunks: Record<string, ShardEntry>;
}

function readJournal(path: string, key: string): Journal {
  try {
    const j = JSON.parse(readFileSync(path, 'utf8')) as Journal;
    if (j.key === key && j.chunks && typeof j.chunks === 'object') return j;
  } catch { /* no journal, or one cut short: start afresh */ }
  return { key, chunks: {} };
}

/**
 * Builds (or updates) the shard set in `o.out` and returns its manifest and what was done.
 *
 * @example
 * ```ts
 * const r = await writeVectors({ out: 'vectors', previous: 'vectors', model: { id, key }, dim: 64, dtype: 'int8',
 *   rows: prepared.map((p) => ({ id: p.item.id, textSha256: p.textSha256 })),
 *   encode: (idx) => embedder.encode(idx.map((i) => prepared[i]!)) });
 * console.log(`${r.encoded} encoded, ${r.kept} shards kept`);
 * ```
 */
export async function writeVectors(o: WriteVectorsOptions): Promise<WriteVectorsResult> {
  const warn = o.warn ?? ((m: string) => console.warn(m));
  const target = o.shardBytes ?? DEFAULT_SHARD_BYTES;
  if (!Number.isFinite(target) || target < 1) throw new HllmError('INVALID_OPTIONS', `shard size must be a positive number of bytes, got ${target}.`);
  const seen = new Set<string>();
  for (const r of o.rows) {
    if (seen.has(r.id)) throw new HllmError('INVALID_CATALOG', `item id '${r.id}' appears twice; ids must be unique.`, { itemId: r.id });
    seen.add(r.id);
  }
  const out = resolve(o.out);
  mkdirSync(out, { recursive: true });
  const prev = o.previous ? await readPrevious(resolve(o.previous), o, warn) : null;
  const prevDir = o.previous ? resolve(o.previous) : out;
  const plan = planShards(o.rows, prev?.shards ?? []);
  const shards: ShardEntry[] = [];

  // Kept and cut shards first, in the previous set's order (cheap: no encoding).
  const cutBy = new Map(plan.cut.map((c) => [c.shard, c.rows]));
  const keep = new Set(plan.keep);
  for (const [i, s] of (prev?.shards ?? []).entries()) {
    if (keep.has(i)) {
      const dst = join(out, s.entry.path);
      if (prevDir !== out && !(await readIfCurrent(dst, s.entry))) {
        mkdirSync(dirname(dst), { recursive: true });
        copyFileSync(join(prevDir, s.entry.path), `${dst}.${process.pid}.tmp`);
        renameSync(`${dst}.${process.pid}.tmp`, dst);
      }
      shards.push(s.entry);
    } else if (cutBy.has(i)) {
      const rows = cutBy.get(i)!;
      const bytes = subsetShard(s.bytes, o.dtype, o.dim, s.entry.rows, s.ids, rows);
      const sha = sha256(bytes);
      writeAtomic(join(out, shardName(sha)), bytes);
      shards.push({ path: shardName(sha), rows: rows.length, bytes: bytes.length, sha256: sha });
    }
  }

  // New rows: chunks cut deterministically from the fresh rows, so a rerun finds the same chunks.
  const fresh = plan.fresh;
  const freshIds = fresh.map((i) => o.rows[i]!.id);
  const chunks = chunkRows(freshIds, o.dtype, o.dim, target);
  const key = sha256(JSON.stringify({ model: o.model.key, dtype: o.dtype, dim: o.dim, target, rows: sha256(fresh.map((i) => `${o.rows[i]!.id}\n${o.rows[i]!.textSha256}`).join('\n')) }));
  const journalPath = join(out, PARTIAL, 'journal.json');
  const journal = readJournal(journalPath, key);
  let encoded = 0;
  let written = 0;
  let resumed = 0;
  let done = 0;
  o.onProgress?.(0, fresh.length);
  for (const [c, [a, b]] of chunks.entries()) {
    const idx = fresh.slice(a, b);
    const prior = journal.chunks[c];
    if (prior && (await readIfCurrent(join(out, prior.path), prior))) {
      shards.push(prior);
      resumed++;
    } else {
      const vectors = await o.encode(idx);
      if (vectors.length !== idx.length * o.dim) throw new Error(`internal: encode returned ${vectors.length / o.dim} vectors for ${idx.length} rows`);
      encoded += idx.length;
      const bytes = encodeShard(o.dtype, o.dim, vectors, idx.map((i) => o.rows[i]!.textSha256), idx.map((i) => o.rows[i]!.id));
      const sha = sha256(bytes);
      const entry = { path: shardName(sha), rows: idx.length, bytes: bytes.length, sha256: sha };
      // Journal first, shard second: once the shard is visible its entry is already recorded,
      // so a kill at any instant resumes it. An entry whose file never arrived fails the
      // sha256 check above and is simply encoded again.
      journal.chunks[c] = entry;
      writeAtomic(journalPath, JSON.stringify(journal));
      writeAtomic(join(out, entry.path), bytes);
      shards.push(entry);
      written++;
    }
    done += idx.length;
    o.onProgress?.(done, fresh.length);
  }

  // An unchanged set keeps its previous creation time, so a no-op rebuild leaves vectors.json as it was.
  const unchanged = prev && JSON.stringify(prev.manifest.shards) === JSON.stringify(shards) && prev.manifest.model.id === o.model.id;
  const manifest = parseVectorManifest({
    format: VECTOR_FORMAT, version: VECTOR_FORMAT_VERSION, model: o.model, dim: o.dim, dtype: o.dtype,
    rows: shards.reduce((s, e) => s + e.rows, 0), shards,
    ...(o.generator ? { generator: o.generator } : {}), created: (unchanged && prev.manifest.created) || new Date().toISOString(),
  }, 'vectors.json');
  const json = `${JSON.stringify(manifest, null, 1)}\n`;
  const file = join(out, 'vectors.json');
  if (!existsSync(file) || readFileSync(file, 'utf8') !== json) writeAtomic(file, json);
  // Only now may files the new manifest does not name go: until the rename above, the old
  // vectors.json (and anything reading it) still needed them.
  const named = new Set(shards.map((s) => s.path));
  for (const f of readdirSync(out)) {
    if ((SHARD_FILE.test(f) && !named.has(f)) || f.endsWith('.tmp')) rmSync(join(out, f), { force: true });
  }
  rmSync(join(out, PARTIAL), { recursive: true, force: true });
  return { manifest, encoded, kept: plan.keep.length, cut: plan.cut.length, written, resumed };
}
