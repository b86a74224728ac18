// The HLLM engine's facade: wires the rooms below it into the Engine contract (protocol.ts).
// Runs in the Web Worker (behind comlink, worker-adapter.ts) and directly in Node.
//
// init(): the model (model/model-start.ts: capabilities → hllm.json → plan backend/dtype →
// files from Cache Storage or downloaded, each verified → tokenizer → sessions + WebGPU self-check) → open storage →
// vectors.json (index/vector-shards.ts) → the catalogue (index/catalog-state.ts: the stored
// warm index when catalogue bytes, model and vector set are unchanged, else parse + diff +
// shards + encode only items with no shard row and no stored vector) → delete other models'
// vectors and unused shards → ready; the warm index is written after that, before dispose()
// closes the store.
import { HllmError } from '../errors.ts';
import type {
  Backend, CatalogItem, CatalogSource, CatalogUpdate, Dtype, Engine, EngineOptions, EngineStats, ExportData,
  HistoryEvent, ImportOptions, ImportResult, ItemTokens, PopularOptions, ProgressCallback, ReadyInfo, Recommendation, RecommendOptions, SearchOptions, SearchResult,
  SimilarOptions, TrackOptions,
} from '../protocol.ts';
import { defaultFetcher, type Fetcher } from '../io/fetcher.ts';
import { openStore } from '../storage/open-store.ts';
import type { Store } from '../storage/types.ts';
import { validateCatalog } from './catalog/catalog.ts';
import { searchPage } from './catalog/catalog-search.ts';
import { buildItemText } from './catalog/text-builder.ts';
import type { EncodeCounters } from './index/catalog-state.ts';
import { wireParts, windowRows, type EngineParts } from './engine-parts.ts';
import { openVectorSource } from './index/vector-shards.ts';
import type { SessionHolder } from './model/device-loss.ts';
import { encodeItemRows } from './model/encoders.ts';
import { checkInitOptions, startModel } from './model/model-start.ts';
import { popularMode, recommendMode, similarMode, type ModeContext } from './recommend/modes.ts';
import { stepTimer } from './step-timer.ts';

export { WARM_INDEX_USED } from './index/catalog-state.ts';

export interface CreateEngineOptions {
  /** Reads model/catalogue bytes; default: fetch(), or fs for paths in Node. When given, model files are not kept in Cache Storage. */
  fetcher?: Fetcher;
  /** Storage warnings (IndexedDB fallback, a damaged stored model file); default console.warn. */
  warn?: (message: string) => void;
}

export class HllmEngine implements Engine {
  private loaded: EngineParts | null = null;
  private disposed = false;
  private readonly counters: EncodeCounters = { encoderCalls: 0, itemsEncoded: 0, userEncoderCalls: 0, userPositions: 0, cacheHits: 0 };
  private readonly fetcher: Fetcher;
  private readonly warn: (m: string) => void;
  private readonly injectedFetcher: boolean;

  constructor(opts: CreateEngineOptions = {}) {
    this.fetcher = opts.fetcher ?? defaultFetcher;
    this.injectedFetcher = opts.fetcher !== undefined;
    this.warn = opts.warn ?? ((m) => console.warn(m));
  }

