// The user vector of a history, with the last one kept: a page that asks again with the same
// history and catalogue (several widget rows, a re-render) skips the User LLM.
import type { CatalogIndex } from '../index/catalog-index.ts';

/**
 * One-entry cache of the User LLM's output, keyed by catalogue index and history rows.
 *
 * @example
 * ```ts
 * const users = new UserVectorCache();
 * const v = await users.get(index, rows, () => encodeUsers(session, [rows.map((r) => index.rawRow(r))], dim, maxHistory));
 * ```
 */
export class UserVectorCache {
  private last: { index: CatalogIndex; rows: number[]; vector: Promise<Float32Array> } | null = null;

  /** The vector for `rows` of `index`, from `compute` unless it is the last one asked for. Each caller gets its own copy (the page side may take the buffer). */
  async get(index: CatalogIndex, rows: number[], compute: () => Promise<Float32Array>): Promise<Float32Array> {
    const c = this.last;
    if (c && c.index === index && c.rows.length === rows.length && c.rows.every((r, i) => r === rows[i])) return (await c.vector).slice();
    const vector = compute();
    const entry = { index, rows: [...rows], vector };
    this.last = entry;
    // A failed run is not kept.
    vector.catch(() => { if (this.last === entry) this.last = null; });
    return (await vector).slice();
  }
}
