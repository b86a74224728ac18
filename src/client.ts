// Page side: starts the engine worker, talks to it over comlink, forwards progress, and
// restarts the worker when it dies — by an error event, or silently (terminate, close, OOM
// kill; see worker-liveness.ts). Whichever death signal comes first restarts that worker
// exactly once; later signals about the same worker are ignored. A read call (CALL_KINDS
// in protocol.ts) the dead worker never answered is sent once more, to the new worker; a
// write rejects with 'WORKER_CRASHED', since it may already have committed.
import { proxy, releaseProxy, wrap, type Remote } from 'comlink';
import { installErrorTransfer } from './comlink-setup.ts';
import { HllmError, isHllmError } from './errors.ts';
import {
  CALL_KINDS, type CatalogItem, type CatalogSource, type CatalogUpdate, type EngineOptions, type EngineStats,
  type ExportData, type HistoryEvent, type ImportOptions, type ImportResult, type ItemTokens, type Progress, type ProgressCallback, type ReadyInfo,
  type PopularOptions, type Recommendation, type RecommenderApi, type RecommendOptions, type RuleCallbacks, type RuleOptions,
  type SearchOptions, type SearchResult, type SimilarOptions, type TrackOptions, type WorkerApi,
} from './protocol.ts';
import { watchWorker, type LivenessOptions, type WatchWorker } from './worker-liveness.ts';

export interface RecommenderOptions extends EngineOptions {
  onProgress?: ProgressCallback;
  /** Supplies the worker; default: the bundled engine worker. */
  createWorker?: () => Worker;
  /** How a worker that ends without an error event is noticed; default Web Locks, else a 30 s heartbeat. */
  liveness?: LivenessOptions;
}

/** Seams for the client's unit test (src/client.test.ts); not part of the public API. */
export interface RecommenderInternals {
  /** Replaces the liveness watcher (default: watchWorker). */
  watch?: WatchWorker;
}

/** Restarts allowed over a recommender's life before it gives up and every call rejects. */
const MAX_RESTARTS = 3;

/** One worker and what the page knows about it. A dead generation is never used again. */
interface Generation {
  readonly worker: Worker;
  readonly remote: Remote<WorkerApi>;
  /** init() on this worker; rejects with WORKER_CRASHED if the worker dies first. */
  started: Promise<ReadyInfo>;
  /** Never resolves; rejects once, when this worker dies (or the recommender is disposed). */
  readonly death: Promise<never>;
  readonly kill: (e: HllmError) => void;
  dead: boolean;
  /** Calls sent to this worker and not answered yet (the heartbeat runs only while > 0). */
  pending: number;
  stopWatch: () => void;
}

type CallName = keyof typeof CALL_KINDS;

function defaultWorker(): Worker {
  return new Worker(new URL('../workers/engine.worker.ts', import.meta.url), { type: 'module', name: 'hllm-engine' });
}

/** Resolves relative model/catalogue URLs against the page, not the worker script. */
function absolute(u: string): string {
  const base = globalThis.document?.baseURI ?? globalThis.location?.href;
  return base ? new URL(u, base).href : u;
}

type WireRules<O> = [O | undefined, RuleCallbacks['filter'], RuleCallbacks['boost']];

/**
 * Splits rule options for the wire: filter/boost functions cannot be cloned into the worker,
 * so they go as comlink proxies of batch callbacks. Called per send: a proxy's port is
 * transferred once, so a retried read needs fresh ones.
 */
function wireRules<O extends RuleOptions>(o: O | undefined): WireRules<O> {
  if (!o || (o.filter === undefined && o.boost === undefined)) return [o, undefined, undefined];
  const { filter, boost, ...rest } = o;
  if (filter !== undefined && typeof filter !== 'function') throw new HllmError('INVALID_OPTIONS', "'filter' must be a function (item) => boolean.");
  if (boost !== undefined && typeof boost !== 'function') throw new HllmError('INVALID_OPTIONS', "'boost' must be a function (item, score) => number.");
  return [
    rest as O,
    filter ? proxy((items: CatalogItem[]) => items.map((it) => filter(it) === true)) : undefined,
    boost ? proxy((items: CatalogItem[], scores: number[]) => items.map((it, i) => boost(it, scores[i]!))) : undefined,
  ];
}

