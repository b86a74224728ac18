// The user vector of a history, computed as cheaply as the model allows, with the last one
// kept: a page that asks again with the same history and catalogue (several widget rows, a
// re-render) skips the User LLM. With a User LLM that has a key/value cache (user_kv_encoder),
// a history that extends the last one by new events runs only the new positions against the
// kept keys and values; anything else (a forget, an import, a new catalogue, a window that slid
// past max_history) reads the whole window again, which also rebuilds the cache.
import type { CatalogIndex } from '../index/catalog-index.ts';
import { encodeUsers } from '../model/encoders.ts';
import type { OnnxModel } from '../model/ort-backend.ts';
import { stepUser, type KvState } from '../model/user-steps.ts';

export interface UserVectorOptions {
  dim: number;
  maxHistory: number;
  /** false: never extend a kept key/value cache; every new history reads its whole window (EngineOptions.userCache). Default true. */
  incremental?: boolean;
  /** Runs `f` on the current user encoder session (the engine moves it after a device loss). */
  run<T>(f: (user: OnnxModel) => Promise<T>): Promise<T>;
  /** Called after each User LLM run with the number of positions it read. */
  onRun?(positions: number): void;
  /** Called after each run of the cache graph with what it computed (to store it for the next start). */
  onState?(index: CatalogIndex, rows: number[], vector: Float32Array, state: KvState): void;
}

interface Entry {
  index: CatalogIndex;
  rows: number[];
  job: Promise<{ vector: Float32Array; state: KvState | null }>;
}

/**
 * User vectors of catalogue rows (oldest first, at most max_history of them).
 *
 * @example
 * ```ts
 * const users = new UserVectors({ dim: 64, maxHistory: 50, run: (f) => holder.run((s) => f(s.user)) });
 * const v = await users.get(index, rows);                // the whole history
 * const w = await users.get(index, [...rows, next]);     // one new position, if the model has a cache
 * ```
 */
export class UserVectors {
  private last: Entry | null = null;

  constructor(private readonly o: UserVectorOptions) {}

  /** Takes a state computed earlier (a stored one, at start-up) as the last one, for `rows` of `index`. */
  seed(index: CatalogIndex, rows: number[], vector: Float32Array, state: KvState): void {
    this.last = { index, rows: [...rows], job: Promise.resolve({ vector, state }) };
  }

  /** The user vector of `rows`. Each caller gets its own copy (the page side may take the buffer). */
  async get(index: CatalogIndex, rows: number[]): Promise<Float32Array> {
    const c = this.last;
    const same = c !== null && c.index === index;
    if (same && c.rows.length === rows.length && c.rows.every((r, i) => r === rows[i])) return (await c.job).vector.slice();
    // The kept cache serves only a history that starts with the rows it was built from.
    const prev = this.o.incremental !== false && same && c.rows.length < rows.length && c.rows.every((r, i) => r === rows[i]) ? c : null;
    const job = this.o.run(async (user) => {
      if (!user.kvCache) {
        const vector = await encodeUsers(user, [rows.map((r) => index.rawRow(r))], this.o.dim, this.o.maxHistory);
        this.o.onRun?.(rows.length);
        return { vector, state: null };
      }
      const past = prev ? await prev.job.then((j) => j.state, () => null) : null;
      const fresh = past ? rows.slice(prev!.rows.length) : rows;
      const { user: vector, state } = await stepUser(user, fresh.map((r) => index.rawRow(r)), past, this.o.dim);
      this.o.onRun?.(fresh.length);
      this.o.onState?.(index, rows, vector, state);
      return { vector, state };
    });
    const entry = { index, rows: [...rows], job };
    this.last = entry;
    // A failed run is not kept.
    job.catch(() => { if (this.last === entry) this.last = null; });
    return (await job).vector.slice();
  }
}
