// The User LLM's key/value cache kept across visits: restored at start-up when it was computed
// by the same user encoder over the same item vectors for a prefix of today's history, so a
// warm start reads no history position again; written after each run of the cache graph that
// still describes the stored history; deleted with the history (forget, import).
import { hexOf } from '../../io/hex.ts';
import type { Store } from '../../storage/types.ts';
import type { CatalogIndex } from '../index/catalog-index.ts';
import type { KvState } from '../model/user-steps.ts';
import type { UserVectors } from './user-vector.ts';

/** Text sha256 of each row: a changed item text (so a changed item vector) breaks the match. */
const digestsOf = (index: CatalogIndex, rows: number[]) => rows.map((r) => hexOf(index.catalog.textShas, r * 32));

const startsWith = (all: string[], head: string[]) => head.length <= all.length && head.every((d, i) => d === all[i]);

/**
 * The stored user state of one model.
 *
 * @example
 * ```ts
 * const kept = new KeptUserState(store, `${modelKey} ${userEncoderSha}`, (index) => windowRows(index), () => tracksInFlight);
 * await kept.restore(users, index);                 // at start-up
 * kept.keep(index, rows, vector, state);            // UserVectors' onState
 * await kept.clear();                               // forget(), importData()
 * ```
 */
export class KeptUserState {
  private write: Promise<void> = Promise.resolve();

  /**
   * `model` names the user encoder file and the item vectors; `windowRows` gives the current
   * history window; `settled` resolves once the track() writes in flight have ended (a state
   * computed ahead of its event's write is checked against the history that includes it).
   */
  constructor(
    private readonly store: Store, private readonly model: string,
    private readonly windowRows: (index: CatalogIndex) => number[], private readonly settled: () => Promise<unknown>,
  ) {}

  /** Seeds `users` with the stored state when it fits the current history; says whether it did. */
  async restore(users: UserVectors, index: CatalogIndex): Promise<boolean> {
    const saved = await this.store.getUserState();
    if (!saved || saved.model !== this.model) return false;
    const rows = this.windowRows(index);
    if (!startsWith(digestsOf(index, rows), saved.digests)) return false;
    users.seed(index, rows.slice(0, saved.digests.length), saved.vector, { positions: saved.digests.length, tensors: saved.tensors });
    return true;
  }

  /** Queues the write of a state, unless the history moved on from it (a forget while it ran). */
  keep(index: CatalogIndex, rows: number[], vector: Float32Array, state: KvState): void {
    const digests = digestsOf(index, rows);
    this.write = this.write.then(async () => {
      await this.settled();
      if (!startsWith(digestsOf(index, this.windowRows(index)), digests)) return;
      await this.store.putUserState({ model: this.model, digests, vector, tensors: state.tensors });
    }).catch(() => undefined); // the store warned; the next start reads the history again
  }

  /** Deletes the stored state, after any write in flight. */
  async clear(): Promise<void> {
    await this.write;
    await this.store.putUserState(null);
  }

  /** Waits for the writes in flight (before the store closes). */
  flush(): Promise<void> {
    return this.write;
  }
}