const disposedError = () => new HllmError('DISPOSED', 'this recommender was disposed; create a new one.');

/**
 * A recommender whose engine runs in a Web Worker. Create it with createRecommender().
 * If the worker dies, it is restarted from IndexedDB: read calls in flight are retried
 * on the new worker, writes (track, forget, setCatalog) reject with 'WORKER_CRASHED'.
 *
 * @example
 * ```ts
 * const rec = await createRecommender({ model: '/models/default/', catalog: '/catalogs/ml-latest-small/items.csv' });
 * const info = await rec.ready;              // { backend: 'webgpu', dtype: 'q4', … }
 * await rec.track('1');
 * for (const r of await rec.recommend({ k: 10 })) console.log(r.item.title, r.score, r.because?.id);
 * ```
 */
export class Recommender implements RecommenderApi {
  /** Resolves once the model is loaded and the catalogue embedded (on a restarted worker if the first one died). */
  readonly ready: Promise<ReadyInfo>;
  private gen: Generation;
  /** Set once the worker has died more than MAX_RESTARTS times: every call rejects with it. */
  private failed: HllmError | null = null;
  private readonly listeners = new Set<ProgressCallback>();
  private opts: EngineOptions;
  private disposed = false;
  private restarts = 0;
  private readonly watch: WatchWorker;

  constructor(private readonly options: RecommenderOptions, internals: RecommenderInternals = {}) {
    installErrorTransfer();
    this.watch = internals.watch ?? watchWorker;
    const { onProgress, createWorker: _cw, liveness: _l, ...engineOpts } = options;
    if (onProgress) this.listeners.add(onProgress);
    this.opts = {
      ...engineOpts,
      model: typeof engineOpts.model === 'string' ? absolute(engineOpts.model) : engineOpts.model,
      catalog: typeof engineOpts.catalog === 'string' ? absolute(engineOpts.catalog) : engineOpts.catalog,
      // Resolved here: the worker would resolve a relative URL against its own script.
      ...(typeof engineOpts.vectors === 'string' ? { vectors: absolute(engineOpts.vectors) } : {}),
    };
    this.gen = this.start();
    this.ready = this.live().then((g) => g.started);
    this.ready.catch(() => undefined);
  }

  private emit = (p: Progress): void => {
    for (const l of this.listeners) {
      try { l(p); } catch (e) { console.error(e); }
    }
  };

  private start(): Generation {
    const worker = (this.options.createWorker ?? defaultWorker)();
    let kill!: (e: HllmError) => void;
    const death = new Promise<never>((_, reject) => { kill = reject; });
    death.catch(() => undefined);
    const g: Generation = {
      worker, remote: wrap<WorkerApi>(worker), death, kill, dead: false, pending: 0,
      started: death, stopWatch: () => undefined,
    };
    // Every signal is bound to its own generation, so one about an old worker can never end a new one.
    const onEvent = (ev: Event) => this.died(g, (ev as Partial<ErrorEvent>).message || ev.type);
    worker.addEventListener('error', onEvent);
    worker.addEventListener('messageerror', onEvent);
    let initDone = false;
    g.stopWatch = this.watch(g.remote, () => (!initDone ? 'starting' : g.pending > 0 ? 'busy' : 'idle'), (why) => this.died(g, why), this.options.liveness);
    // Progress calls travel on their own MessagePort, so one sent just before init() returned
    // can arrive after its result: dropped then, or a page would show "starting" once ready.
    g.started = this.send(g, (r) => r.init(this.opts, proxy((p: Progress) => { if (!initDone) this.emit(p); })));
    g.started.then(() => { initDone = true; }, () => { initDone = true; });
    return g;
  }

