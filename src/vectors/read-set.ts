// Reads a shard set from a folder in Node: vectors.json parsed, each shard's size and sha256
// checked against it, decoded, and every row dequantised to float32 by id. For `hllm eval
// --vectors` and tests; the browser engine reads shards through its own fetcher.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HllmError } from '../errors.ts';
import { decodeShard, parseVectorManifest, shardRow, shardShaHex, type Shard, type VectorManifest } from './format.ts';

export interface ShardSet {
  manifest: VectorManifest;
  /** In manifest order, with their file bytes. */
  shards: Array<{ path: string; bytes: Uint8Array; shard: Shard }>;
}

/**
 * Reads and verifies the shard set in `dir`.
 *
 * @example
 * ```ts
 * const set = readShardSet('public/catalogs/ml-latest-small/vectors');
 * const v = vectorsById(set).get('1'); // Float32Array(dim)
 * ```
 */
export function readShardSet(dir: string): ShardSet {
  const file = join(dir, 'vectors.json');
  if (!existsSync(file)) throw new HllmError('VECTORS_MISSING', `no vectors.json in ${dir}: build it with \`hllm embed --out ${dir}\`.`, { file });
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new HllmError('VECTORS_FORMAT', `${file} is not valid JSON: ${(e as Error).message}. Rebuild it with \`hllm embed\`.`, { file });
  }
  const manifest = parseVectorManifest(json, file);
  const shards = manifest.shards.map((s) => {
    const p = join(dir, s.path);
    if (!existsSync(p)) throw new HllmError('VECTORS_MISSING', `${p} (named by vectors.json) is missing: rebuild with \`hllm embed\`.`, { file: s.path });
    const bytes = new Uint8Array(readFileSync(p));
    const sha = createHash('sha256').update(bytes).digest('hex');
    if (bytes.length !== s.bytes || sha !== s.sha256) {
      throw new HllmError('VECTORS_INTEGRITY', `${p} has ${bytes.length} bytes and sha256 ${sha}; vectors.json says ${s.bytes} and ${s.sha256}. Redeploy the vectors folder as a whole.`, { file: s.path });
    }
    return { path: s.path, bytes, shard: decodeShard(bytes, manifest.dtype, manifest.dim, s.rows, s.path) };
  });
  return { manifest, shards };
}

/** Every row of the set as float32 (int8: code × scale), by item id. */
export function vectorsById(set: ShardSet): Map<string, Float32Array> {
  const m = new Map<string, Float32Array>();
  for (const { shard } of set.shards) shard.ids.forEach((id, r) => m.set(id, shardRow(shard, r)));
  return m;
}

/** Every row's text sha256, by item id. */
export function textShasById(set: ShardSet): Map<string, string> {
  const m = new Map<string, string>();
  for (const { shard } of set.shards) shard.ids.forEach((id, r) => m.set(id, shardShaHex(shard, r)));
  return m;
}
