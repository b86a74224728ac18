// The current catalogue and its vector index over the engine's lifetime: reads a catalogue,
// takes the stored warm index when bytes, model and vector set are unchanged (no parse, hash or
// diff), else parses, diffs against the previous catalogue, takes vectors from the shard set,
// memory or storage and encodes only the texts that have none, swaps the new index in, and
// queues the warm-index write for the next start (awaited by close()).
import type { CatalogItem, CatalogSource, CatalogUpdate } from '../../protocol.ts';
import type { Store } from '../../storage/types.ts';
import type { Fetcher } from '../../io/fetcher.ts';
import { catalogItems, readCatalog } from '../catalog/catalog.ts';
import { encodeItemRows } from '../model/encoders.ts';
import type { SessionHolder } from '../model/device-loss.ts';
import type { Manifest } from '../model/manifest.ts';
import type { ItemTokenizer } from '../model/tokenizer.ts';
import type { StepTimer } from '../step-timer.ts';
import { buildIndex, CatalogIndex, diffCatalog, prepareCatalog, shaOf, shardRowsOf } from './catalog-index.ts';
import type { VectorSource } from './vector-shards.ts';
import { loadWarmIndex, saveWarmIndex, warmKeyOf } from './warm-index.ts';

/** Progress detail of a start that took the stored warm index (no parse, hash or diff). */
export const WARM_INDEX_USED = 'catalogue unchanged: stored index used';

/** Encoder and cache counts that EngineStats reports. */
export interface EncodeCounters {
  encoderCalls: number;
  itemsEncoded: number;
  userEncoderCalls: number;
  userPositions: number;
  cacheHits: number;
}

/** What the catalogue needs from the loaded model and storage. */
export interface CatalogDeps {
  manifest: Manifest;
  modelKey: string;
  tok: ItemTokenizer;
  models: SessionHolder;
  store: Store;
  /** Precomputed vectors (EngineOptions.vectors), or null; loaded only while a catalogue is built. */
  shards: VectorSource | null;
  threads: number;
  batchSize: number;
  fetcher: Fetcher;
  warn: (m: string) => void;
  counters: EncodeCounters;
}

/**
 * The catalogue half of the engine. `index` is replaced, never mutated, so a caller that took
 * it (a ranking in flight, the last user vector) keeps a consistent view.
 *
 * @example
 * ```ts
 * const cat = new CatalogState(deps);
 * await cat.open('/catalogs/shop/items.csv', stepTimer(onProgress), true);
 * cat.index.rowOf('sku-1');
 * ```
 */
export class CatalogState {
  index: CatalogIndex;
  source: string | null = null;
  private job: AbortController | null = null;
  /** The pending warm-index write, awaited before the store closes. */
  private warmWrite: Promise<void> = Promise.resolve();

  constructor(private readonly d: CatalogDeps) {
    this.index = CatalogIndex.empty(d.manifest.dim);
  }

  /**
   * Reads a catalogue and makes it current. At start-up (`starting`) a URL whose bytes, model
   * and vector set match the stored warm index is taken from it: no parse, hash or diff.
   */
  async open(catalog: CatalogSource, t: StepTimer, starting: boolean): Promise<CatalogUpdate> {
    const d = this.d;
    const raw = await readCatalog(catalog, d.fetcher);
    t.mark('encode', 'catalog-read');
    const key = raw.bytes ? await warmKeyOf({ source: raw.source, bytes: raw.bytes, modelKey: d.modelKey, vectors: d.shards?.key ?? null, dim: d.manifest.dim }) : null;
    t.mark('encode', 'catalog-sha256');
    const warm = key && starting ? await loadWarmIndex(d.store, key, d.manifest.dim, d.warn, { threads: d.threads, warn: d.warn }) : null;
    if (warm) {
      t.mark('encode', 'warm-index-load');
      this.index = warm;
      this.source = raw.source;
      // Rows not from shards hold vectors read from storage, as on the rebuild path.
      d.counters.cacheHits += warm.size - warm.shardRows;
      t.onProgress?.({ phase: 'encode', done: 0, total: 0, etaMs: 0, detail: WARM_INDEX_USED });
      return { added: 0, changed: 0, removed: 0, encoded: 0 };
    }
    const items = catalogItems(raw);
    t.mark('encode', 'catalog-parse');
    return this.apply(items, raw.source, t, key);
  }