  /** Handles a death signal; only the first one about `g` does anything. */
  private died(g: Generation, reason: string): void {
    if (g.dead) return;
    g.dead = true;
    g.stopWatch();
    g.kill(new HllmError('WORKER_CRASHED', `the engine worker stopped (${reason}) before answering; it has been restarted. A read call is retried by itself; this call may or may not have taken effect: check (e.g. with history()) before calling it again.`));
    this.shutDown(g);
    if (this.disposed) return;
    if (++this.restarts > MAX_RESTARTS) {
      this.failed = new HllmError('WORKER_CRASHED', `the engine worker keeps failing (${reason}); reload the page.`);
      return;
    }
    this.gen = this.start();
  }

  private shutDown(g: Generation): void {
    try { g.remote[releaseProxy](); } catch { /* already released */ }
    g.worker.terminate();
  }

  /** Sends one call to `g`; rejects with WORKER_CRASHED if `g` dies before it is answered. */
  private send<T>(g: Generation, f: (r: Remote<WorkerApi>) => Promise<T>): Promise<T> {
    if (g.dead) return g.death;
    g.pending++;
    let p: Promise<T>;
    try { p = f(g.remote); } catch (e) { p = Promise.reject(e); }
    const out = Promise.race([p, g.death]);
    out.then(() => { g.pending--; }, () => { g.pending--; });
    return out;
  }

  /** The current worker once it is started; waits through restarts (a call never goes to a dead worker). */
  private async live(): Promise<Generation> {
    for (;;) {
      if (this.disposed) throw disposedError();
      if (this.failed) throw this.failed;
      const g = this.gen;
      try { await g.started; } catch (e) { if (!g.dead) throw e; }
      if (!g.dead) return g;
      // g died: died() has started its successor (or set failed/disposed): look again.
    }
  }

  private async call<T>(name: CallName, f: (r: Remote<WorkerApi>) => Promise<T>): Promise<T> {
    let sends = CALL_KINDS[name] === 'read' ? 2 : 1;
    for (;;) {
      const g = await this.live();
      if (g.dead) continue; // died between live() and now: nothing was sent yet
      try {
        return await this.send(g, f);
      } catch (e) {
        if (!g.dead || !isHllmError(e, 'WORKER_CRASHED') || --sends === 0) throw e;
      }
    }
  }

