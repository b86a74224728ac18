// Property test (fast-check): every store keeps any Float32Array bit for bit — NaN
// payloads, -0, subnormals, ±Infinity — under (model sha, text sha), on fake-indexeddb
// (a full IndexedDB implementation with real structured cloning) and in memory.
import 'fake-indexeddb/auto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IdbStore } from './idb-store.ts';
import { MemoryStore } from './memory-store.ts';
import { ResilientStore } from './open-store.ts';
import type { Store } from './types.ts';

const bits = (v: Float32Array) => Array.from(new Uint32Array(v.buffer, v.byteOffset, v.length));
// Any 32-bit pattern, so NaNs with payloads and signalling NaNs are covered too.
const anyVector = fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: 1, maxLength: 300 })
  .map((a) => new Float32Array(new Uint32Array(a).buffer));
const hex = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 1, maxLength: 8 });
const entries = fc.uniqueArray(fc.tuple(hex, anyVector), { selector: (e) => e[0], minLength: 1, maxLength: 8 });

let n = 0;
const stores: Array<[string, () => Promise<Store>]> = [
  ['IdbStore', () => IdbStore.open(`rt-${++n}`)],
  ['ResilientStore(IdbStore)', async () => new ResilientStore(await IdbStore.open(`rt-${++n}`), () => undefined)],
  ['MemoryStore', async () => new MemoryStore()],
];

describe.each(stores)('%s round-trips vectors bit-exactly (fast-check)', (_name, open) => {
  it('getVectors returns the same bits that putVectors stored, as a Float32Array', async () => {
    await fc.assert(fc.asyncProperty(hex, entries, async (model, es) => {
      const s = await open();
      try {
        await s.putVectors(model, es);
        const got = await s.getVectors(model, es.map((e) => e[0]));
        expect(got.size).toBe(es.length);
        for (const [t, v] of es) {
          const g = got.get(t)!;
          expect(g).toBeInstanceOf(Float32Array);
          expect(bits(g)).toEqual(bits(v));
        }
        // a different model key never sees them (vectors of another model are never used)
        expect((await s.getVectors(`${model}-other`, es.map((e) => e[0]))).size).toBe(0);
      } finally {
        await s.close();
      }
    }), { numRuns: 60 });
  });
});
