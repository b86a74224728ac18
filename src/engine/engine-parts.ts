// The parts of a started engine and how they are wired to each other: the model's sessions,
// storage, the catalogue with its index, the history log, the user vectors with the state kept
// across visits, and popularity. engine.ts builds them once per init() and delegates to them.
import type { Store } from '../storage/types.ts';
import { HistoryLog } from './history/history-log.ts';
import type { CatalogIndex } from './index/catalog-index.ts';
import { CatalogState, type CatalogDeps } from './index/catalog-state.ts';
import type { SessionHolder } from './model/device-loss.ts';
import type { Manifest } from './model/manifest.ts';
import type { ModelFiles } from './model/model-loader.ts';
import type { ItemTokenizer } from './model/tokenizer.ts';
import { PopularitySource } from './recommend/popularity.ts';
import { KeptUserState } from './recommend/user-state.ts';
import { UserVectors } from './recommend/user-vector.ts';

export interface EngineParts {
  manifest: Manifest;
  modelKey: string;
  tok: ItemTokenizer;
  /** The encoder sessions; moves them to WASM if the WebGPU device is lost. */
  models: SessionHolder;
  store: Store;
  catalog: CatalogState;
  history: HistoryLog;
  users: UserVectors;
  /** The user state kept across visits. */
  kept: KeptUserState;
  /** The last track() write, settled: a kept state is checked against the history after it. */
  tracking: Promise<unknown>;
  batchSize: number;
  /** From EngineOptions.popularityField or the model folder's interaction counts. */
  popularity: PopularitySource;
}

/** The model's files and what the catalogue needs besides (its manifest and model key come from the files). */
export interface PartsInput extends Omit<CatalogDeps, 'manifest' | 'modelKey'> {
  files: ModelFiles;
  popularityField: string | undefined;
  /** EngineOptions.userCache: false runs the whole history window on every new history. */
  userCache: boolean;
}

/** Catalogue rows of the history window the User LLM reads (the last max_history events in the catalogue). */
export function windowRows(p: Pick<EngineParts, 'history' | 'manifest'>, index: CatalogIndex): number[] {
  return p.history.rows((id) => index.rowOf(id)).slice(-p.manifest.max_history);
}

/**
 * Builds the parts of a started engine over its sessions and store (the history is read here).
 *
 * @example
 * ```ts
 * const parts = await wireParts({ files, tok, models, store, shards: null, threads: 1, batchSize: 32, popularityField: undefined, userCache: true, fetcher, warn, counters });
 * await parts.catalog.open(options.catalog, timer, true);
 * ```
 */
export async function wireParts(i: PartsInput): Promise<EngineParts> {
  const { manifest, modelKey } = i.files;
  const history = await HistoryLog.open(i.store);
  const catalog = new CatalogState({ ...i, manifest, modelKey });
  const parts: EngineParts = {
    manifest, modelKey, tok: i.tok, models: i.models, store: i.store, catalog, history, batchSize: i.batchSize, tracking: Promise.resolve(),
    popularity: new PopularitySource(i.popularityField, i.files.popularity, i.warn),
    kept: new KeptUserState(i.store, `${modelKey} ${i.files.userEncoderSha256}`, (index) => windowRows(parts, index), () => parts.tracking),
    users: new UserVectors({
      dim: manifest.dim, maxHistory: manifest.max_history, incremental: i.userCache, run: (f) => i.models.run((s) => f(s.user)),
      onRun: (n) => { i.counters.userEncoderCalls++; i.counters.userPositions += n; },
      onState: (index, rows, vector, state) => parts.kept.keep(index, rows, vector, state),
    }),
  };
  return parts;
}
