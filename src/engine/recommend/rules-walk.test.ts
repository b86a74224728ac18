// walkRanking's requests to its ranking source: a ranking with no rules asks the source once,
// for exactly k rows (at 1M items each request is a full top-K scan); rules that can reject
// candidates ask again, with a growing n, until k pass.
import { describe, expect, it } from 'vitest';
import type { CatalogItem } from '../../protocol.ts';
import { batchRules, GroupCaps, walkRanking } from './rules.ts';

/** A ranking of `rows` rows (row r scores −r) that records every n it is asked for. */
function source(rows: number) {
  const asked: number[] = [];
  const f = async (n: number) => { asked.push(n); return Array.from({ length: Math.min(n, rows) }, (_, r) => ({ index: r, score: -r })); };
  return { f, asked };
}
const itemOf = (r: number): CatalogItem => ({ id: String(r) });

describe('walkRanking', () => {
  it('no rules: one request for exactly k, the best k rows in order', async () => {
    for (const k of [1, 10, 300]) {
      const s = source(100_000);
      const rules = batchRules({});
      const got = await walkRanking(s.f, k, rules, itemOf, new GroupCaps());
      expect(s.asked).toEqual([k]);
      expect(got.map((p) => p.index)).toEqual(Array.from({ length: k }, (_, r) => r));
    }
  });

  it('no rules, a catalogue shorter than k: one request, every row', async () => {
    const s = source(7);
    const got = await walkRanking(s.f, 10, batchRules({}), itemOf, new GroupCaps());
    expect(s.asked).toEqual([10]);
    expect(got).toHaveLength(7);
  });

  it('a filter that passes 1 row in 10: asks again with a larger n until k pass', async () => {
    const s = source(100_000);
    const rules = batchRules({ filter: (it) => Number(it.id) % 10 === 0 });
    const got = await walkRanking(s.f, 200, rules, itemOf, new GroupCaps());
    expect(got.map((p) => p.index)).toEqual(Array.from({ length: 200 }, (_, i) => 10 * i));
    // first max(4k, 128) = 800 rows hold 80 passing ones: then 3200.
    expect(s.asked).toEqual([800, 3200]);
  });
});
