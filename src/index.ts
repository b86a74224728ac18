// The one public entry of the package: createRecommender (page, Web Worker), createEngine
// (same thread: Node, workers, tests), the public types and the error class.
// Imports: client, engine, errors, protocol, env.

export { createRecommender, Recommender, type RecommenderOptions } from './client.ts';
export { createEngine, HllmEngine, type CreateEngineOptions } from './engine/engine.ts';
export type { Fetcher } from './engine/fetcher.ts';
export { HllmError, isHllmError, type HllmErrorCode } from './errors.ts';
export { detectCapabilities, type Capabilities, type WebGpuInfo } from './env.ts';
export type {
  Backend, BackendOption, CatalogItem, CatalogSource, CatalogUpdate, Dtype, DtypeOption, Engine, EngineOptions,
  EngineStats, ExportData, FieldValue, HistoryEvent, ItemTokens, Progress, ProgressCallback, ProgressPhase,
  ReadyInfo, Recommendation, RecommendOptions, TrackOptions, Because, SearchOptions, SearchResult,
} from './protocol.ts';
