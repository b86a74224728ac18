// Catalogue validation (valibot schema in catalog-schema.ts): every malformed input is an
// INVALID_CATALOG HllmError whose message says what to fix; odd but valid text (1 MB
// fields, control characters, RTL, emoji) passes through unchanged; 100k rows parse fast.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HllmError } from '../../errors.ts';
import { parseCatalogText, parseCsv, validateCatalog } from './catalog.ts';
import { fastEntry, schemaEntry } from './catalog-schema.ts';

function rejection(f: () => unknown): HllmError {
  try {
    f();
  } catch (e) {
    if (e instanceof HllmError) return e;
    throw new Error(`expected an HllmError, got ${String(e)}`);
  }
  throw new Error('expected a rejection, got a result');
}
// "Says what to do": every message names an action, and that the old data is untouched.
const ACTION = /(fix|check|give|add|merge|rename|serve|quote)/i;

const bad: Array<[string, () => unknown, RegExp]> = [
  ['malformed JSON', () => parseCatalogText('[{"id": 1,}]', 'c.json'), /not valid JSON/],
  ['truncated JSON', () => parseCatalogText('[{"id": "1", "title": "Heat"', 'c.json'), /not valid JSON/],
  ['JSON object, not array', () => parseCatalogText('{"id": "1"}', 'c.json'), /must be a JSON array/],
  ['CSV with an unterminated quote', () => parseCsv('item_id,title\n1,"Heat\n2,Alien\n'), /CSV catalogue row/],
  ['CSV with too many fields', () => parseCsv('item_id,title\n1,Heat,extra,more\n'), /CSV catalogue row/],
  ['CSV without an id column', () => parseCsv('name,title\na,b\n'), /'item_id' or 'id' column/],
  ['an HTML page instead of a catalogue', () => parseCatalogText('<!DOCTYPE html><html><body>Not found</body></html>', '/items.csv'), /HTML/],
  ['missing id', () => validateCatalog([{ title: 'x' }]), /has no id/],
  ['empty id', () => validateCatalog([{ id: '   ', title: 'x' }]), /must not be empty/],
  ['id of the wrong type', () => validateCatalog([{ id: { x: 1 } }]), /field 'id'/],
  ['duplicate ids', () => validateCatalog([{ id: 'a' }, { id: 'b' }, { id: 'a' }]), /'a' appears more than once \(entries 0 and 2\)/],
  ['duplicate ids after number → string', () => validateCatalog([{ id: 7 }, { id: '7' }]), /'7' appears more than once/],
  ['duplicate ids in CSV', () => parseCsv('item_id,title\n1,a\n1,b\n'), /'1' appears more than once/],
  ['object field', () => validateCatalog([{ id: '1', title: { en: 'x' } }]), /field 'title'/],
  ['boolean field', () => validateCatalog([{ id: '1', adult: true }]), /field 'adult'/],
  ['NaN field', () => validateCatalog([{ id: '1', year: Number.NaN }]), /field 'year'/],
  ['Infinity field', () => validateCatalog([{ id: '1', year: Infinity }]), /field 'year'/],
  ['array of numbers', () => validateCatalog([{ id: '1', tags: [1, 2] }]), /field 'tags/],
  ['entry that is not an object', () => validateCatalog([{ id: '1' }, 'two']), /entry 1/],
  ['null entry', () => validateCatalog([null]), /entry 0/],
  ['empty JSON catalogue', () => parseCatalogText('[]', 'c.json'), /catalogue is empty/],
  ['CSV with a header only', () => parseCsv('item_id,title\n'), /catalogue is empty/],
  ['empty file', () => parseCatalogText('', '/items.csv'), /is empty/],
  ['whitespace-only file', () => parseCatalogText(' \n\t\n', '/items.csv'), /is empty/],
];

describe('malformed catalogues → INVALID_CATALOG with an actionable message', () => {
  it.each(bad)('%s', (_name, f, msg) => {
    const e = rejection(f);
    expect(e.code).toBe('INVALID_CATALOG');
    expect(e.message).toMatch(msg);
    expect(e.message).toMatch(ACTION);
  });

  it('never throws anything but INVALID_CATALOG on any JSON value or any text (fast-check)', () => {
    fc.assert(fc.property(fc.jsonValue(), (j) => {
      try { validateCatalog(j); } catch (e) { expect(e).toBeInstanceOf(HllmError); expect((e as HllmError).code).toBe('INVALID_CATALOG'); }
    }), { numRuns: 500 });
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 400 }), fc.constantFrom('a.csv', 'a.json', ''), (t, hint) => {
      try { parseCatalogText(t, hint); } catch (e) { expect(e).toBeInstanceOf(HllmError); expect((e as HllmError).code).toBe('INVALID_CATALOG'); }
    }), { numRuns: 500 });
  });
});