  async init(options: EngineOptions, onProgress?: ProgressCallback): Promise<ReadyInfo> {
    this.alive();
    if (this.loaded) throw new HllmError('INVALID_OPTIONS', 'init() was already called on this engine; create a new one to change the model.');
    checkInitOptions(options);
    const timer = stepTimer(onProgress);
    const { manifest, files, tok, threads, models, sessions } = await startModel(options, this.fetcher, timer, timer.onProgress, { injected: this.injectedFetcher, warn: this.warn });
    const hitsBefore = this.counters.cacheHits;
    let store: Store | undefined;
    try {
      timer.mark('load', 'sessions');
      store = await openStore({ dbName: options.dbName ?? 'hllm', storage: options.storage ?? 'auto', warn: this.warn });
      const shards = options.vectors === undefined ? null : await openVectorSource({
        vectors: options.vectors, mismatch: options.vectorsMismatch ?? 'error', modelKey: files.modelKey, dim: manifest.dim,
        model: options.model, dtype: files.dtype, catalog: typeof options.catalog === 'string' ? options.catalog : 'items.json',
        fetcher: this.fetcher, store, warn: this.warn, onProgress: timer.onProgress,
      });
      const L = this.loaded = await wireParts({
        files, tok, models, store, shards, threads, batchSize: options.batchSize ?? 32, popularityField: options.popularityField, userCache: options.userCache ?? true,
        fetcher: this.fetcher, warn: this.warn, counters: this.counters,
      });
      timer.mark('load', 'storage');
      const update = await L.catalog.open(options.catalog, timer, true);
      // This model is ready: vectors under any other model key (an earlier export, another
      // dtype's item encoder) can never be read again and only fill the quota. History stays.
      await store.deleteVectorsExcept(files.modelKey);
      await store.deleteShardsExcept(files.modelKey, shards?.shardShas ?? []);
      timer.mark('encode', 'gc');
      const index = L.catalog.index;
      await L.kept.restore(L.users, index);
      return {
        backend: sessions.backend, dtype: sessions.dtype, reason: sessions.reason, modelId: manifest.id, dim: manifest.dim,
        items: index.size, encoded: update.encoded, cached: this.counters.cacheHits - hitsBefore, fromShards: index.shardRows, storage: store.kind, threads,
        scanThreads: index.table.scanThreads,
      };
    } catch (e) {
      // A failed start must not leave sessions or a DB connection behind.
      const L = this.loaded;
      this.loaded = null;
      await L?.catalog.close();
      await Promise.allSettled([models.release(), store?.close()]);
      throw e;
    }
  }

  private alive(): void {
    if (this.disposed) throw new HllmError('DISPOSED', 'this recommender was disposed; create a new one.');
  }

  private ready(): EngineParts {
    this.alive();
    if (!this.loaded) throw new HllmError('NOT_READY', 'the engine is not initialised yet; await rec.ready (or engine.init()) first.');
    return this.loaded;
  }

  /** The encoder sessions (src/testing/ reaches them to simulate a lost WebGPU device). */
  protected sessionHolder(): SessionHolder {
    return this.ready().models;
  }

  private indexOf(itemId: string): number {
    const i = this.ready().catalog.index.rowOf(String(itemId));
    if (i === undefined) throw new HllmError('UNKNOWN_ITEM', `item '${itemId}' is not in the catalogue; pass an id from the catalogue (or add it with setCatalog()).`, { itemId });
    return i;
  }

  async track(itemId: string, options: TrackOptions = {}): Promise<HistoryEvent> {
    const L = this.ready();
    const row = this.indexOf(itemId);
    const index = L.catalog.index;
    const rows = [...windowRows(L, index), row].slice(-L.manifest.max_history);
    const stored = L.history.track(itemId, options);
    L.tracking = stored.catch(() => undefined);
    // The next user vector runs while the event is written (with a key/value cache, over the new
    // position only), so the recommend() that follows a click only ranks. A failure here is
    // not track()'s: that recommend() runs the User LLM again and reports it.
    L.users.get(index, rows).catch(() => undefined);
    return stored;
  }

  /** What recommend/similar/popular (recommend/modes.ts) need. */
  private modes(): ModeContext {
    const L = this.ready();
    const index = L.catalog.index;
    return {
      index, maxHistory: L.manifest.max_history,
      historyRows: () => L.history.rows((id) => index.rowOf(id)),
      userVector: (rows) => this.userVector(rows),
      popularity: () => L.popularity.of(index),
      warnNoPopularity: () => L.popularity.warnEmpty(),
    };
  }

  async recommend(options: RecommendOptions = {}): Promise<Recommendation[]> {
    return recommendMode(this.modes(), options);
  }

  /** The user vector of these catalogue rows (oldest first); the last one is kept (recommend/user-vector.ts). */
  private async userVector(rows: number[]): Promise<Float32Array> {
    const L = this.ready();
    return L.users.get(L.catalog.index, rows);
  }

  async similar(itemId: string, options: number | SimilarOptions = 10): Promise<Recommendation[]> {
    return similarMode(this.modes(), itemId, options);
  }

  async popular(options: PopularOptions = {}): Promise<Recommendation[]> {
    return popularMode(this.modes(), options);
  }

  async items(ids: string[]): Promise<CatalogItem[]> {
    const L = this.ready();
    if (!Array.isArray(ids)) throw new HllmError('INVALID_OPTIONS', 'items() takes an array of item ids, e.g. items([\'1\', \'2\']).');
    const rows = ids.map((id) => this.indexOf(id));
    return rows.map((r) => L.catalog.index.item(r));
  }

