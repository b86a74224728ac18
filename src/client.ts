// Page side: starts the engine worker, talks to it over comlink, forwards progress, and
// restarts the worker if it dies — by an error event, or silently (terminate, close, OOM
// kill; see worker-liveness.ts). Pending calls then reject with 'WORKER_CRASHED'.
// Imports: comlink, comlink-setup, errors, worker-liveness, protocol types, worker-adapter types.
import { proxy, releaseProxy, wrap, type Remote } from 'comlink';
import { installErrorTransfer } from './comlink-setup.ts';
import { HllmError } from './errors.ts';
import type {
  CatalogItem, CatalogSource, CatalogUpdate, EngineOptions, EngineStats, ExportData, HistoryEvent, ItemTokens,
  Progress, ProgressCallback, ReadyInfo, Recommendation, RecommendOptions, SearchOptions, SearchResult, TrackOptions,
} from './protocol.ts';
import type { CrashKind, WorkerApi } from './engine/worker-adapter.ts';
import { watchWorker, type LivenessOptions } from './worker-liveness.ts';

export interface RecommenderOptions extends EngineOptions {
  onProgress?: ProgressCallback;
  /** Supplies the worker; default: the bundled engine worker. */
  createWorker?: () => Worker;
  /** How a worker that ends without an error event is noticed; default Web Locks, else a 30 s heartbeat. */
  liveness?: LivenessOptions;
}

function defaultWorker(): Worker {
  return new Worker(new URL('../workers/engine.worker.ts', import.meta.url), { type: 'module', name: 'hllm-engine' });
}

/** Resolves relative model/catalogue URLs against the page, not the worker script. */
function absolute(u: string): string {
  const base = globalThis.document?.baseURI ?? globalThis.location?.href;
  return base ? new URL(u, base).href : u;
}

/**
 * A recommender whose engine runs in a Web Worker. Create it with createRecommender().
 *
 * @example
 * ```ts
 * const rec = await createRecommender({ model: '/models/default/', catalog: '/catalogs/ml-latest-small/items.csv' });
 * const info = await rec.ready;              // { backend: 'webgpu', dtype: 'q4', … }
 * await rec.track('1');
 * for (const r of await rec.recommend({ k: 10 })) console.log(r.item.title, r.score, r.because?.id);
 * ```
 */
export class Recommender {
  /** Resolves once the model is loaded and the catalogue embedded. */
  readonly ready: Promise<ReadyInfo>;
  private worker!: Worker;
  private remote!: Remote<WorkerApi>;
  private current!: Promise<ReadyInfo>;
  private readonly listeners = new Set<ProgressCallback>();
  private readonly pending = new Set<(e: Error) => void>();
  private opts: EngineOptions;
  private disposed = false;
  private restarts = 0;
  private stopWatch: () => void = () => undefined;

  constructor(private readonly options: RecommenderOptions) {
    installErrorTransfer();
    const { onProgress, createWorker: _cw, liveness: _l, ...engineOpts } = options;
    if (onProgress) this.listeners.add(onProgress);
    this.opts = {
      ...engineOpts,
      model: typeof engineOpts.model === 'string' ? absolute(engineOpts.model) : engineOpts.model,
      catalog: typeof engineOpts.catalog === 'string' ? absolute(engineOpts.catalog) : engineOpts.catalog,
    };
    this.ready = this.start();
    this.ready.catch(() => undefined);
  }

  private emit = (p: Progress): void => {
    for (const l of this.listeners) {
      try { l(p); } catch (e) { console.error(e); }
    }
  };

  private start(): Promise<ReadyInfo> {
    this.worker = (this.options.createWorker ?? defaultWorker)();
    this.remote = wrap<WorkerApi>(this.worker);
    const w = this.worker;
    const onDeath = (ev: Event) => {
      if (w !== this.worker) return;
      const msg = ev instanceof ErrorEvent ? ev.message : ev.type;
      this.crashed(msg);
    };
    w.addEventListener('error', onDeath);
    w.addEventListener('messageerror', onDeath);
    let started = false;
    const state = () => (!started ? 'starting' : this.pending.size > 0 ? 'busy' : 'idle');
    this.stopWatch = watchWorker(this.remote, state, (why) => {
      if (w === this.worker && !this.disposed) this.crashed(why);
    }, this.options.liveness);
    this.current = this.track_(this.remote.init(this.opts, proxy(this.emit)));
    this.current.finally(() => { started = true; }).catch(() => undefined);
    this.current.catch(() => undefined);
    return this.current;
  }

  private crashed(reason: string): void {
    const err = new HllmError('WORKER_CRASHED', `the engine worker stopped (${reason}); it has been restarted — retry the call.`);
    for (const reject of [...this.pending]) reject(err);
    this.pending.clear();
    this.stopWatch();
    this.remote[releaseProxy]();
    this.worker.terminate();
    if (this.disposed || ++this.restarts > 3) {
      this.current = Promise.reject(new HllmError('WORKER_CRASHED', `the engine worker keeps failing (${reason}); reload the page.`));
      this.current.catch(() => undefined);
      return;
    }
    this.start();
  }

