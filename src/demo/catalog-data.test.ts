/**
 * Role: unit tests of the demo's catalogue parsing and search.
 * May import: ./catalog-data, vitest.
 */
import { describe, expect, it } from 'vitest';
import { parseCatalog, searchCatalog } from './catalog-data';

const csv = [
  'item_id,title,genres,tags',
  '1,Toy Story (1995),Adventure|Animation|Children,pixar|fun',
  '2,"Heat, The (1995)",Action|Crime,',
  '3,Alien (1979),Horror|Sci-Fi,space',
].join('\n');

describe('catalog-data', () => {
  it('parses quoted CSV and joins pipe-separated genres', () => {
    const items = parseCatalog(csv);
    expect(items.map((i) => i.id)).toEqual(['1', '2', '3']);
    expect(items[1]!.title).toBe('Heat, The (1995)');
    expect(items[0]!.genres).toBe('Adventure, Animation, Children');
  });

  it('rejects a catalogue the engine would reject, instead of showing different items', () => {
    expect(() => parseCatalog('item_id,title\n1,A\n1,B\n')).toThrow(/appears more than once/);
  });

  it('matches every word, title matches first', () => {
    const items = parseCatalog(csv);
    expect(searchCatalog(items, '  ').length).toBe(3);
    expect(searchCatalog(items, 'sci-fi space').map((i) => i.id)).toEqual(['3']);
    expect(searchCatalog(items, 'toy PIXAR').map((i) => i.id)).toEqual(['1']);
    expect(searchCatalog(items, 'nope')).toEqual([]);
  });
});
