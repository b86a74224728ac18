// The HLLM engine: model loading, catalogue embedding with its vector cache, history,
// and recommend/similar. Runs in the Web Worker (behind comlink) and directly in Node.
// Never ORT
// directly (only through ort-backend.ts via sessions/encoders).
//
// init(): the model (model-start.ts: capabilities → hllm.json → plan backend/dtype →
// download + verify files → tokenizer → sessions + WebGPU self-check) → open storage → vectors.json (vector-shards.ts)
// → catalogue bytes → the stored warm index when catalogue bytes, model and vector set are
// unchanged (warm-index.ts), else parse + diff + shards + encode only items with no shard row
// and no stored (model key, text sha256) vector → delete other models' vectors and unused
// shards → ready; the warm index is written after that, before dispose() closes the store.
import { HllmError } from '../errors.ts';
import type {
  Backend, CatalogItem, CatalogSource, CatalogUpdate, Dtype, Engine, EngineOptions, EngineStats, ExportData,
  HistoryEvent, ImportOptions, ImportResult, ItemTokens, PopularOptions, ProgressCallback, ReadyInfo, Recommendation, RecommendOptions, SearchOptions, SearchResult,
  SimilarOptions, TrackOptions,
} from '../protocol.ts';
import { openStore } from '../storage/open-store.ts';
import type { Store } from '../storage/types.ts';
import { buildIndex, CatalogIndex, diffCatalog, prepareCatalog, shaOf, shardRowsOf } from './index/catalog-index.ts';
import { catalogItems, readCatalog, validateCatalog } from './catalog/catalog.ts';
import { encodeItemRows, encodeUsers } from './model/encoders.ts';
import { defaultFetcher, type Fetcher } from '../io/fetcher.ts';
import type { Manifest } from './model/manifest.ts';
import { importHistory } from './history/history-import.ts';
import { SessionHolder } from './model/device-loss.ts';
import { popularMode, recommendMode, similarMode, type ModeContext } from './recommend/modes.ts';
import { buildPopularity, type Popularity } from './recommend/popularity.ts';
import { buildItemText } from './catalog/text-builder.ts';
import type { ItemTokenizer } from './model/tokenizer.ts';
import { stepTimer, type StepTimer } from './step-timer.ts';
import { openVectorSource, type VectorSource } from './index/vector-shards.ts';
import { loadWarmIndex, saveWarmIndex, warmKeyOf } from './index/warm-index.ts';
import { checkInitOptions, startModel } from './model/model-start.ts';

/** Progress detail of a start that took the stored warm index (no parse, hash or diff). */
export const WARM_INDEX_USED = 'catalogue unchanged: stored index used';

/** Largest page search() returns: a page is cloned to the page thread, so keep it small. */
const MAX_SEARCH_LIMIT = 1000;

export interface CreateEngineOptions {
  /** Reads model/catalogue bytes; default: fetch(), or fs for paths in Node. */
  fetcher?: Fetcher;
  /** Storage warnings (IndexedDB fallback); default console.warn. */
  warn?: (message: string) => void;
}

interface Loaded {
  manifest: Manifest;
  modelKey: string;
  tok: ItemTokenizer;
  /** The encoder sessions; moves them to WASM if the WebGPU device is lost. */
  models: SessionHolder;
  store: Store;
  /** Precomputed vectors (EngineOptions.vectors), or null; loaded only while a catalogue is built. */
  shards: VectorSource | null;
  threads: number;
  batchSize: number;
  /** EngineOptions.popularityField, and the model folder's interaction counts (or null). */
  popularityField: string | undefined;
  counts: Record<string, number> | null;
}

/** Test seam for loseDevice(): kept off the class so it is no part of HllmEngine's public surface. */
const sessionsOf = new WeakMap<HllmEngine, () => SessionHolder>();

export class HllmEngine implements Engine {
  private loaded: Loaded | null = null;
  private index: CatalogIndex = CatalogIndex.empty(0);
  private catalogSource: string | null = null;
  private events: HistoryEvent[] = [];
  private job: AbortController | null = null;
  private disposed = false;
  private pop: { index: CatalogIndex; pop: Popularity | null } | null = null;
  private warnedNoPopularity = false;
  /** The last user vector and what it was computed from (userVector). */
  private lastUser: { index: CatalogIndex; rows: number[]; vector: Promise<Float32Array> } | null = null;
  /** The pending warm-index write (applyCatalog), awaited before the store closes. */
  private warmWrite: Promise<void> = Promise.resolve();
  private counters = { encoderCalls: 0, itemsEncoded: 0, userEncoderCalls: 0, cacheHits: 0 };
  private readonly fetcher: Fetcher;
  private readonly warn: (m: string) => void;

