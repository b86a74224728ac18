// hex.ts against Node's own hex encoding: every byte value, offsets into packed digests, the
// way back, and the ranges and strings it refuses.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hexOf, hexToBytes } from './hex.ts';

describe('hexOf and hexToBytes', () => {
  it('every byte value as Buffer.toString("hex") writes it; a packed digest at its offset; and back', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(hexOf(all, 0, 256)).toBe(Buffer.from(all).toString('hex'));
    const digests = [createHash('sha256').update('a').digest(), createHash('sha256').update('b').digest()];
    const packed = new Uint8Array(64);
    digests.forEach((d, i) => packed.set(d, i * 32));
    expect([hexOf(packed), hexOf(packed, 32)]).toEqual(digests.map((d) => d.toString('hex')));
    const back = new Uint8Array(64);
    hexToBytes(hexOf(packed, 32), back, 32);
    expect(Buffer.from(back.subarray(32)).equals(digests[1]!)).toBe(true);
  });

  it('refuses a range outside the bytes and a string that is not 64 hex digits', () => {
    expect(() => hexOf(new Uint8Array(40), 16)).toThrow(RangeError);
    expect(() => hexToBytes('ab', new Uint8Array(32), 0)).toThrow(/not 64 hex digits/);
    expect(() => hexToBytes('g'.repeat(64), new Uint8Array(32), 0)).toThrow(RangeError);
  });
});
