// The one public entry of the package: createRecommender (page, Web Worker), createEngine
// (same thread: Node, workers, tests), the public types, the error class and CALL_KINDS
// (which calls are retried after a worker death). Test hooks live in src/testing/, not here.

export { createRecommender, Recommender, type RecommenderOptions } from './client.ts';
export { createEngine, HllmEngine, type CreateEngineOptions } from './engine/engine.ts';
export type { Fetcher } from './io/fetcher.ts';
export { HllmError, isHllmError, type HllmErrorCode } from './errors.ts';
export { detectCapabilities, type Capabilities, type WebGpuInfo } from './env.ts';
export type {
  Backend, BackendOption, CatalogItem, CatalogSource, CatalogUpdate, Dtype, DtypeOption, Engine, EngineOptions,
  EngineStats, ExportData, FieldValue, HistoryEvent, ItemTokens, Progress, ProgressCallback, ProgressPhase,
  ReadyInfo, Recommendation, RecommenderApi, RecommendOptions, TrackOptions, CallKind, Because, SearchOptions, SearchResult,
} from './protocol.ts';
export { CALL_KINDS } from './protocol.ts';