  constructor(opts: CreateEngineOptions = {}) {
    this.fetcher = opts.fetcher ?? defaultFetcher;
    this.warn = opts.warn ?? ((m) => console.warn(m));
    sessionsOf.set(this, () => this.ready().models);
  }

  async init(options: EngineOptions, onProgress?: ProgressCallback): Promise<ReadyInfo> {
    this.alive();
    if (this.loaded) throw new HllmError('INVALID_OPTIONS', 'init() was already called on this engine; create a new one to change the model.');
    checkInitOptions(options);
    const timer = stepTimer(onProgress);
    onProgress = timer.onProgress;
    const { manifest, files, tok, threads, models, sessions } = await startModel(options, this.fetcher, timer, onProgress);
    const hitsBefore = this.counters.cacheHits;
    let update: CatalogUpdate;
    try {
      timer.mark('load', 'sessions');
      const store = await openStore({ dbName: options.dbName ?? 'hllm', storage: options.storage ?? 'auto', warn: this.warn });
      this.loaded = { manifest, modelKey: files.modelKey, tok, models, store, shards: null, threads, batchSize: options.batchSize ?? 32,
        popularityField: options.popularityField, counts: files.popularity };
      if (options.vectors !== undefined) {
        this.loaded.shards = await openVectorSource({
          vectors: options.vectors, mismatch: options.vectorsMismatch ?? 'error', modelKey: files.modelKey, dim: manifest.dim,
          model: options.model, dtype: files.dtype, catalog: typeof options.catalog === 'string' ? options.catalog : 'items.json',
          fetcher: this.fetcher, store, warn: this.warn, onProgress,
        });
      }
      this.index = CatalogIndex.empty(manifest.dim);
      this.events = await store.getEvents();
      timer.mark('load', 'storage');
      update = await this.openCatalog(options.catalog, timer, true);
      // This model is ready: vectors under any other model key (an earlier export, another
      // dtype's item encoder) can never be read again and only fill the quota. History stays.
      await store.deleteVectorsExcept(files.modelKey);
      await store.deleteShardsExcept(files.modelKey, this.loaded.shards?.shardShas ?? []);
      timer.mark('encode', 'gc');
    } catch (e) {
      // A failed start must not leave sessions or a DB connection behind.
      const L = this.loaded;
      this.loaded = null;
      await this.warmWrite;
      await Promise.allSettled([models.release(), L?.store.close()]);
      throw e;
    }
    const store = this.loaded!.store;
    return {
      backend: sessions.backend, dtype: sessions.dtype, reason: sessions.reason, modelId: manifest.id, dim: manifest.dim,
      items: this.index.size, encoded: update.encoded, cached: this.counters.cacheHits - hitsBefore, fromShards: this.index.shardRows, storage: store.kind, threads,
      scanThreads: this.index.table.scanThreads,
    };
  }

  private alive(): void {
    if (this.disposed) throw new HllmError('DISPOSED', 'this recommender was disposed; create a new one.');
  }

  private ready(): Loaded {
    this.alive();
    if (!this.loaded) throw new HllmError('NOT_READY', 'the engine is not initialised yet; await rec.ready (or engine.init()) first.');
    return this.loaded;
  }

