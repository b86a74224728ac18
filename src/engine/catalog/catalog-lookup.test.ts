// items(), search() and the "because" item in Node on the real default model (ORT WASM,
// memory storage): pages ask the engine for catalogue rows instead of parsing the
// catalogue a second time. Each bad input is rejected with exactly one error code.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HllmError, type HllmErrorCode } from '../../errors.ts';
import type { CatalogItem } from '../../protocol.ts';
import { parseCsv } from './catalog.ts';
import { CatalogText } from './catalog-search.ts';
import { createEngine, type HllmEngine } from '../engine.ts';

const real = parseCsv(readFileSync('public/catalogs/ml-latest-small/items.csv', 'utf8')).slice(0, 40);
const crafted: CatalogItem[] = [
  { id: 's1', title: 'Quiet Harbor', genres: 'Drama', tags: 'zebra, sea' },
  { id: 's2', title: 'Zebra Crossing', genres: 'Comedy' },
  { id: 's3', title: 'Picture Frame', genres: 'Drama', image: 'https://zebra.example/x.png' },
];
const catalog = [...crafted, ...real];
const codeOf = async (p: Promise<unknown>): Promise<HllmErrorCode | 'none' | 'other'> =>
  p.then(() => 'none' as const, (e) => (e instanceof HllmError ? e.code : 'other'));

let e: HllmEngine;
beforeAll(async () => {
  e = createEngine();
  await e.init({ model: 'public/models/default', catalog, backend: 'wasm', dtype: 'fp32', storage: 'memory' });
}, 120_000);
afterAll(() => e.dispose());

describe('items()', () => {
  it('returns the catalogue items in the order asked, repeats included, and no vectors', async () => {
    const got = await e.items([real[7]!.id, 's2', real[7]!.id]);
    expect(got).toEqual([real[7], crafted[1], real[7]]);
    expect(await e.items([])).toEqual([]);
    expect(got.every((it) => Object.values(it).every((v) => !(v instanceof Float32Array)))).toBe(true);
  });

  it('rejects an unknown id with UNKNOWN_ITEM naming it, and a non-array with INVALID_OPTIONS', async () => {
    const err = await e.items(['s1', 'no-such-id']).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(HllmError);
    expect((err as HllmError).code).toBe('UNKNOWN_ITEM');
    expect((err as HllmError).message).toContain("'no-such-id'");
    expect((err as HllmError).details).toEqual({ itemId: 'no-such-id' });
    expect(await codeOf(e.items('s1' as unknown as string[]))).toBe('INVALID_OPTIONS');
  });
});

describe('search()', () => {
  it('lists the catalogue in order for an empty query, 20 by default, and pages with offset', async () => {
    const first = await e.search('');
    expect(first.total).toBe(catalog.length);
    expect(first.items.map((i) => i.id)).toEqual(catalog.slice(0, 20).map((i) => i.id));
    const page = await e.search('   ', { limit: 5, offset: 40 });
    expect(page).toEqual({ items: catalog.slice(40, 43), total: catalog.length });
  });

  it('matches every word case-insensitively across text fields, title matches first, never in image URLs', async () => {
    expect((await e.search('ZEBRA')).items.map((i) => i.id)).toEqual(['s2', 's1']);
    expect(await e.search('zebra drama')).toEqual({ items: [crafted[0]], total: 1 });
    expect((await e.search('toy story')).items[0]).toEqual(real.find((i) => i.title === 'Toy Story (1995)'));
    expect(await e.search('no such words here')).toEqual({ items: [], total: 0 });
  });

  it.each([
    ['limit 0', { limit: 0 }], ['limit 1001', { limit: 1001 }], ['fractional limit', { limit: 2.5 }],
    ['string limit', { limit: '5' as unknown as number }], ['negative offset', { offset: -1 }], ['NaN offset', { offset: Number.NaN }],
  ])('rejects %s with INVALID_OPTIONS and keeps the history', async (_name, options) => {
    await e.track('s1');
    const before = await e.history();
    expect(await codeOf(e.search('zebra', options))).toBe('INVALID_OPTIONS');
    expect(await e.history()).toEqual(before);
  });

  it('rejects a query that is not a string with INVALID_OPTIONS', async () => {
    expect(await codeOf(e.search(42 as unknown as string))).toBe('INVALID_OPTIONS');
  });

  it('searches the new catalogue after setCatalog()', async () => {
    const e2 = createEngine();
    await e2.init({ model: 'public/models/default', catalog: crafted, backend: 'wasm', dtype: 'fp32', storage: 'memory' });
    expect((await e2.search('zebra')).total).toBe(2);
    await e2.setCatalog([{ id: 'n1', title: 'Zebra Returns' }, crafted[2]!]);
    expect(await e2.search('zebra')).toEqual({ items: [{ id: 'n1', title: 'Zebra Returns' }], total: 1 });
    expect(await codeOf(e2.items(['s1']))).toBe('UNKNOWN_ITEM');
    await e2.dispose();
  }, 120_000);
});

describe('CatalogText on 100k items', () => {
  it('finds exactly the matching rows, title matches first', () => {
    const items: CatalogItem[] = Array.from({ length: 100_000 }, (_, i) => ({
      id: String(i), title: i % 1000 === 0 ? `Needle ${i}` : `Item ${i}`, tags: i % 1000 === 500 ? 'needle' : 'hay',
    }));
    const text = CatalogText.of(items);
    const rows = text.match('NEEDLE');
    expect(rows.length).toBe(200);
    expect(rows.slice(0, 100).every((r) => r % 1000 === 0)).toBe(true);
    expect(rows.slice(100).every((r) => r % 1000 === 500)).toBe(true);
    expect(text.match('needle 99000')).toEqual([99000]);
  });
});

describe('because', () => {
  it('recommend() carries the history item itself', async () => {
    await e.forget('all');
    const liked = [real[3]!.id, real[11]!.id];
    for (const id of liked) await e.track(id, { type: 'like' });
    const recs = await e.recommend({ k: 8 });
    expect(recs).toHaveLength(8);
    for (const r of recs) {
      expect(liked).toContain(r.because!.id);
      expect(r.because!.item).toEqual((await e.items([r.because!.id]))[0]);
    }
  });

  it('similar() carries the seed item, with the result\'s own score', async () => {
    const sim = await e.similar('s2', 4);
    expect(sim).toHaveLength(4);
    for (const s of sim) expect(s.because).toEqual({ id: 's2', score: s.score, item: crafted[1] });
  });
});
