// Wraps an Engine for comlink: progress callbacks arrive as comlink proxies, and every
// Float32Array result is transferred (its buffer moves, nothing is copied).
// Imports: comlink, comlink-setup, engine, protocol types.
import { transfer } from 'comlink';
import { installErrorTransfer } from '../comlink-setup.ts';
import type { CatalogItem, CatalogSource, Engine, EngineOptions, ProgressCallback, RecommendOptions, TrackOptions } from '../protocol.ts';
import { createEngine } from './engine.ts';

/** The object the worker exposes: the Engine plus a crash hook for the restart test. */
export interface WorkerApi extends Engine {
  /** Test hook: throws an uncaught error inside the worker (the page then restarts it). */
  simulateCrash(): Promise<void>;
}

const moved = (v: Float32Array): Float32Array => {
  // A subarray view would transfer (and detach) its whole parent buffer: send a copy that owns its buffer.
  const own = v.byteOffset === 0 && v.byteLength === v.buffer.byteLength ? v : v.slice();
  return transfer(own, [own.buffer as ArrayBuffer]);
};

export function workerApi(engine: Engine = createEngine()): WorkerApi {
  installErrorTransfer();
  return {
    init: (o: EngineOptions, p?: ProgressCallback) => engine.init(o, p),
    track: (id: string, o?: TrackOptions) => engine.track(id, o),
    recommend: (o?: RecommendOptions) => engine.recommend(o),
    similar: (id: string, k?: number) => engine.similar(id, k),
    history: () => engine.history(),
    forget: (ids: string[] | 'all') => engine.forget(ids),
    exportData: () => engine.exportData(),
    setCatalog: (c: CatalogSource, p?: ProgressCallback) => engine.setCatalog(c, p),
    stats: () => engine.stats(),
    cancel: () => engine.cancel(),
    dispose: () => engine.dispose(),
    tokenizeItem: (item: CatalogItem) => engine.tokenizeItem(item),
    embedItems: async (items: CatalogItem[]) => moved(await engine.embedItems(items)),
    embedUser: async (ids: string[]) => moved(await engine.embedUser(ids)),
    itemVector: async (id: string) => moved(await engine.itemVector(id)),
    simulateCrash: async () => {
      setTimeout(() => {
        throw new Error('simulated worker crash');
      }, 0);
    },
  };
}
