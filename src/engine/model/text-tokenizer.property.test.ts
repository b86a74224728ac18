// Property tests (fast-check) for the item-text path on the shipped default model's real
// tokenizer: no string — lone surrogates, control characters, RTL marks, emoji, 10k-char
// runs — makes buildItemText or the tokenizer throw, and every encoder row keeps its shape.
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CatalogItem } from '../../protocol.ts';
import { parseManifest } from './manifest.ts';
import { buildItemText } from '../catalog/text-builder.ts';
import { createItemTokenizer } from './tokenizer.ts';

const DIR = 'public/models/default';
const manifest = parseManifest(JSON.parse(readFileSync(`${DIR}/hllm.json`, 'utf8')));
const tok = createItemTokenizer(
  JSON.parse(readFileSync(`${DIR}/tokenizer.json`, 'utf8')),
  JSON.parse(readFileSync(`${DIR}/tokenizer_config.json`, 'utf8')),
  manifest,
);

// 'binary' units include lone surrogates and every control character; the hand-picked
// pieces make RTL overrides, zero-width joiners and emoji sequences common, not rare.
const nasty = fc.constantFrom('\u202e', '\u200f', '\u200d', '\u0000', '\ufeff', '👩‍👩‍👧', '🏳️‍🌈', 'ש', 'م', '\r\n', '\u2028', '{value}', '$&');
const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({ unit: 'grapheme', maxLength: 300 }),
  fc.array(fc.oneof(nasty, fc.string({ maxLength: 5 })), { maxLength: 60 }).map((a) => a.join('')),
);
const fieldValue = fc.oneof(anyText, fc.double({ noNaN: true, noDefaultInfinity: true }), fc.array(anyText, { maxLength: 4 }), fc.constant(null));

function checkRow(ids: number[]): void {
  expect(ids[0]).toBe(manifest.bos_token_id);
  expect(ids.at(-1)).toBe(manifest.item_token_id);
  expect(ids.length).toBeGreaterThanOrEqual(2);
  expect(ids.length).toBeLessThanOrEqual(manifest.max_text_tokens + 1);
  for (const id of ids) {
    expect(Number.isInteger(id)).toBe(true);
    expect(id).toBeGreaterThanOrEqual(0);
    expect(id).toBeLessThan(tok.vocabSize);
  }
}

describe('text builder + tokenizer never throw (fast-check)', () => {
  it('on any string, every row is [bos, …, item token] within max_text_tokens + 1 and the vocabulary', () => {
    fc.assert(fc.property(anyText, (s) => checkRow(tok.itemIds(s))), { numRuns: 400 });
  });

  it('on any catalogue item built from any field values', () => {
    const item = fc.record({ id: fc.string({ minLength: 1 }), title: fieldValue, genres: fieldValue, tags: fieldValue, extra: fieldValue });
    fc.assert(fc.property(item, (it) => {
      const text = buildItemText(it as CatalogItem, manifest);
      expect(typeof text).toBe('string');
      checkRow(tok.itemIds(text));
    }), { numRuns: 300 });
  });

  it('on a 1 MB title: a full-length row made of the text\'s head; the rest of the megabyte changes nothing', () => {
    const big = 'Crème brûlée 東京 🎬 \u202eevil\u202c '.repeat(40_000).slice(0, 1_000_000);
    const ids = tok.itemIds(buildItemText({ id: 'x', title: big }, manifest));
    checkRow(ids);
    expect(ids.length).toBe(manifest.max_text_tokens + 1);
    // 2,000 characters are far more than max_text_tokens tokens: the row is that head's row.
    expect(ids).toEqual(tok.itemIds(buildItemText({ id: 'x', title: big.slice(0, 2_000) }, manifest)));
  });
});