  async search(query: string, options: SearchOptions = {}): Promise<SearchResult> {
    return searchPage(this.ready().catalog.index, query, options);
  }

  async history(): Promise<HistoryEvent[]> {
    return this.ready().history.list();
  }

  async forget(itemIds: string[] | 'all'): Promise<number> {
    const L = this.ready();
    const n = await L.history.forget(itemIds);
    await L.kept.clear();
    return n;
  }

  async exportData(): Promise<ExportData> {
    const L = this.ready();
    return {
      version: 1, exportedAt: Date.now(), history: L.history.list(),
      catalog: { source: L.catalog.source, items: L.catalog.index.size },
      model: { id: L.manifest.id, sha256: L.modelKey, backend: L.models.sessions.backend, dtype: L.models.sessions.dtype },
    };
  }

  /** See RecommenderApi.importData and history/history-import.ts; events of items not in the catalogue are skipped. */
  async importData(data: ExportData | string, options?: ImportOptions): Promise<ImportResult> {
    const L = this.ready();
    const result = await L.history.import(data, options, (id) => L.catalog.index.rowOf(id) !== undefined);
    await L.kept.clear();
    return result;
  }

  async setCatalog(catalog: CatalogSource, onProgress?: ProgressCallback): Promise<CatalogUpdate> {
    return this.ready().catalog.open(catalog, stepTimer(onProgress), false);
  }

  async stats(): Promise<EngineStats> {
    const L = this.loaded;
    const index = L?.catalog.index;
    return {
      ...this.counters, shardRows: index?.shardRows ?? 0, catalogItems: index?.size ?? 0, historyEvents: L?.history.size ?? 0,
      backend: L?.models.sessions.backend ?? null, dtype: L?.models.sessions.dtype ?? null, storage: L?.store.kind ?? null,
      scanThreads: index?.table.scanThreads ?? 1,
    };
  }

  async cancel(): Promise<void> {
    this.loaded?.catalog.cancel();
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const L = this.loaded;
    this.loaded = null;
    if (!L) return;
    await Promise.all([L.catalog.close(), L.kept.flush()]);
    await Promise.all([L.models.release(), L.store.close()]);
  }

  async tokenizeItem(item: CatalogItem): Promise<ItemTokens> {
    const L = this.ready();
    const text = buildItemText(item, L.manifest);
    return { text, inputIds: L.tok.itemIds(text) };
  }

  async embedItems(items: CatalogItem[]): Promise<Float32Array> {
    const L = this.ready();
    const valid = validateCatalog(items);
    const rows = valid.map((it) => L.tok.itemIds(buildItemText(it, L.manifest)));
    return L.models.run((s) => encodeItemRows(s.item, rows, {
      dim: L.manifest.dim, padId: L.manifest.pad_token_id, batchSize: L.batchSize,
      onCall: (n) => { this.counters.encoderCalls++; this.counters.itemsEncoded += n; },
    }));
  }

  async embedUser(itemIds: string[]): Promise<Float32Array> {
    const L = this.ready();
    if (itemIds.length === 0) throw new HllmError('INVALID_OPTIONS', 'embedUser() needs at least one item id.');
    return this.userVector(itemIds.slice(-L.manifest.max_history).map((id) => this.indexOf(id)));
  }

  async itemVector(itemId: string): Promise<Float32Array> {
    return this.ready().catalog.index.rawRow(this.indexOf(itemId));
  }

  /** Backend and dtype in use (null before init). */
  get backend(): { backend: Backend; dtype: Dtype; reason: string } | null {
    const s = this.loaded?.models.sessions;
    return s ? { backend: s.backend, dtype: s.dtype, reason: s.reason } : null;
  }
}

/**
 * Creates an engine that runs in the current thread — Node (CLI, evaluation, tests) or a
 * worker. Call init() before anything else.
 *
 * @example
 * ```ts
 * const engine = createEngine();
 * await engine.init({ model: 'public/models/default', catalog: 'public/catalogs/ml-latest-small/items.csv' });
 * await engine.track('1');
 * const top = await engine.recommend({ k: 10 });
 * ```
 */
export function createEngine(opts: CreateEngineOptions = {}): HllmEngine {
  return new HllmEngine(opts);
}
