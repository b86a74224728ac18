// Unit tests of the vector writer and its plan, on temp folders: shards cut at the byte
// target, --previous keeping unchanged shards byte-identical and cutting down those that
// lost rows (old int8 codes kept, not re-quantised), new rows at the end, and a run that
// failed part-way resumed from its journal without encoding the finished shards again.
// The encoder here is a deterministic function of the row (the real model is in
// src/cli/hllm.test.ts): these tests are about files, not vectors.
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { encodeShard, shardBytes, type VectorDtype } from './format.ts';
import { readShardSet, textShasById, vectorsById } from './shard-set.ts';
import { chunkRows, planShards, subsetShard, type RowKey } from './shard-plan.ts';
import { writeVectors, type WriteVectorsOptions } from './writer.ts';

const DIM = 8;
const KEY = 'a'.repeat(64);
const shaOf = (text: string) => (text.split('').reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7) >>> 0).toString(16).padStart(64, '0');
const vecOf = (sha: string) => Float32Array.from({ length: DIM }, (_, j) => Math.sin(parseInt(sha.slice(-8), 16) * 0.001 + j));
const catalog = (n: number, edit: Record<string, string> = {}): RowKey[] =>
  Array.from({ length: n }, (_, i) => ({ id: String(i + 1), textSha256: shaOf(edit[String(i + 1)] ?? `item ${i + 1}`) }));

function options(out: string, rows: RowKey[], extra: Partial<WriteVectorsOptions> = {}) {
  const encoded: string[] = [];
  const o: WriteVectorsOptions = {
    out, rows, model: { id: 'm', key: KEY }, dim: DIM, dtype: 'int8', shardBytes: 1024, warn: () => undefined,
    encode: async (idx) => {
      const v = new Float32Array(idx.length * DIM);
      idx.forEach((i, k) => { encoded.push(rows[i]!.id); v.set(vecOf(rows[i]!.textSha256), k * DIM); });
      return v;
    },
    ...extra,
  };
  return { o, encoded };
}

const tmp = () => mkdtempSync(join(tmpdir(), 'hllm-writer-'));

describe('planShards and chunkRows', () => {
  it('keeps whole shards, cuts shards that lost or changed rows, and lists the rest as fresh in order', () => {
    const prev = [
      { path: 'a', rows: catalog(3) },
      { path: 'b', rows: catalog(6).slice(3) },
    ];
    const now = catalog(7, { '5': 'changed' }).filter((r) => r.id !== '6');
    expect(planShards(now, prev)).toEqual({ keep: [0], cut: [{ shard: 1, rows: [0] }], fresh: [4, 5] });
  });

  it('cuts rows so that no shard is over the target unless one row alone is', () => {
    const ids = Array.from({ length: 50 }, (_, i) => `id-${i}`);
    const target = 700;
    const chunks = chunkRows(ids, 'fp16', DIM, target);
    expect(chunks.flatMap(([a, b]) => ids.slice(a, b))).toEqual(ids);
    for (const [a, b] of chunks) expect(shardBytes('fp16', DIM, b - a, ids.slice(a, b))).toBeLessThanOrEqual(target);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunkRows(['x'], 'fp32', 1000, 10)).toEqual([[0, 1]]);
  });

  it('subsetShard equals the shard encoded from the kept rows alone', () => {
    for (const dtype of ['int8', 'fp16', 'fp32'] as VectorDtype[]) {
      const rows = catalog(5);
      const vec = new Float32Array(5 * DIM);
      rows.forEach((r, i) => vec.set(vecOf(r.textSha256), i * DIM));
      const all = encodeShard(dtype, DIM, vec, rows.map((r) => r.textSha256), rows.map((r) => r.id));
      const keep = [0, 3, 4];
      const sub = new Float32Array(keep.flatMap((i) => [...vec.subarray(i * DIM, (i + 1) * DIM)]));
      expect(subsetShard(all, dtype, DIM, 5, rows.map((r) => r.id), keep)).toEqual(encodeShard(dtype, DIM, sub, keep.map((i) => rows[i]!.textSha256), keep.map((i) => rows[i]!.id)));
    }
  });
});