  /** Subscribes to progress; returns the unsubscribe function. */
  on(event: 'progress', cb: ProgressCallback): () => void {
    if (event !== 'progress') throw new HllmError('INVALID_OPTIONS', `unknown event '${event}'; the only event is 'progress'.`);
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  /** Records an interaction. Unknown ids reject with code 'UNKNOWN_ITEM'. */
  track(itemId: string, options?: TrackOptions): Promise<HistoryEvent> { return this.call('track', (r) => r.track(itemId, options)); }
  /** Top-k items for this user's history: cosine scores, each with the history item it is most like. */
  recommend(options?: RecommendOptions): Promise<Recommendation[]> { return this.call('recommend', (r) => r.recommend(...wireRules(options))); }
  /** The items nearest to one item (a number is k), with rules and fallback as recommend(). */
  similar(itemId: string, options?: number | SimilarOptions): Promise<Recommendation[]> {
    return this.call('similar', (r) => (typeof options === 'object' ? r.similar(itemId, ...wireRules(options)) : r.similar(itemId, options)));
  }
  /**
   * The catalogue's most popular items, rules applied; score = popularity / the largest one.
   *
   * @example
   * ```ts
   * const top = await rec.popular({ k: 8, filter: (it) => it.genres !== 'Horror' });
   * ```
   */
  popular(options?: PopularOptions): Promise<Recommendation[]> { return this.call('popular', (r) => r.popular(...wireRules(options))); }
  history(): Promise<HistoryEvent[]> { return this.call('history', (r) => r.history()); }
  /** Deletes history events of these items (or all); returns how many were removed. */
  forget(itemIds: string[] | 'all'): Promise<number> { return this.call('forget', (r) => r.forget(itemIds)); }
  exportData(): Promise<ExportData> { return this.call('exportData', (r) => r.exportData()); }
  /**
   * Adds the history of an exportData() file (the object or its JSON text): with mode
   * 'merge' (default) the events not stored yet, with 'replace' instead of the stored
   * history (in one transaction). Events of items not in this catalogue are skipped and
   * counted. A bad file rejects with 'INVALID_IMPORT', naming the problem, and changes nothing.
   *
   * @example
   * ```ts
   * const { imported, skipped } = await rec.importData(await file.text(), { mode: 'replace' });
   * ```
   */
  importData(data: ExportData | string, options?: ImportOptions): Promise<ImportResult> { return this.call('importData', (r) => r.importData(data, options)); }
  /** Replaces the catalogue; only new or changed items are encoded. Progress goes to `onProgress` and to on('progress'). */
  async setCatalog(catalog: CatalogSource, onProgress?: ProgressCallback): Promise<CatalogUpdate> {
    const c = typeof catalog === 'string' ? absolute(catalog) : catalog;
    let done = false; // late progress (see start()) after the result is dropped
    const report = (p: Progress) => { if (done) return; this.emit(p); onProgress?.(p); };
    const res = await this.call('setCatalog', (r) => r.setCatalog(c, proxy(report))).finally(() => { done = true; });
    this.opts = { ...this.opts, catalog: c }; // a restarted worker starts with the catalogue last set
    return res;
  }
  stats(): Promise<EngineStats> { return this.call('stats', (r) => r.stats()); }
  /** Stops a running catalogue encoding, also the one of start-up (its promise rejects with 'CANCELLED'). */
  async cancel(): Promise<void> {
    if (this.disposed) throw disposedError();
    const g = this.gen;
    // Not queued behind ready: it must reach the start-up encoding. A dead worker's job died with it.
    await this.send(g, (r) => r.cancel()).catch((e) => { if (!g.dead) throw e; });
  }
  tokenizeItem(item: CatalogItem): Promise<ItemTokens> { return this.call('tokenizeItem', (r) => r.tokenizeItem(item)); }
  embedItems(items: CatalogItem[]): Promise<Float32Array> { return this.call('embedItems', (r) => r.embedItems(items)); }
  embedUser(itemIds: string[]): Promise<Float32Array> { return this.call('embedUser', (r) => r.embedUser(itemIds)); }
  itemVector(itemId: string): Promise<Float32Array> { return this.call('itemVector', (r) => r.itemVector(itemId)); }
  /**
   * Catalogue items by id, in the order asked (no vectors). Unknown ids reject with 'UNKNOWN_ITEM'.
   *
   * @example
   * ```ts
   * const [item] = await rec.items(['1']);   // { id: '1', title: 'Toy Story (1995)', … }
   * ```
   */
  items(ids: string[]): Promise<CatalogItem[]> { return this.call('items', (r) => r.items(ids)); }
  /**
   * One page of catalogue items containing every word of `query` (title matches first);
   * '' lists the catalogue in order. `limit` 1–1000 (default 20), else 'INVALID_OPTIONS'.
   *
   * @example
   * ```ts
   * const { items, total } = await rec.search('toy story', { limit: 25, offset: 0 });
   * ```
   */
  search(query: string, options?: SearchOptions): Promise<SearchResult> { return this.call('search', (r) => r.search(query, options)); }

  /** Releases the sessions and storage and ends the worker; calls still pending reject with 'DISPOSED'. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const g = this.gen;
    if (g.dead) return;
    try {
      await Promise.race([g.remote.dispose(), g.death, new Promise((r) => setTimeout(r, 2000))]);
    } catch { /* the worker may already be gone */ }
    if (g.dead) return;
    g.dead = true;
    g.stopWatch();
    g.kill(disposedError());
    this.shutDown(g);
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
