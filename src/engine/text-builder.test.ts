// Item text rules from docs/model-format.md, including Python strip() semantics.
import { describe, expect, it } from 'vitest';
import { buildItemText, fieldString, pyStrip } from './text-builder.ts';

const spec = { prompt: '', text_fields: ['title', 'genres', 'tags'], field_template: '{key}: {value}', field_separator: ' ' };

describe('buildItemText', () => {
  it('joins non-empty fields in manifest order', () => {
    expect(buildItemText({ id: '1', tags: 'pixar', title: 'Toy Story (1995)', genres: 'Animation|Comedy' }, spec))
      .toBe('title: Toy Story (1995) genres: Animation|Comedy tags: pixar');
  });
  it('skips missing, empty and whitespace-only values and trims the rest', () => {
    expect(buildItemText({ id: '1', title: '  Heat  ', genres: '   ', tags: '' }, spec)).toBe('title: Heat');
    expect(buildItemText({ id: '1' }, spec)).toBe('');
  });
  it('prepends the prompt and uses the separator and template verbatim', () => {
    const s = { prompt: 'Compress the following sentence into embedding: ', text_fields: ['title', 'year'], field_template: '<{key}>={value};', field_separator: '|' };
    expect(buildItemText({ id: '1', title: 'A', year: 1999 }, s)).toBe('Compress the following sentence into embedding: <title>=A;|<year>=1999;');
  });
  it('does not treat $ patterns in values specially', () => {
    expect(buildItemText({ id: '1', title: "$& $' $1" }, spec)).toBe("title: $& $' $1");
  });
  it('joins arrays with ", " and stringifies numbers', () => {
    expect(fieldString(['a', 'b'])).toBe('a, b');
    expect(fieldString(3.5)).toBe('3.5');
    expect(fieldString(null)).toBe('');
  });
  it('strips like Python str.strip()', () => {
    expect(pyStrip('\u001f x \u0085')).toBe('x');
    expect(pyStrip('\u3000x\u00a0')).toBe('x');
    expect(pyStrip('\ufeffx')).toBe('\ufeffx'); // not whitespace in Python
    expect(pyStrip('\u200bx')).toBe('\u200bx');
  });
});
