// The visitor's history as the engine holds it: the stored events in memory (oldest first),
// kept equal to the store after every track(), forget() and importData(), so rankings read
// memory and never wait on IndexedDB.
import { HllmError } from '../../errors.ts';
import type { ExportData, HistoryEvent, ImportOptions, ImportResult, TrackOptions } from '../../protocol.ts';
import type { Store } from '../../storage/types.ts';
import { importHistory } from './history-import.ts';

/**
 * The history log over a store.
 *
 * @example
 * ```ts
 * const log = await HistoryLog.open(store);
 * await log.track('42', {});
 * log.rows((id) => index.rowOf(id)); // catalogue rows, oldest first
 * ```
 */
export class HistoryLog {
  private constructor(private readonly store: Store, private events: HistoryEvent[]) {}

  static async open(store: Store): Promise<HistoryLog> {
    return new HistoryLog(store, await store.getEvents());
  }

  get size(): number {
    return this.events.length;
  }

  /** Copies of the events, oldest first. */
  list(): HistoryEvent[] {
    return this.events.map((e) => ({ ...e }));
  }

  /** Catalogue rows of the events whose item is in the catalogue, oldest first. */
  rows(rowOf: (itemId: string) => number | undefined): number[] {
    return this.events.map((e) => rowOf(e.itemId)).filter((i): i is number => i !== undefined);
  }

  /** Stores one event; resolves once it is durable. The caller has checked the id. */
  async track(itemId: string, options: TrackOptions): Promise<HistoryEvent> {
    const at = options.at ?? Date.now();
    if (!Number.isFinite(at)) throw new HllmError('INVALID_OPTIONS', "'at' must be a timestamp in milliseconds.");
    const e = await this.store.appendEvent({ itemId: String(itemId), type: options.type ?? 'view', at });
    this.events.push(e);
    return e;
  }

  async forget(itemIds: string[] | 'all'): Promise<number> {
    if (itemIds !== 'all' && !Array.isArray(itemIds)) throw new HllmError('INVALID_OPTIONS', "forget() takes an array of item ids or 'all'.");
    const n = await this.store.deleteEvents(itemIds === 'all' ? 'all' : itemIds.map(String));
    this.events = await this.store.getEvents();
    return n;
  }

  /** See RecommenderApi.importData and history-import.ts; events of items `known` rejects are skipped. */
  async import(data: ExportData | string, options: ImportOptions | undefined, known: (itemId: string) => boolean): Promise<ImportResult> {
    const { result, history } = await importHistory(this.store, this.events, data, options, known);
    this.events = history;
    return result;
  }
}