  /** Rejects `p` with WORKER_CRASHED if the worker dies before it settles. */
  private track_<T>(p: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.add(reject);
      p.then(resolve, reject).finally(() => this.pending.delete(reject));
    });
  }

  private async call<T>(f: (r: Remote<WorkerApi>) => Promise<T>): Promise<T> {
    if (this.disposed) throw new HllmError('DISPOSED', 'this recommender was disposed; create a new one.');
    await this.current;
    return this.track_(f(this.remote));
  }

  /** Subscribes to progress; returns the unsubscribe function. */
  on(event: 'progress', cb: ProgressCallback): () => void {
    if (event !== 'progress') throw new HllmError('INVALID_OPTIONS', `unknown event '${event}'; the only event is 'progress'.`);
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  /** Records an interaction. Unknown ids reject with code 'UNKNOWN_ITEM'. */
  track(itemId: string, options?: TrackOptions): Promise<HistoryEvent> { return this.call((r) => r.track(itemId, options)); }
  /** Top-k items for this user's history: cosine scores, each with the history item it is most like. */
  recommend(options?: RecommendOptions): Promise<Recommendation[]> { return this.call((r) => r.recommend(options)); }
  /** The k items nearest to one item. */
  similar(itemId: string, k?: number): Promise<Recommendation[]> { return this.call((r) => r.similar(itemId, k)); }
  history(): Promise<HistoryEvent[]> { return this.call((r) => r.history()); }
  /** Deletes history events of these items (or all); returns how many were removed. */
  forget(itemIds: string[] | 'all'): Promise<number> { return this.call((r) => r.forget(itemIds)); }
  exportData(): Promise<ExportData> { return this.call((r) => r.exportData()); }
  /** Replaces the catalogue; only new or changed items are encoded. */
  async setCatalog(catalog: CatalogSource | CatalogItem[]): Promise<CatalogUpdate> {
    const c = typeof catalog === 'string' ? absolute(catalog) : catalog;
    const res = await this.call((r) => r.setCatalog(c, proxy(this.emit)));
    this.opts = { ...this.opts, catalog: c };
    return res;
  }
  stats(): Promise<EngineStats> { return this.call((r) => r.stats()); }
  /** Stops a running catalogue encoding (its promise rejects with 'CANCELLED'). */
  cancel(): Promise<void> { return this.track_(this.remote.cancel()); }
  tokenizeItem(item: CatalogItem): Promise<ItemTokens> { return this.call((r) => r.tokenizeItem(item)); }
  embedItems(items: CatalogItem[]): Promise<Float32Array> { return this.call((r) => r.embedItems(items)); }
  embedUser(itemIds: string[]): Promise<Float32Array> { return this.call((r) => r.embedUser(itemIds)); }
  itemVector(itemId: string): Promise<Float32Array> { return this.call((r) => r.itemVector(itemId)); }
  /**
   * Catalogue items by id, in the order asked (no vectors). Unknown ids reject with 'UNKNOWN_ITEM'.
   *
   * @example
   * ```ts
   * const [item] = await rec.items(['1']);   // { id: '1', title: 'Toy Story (1995)', … }
   * ```
   */
  items(ids: string[]): Promise<CatalogItem[]> { return this.call((r) => r.items(ids)); }
  /**
   * One page of catalogue items containing every word of `query` (title matches first);
   * '' lists the catalogue in order. `limit` 1–1000 (default 20), else 'INVALID_OPTIONS'.
   *
   * @example
   * ```ts
   * const { items, total } = await rec.search('toy story', { limit: 25, offset: 0 });
   * ```
   */
  search(query: string, options?: SearchOptions): Promise<SearchResult> { return this.call((r) => r.search(query, options)); }
  /** Test hook: ends the worker ('error': uncaught error; 'close': silently); pending calls reject with 'WORKER_CRASHED' and it restarts. */
  simulateCrash(kind?: CrashKind): Promise<void> { return this.remote.simulateCrash(kind); }
  /** Test hook: destroys the worker's WebGPU device; the engine moves to WASM. Resolves false when not on WebGPU. */
  simulateDeviceLoss(): Promise<boolean> { return this.call((r) => r.simulateDeviceLoss()); }
  /** Test hook: terminates the worker from outside, as a browser does under memory pressure. */
  simulateTermination(): void { this.worker.terminate(); }

  /** Releases the sessions and storage and ends the worker. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    try {
      await Promise.race([this.remote.dispose(), new Promise((r) => setTimeout(r, 2000))]);
    } catch { /* the worker may already be gone */ }
    this.stopWatch();
    this.remote[releaseProxy]();
    this.worker.terminate();
  }
}

/**
 * Starts the engine in a Web Worker. Resolves at once; `rec.ready` resolves when the
 * model is loaded and the catalogue embedded (or rejects with an HllmError).
 *
 * @example
 * ```ts
 * const rec = await createRecommender({ model: '/models/default/', catalog: '/catalogs/ml-latest-small/items.csv',
 *   onProgress: (p) => console.log(p.phase, p.done, p.total) });
 * await rec.ready;
 * ```
 */
export async function createRecommender(options: RecommenderOptions): Promise<Recommender> {
  if (typeof Worker === 'undefined') {
    throw new HllmError('INVALID_OPTIONS', 'createRecommender() needs Web Workers (a browser); in Node use createEngine().');
  }
  return new Recommender(options);
}