describe('odd but valid catalogues pass through unchanged', () => {
  it('keeps a 1 MB text field, control characters, RTL text and emoji byte for byte', () => {
    const big = 'x'.repeat(1 << 20);
    const odd = 'bell\u0007 nul\u0000 tab\t rtl \u202eשלום مرحبا\u202c zwj 👩‍👩‍👧 flag 🏳️‍🌈 bom\ufeff';
    const items = validateCatalog([{ id: 'big', title: big }, { id: 'odd', title: odd, tags: [odd, '🎬'] }]);
    expect(items[0]!.title).toBe(big);
    expect(items[1]).toEqual({ id: 'odd', title: odd, tags: [odd, '🎬'] });
    const csv = parseCsv(`item_id,title\nodd,"${odd.replace(/"/g, '""')}"\nbig,${big}\n`);
    expect(csv.map((i) => i.title)).toEqual([odd, big]);
  });

  it('accepts a one-column CSV (only item_id)', () => {
    expect(parseCsv('item_id\n1\n2\n')).toEqual([{ id: '1' }, { id: '2' }]);
  });

  // How long a large parse takes is a benchmark figure (bench/catalog-bench.ts, "parse CSV"), not a test.
  it('parses and validates 100k CSV rows, quoted commas included', () => {
    const rows = ['item_id,title,genres'];
    for (let i = 0; i < 100_000; i++) rows.push(`${i},"Movie ${i}, The (19${i % 100})",Drama|Comedy`);
    const items = parseCsv(rows.join('\n'));
    expect(items).toHaveLength(100_000);
    expect(items[99_999]).toEqual({ id: '99999', title: 'Movie 99999, The (1999)', genres: 'Drama|Comedy' });
  });
});

describe('the fast entry path (catalog-schema.ts fastEntry)', () => {
  it('gives exactly the schema path\'s item whenever it takes an entry, and leaves every other entry to it', () => {
    const val = fc.oneof(fc.string(), fc.constantFrom('', ' 7 ', 'x'), fc.double(), fc.integer(), fc.constant(null), fc.constant(undefined), fc.array(fc.string(), { maxLength: 2 }), fc.constant({ nested: 1 }), fc.boolean());
    const key = fc.oneof(fc.constantFrom('id', 'item_id', 'title', 'genres', '__proto__', 'constructor', 'toString'), fc.string({ maxLength: 4 }));
    fc.assert(fc.property(fc.array(fc.tuple(key, val), { maxLength: 6 }), (pairs) => {
      const raw = Object.fromEntries(pairs);
      const fast = fastEntry(raw);
      let slow: unknown;
      try { slow = schemaEntry(raw, 0); } catch (e) { slow = e; }
      if (fast !== null) {
        expect(slow).not.toBeInstanceOf(Error);
        expect(fast).toStrictEqual(slow);
        expect(Object.getPrototypeOf(fast)).toBe(Object.prototype);
      }
    }), { numRuns: 3000 });
  });

  it('takes the CSV rows papaparse makes (so a big CSV skips the schema) and not arrays, NaN or a missing id', () => {
    expect(fastEntry({ item_id: ' 12 ', title: 'Heat', genres: '' })).toStrictEqual({ id: '12', title: 'Heat', genres: '' });
    expect(fastEntry({ id: 3, item_id: 'x', year: 1995 })).toStrictEqual({ id: '3', item_id: 'x', year: 1995 });
    for (const raw of [{ id: '1', tags: ['a'] }, { id: '1', n: Number.NaN }, { title: 'no id' }, { id: '  ' }, [], 'str', null]) expect(fastEntry(raw)).toBeNull();
  });
});