  /**
   * Reads a catalogue and makes it current. At start-up (`starting`) a URL whose bytes, model
   * and vector set match the stored warm index is taken from it: no parse, hash or diff.
   */
  private async openCatalog(catalog: CatalogSource, t: StepTimer, starting: boolean): Promise<CatalogUpdate> {
    const L = this.ready();
    const raw = await readCatalog(catalog, this.fetcher);
    t.mark('encode', 'catalog-read');
    const key = raw.bytes ? await warmKeyOf({ source: raw.source, bytes: raw.bytes, modelKey: L.modelKey, vectors: L.shards?.key ?? null, dim: L.manifest.dim }) : null;
    t.mark('encode', 'catalog-sha256');
    const warm = key && starting ? await loadWarmIndex(L.store, key, L.manifest.dim, this.warn, { threads: L.threads, warn: this.warn }) : null;
    if (warm) {
      t.mark('encode', 'warm-index-load');
      this.index = warm;
      this.catalogSource = raw.source;
      // Rows not from shards hold vectors read from storage, as on the rebuild path.
      this.counters.cacheHits += warm.size - warm.shardRows;
      t.onProgress?.({ phase: 'encode', done: 0, total: 0, etaMs: 0, detail: WARM_INDEX_USED });
      return { added: 0, changed: 0, removed: 0, encoded: 0 };
    }
    const items = catalogItems(raw);
    t.mark('encode', 'catalog-parse');
    return this.applyCatalog(items, raw.source, t, key);
  }

  /** Swaps in a new catalogue, encoding only texts with no stored vector; stores it as the warm index under `warmKey`. */
  private async applyCatalog(items: CatalogItem[], source: string | null, t: StepTimer, warmKey: string | null): Promise<CatalogUpdate> {
    const L = this.ready();
    const m = L.manifest;
    const onProgress = t.onProgress;
    const prepared = await prepareCatalog(items, m);
    t.mark('encode', 'catalog-texts-sha256');
    const previous = this.index.size > 0 ? this.index.catalog.snapshot() : await L.store.getCatalog();
    const diff = diffCatalog(previous, prepared);
    t.mark('encode', 'catalog-diff');
    // Decoded for this build only: the index copies its rows.
    const shards = L.shards ? await L.shards.load() : null;
    t.mark('encode', 'shards-load');
    // Only items the shard set does not cover need a vector from memory, storage or the encoder:
    // hex strings are made for those only (none at all when the shards cover the catalogue).
    const shardRows = shardRowsOf(prepared, shards);
    const needed = new Map<string, number>();
    for (let i = 0; i < shardRows.length; i++) if (shardRows[i]! < 0) { const h = shaOf(prepared, i); if (!needed.has(h)) needed.set(h, i); }
    const vectors = this.index.vectorsBySha(new Set(needed.keys()));
    const unknown = [...needed.keys()].filter((s) => !vectors.has(s));
    const stored = await L.store.getVectors(L.modelKey, unknown);
    for (const [s, v] of stored) if (v.length === m.dim) vectors.set(s, v);
    this.counters.cacheHits += stored.size;
    const todo = [...needed].filter(([h]) => !vectors.has(h)).map(([textSha256, i]) => ({ textSha256, text: prepared.texts[i]! }));
    if (todo.length > 0) {
      this.job = new AbortController();
      try {
        // After a WebGPU device loss the run resumes on WASM with the items still missing.
        await L.models.run(async (s) => {
          const left = todo.filter((p) => !vectors.has(p.textSha256));
          const rows = left.map((p) => L.tok.itemIds(p.text));
          await encodeItemRows(s.item, rows, {
            dim: m.dim, padId: m.pad_token_id, batchSize: L.batchSize, signal: this.job!.signal, onProgress,
            onCall: (n) => { this.counters.encoderCalls++; this.counters.itemsEncoded += n; },
            onBatch: async (idx, data) => {
              // Persist per batch: a cancelled or interrupted run resumes where it stopped.
              const entries: Array<[string, Float32Array]> = idx.map((r, b) => [left[r]!.textSha256, data.slice(b * m.dim, (b + 1) * m.dim)]);
              for (const [sha, v] of entries) vectors.set(sha, v);
              await L.store.putVectors(L.modelKey, entries);
            },
          });
        });
      } finally {
        this.job = null;
      }
    } else {
      onProgress?.({ phase: 'encode', done: 0, total: 0, etaMs: 0 });
    }
    t.mark('encode', 'vectors');
    const old = this.index;
    this.index = await buildIndex(prepared, vectors, m.dim, shards, { threads: L.threads, warn: this.warn }, shardRows);
    old.table.dispose(); // its scan workers, if threaded
    this.catalogSource = source;
    t.mark('encode', 'index-build');
    await L.store.putCatalog(this.index.catalog.snapshot());
    if (diff.droppedShas.length > 0) await L.store.deleteVectors(L.modelKey, diff.droppedShas);
    t.mark('encode', 'snapshot-store');
    // The warm index is a cache for the next start: written after this call returns (at 1M items
    // its digest and the ~200 MB put take seconds), in order, and awaited by dispose(). A failed
    // write loses only the cache (the next start parses the catalogue again).
    this.queueWarmWrite(L.store, this.index, warmKey);
    return { added: diff.added, changed: diff.changed, removed: diff.removed, encoded: todo.length };
  }

