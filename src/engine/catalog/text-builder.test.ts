// Item text rules from docs/model-format.md, including Python strip() semantics.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CatalogItem } from '../../protocol.ts';
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

/** The definition buildItemText implements, written as plainly as possible. */
function reference(item: CatalogItem, spec: { prompt: string; text_fields: string[]; field_template: string; field_separator: string }): string {
  const ws = new Set('\t\n\u000b\u000c\r\u001c\u001d\u001e\u001f \u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000');
  const strip = (s: string) => { const c = [...s]; while (c.length && ws.has(c[0]!)) c.shift(); while (c.length && ws.has(c[c.length - 1]!)) c.pop(); return c.join(''); };
  const parts: string[] = [];
  for (const key of spec.text_fields) {
    const value = strip(fieldString(item[key]));
    if (value !== '') parts.push(spec.field_template.split('{key}').join(key).split('{value}').join(value));
  }
  return spec.prompt + parts.join(spec.field_separator);
}

describe('buildItemText against its plain definition', () => {
  it('gives the same text on random items and templates (whitespace, $ patterns, repeated {value})', () => {
    const ws = fc.constantFrom(' ', '\t', '\u00a0', '\u3000', '\u0085', '\u001f', '\ufeff', '\u200b', 'a', '$&', '{value}', '{key}');
    const text = fc.oneof(fc.string(), fc.array(ws, { maxLength: 6 }).map((a) => a.join('')), fc.tuple(fc.array(ws, { maxLength: 3 }), fc.string(), fc.array(ws, { maxLength: 3 })).map(([a, b, c]) => a.join('') + b + c.join('')));
    const value = fc.oneof(text, fc.double({ noNaN: true, noDefaultInfinity: true }), fc.array(text, { maxLength: 3 }), fc.constant(null), fc.constant(undefined));
    const template = fc.constantFrom('{key}: {value}', '<{key}>={value};', '{value}', '{value} and {value}', 'no slots', '{key}{key}={value}$1');
    fc.assert(fc.property(fc.dictionary(fc.constantFrom('title', 'genres', 'tags', 'year'), value), template, fc.constantFrom('', 'Compress: '), fc.constantFrom(' ', '|', ''), (fields, field_template, prompt, field_separator) => {
      const s = { prompt, text_fields: ['title', 'genres', 'tags', 'year'], field_template, field_separator };
      const item = { id: '1', ...fields } as CatalogItem;
      expect(buildItemText(item, s)).toBe(reference(item, s));
    }), { numRuns: 500 });
  });
});
