// Unit tests of the shard format: round trips per dtype, fp16 edge values, and the
// VECTORS_FORMAT errors of a malformed manifest or shard.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeShard, decodeShardVectors, encodeShard, fromHalf, parseVectorManifest, shardBytes, shardRow, shardShaHex, toHalf } from './format.ts';

const sha = (i: number) => i.toString(16).padStart(64, '0');

describe('shard round trip', () => {
  it('keeps ids, text hashes and values per dtype', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 0, max: 7 }), fc.constantFrom('int8', 'fp16', 'fp32' as const), (dim, rows, dtype) => {
      const vec = Float32Array.from({ length: rows * dim }, (_, i) => Math.sin(i * 1.7) * 3);
      const ids = Array.from({ length: rows }, (_, i) => `id-${i}-é`);
      const shas = ids.map((_, i) => sha(i * 7919));
      const bytes = encodeShard(dtype, dim, vec, shas, ids);
      expect(bytes.length).toBe(shardBytes(dtype, dim, rows, ids));
      const s = decodeShard(bytes, dtype, dim, rows, 'x.bin');
      expect(s.ids).toEqual(ids);
      expect(Array.from({ length: rows }, (_, r) => shardShaHex(s, r))).toEqual(shas);
      const tol = dtype === 'int8' ? 3 / 127 / 2 + 1e-6 : dtype === 'fp16' ? 3 / 1024 : 0;
      for (let r = 0; r < rows; r++) {
        const row = shardRow(s, r);
        for (let j = 0; j < dim; j++) expect(Math.abs(row[j]! - vec[r * dim + j]!)).toBeLessThanOrEqual(tol * 1.0001);
      }
    }));
  });

  it('fp16 converts exactly representable and edge values', () => {
    for (const x of [0, 1, -2, 0.5, 65504, 2 ** -24, -(2 ** -14)]) expect(fromHalf(toHalf(x))).toBe(x);
    expect(fromHalf(toHalf(1e6))).toBe(Infinity);
    expect(fromHalf(toHalf(1 + 2 ** -11))).toBe(1); // ties to even
  });

  it('a truncated shard or a wrong id count is VECTORS_FORMAT naming the file', () => {
    const b = encodeShard('int8', 4, new Float32Array(8), [sha(1), sha(2)], ['a', 'b']);
    expect(() => decodeShard(b.subarray(0, 20), 'int8', 4, 2, 's/0.bin')).toThrow(expect.objectContaining({ code: 'VECTORS_FORMAT', message: expect.stringContaining('s/0.bin') }));
    expect(() => decodeShard(b, 'int8', 4, 1, 's/0.bin')).toThrow(expect.objectContaining({ code: 'VECTORS_FORMAT' }));
  });

  it('decodeShardVectors: the same vectors and digests without ids, and the same id-count check', () => {
    const dim = 3;
    const ids = ['a', 'bé', 'c'];
    const b = encodeShard('int8', dim, Float32Array.from({ length: 9 }, (_, i) => i - 4), ids.map((_, i) => sha(i + 11)), ids);
    const full = decodeShard(b, 'int8', dim, 3, 'v.bin');
    const { ids: _ids, ...vectors } = full;
    expect(decodeShardVectors(b, 'int8', dim, 3, 'v.bin')).toEqual(vectors);
    expect(() => decodeShardVectors(b, 'int8', dim, 2, 'v.bin')).toThrow(expect.objectContaining({ code: 'VECTORS_FORMAT', message: expect.stringContaining('v.bin') }));
    // One id's newline removed: 2 ids where the manifest says 3.
    const short = b.slice(0, -1);
    expect(() => decodeShardVectors(short, 'int8', dim, 3, 'v.bin')).toThrow(expect.objectContaining({ code: 'VECTORS_FORMAT', message: expect.stringContaining('2 ids, not 3') }));
    const badUtf8 = b.slice();
    badUtf8[badUtf8.length - 2] = 0xff; // the last id's byte 'c'
    expect(() => decodeShard(badUtf8, 'int8', dim, 3, 'v.bin')).toThrow(expect.objectContaining({ code: 'VECTORS_FORMAT', message: expect.stringContaining('UTF-8') }));
  });
});

describe('parseVectorManifest', () => {
  const good = () => ({ format: 'hllm-vectors', version: 1, model: { id: 'm', key: sha(5) }, dim: 4, dtype: 'int8', rows: 2, shards: [{ path: 'shards/0.bin', rows: 2, bytes: 2 * (4 + 4 + 32) + 4, sha256: sha(9) }] });
  it('accepts a valid manifest', () => {
    expect(parseVectorManifest(good()).rows).toBe(2);
  });
  it.each([
    ['version', (m: any) => { m.version = 2; }, /version/],
    ['dtype', (m: any) => { m.dtype = 'q4'; }, /dtype/],
    ['rows sum', (m: any) => { m.rows = 3; }, /3/],
    ['path escape', (m: any) => { m.shards[0].path = '../x.bin'; }, /shards\.0\.path/],
    ['short shard', (m: any) => { m.shards[0].bytes = 10; }, /too small/],
    ['model key', (m: any) => { m.model.key = 'abc'; }, /model\.key/],
  ])('rejects a bad %s with VECTORS_FORMAT', (_n, edit, msg) => {
    const m = good();
    edit(m);
    expect(() => parseVectorManifest(m)).toThrow(expect.objectContaining({ code: 'VECTORS_FORMAT', message: expect.stringMatching(msg) }));
  });
});
