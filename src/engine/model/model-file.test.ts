// fetchModelFiles with kept files (Node has no Cache Storage: a Map stands in for the
// ModelFileStore, the files are the shipped default model read through the fs Fetcher): the
// quota check before any download, stored files read without a download, a damaged stored
// file reported once and fetched again, a refused write as QUOTA_EXCEEDED.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defaultFetcher } from '../../io/fetcher.ts';
import type { Progress } from '../../protocol.ts';
import type { ModelFileStore } from '../../storage/model-files.ts';
import { parseManifest, runtimeFiles } from './manifest.ts';
import type { FileSource } from './model-file.ts';
import { fetchModelFiles } from './model-loader.ts';

const BASE = 'public/models/default';
const manifest = parseManifest(JSON.parse(readFileSync(`${BASE}/hllm.json`, 'utf8')));
const files = runtimeFiles(manifest, 'fp32');
const total = files.reduce((a, f) => a + f.bytes, 0);

function memoryStore(space: number, refuse = false) {
  const m = new Map<string, Uint8Array>();
  const claims: Array<{ folder: string; shas: readonly string[] }> = [];
  const store: ModelFileStore = {
    get: async (s) => m.get(s) ?? null,
    has: async (s) => m.has(s),
    put: async (s, b) => {
      if (refuse) throw new DOMException('Quota exceeded.', 'QuotaExceededError');
      m.set(s, b.slice());
    },
    delete: async (s) => { m.delete(s); },
    claim: async (folder, shas) => { claims.push({ folder, shas }); return 0; },
    spaceLeft: async () => space,
  };
  return { store, m, claims };
}

function source(kept: ModelFileStore) {
  const fetched: string[] = [];
  const warnings: string[] = [];
  const src: FileSource = {
    fetcher: (url, onBytes) => { fetched.push(url.slice(BASE.length + 1)); return defaultFetcher(url, onBytes); },
    stream: false, kept, warn: (w) => warnings.push(w),
  };
  return { src, fetched, warnings };
}

const load = (src: FileSource, progress: Progress[] = []) => fetchModelFiles(BASE, manifest, 'fp32', src, (p) => progress.push(p));

describe('fetchModelFiles with kept files', () => {
  it('refuses with QUOTA_EXCEEDED, naming the bytes needed and left, before downloading anything', async () => {
    const { store, m } = memoryStore(total - 1);
    const { src, fetched } = source(store);
    const e = await load(src).catch((x) => x);
    expect(e).toMatchObject({ code: 'QUOTA_EXCEEDED', details: { needed: total, available: total - 1 } });
    expect(e.message).toContain(`needs ${total} bytes`);
    expect(e.message).toContain(`has ${total - 1} bytes`);
    expect(e.message).toMatch(/free space for this site/);
    expect(fetched).toEqual([]);
    expect(m.size).toBe(0);
  });

  it('downloads and keeps every file once, then reads them all from the store: verify progress, no download', async () => {
    const { store, m, claims } = memoryStore(total);
    const first = source(store);
    await load(first.src);
    expect(first.fetched.sort()).toEqual(files.map((f) => f.path).sort());
    expect([...m.keys()].sort()).toEqual(files.map((f) => f.sha256).sort());
    expect(claims).toEqual([{ folder: `${BASE}/hllm.json`, shas: files.map((f) => f.sha256) }]);
    // Everything is stored now: no space is needed.
    const again = source({ ...store, spaceLeft: async () => 0 });
    const progress: Progress[] = [];
    const got = await load(again.src, progress);
    expect(again.fetched).toEqual([]);
    expect(progress.filter((p) => p.phase === 'download')).toEqual([]);
    expect(progress.filter((p) => p.phase === 'verify')).toHaveLength(files.length);
    expect(got.itemEncoder).toEqual(new Uint8Array(readFileSync(`${BASE}/onnx/item_encoder.onnx`)));
    expect(again.warnings).toEqual([]);
  });

  it.each([
    ['one byte flipped', (b: Uint8Array) => { const c = b.slice(); c[c.length >> 1]! ^= 1; return c; }],
    ['truncated', (b: Uint8Array) => b.slice(0, b.length - 1)],
  ])('a stored file %s is reported once, deleted, downloaded again and stored right', async (_name, damage) => {
    const { store, m } = memoryStore(total);
    await load(source(store).src);
    const item = files.find((f) => f.role === 'item_encoder')!;
    m.set(item.sha256, damage(m.get(item.sha256)!));
    const again = source(store);
    const progress: Progress[] = [];
    await load(again.src, progress);
    expect(again.fetched).toEqual([item.path]);
    expect(again.warnings).toHaveLength(1);
    expect(again.warnings[0]).toMatch(/stored copy of onnx\/item_encoder\.onnx .*damaged.*downloaded again/);
    expect(m.get(item.sha256)).toEqual(new Uint8Array(readFileSync(`${BASE}/${item.path}`)));
    const downloads = progress.filter((p) => p.phase === 'download');
    expect(downloads.at(-1)).toMatchObject({ done: item.bytes, total: item.bytes, detail: item.path });
  });

  it('a stored file gone since it was listed is downloaded again without a warning', async () => {
    const { store } = memoryStore(total);
    await load(source(store).src);
    const item = files.find((f) => f.role === 'item_encoder')!;
    const again = source({ ...store, get: async (s) => (s === item.sha256 ? null : store.get(s)) });
    await load(again.src);
    expect(again.fetched).toEqual([item.path]);
    expect(again.warnings).toEqual([]);
  });

  it('a write the browser refuses for quota is QUOTA_EXCEEDED too', async () => {
    const { store } = memoryStore(total, true);
    await expect(load(source(store).src)).rejects.toMatchObject({ code: 'QUOTA_EXCEEDED', details: { needed: total, available: null } });
  });
});
