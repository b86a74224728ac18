// Unit tests of how the demo formats engine items (titles, pipe-separated genres).
import { describe, expect, it } from 'vitest';
import { displayGenres, displayTitle } from './catalog-data.ts';

const items = [
  { id: '1', title: 'Toy Story (1995)', genres: 'Adventure|Animation|Children' },
  { id: '2', title: 'Heat, The (1995)', genres: 'Action|Crime' },
  { id: '3', genres: 'Horror' },
];

describe('catalog-data', () => {
  it('formats titles and pipe-separated genres', () => {
    expect(displayTitle(items[1]!)).toBe('Heat, The (1995)');
    expect(displayTitle(items[2]!)).toBe('Item 3');
    expect(displayGenres(items[0]!)).toBe('Adventure, Animation, Children');
  });
});
