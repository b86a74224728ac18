// Unit tests of reading and verifying a shard set (shard-set.ts) on temp folders: a set reads
// back every row; each way a set can be broken fails with its one code naming the file; and
// the manifest URL and folder rules the engine and Node tools share.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HllmError } from '../errors.ts';
import { encodeShardSet } from '../testing/shard-fixture.ts';
import type { VectorManifest } from './format.ts';
import { checkVectorFit, fetchShard, readShardSet, shardSetFolder, textShasById, vectorManifestUrl, vectorsById, verifyShard } from './shard-set.ts';

const DIM = 4;
const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');
const ids = ['a', 'b', 'c', 'd', 'e'];
const vectorOf = (i: number) => Float32Array.from({ length: DIM }, (_, j) => (i + 1) * (j - 1.5));

/** Writes a fp32 set of `ids` in shards of 2 rows into a fresh folder. */
async function writeSet(): Promise<{ dir: string; manifest: VectorManifest }> {
  const dir = mkdtempSync(join(tmpdir(), 'hllm-shard-set-'));
  const rows = ids.map((id, i) => ({ id, textSha256: sha(`text ${id}`), vector: vectorOf(i) }));
  const { manifest, files } = await encodeShardSet({ id: 'm', key: 'f'.repeat(64) }, 'fp32', rows, 2);
  for (const [path, bytes] of files) writeFileSync(join(dir, path), bytes);
  writeFileSync(join(dir, 'vectors.json'), JSON.stringify(manifest));
  return { dir, manifest };
}

const errorOf = (p: Promise<unknown>): Promise<HllmError> => p.then(() => { throw new Error('expected a rejection'); }, (e) => { if (!(e instanceof HllmError)) throw e; return e; });

describe('readShardSet', () => {
  it('reads every row back by id, from the folder or its vectors.json', async () => {
    const { dir, manifest } = await writeSet();
    for (const where of [dir, join(dir, 'vectors.json')]) {
      const set = await readShardSet(where);
      expect(set.manifest).toEqual(manifest);
      expect(set.shards.map((s) => s.entry.path)).toEqual(['shard-000.bin', 'shard-001.bin', 'shard-002.bin']);
      const v = vectorsById(set);
      expect([...v.keys()]).toEqual(ids);
      ids.forEach((id, i) => expect(v.get(id)).toEqual(vectorOf(i)));
      expect(textShasById(set).get('c')).toBe(sha('text c'));
    }
    rmSync(dir, { recursive: true });
  });

  it('no vectors.json: VECTORS_MISSING; one that is not JSON or not a manifest: VECTORS_FORMAT', async () => {
    const { dir } = await writeSet();
    expect((await errorOf(readShardSet(join(dir, 'nowhere')))).code).toBe('VECTORS_MISSING');
    writeFileSync(join(dir, 'vectors.json'), '{"format":');
    const notJson = await errorOf(readShardSet(dir));
    expect([notJson.code, notJson.message]).toEqual(['VECTORS_FORMAT', expect.stringMatching(/not valid JSON.*hllm embed/)]);
    writeFileSync(join(dir, 'vectors.json'), JSON.stringify({ format: 'hllm-vectors', version: 2 }));
    expect((await errorOf(readShardSet(dir))).code).toBe('VECTORS_FORMAT');
    rmSync(dir, { recursive: true });
  });

  it('a missing shard: VECTORS_MISSING naming it', async () => {
    const { dir } = await writeSet();
    rmSync(join(dir, 'shard-001.bin'));
    const err = await errorOf(readShardSet(dir));
    expect([err.code, err.details?.file]).toEqual(['VECTORS_MISSING', 'shard-001.bin']);
    rmSync(dir, { recursive: true });
  });

  it('a flipped byte or a cut-short shard: VECTORS_INTEGRITY naming it', async () => {
    const { dir, manifest } = await writeSet();
    const file = join(dir, 'shard-002.bin');
    const good = readFileSync(file);
    const flipped = Uint8Array.from(good);
    flipped[3]! ^= 1;
    writeFileSync(file, flipped);
    const err = await errorOf(readShardSet(dir));
    expect([err.code, err.details?.file, err.details?.expected, err.details?.actual]).toEqual(['VECTORS_INTEGRITY', 'shard-002.bin', manifest.shards[2]!.sha256, sha(flipped)]);
    writeFileSync(file, good.subarray(0, good.length - 1));
    const short = await errorOf(readShardSet(dir));
    expect([short.code, short.details?.file, short.message]).toEqual(['VECTORS_INTEGRITY', 'shard-002.bin', expect.stringContaining(`${good.length - 1} bytes`)]);
    rmSync(dir, { recursive: true });
  });
});