  /**
   * Queues the warm-index write behind any earlier one. A method of its own so that its closure
   * holds only these three values, not applyCatalog's scope (the parsed catalogue: ~300 MB at 1M).
   */
  private queueWarmWrite(store: Store, index: CatalogIndex, key: string | null): void {
    this.warmWrite = this.warmWrite.then(() => saveWarmIndex(store, index, key))
      .catch((e) => this.warn(`hllm: the catalogue index could not be stored (${(e as Error).message}); the next start parses the catalogue again.`));
  }

  private indexOf(itemId: string): number {
    const i = this.index.rowOf(String(itemId));
    if (i === undefined) throw new HllmError('UNKNOWN_ITEM', `item '${itemId}' is not in the catalogue; pass an id from the catalogue (or add it with setCatalog()).`, { itemId });
    return i;
  }

  async track(itemId: string, options: TrackOptions = {}): Promise<HistoryEvent> {
    const L = this.ready();
    this.indexOf(itemId);
    const at = options.at ?? Date.now();
    if (!Number.isFinite(at)) throw new HllmError('INVALID_OPTIONS', "'at' must be a timestamp in milliseconds.");
    const e = await L.store.appendEvent({ itemId: String(itemId), type: options.type ?? 'view', at });
    this.events.push(e);
    return e;
  }

  /** What recommend/similar/popular (modes.ts) need; popularity is built once per catalogue. */
  private modes(): ModeContext {
    const L = this.ready();
    return {
      index: this.index, maxHistory: L.manifest.max_history,
      historyRows: () => this.events.map((e) => this.index.rowOf(e.itemId)).filter((i): i is number => i !== undefined),
      userVector: (rows) => this.userVector(rows),
      popularity: () => {
        if (this.pop?.index !== this.index) {
          const ix = this.index;
          this.pop = { index: ix, pop: buildPopularity(ix.size, (r) => ix.item(r), (r) => ix.id(r), L.popularityField, L.counts) };
        }
        return this.pop.pop;
      },
      warnNoPopularity: () => {
        if (this.warnedNoPopularity) return;
        this.warnedNoPopularity = true;
        this.warn("hllm: fallback 'popular' has no popularity to fill with; set popularityField or use a model folder that ships interaction counts. Rows stay short.");
      },
    };
  }

  async recommend(options: RecommendOptions = {}): Promise<Recommendation[]> {
    return recommendMode(this.modes(), options);
  }

  /**
   * The user vector of these catalogue rows (oldest first). The last one is kept: a page that
   * asks again with the same history and catalogue (several widget rows, a re-render) skips the
   * User LLM. Each caller gets its own copy (the page side may take the buffer).
   */
  private async userVector(rows: number[]): Promise<Float32Array> {
    const L = this.ready();
    const c = this.lastUser;
    if (c && c.index === this.index && c.rows.length === rows.length && c.rows.every((r, i) => r === rows[i])) return (await c.vector).slice();
    const vector = L.models.run((s) => encodeUsers(s.user, [rows.map((r) => this.index.rawRow(r))], L.manifest.dim, L.manifest.max_history, () => this.counters.userEncoderCalls++));
    const entry = { index: this.index, rows: [...rows], vector };
    this.lastUser = entry;
    // A failed run is not kept.
    vector.catch(() => { if (this.lastUser === entry) this.lastUser = null; });
    return (await vector).slice();
  }

  async similar(itemId: string, options: number | SimilarOptions = 10): Promise<Recommendation[]> {
    return similarMode(this.modes(), itemId, options);
  }

  async popular(options: PopularOptions = {}): Promise<Recommendation[]> {
    return popularMode(this.modes(), options);
  }

