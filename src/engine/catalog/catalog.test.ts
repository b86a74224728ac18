// Catalogue parsing (JSON, CSV) and validation errors.
import { describe, expect, it } from 'vitest';
import { HllmError } from '../../errors.ts';
import { parseCatalogText, parseCsv, validateCatalog } from './catalog.ts';

const code = (f: () => unknown) => {
  try { f(); } catch (e) { return e instanceof HllmError ? e.code : 'other'; }
  return 'none';
};

describe('catalogue', () => {
  it('parses CSV with item_id, quotes and commas', () => {
    const items = parseCsv('item_id,title,genres\n1,"Toy Story (1995)",Animation|Comedy\n2,"American President, The (1995)",Comedy\n');
    expect(items).toEqual([
      { id: '1', title: 'Toy Story (1995)', genres: 'Animation|Comedy' },
      { id: '2', title: 'American President, The (1995)', genres: 'Comedy' },
    ]);
  });
  it('accepts an id column and a BOM', () => {
    expect(parseCsv('\ufeffid,title\na,x\n')[0]).toEqual({ id: 'a', title: 'x' });
  });
  it('parses JSON arrays and stringifies numeric ids', () => {
    expect(parseCatalogText('[{"id": 7, "title": "x", "tags": ["a","b"]}]', 'c.json')).toEqual([{ id: '7', title: 'x', tags: ['a', 'b'] }]);
  });
  it('rejects missing and duplicate ids and bad values with INVALID_CATALOG', () => {
    expect(code(() => validateCatalog([{ title: 'x' }]))).toBe('INVALID_CATALOG');
    expect(code(() => validateCatalog([{ id: '1' }, { id: '1' }]))).toBe('INVALID_CATALOG');
    expect(code(() => validateCatalog([{ id: '1', title: { a: 1 } }]))).toBe('INVALID_CATALOG');
    expect(code(() => validateCatalog({ id: '1' }))).toBe('INVALID_CATALOG');
    expect(code(() => parseCsv('name,title\na,b\n'))).toBe('INVALID_CATALOG');
    expect(code(() => parseCatalogText('[{"id": 1,}]', 'x.json'))).toBe('INVALID_CATALOG');
  });
  it('names the duplicate id in the message', () => {
    expect(() => validateCatalog([{ id: 'a' }, { id: 'b' }, { id: 'a' }])).toThrow(/'a' appears more than once/);
  });
});