  /** Swaps in a new catalogue, encoding only texts with no stored vector; stores it as the warm index under `warmKey`. */
  private async apply(items: CatalogItem[], source: string | null, t: StepTimer, warmKey: string | null): Promise<CatalogUpdate> {
    const d = this.d;
    const m = d.manifest;
    const prepared = await prepareCatalog(items, m);
    t.mark('encode', 'catalog-texts-sha256');
    const previous = this.index.size > 0 ? this.index.catalog.snapshot() : await d.store.getCatalog();
    const diff = diffCatalog(previous, prepared);
    t.mark('encode', 'catalog-diff');
    // Decoded for this build only: the index copies its rows.
    const shards = d.shards ? await d.shards.load() : null;
    t.mark('encode', 'shards-load');
    // Only items the shard set does not cover need a vector from memory, storage or the encoder:
    // hex strings are made for those only (none at all when the shards cover the catalogue).
    const shardRows = shardRowsOf(prepared, shards);
    const needed = new Map<string, number>();
    for (let i = 0; i < shardRows.length; i++) if (shardRows[i]! < 0) { const h = shaOf(prepared, i); if (!needed.has(h)) needed.set(h, i); }
    const vectors = this.index.vectorsBySha(new Set(needed.keys()));
    const unknown = [...needed.keys()].filter((s) => !vectors.has(s));
    const stored = await d.store.getVectors(d.modelKey, unknown);
    for (const [s, v] of stored) if (v.length === m.dim) vectors.set(s, v);
    d.counters.cacheHits += stored.size;
    const todo = [...needed].filter(([h]) => !vectors.has(h)).map(([textSha256, i]) => ({ textSha256, text: prepared.texts[i]! }));
    if (todo.length > 0) await this.encode(todo, vectors, t);
    else t.onProgress?.({ phase: 'encode', done: 0, total: 0, etaMs: 0 });
    t.mark('encode', 'vectors');
    const old = this.index;
    this.index = await buildIndex(prepared, vectors, m.dim, shards, { threads: d.threads, warn: d.warn }, shardRows);
    old.table.dispose(); // its scan workers, if threaded
    this.source = source;
    t.mark('encode', 'index-build');
    await d.store.putCatalog(this.index.catalog.snapshot());
    if (diff.droppedShas.length > 0) await d.store.deleteVectors(d.modelKey, diff.droppedShas);
    t.mark('encode', 'snapshot-store');
    // The warm index is a cache for the next start: written after this call returns (at 1M items
    // its digest and the ~200 MB put take seconds), in order, and awaited by close(). A failed
    // write loses only the cache (the next start parses the catalogue again).
    this.queueWarmWrite(d.store, this.index, warmKey);
    return { added: diff.added, changed: diff.changed, removed: diff.removed, encoded: todo.length };
  }

  /** Encodes the texts in `todo` into `vectors`, storing each batch as it completes. */
  private async encode(todo: Array<{ textSha256: string; text: string }>, vectors: Map<string, Float32Array>, t: StepTimer): Promise<void> {
    const d = this.d;
    const m = d.manifest;
    const job = new AbortController();
    this.job = job;
    try {
      // After a WebGPU device loss the run resumes on WASM with the items still missing.
      await d.models.run(async (s) => {
        const left = todo.filter((p) => !vectors.has(p.textSha256));
        const rows = left.map((p) => d.tok.itemIds(p.text));
        await encodeItemRows(s.item, rows, {
          dim: m.dim, padId: m.pad_token_id, batchSize: d.batchSize, signal: job.signal, onProgress: t.onProgress,
          onCall: (n) => { d.counters.encoderCalls++; d.counters.itemsEncoded += n; },
          onBatch: async (idx, data) => {
            // Persist per batch: a cancelled or interrupted run resumes where it stopped.
            const entries: Array<[string, Float32Array]> = idx.map((r, b) => [left[r]!.textSha256, data.slice(b * m.dim, (b + 1) * m.dim)]);
            for (const [sha, v] of entries) vectors.set(sha, v);
            await d.store.putVectors(d.modelKey, entries);
          },
        });
      });
    } finally {
      this.job = null;
    }
  }

  /**
   * Queues the warm-index write behind any earlier one. A method of its own so that its closure
   * holds only these three values, not apply()'s scope (the parsed catalogue: ~300 MB at 1M).
   */
  private queueWarmWrite(store: Store, index: CatalogIndex, key: string | null): void {
    this.warmWrite = this.warmWrite.then(() => saveWarmIndex(store, index, key))
      .catch((e) => this.d.warn(`hllm: the catalogue index could not be stored (${(e as Error).message}); the next start parses the catalogue again.`));
  }

  /** Stops an encoding job in flight; the previous catalogue stays current. */
  cancel(): void {
    this.job?.abort();
  }

  /** Cancels any job, waits for the pending warm-index write and stops the index's scan workers. */
  async close(): Promise<void> {
    this.cancel();
    await this.warmWrite;
    this.index.table.dispose();
  }
}