describe('one shard', () => {
  it('fetchShard passes onBytes to the fetcher and returns the verified bytes; verifyShard rejects other bytes', async () => {
    const { dir, manifest } = await writeSet();
    const entry = manifest.shards[0]!;
    const seen: string[] = [];
    const progress: number[] = [];
    const bytes = await fetchShard(dir, entry, async (url, onBytes) => { seen.push(url); const b = readFileSync(url); onBytes?.(b.length, b.length); return b; }, (d) => progress.push(d));
    expect([seen, progress, sha(bytes)]).toEqual([[join(dir, entry.path)], [entry.bytes], entry.sha256]);
    expect((await errorOf(verifyShard(entry, readFileSync(join(dir, 'shard-001.bin'))))).code).toBe('VECTORS_INTEGRITY');
    rmSync(dir, { recursive: true });
  });
});

describe('checkVectorFit', () => {
  const KEY = 'f'.repeat(64);
  const fix = 'Rebuild it with `hllm embed …`';

  it('a set of the model key and dim fits (dtype checked only when asked); otherwise why, and the fix, in the error or the warning', async () => {
    const { dir, manifest } = await writeSet();
    const url = join(dir, 'vectors.json');
    const warnings: string[] = [];
    const warn = (m: string) => warnings.push(m);
    expect(checkVectorFit(manifest, url, { modelKey: KEY, dim: DIM }, { mismatch: 'error' })).toBe(true);
    expect(checkVectorFit(manifest, url, { modelKey: KEY, dim: DIM, dtype: 'fp32' }, { mismatch: 'error' })).toBe(true);
    const cases = [
      [{ modelKey: 'e'.repeat(64), dim: DIM }, "it was built for model key ffffffffffff… (m), this model's key is eeeeeeeeeeee…"],
      [{ modelKey: KEY, dim: 8 }, "its vectors have 4 dimensions, the model's have 8"],
      [{ modelKey: KEY, dim: DIM, dtype: 'int8' }, 'its vectors are fp32, not the int8 asked for'],
    ] as const;
    for (const [want, why] of cases) {
      const err = (() => { try { checkVectorFit(manifest, url, want, { mismatch: 'error', fix, orElse: 'or pass X' }); } catch (e) { return e as HllmError; } throw new Error('expected VECTORS_MISMATCH'); })();
      expect([err.code, err.message, err.details?.expected, err.details?.actual]).toEqual(['VECTORS_MISMATCH', `${url} does not fit this model: ${why}. ${fix}, or pass X.`, want.modelKey, KEY]);
      expect(checkVectorFit(manifest, url, want, { mismatch: 'encode', fix, instead: 'encoding here', warn })).toBe(false);
      expect(warnings.pop()).toBe(`${url} does not fit this model (${why}); ignoring it and encoding here. ${fix}.`);
    }
    expect(warnings).toEqual([]);
    rmSync(dir, { recursive: true });
  });
});

describe('manifest location', () => {
  it('a folder gets vectors.json; a .json path is the manifest; shards are relative to its folder', () => {
    expect(vectorManifestUrl('/vectors/')).toBe('/vectors/vectors.json');
    expect(vectorManifestUrl('https://cdn.example/v1')).toBe('https://cdn.example/v1/vectors.json');
    expect(vectorManifestUrl('/v/set-3.json')).toBe('/v/set-3.json');
    expect(shardSetFolder('/v/set-3.json')).toBe('/v');
    expect(shardSetFolder('vectors.json')).toBe('.');
    expect(shardSetFolder('/vectors.json')).toBe('/');
    expect(shardSetFolder('https://cdn.example/v1/vectors.json')).toBe('https://cdn.example/v1/');
  });
});