  async items(ids: string[]): Promise<CatalogItem[]> {
    this.ready();
    if (!Array.isArray(ids)) throw new HllmError('INVALID_OPTIONS', 'items() takes an array of item ids, e.g. items([\'1\', \'2\']).');
    const rows = ids.map((id) => this.indexOf(id));
    return rows.map((r) => this.index.item(r));
  }

  async search(query: string, options: SearchOptions = {}): Promise<SearchResult> {
    this.ready();
    if (typeof query !== 'string') throw new HllmError('INVALID_OPTIONS', "search() takes the query as a string ('' lists the catalogue in order).");
    const limit = options.limit ?? 20;
    const offset = options.offset ?? 0;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SEARCH_LIMIT) {
      throw new HllmError('INVALID_OPTIONS', `'limit' must be an integer from 1 to ${MAX_SEARCH_LIMIT}; page through more with 'offset'.`, { limit });
    }
    if (!Number.isInteger(offset) || offset < 0) throw new HllmError('INVALID_OPTIONS', "'offset' must be a non-negative integer.", { offset });
    const rows = this.index.text.match(query);
    return { items: rows.slice(offset, offset + limit).map((r) => this.index.item(r)), total: rows.length };
  }

  async history(): Promise<HistoryEvent[]> {
    this.ready();
    return this.events.map((e) => ({ ...e }));
  }

  async forget(itemIds: string[] | 'all'): Promise<number> {
    const L = this.ready();
    if (itemIds !== 'all' && !Array.isArray(itemIds)) throw new HllmError('INVALID_OPTIONS', "forget() takes an array of item ids or 'all'.");
    const n = await L.store.deleteEvents(itemIds === 'all' ? 'all' : itemIds.map(String));
    this.events = await L.store.getEvents();
    return n;
  }

  async exportData(): Promise<ExportData> {
    const L = this.ready();
    return {
      version: 1, exportedAt: Date.now(), history: await this.history(),
      catalog: { source: this.catalogSource, items: this.index.size },
      model: { id: L.manifest.id, sha256: L.modelKey, backend: L.models.sessions.backend, dtype: L.models.sessions.dtype },
    };
  }

  /** See RecommenderApi.importData and history-import.ts; events of items not in the catalogue are skipped. */
  async importData(data: ExportData | string, options?: ImportOptions): Promise<ImportResult> {
    const L = this.ready();
    const { result, history } = await importHistory(L.store, this.events, data, options, (id) => this.index.rowOf(id) !== undefined);
    this.events = history;
    return result;
  }

  async setCatalog(catalog: CatalogSource, onProgress?: ProgressCallback): Promise<CatalogUpdate> {
    this.ready();
    return this.openCatalog(catalog, stepTimer(onProgress), false);
  }

  async stats(): Promise<EngineStats> {
    const L = this.loaded;
    return {
      ...this.counters, shardRows: this.index.shardRows, catalogItems: this.index.size, historyEvents: this.events.length,
      backend: L?.models.sessions.backend ?? null, dtype: L?.models.sessions.dtype ?? null, storage: L?.store.kind ?? null,
      scanThreads: this.index.table.scanThreads,
    };
  }

  async cancel(): Promise<void> {
    this.job?.abort();
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.job?.abort();
    this.disposed = true;
    const L = this.loaded;
    this.loaded = null;
    await this.warmWrite;
    this.index.table.dispose();
    if (L) await Promise.all([L.models.release(), L.store.close()]);
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
    this.ready();
    if (itemIds.length === 0) throw new HllmError('INVALID_OPTIONS', 'embedUser() needs at least one item id.');
    return this.userVector(itemIds.slice(-this.ready().manifest.max_history).map((id) => this.indexOf(id)));
  }

  async itemVector(itemId: string): Promise<Float32Array> {
    this.ready();
    return this.index.rawRow(this.indexOf(itemId));
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

/**
 * Test hook, not exported by the package (src/testing/ uses it): destroys the engine's
 * WebGPU device, as a driver reset would; later calls run on WASM. False when not on WebGPU.
 *
 * @example
 * ```ts
 * const lost = await loseDevice(engine); // true on WebGPU
 * ```
 */
export async function loseDevice(engine: HllmEngine): Promise<boolean> {
  const holder = sessionsOf.get(engine);
  if (!holder) throw new HllmError('INVALID_OPTIONS', 'loseDevice() needs an engine made by createEngine().');
  return holder().loseDevice();
}
