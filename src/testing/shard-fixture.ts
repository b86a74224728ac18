// Test-only (Node): builds a vector shard set (vectors.json + shards) from an engine's own
// item vectors, the way `hllm embed` does, so the engine's shard path can be checked against
// on-device encoding. Not exported by the package.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HllmEngine } from '../engine/engine.ts';
import { sha256Hex } from '../io/sha256.ts';
import type { CatalogItem } from '../protocol.ts';
import { encodeShard, type VectorDtype, type VectorManifest } from '../vectors/format.ts';

export interface ShardFixture {
  dir: string;
  manifest: VectorManifest;
  /** Each shard's bytes by its path. */
  files: Map<string, Uint8Array>;
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
  mkdirSync(dir, { recursive: true });
  const { model } = await engine.exportData();
  const dim = (await engine.itemVector(items[0]!.id)).length;
  const shards: VectorManifest['shards'] = [];
  const files = new Map<string, Uint8Array>();
  for (let start = 0; start < items.length; start += rowsPerShard) {
    const part = items.slice(start, start + rowsPerShard);
    const vectors = new Float32Array(part.length * dim);
    const shas: string[] = [];
    for (let i = 0; i < part.length; i++) {
      vectors.set(await engine.itemVector(part[i]!.id), i * dim);
      shas.push(await sha256Hex((await engine.tokenizeItem(part[i]!)).text));
    }
    const bytes = encodeShard(dtype, dim, vectors, shas, part.map((it) => it.id));
    const path = `shard-${String(shards.length).padStart(3, '0')}.bin`;
    writeFileSync(join(dir, path), bytes);
    files.set(path, bytes);
    shards.push({ path, rows: part.length, bytes: bytes.byteLength, sha256: await sha256Hex(bytes) });
  }
  const manifest: VectorManifest = {
    format: 'hllm-vectors', version: 1, model: { id: model.id, key: model.sha256 }, dim, dtype, rows: items.length, shards, generator: 'shard-fixture',
  };
  writeFileSync(join(dir, 'vectors.json'), JSON.stringify(manifest, null, 1));
  return { dir, manifest, files };
}
