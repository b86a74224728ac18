// Test-only (Node): builds a vector shard set (vectors.json + shards) in memory from given rows,
// or on disk from an engine's own item vectors, so the engine's shard path can be checked
// against on-device encoding. Used by unit tests, e2e and bench; not exported by the package.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HllmEngine } from '../engine/engine.ts';
import { sha256Hex } from '../io/sha256.ts';
import type { CatalogItem } from '../protocol.ts';
import { encodeShard, parseVectorManifest, VECTOR_FORMAT, VECTOR_FORMAT_VERSION, type VectorDtype, type VectorManifest } from '../vectors/format.ts';

/** One row of a shard set: the item id, the sha256 of its text, and its float32 vector. */
export interface ShardRowInput {
  id: string;
  textSha256: string;
  vector: ArrayLike<number>;
}

/** A shard set in memory: its manifest and each shard's bytes by path. */
export interface EncodedShardSet {
  manifest: VectorManifest;
  files: Map<string, Uint8Array>;
}

/**
 * Encodes `rows` into shards of `rowsPerShard` rows named shard-000.bin, shard-001.bin, … and
 * the vectors.json that describes them: the one shard-set builder of the tests (Node and e2e);
 * `hllm embed` writes real sets through src/vectors/writer.ts.
 *
 * @example
 * ```ts
 * const { manifest, files } = await encodeShardSet({ id: 'default', key }, 'int8', rows, 15);
 * ```
 */
export async function encodeShardSet(model: { id: string; key: string }, dtype: VectorDtype, rows: readonly ShardRowInput[], rowsPerShard: number): Promise<EncodedShardSet> {
  const dim = rows[0]!.vector.length;
  const shards: VectorManifest['shards'] = [];
  const files = new Map<string, Uint8Array>();
  for (let start = 0; start < rows.length; start += rowsPerShard) {
    const part = rows.slice(start, start + rowsPerShard);
    const vectors = new Float32Array(part.length * dim);
    part.forEach((r, i) => vectors.set(r.vector, i * dim));
    const bytes = encodeShard(dtype, dim, vectors, part.map((r) => r.textSha256), part.map((r) => r.id));
    const path = `shard-${String(shards.length).padStart(3, '0')}.bin`;
    files.set(path, bytes);
    shards.push({ path, rows: part.length, bytes: bytes.byteLength, sha256: await sha256Hex(bytes) });
  }
  const manifest = parseVectorManifest({ format: VECTOR_FORMAT, version: VECTOR_FORMAT_VERSION, model, dim, dtype, rows: rows.length, shards, generator: 'shard-fixture' });
  return { manifest, files };
}

export interface ShardFixture extends EncodedShardSet {
  dir: string;
}

/**
 * Writes `dir`/vectors.json and `dir`/shard-NNN.bin from `engine` (initialised with a catalogue
 * holding `items`): vectors from itemVector(), text sha256s from tokenizeItem().
 *
 * @example
 * ```ts
 * const fx = await buildShardFixture(engine, items, '/tmp/vec', 'int8', 50);
 * await other.init({ model, catalog: items, vectors: fx.dir });
 * ```
 */
export async function buildShardFixture(engine: HllmEngine, items: CatalogItem[], dir: string, dtype: VectorDtype, rowsPerShard: number): Promise<ShardFixture> {
  const { model } = await engine.exportData();
  const rows: ShardRowInput[] = [];
  for (const it of items) rows.push({ id: it.id, textSha256: await sha256Hex((await engine.tokenizeItem(it)).text), vector: await engine.itemVector(it.id) });
  const set = await encodeShardSet({ id: model.id, key: model.sha256 }, dtype, rows, rowsPerShard);
  mkdirSync(dir, { recursive: true });
  for (const [path, bytes] of set.files) writeFileSync(join(dir, path), bytes);
  writeFileSync(join(dir, 'vectors.json'), JSON.stringify(set.manifest, null, 1));
  return { dir, ...set };
}
