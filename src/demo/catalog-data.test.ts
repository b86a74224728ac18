// Unit tests of how the demo formats engine items and looks up titles
// (through a real Node engine's items(): the page never parses the catalogue).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type HllmEngine } from '../engine/engine.ts';
import { displayGenres, displayTitle, lookupTitles } from './catalog-data.ts';

const items = [
  { id: '1', title: 'Toy Story (1995)', genres: 'Adventure|Animation|Children' },
  { id: '2', title: 'Heat, The (1995)', genres: 'Action|Crime' },
  { id: '3', genres: 'Horror' },
];

let engine: HllmEngine;
beforeAll(async () => {
  engine = createEngine();
  await engine.init({ model: 'public/models/default', catalog: items, backend: 'wasm', dtype: 'fp32', storage: 'memory' });
}, 120_000);
afterAll(() => engine.dispose());

describe('catalog-data', () => {
  it('formats titles and pipe-separated genres', () => {
    expect(displayTitle(items[1]!)).toBe('Heat, The (1995)');
    expect(displayTitle(items[2]!)).toBe('Item 3');
    expect(displayGenres(items[0]!)).toBe('Adventure, Animation, Children');
  });

  it('looks titles up through the engine and leaves out ids the catalogue no longer has', async () => {
    const titles = await lookupTitles((ids) => engine.items(ids), ['2', 'gone', '1', '2', 'also-gone']);
    expect([...titles]).toEqual([['2', 'Heat, The (1995)'], ['1', 'Toy Story (1995)']]);
  });

  it('passes on any other failure', async () => {
    await expect(lookupTitles(() => Promise.reject(new Error('worker crashed')), ['1'])).rejects.toThrow('worker crashed');
  });
});
