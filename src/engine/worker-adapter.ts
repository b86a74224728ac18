// Wraps an Engine for comlink: progress callbacks arrive as comlink proxies, every
// Float32Array result is transferred (its buffer moves, nothing is copied), and calls run
// one at a time in arrival order, so a recommend() sent after a track() sees that event.
import { releaseProxy, transfer, type Remote } from 'comlink';
import { installErrorTransfer } from '../comlink-setup.ts';
import type {
  CatalogItem, CatalogSource, Engine, EngineOptions, ExportData, ImportOptions, PopularOptions, ProgressCallback, RecommendOptions, RuleCallbacks, RuleOptions,
  SearchOptions, SimilarOptions, TrackOptions, WorkerApi,
} from '../protocol.ts';
import { holdLockForever } from '../worker-liveness.ts';
import { createEngine } from './engine.ts';

const moved = (v: Float32Array): Float32Array => {
  // A subarray view would transfer (and detach) its whole parent buffer: send a copy that owns its buffer.
  const own = v.byteOffset === 0 && v.byteLength === v.buffer.byteLength ? v : v.slice();
  return transfer(own, [own.buffer as ArrayBuffer]);
};

type Filter = RuleCallbacks['filter'];
type Boost = RuleCallbacks['boost'];

/** Puts the page's filter/boost proxies into the options as RuleCallbacks, and frees them after the call. */
async function withRules<O extends RuleOptions, T>(o: O | undefined, filter: Filter, boost: Boost, f: (o: O | undefined) => Promise<T>): Promise<T> {
  if (!filter && !boost) return f(o);
  const callbacks: RuleCallbacks = {
    ...(filter ? { filter: (items: CatalogItem[]) => filter(items) } : {}),
    ...(boost ? { boost: (items: CatalogItem[], scores: number[]) => boost(items, scores) } : {}),
  };
  try {
    return await f({ ...(o ?? {}), callbacks } as O);
  } finally {
    for (const p of [filter, boost]) if (p) (p as unknown as Remote<unknown>)[releaseProxy]();
  }
}

/**
 * The WorkerApi around one engine, for `expose()` in a worker file.
 *
 * @example
 * ```ts
 * expose(workerApi(createEngine()));
 * ```
 */
export function workerApi(engine: Engine = createEngine()): WorkerApi {
  installErrorTransfer();
  // Comlink starts each message's handler at once; the engine's methods await storage and
  // ORT, so without this queue a forget() and a track() (or a track() and a recommend())
  // interleave and the in-memory history can miss or double an event. cancel, stats,
  // dispose, ping and holdLock bypass the queue: they must act while a
  // long call (setCatalog, embedItems) holds it.
  let tail: Promise<unknown> = Promise.resolve();
  const serial = <T>(f: () => Promise<T>): Promise<T> => {
    const run = tail.then(f, f);
    tail = run.catch(() => undefined);
    return run;
  };
  return {
    init: (o: EngineOptions, p?: ProgressCallback) => serial(() => engine.init(o, p)),
    track: (id: string, o?: TrackOptions) => serial(() => engine.track(id, o)),
    recommend: (o?: RecommendOptions, f?: Filter, b?: Boost) => serial(() => withRules(o, f, b, (x) => engine.recommend(x))),
    similar: (id: string, o?: number | SimilarOptions, f?: Filter, b?: Boost) =>
      serial(() => (typeof o === 'number' || o === undefined ? engine.similar(id, o) : withRules(o, f, b, (x) => engine.similar(id, x)))),
    popular: (o?: PopularOptions, f?: Filter, b?: Boost) => serial(() => withRules(o, f, b, (x) => engine.popular(x))),
    history: () => serial(() => engine.history()),
    forget: (ids: string[] | 'all') => serial(() => engine.forget(ids)),
    exportData: () => serial(() => engine.exportData()),
    importData: (d: ExportData | string, o?: ImportOptions) => serial(() => engine.importData(d, o)),
    setCatalog: (c: CatalogSource, p?: ProgressCallback) => serial(() => engine.setCatalog(c, p)),
    stats: () => engine.stats(),
    cancel: () => engine.cancel(),
    dispose: () => engine.dispose(),
    tokenizeItem: (item: CatalogItem) => serial(() => engine.tokenizeItem(item)),
    embedItems: (items: CatalogItem[]) => serial(async () => moved(await engine.embedItems(items))),
    embedUser: (ids: string[]) => serial(async () => moved(await engine.embedUser(ids))),
    itemVector: (id: string) => serial(async () => moved(await engine.itemVector(id))),
    items: (ids: string[]) => serial(() => engine.items(ids)),
    search: (q: string, o?: SearchOptions) => serial(() => engine.search(q, o)),
    holdLock: (name: string) => holdLockForever(name),
    ping: async () => Date.now(),
  };
}