describe('writeVectors', () => {
  it('writes shards under the byte target and a vectors.json that reads back every row', async () => {
    const out = tmp();
    const rows = catalog(40);
    const { o, encoded } = options(out, rows);
    const r = await writeVectors(o);
    expect(encoded).toEqual(rows.map((x) => x.id));
    expect(r.manifest.rows).toBe(40);
    expect(r.manifest.shards.length).toBeGreaterThan(1);
    for (const s of r.manifest.shards) expect(s.bytes).toBeLessThanOrEqual(1024);
    const set = await readShardSet(out);
    const v = vectorsById(set);
    for (const row of rows) {
      const want = vecOf(row.textSha256);
      const got = v.get(row.id)!;
      const step = Math.max(...want.map(Math.abs)) / 127;
      for (let j = 0; j < DIM; j++) expect(Math.abs(got[j]! - want[j]!)).toBeLessThanOrEqual(step / 2 + 1e-7);
    }
    expect(existsSync(join(out, '.partial'))).toBe(false);
  });

  it('with --previous keeps unchanged shards byte-identical, cuts the ones with removed rows, encodes only new and changed items', async () => {
    const a = tmp();
    const first = await writeVectors(options(a, catalog(40)).o);
    const b = tmp();
    // item 2 changed, item 20 removed, item 41 added
    const rows = catalog(41, { '2': 'new text' }).filter((r) => r.id !== '20');
    const { o, encoded } = options(b, rows, { previous: a });
    const r = await writeVectors(o);
    expect(encoded.sort()).toEqual(['2', '41']);
    const setA = await readShardSet(a);
    const touched = first.manifest.shards.filter((s) => {
      const ids = setA.shards.find((x) => x.entry.path === s.path)!.shard.ids;
      return ids.includes('2') || ids.includes('20');
    });
    expect(r.cut).toBe(touched.length);
    expect(r.kept).toBe(first.manifest.shards.length - touched.length);
    for (const s of first.manifest.shards.filter((x) => !touched.includes(x))) {
      expect(r.manifest.shards).toContainEqual(s);
      expect(readFileSync(join(b, s.path))).toEqual(readFileSync(join(a, s.path)));
    }
    const shas = textShasById(await readShardSet(b));
    expect([...shas.keys()].sort()).toEqual(rows.map((x) => x.id).sort());
    for (const row of rows) expect(shas.get(row.id)).toBe(row.textSha256);
    // new items go at the end
    expect((await readShardSet(b)).shards.at(-1)!.shard.ids).toContain('41');
  });

  it('updated in place (--previous = --out), drops the files the new vectors.json no longer names', async () => {
    const a = tmp();
    await writeVectors(options(a, catalog(40)).o);
    const rows = catalog(40).slice(10);
    const r = await writeVectors(options(a, rows, { previous: a }).o);
    const files = readdirSync(a).filter((f) => f.endsWith('.bin')).sort();
    expect(files).toEqual(r.manifest.shards.map((s) => s.path).sort());
    expect(vectorsById(await readShardSet(a)).size).toBe(30);
  });

  it('resumes after a failure part-way: finished shards are not encoded again and the result equals an uninterrupted run', async () => {
    const rows = catalog(100);
    const whole = tmp();
    const ref = await writeVectors(options(whole, rows).o);
    expect(ref.manifest.shards.length).toBeGreaterThan(3);
    const out = tmp();
    let calls = 0;
    const failing = options(out, rows);
    const inner = failing.o.encode;
    failing.o.encode = async (idx) => {
      if (++calls === 3) throw new Error('killed');
      return inner(idx);
    };
    await expect(writeVectors(failing.o)).rejects.toThrow('killed');
    expect(existsSync(join(out, 'vectors.json'))).toBe(false);
    const again = options(out, rows);
    const r = await writeVectors(again.o);
    expect(r.resumed).toBe(2);
    const firstTwo = ref.manifest.shards.slice(0, 2).reduce((s, x) => s + x.rows, 0);
    expect(again.encoded.length).toBe(rows.length - firstTwo);
    expect(r.manifest.shards).toEqual(ref.manifest.shards);
    for (const s of ref.manifest.shards) expect(readFileSync(join(out, s.path))).toEqual(readFileSync(join(whole, s.path)));
  });

  it('a rebuild with nothing changed encodes nothing and leaves vectors.json byte-identical', async () => {
    const a = tmp();
    await writeVectors(options(a, catalog(40)).o);
    const before = readFileSync(join(a, 'vectors.json'));
    const again = options(a, catalog(40), { previous: a });
    // a minute later, so a fresh 'created' would differ
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 60_000);
    const r = await writeVectors(again.o).finally(() => vi.useRealTimers());
    expect(again.encoded).toEqual([]);
    expect(r.kept).toBe(r.manifest.shards.length);
    expect(readFileSync(join(a, 'vectors.json'))).toEqual(before);
  });

  it('a damaged --previous shard is not reused: one warning naming it, its rows encoded again', async () => {
    const a = tmp();
    const first = await writeVectors(options(a, catalog(40)).o);
    const bad = first.manifest.shards[1]!;
    const badIds = (await readShardSet(a)).shards[1]!.shard.ids;
    const bytes = readFileSync(join(a, bad.path));
    bytes[0]! ^= 1;
    writeFileSync(join(a, bad.path), bytes);
    const warnings: string[] = [];
    const again = options(tmp(), catalog(40), { previous: a, warn: (m) => warnings.push(m) });
    const r = await writeVectors(again.o);
    expect(warnings).toEqual([expect.stringMatching(new RegExp(`${bad.path} has sha256 .*encoded again`))]);
    expect(again.encoded.sort()).toEqual([...badIds].sort());
    expect(vectorsById(await readShardSet(again.o.out)).size).toBe(40);
    expect(r.kept).toBe(first.manifest.shards.length - 1);
  });

  it('a --previous set of another model key or dtype is not reused: one warning saying why, every row encoded', async () => {
    const a = tmp();
    await writeVectors(options(a, catalog(20)).o);
    for (const [extra, why] of [[{ model: { id: 'm2', key: 'b'.repeat(64) } }, /it was built for model key aaaaaaaaaaaa… \(m\), this model's key is bbbbbbbbbbbb…/],
      [{ dtype: 'fp16' as const }, /its vectors are int8, not the fp16 asked for/]] as const) {
      const warnings: string[] = [];
      const again = options(tmp(), catalog(20), { previous: a, warn: (m) => warnings.push(m), ...extra });
      const r = await writeVectors(again.o);
      expect(warnings).toEqual([expect.stringMatching(new RegExp(`^--previous: .*vectors\\.json does not fit this model \\(${why.source}\\); ignoring it and encoding every item\\.$`))]);
      expect([again.encoded.length, r.kept, r.cut]).toEqual([20, 0, 0]);
    }
  });

  it('rejects duplicate ids with INVALID_CATALOG', async () => {
    const rows = [...catalog(3), catalog(3)[1]!];
    await expect(writeVectors(options(tmp(), rows).o)).rejects.toMatchObject({ code: 'INVALID_CATALOG' });
  });
});
