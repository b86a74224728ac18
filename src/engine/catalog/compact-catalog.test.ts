// The packed catalogue against the plain-object behaviour it replaced: the same ids, items,
// rows, search results and catalogue diff, on random catalogues (fast-check), and duplicate
// ids still rejected with both rows named.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HllmError } from '../../errors.ts';
import type { CatalogItem } from '../../protocol.ts';
import { diffCatalog, type PreparedCatalog } from '../index/catalog-index.ts';
import { CompactCatalog, PackedIds } from './compact-catalog.ts';
import { hexOf } from '../../io/hex.ts';
import { sha256Hex, sha256Many, sha256ManyPortable } from '../../io/sha256.ts';

/** The search of catalog-search.ts before packing, verbatim: one haystack string per item. */
const SKIP = new Set(['id', 'item_id', 'image', 'url', 'href']);
function oldMatch(items: CatalogItem[], query: string): number[] {
  const w = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (w.length === 0) return items.map((_, i) => i);
  const inTitle: number[] = [];
  const elsewhere: number[] = [];
  items.forEach((it, i) => {
    const parts: string[] = [];
    for (const [k, v] of Object.entries(it)) {
      if (SKIP.has(k)) continue;
      if (typeof v === 'string') parts.push(v);
      else if (Array.isArray(v)) parts.push(v.join(' '));
    }
    const h = parts.join('\n').toLowerCase();
    if (!w.every((x) => h.includes(x))) return;
    const t = typeof it.title === 'string' ? it.title.toLowerCase() : '';
    (w.every((x) => t.includes(x)) ? inTitle : elsewhere).push(i);
  });
  return inTitle.concat(elsewhere);
}

const word = fc.constantFrom('heat', 'Heat', 'hea', 'at', 'ΣΊΣ', 'ς', 'ab', 'b a', 'é', '😀', 'x\ny', '');
const text = fc.array(word, { maxLength: 4 }).map((ws) => ws.join(' '));
const catalog = fc.uniqueArray(
  fc.record({
    id: fc.oneof(fc.string({ minLength: 1, maxLength: 6 }), fc.constantFrom('1', 'é', '😀', 'a b')),
    title: fc.option(text, { nil: undefined }),
    genres: fc.option(fc.array(text, { maxLength: 3 }), { nil: undefined }),
    year: fc.option(fc.integer({ min: -5000, max: 5000 }), { nil: undefined }),
    url: fc.option(text, { nil: undefined }),
  }, { requiredKeys: ['id'] }),
  { selector: (r) => r.id, minLength: 1, maxLength: 40 },
).map((rs) => rs.map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)) as CatalogItem));

const fakeSha = (s: string) => sha256Hex(s);
const sha256ManyHex = async (texts: string[]) => { const d = await sha256Many(texts); return texts.map((_, i) => hexOf(d, i * 32)); };

describe('CompactCatalog', () => {
  it('holds the same ids, items, rows and search results as the plain arrays', async () => {
    await fc.assert(fc.asyncProperty(catalog, fc.array(text, { minLength: 1, maxLength: 5 }), async (items, queries) => {
      const shas = await sha256ManyHex(items.map((it) => JSON.stringify(it)));
      const cat = CompactCatalog.build(items, shas);
      expect(cat.size).toBe(items.length);
      items.forEach((it, i) => {
        expect(cat.id(i)).toBe(it.id);
        expect(cat.item(i)).toStrictEqual(it);
        expect(Object.keys(cat.item(i))).toEqual(Object.keys(it));
        expect(cat.rowOf(it.id)).toBe(i);
        expect(cat.textSha(i)).toBe(shas[i]);
      });
      expect(cat.rowOf(`${items[0]!.id}\u0000`)).toBeUndefined();
      for (const q of [...queries, items[0]!.title ?? '', 'nothing-like-this']) expect(cat.text.match(q)).toEqual(oldMatch(items, String(q)));
    }), { numRuns: 150 });
  });

  it('stores field names once per shape, and its parts rebuild the same items', async () => {
    const items: CatalogItem[] = Array.from({ length: 1000 }, (_, i) => (i % 10 ? { id: String(i), title: `T${i}`, genres: 'Drama' } : { id: String(i), year: i, tags: ['a', 'b'] }));
    items.push(JSON.parse('{"id":"p","__proto__":"own field","title":"x"}') as CatalogItem);
    const cat = CompactCatalog.build(items, await sha256ManyHex(items.map((it) => it.id)));
    const p = cat.parts();
    expect(JSON.parse(p.shapes)).toEqual([['year', 'tags'], ['title', 'genres'], ['__proto__', 'title']]);
    expect(p.json).not.toContain('title');
    const again = CompactCatalog.fromParts(p);
    items.forEach((it, i) => expect(again.item(i)).toStrictEqual(JSON.parse(JSON.stringify(it))));
    expect(Object.getPrototypeOf(again.item(1000))).toBe(Object.prototype);
    expect(() => CompactCatalog.fromParts({ ...p, shapes: '[["id"]]' })).toThrow(/shapes/);
  });

  it('hashes texts in a batch exactly as sha256Hex does, one at a time', async () => {
    const texts = ['', 'title: Heat', 'é😀\u0000', 'x'.repeat(5000)];
    expect(await sha256ManyHex(texts)).toEqual(await Promise.all(texts.map(fakeSha)));
  });

  it("the browsers' hash-wasm batch gives node:crypto's digests, lone surrogates included", async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), fc.constant('\ud800x'), fc.string({ minLength: 400, maxLength: 3000 })), { maxLength: 20 }), async (texts) => {
      const want = new Uint8Array(texts.length * 32);
      texts.forEach((t, i) => want.set(createHash('sha256').update(new TextEncoder().encode(t)).digest(), i * 32));
      expect(await sha256ManyPortable(texts)).toEqual(want);
      expect(await sha256Many(texts)).toEqual(want);
    }), { numRuns: 100 });
  });

  it('rejects a repeated id with INVALID_CATALOG naming both rows', () => {
    const err = (() => { try { PackedIds.of(['a', 'b', 'c', 'b']); } catch (e) { return e; } })();
    expect(err).toBeInstanceOf(HllmError);
    expect((err as HllmError).code).toBe('INVALID_CATALOG');
    expect((err as HllmError).message).toMatch(/'b' appears more than once \(entries 1 and 3\)/);
  });

  it('diffs a new catalogue against the stored snapshot like the Map-based diff did', async () => {
    await fc.assert(fc.asyncProperty(catalog, catalog, async (before, after) => {
      const sha = async (items: CatalogItem[]) => sha256ManyHex(items.map((it) => String(it.title ?? '')));
      const prev = CompactCatalog.build(before, await sha(before));
      const nextShas = await sha(after);
      const next: PreparedCatalog = { items: after, texts: after.map(() => ''), shas: await sha256Many(after.map((it) => String(it.title ?? ''))) };
      const prevMap = new Map(before.map((it, i) => [it.id, prev.textSha(i)]));
      const nextIds = new Set(after.map((it) => it.id));
      const want = {
        added: after.filter((it) => !prevMap.has(it.id)).length,
        changed: after.filter((it, i) => prevMap.has(it.id) && prevMap.get(it.id) !== nextShas[i]).length,
        removed: before.filter((it) => !nextIds.has(it.id)).length,
        droppedShas: [...new Set(before.map((_, i) => prev.textSha(i)).filter((s) => !nextShas.includes(s)))],
      };
      expect(diffCatalog(prev.snapshot(), next)).toEqual(want);
    }), { numRuns: 100 });
  });
});
