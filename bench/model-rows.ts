// Pure part of bench/model-bench.ts: one result row per (model, backend) from what the page and
// the server measured, the goals of issue #23 checked against the rows, the markdown summary
// and the vega-lite spec of its chart. No I/O here (bench/model-rows.test.ts covers it).
import type { TopLevelSpec } from 'vega-lite';
import type { ModelRunResult } from './page/model-entry.ts';

export type Backend = 'wasm-1' | 'wasm-threads' | 'webgpu';

export interface ModelRow {
  model: string;
  backend: Backend;
  dtype: string;
  /** Model bytes the cold start downloaded (server count on the model folder's mount). */
  modelBytes: number | null;
  coldStartMs: number | null;
  warmStartMs: number | null;
  warmDownloadBytes: number | null;
  /** Peak rise of the renderer's resident memory (VmHWM) over the cold start: the worker's heap + wasm memory + transient copies. */
  workerPeakMiB: number | null;
  clickToRowP50Ms: number | null;
  afterTrackP50Ms: number | null;
  fullRecomputeP50Ms: number | null;
  itemsPerSecDevice: number | null;
  embedItemsPerSecNode: number | null;
  /** Extras: worker scope of measureUserAgentSpecificMemory (largest sample while loading, after the warm run), threads, positions per click. */
  detail?: Record<string, unknown>;
  /** Why the row (or part of it) was not measured. */
  reason?: string;
}

/** What the page reports for one start (bench/page/model-entry.ts): the fields a row reads. */
export type PageRun = Pick<ModelRunResult, 'readyMs' | 'firstRecommendationMs' | 'ready' | 'clickMs' | 'afterTrackMs'
  | 'clickPositions' | 'encodeMs' | 'encoded' | 'workerSamples' | 'workerAfterBytes'>;

export const median = (xs: number[]): number | null => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const MiB = 2 ** 20;

/** One row from the cold run, the warm runs (cache on, then off) and the server's byte counts. */
export function buildRow(o: {
  model: string; backend: Backend; dtype: string; cold: PageRun | null; warm: PageRun | null; full: PageRun | null;
  coldBytes: number | null; warmBytes: number | null; peakRiseBytes: number | null; embedItemsPerSec: number | null; reason?: string;
}): ModelRow {
  const { cold, warm, full } = o;
  const warmStarts = [warm, full].filter((r): r is PageRun => r !== null).map((r) => r.firstRecommendationMs);
  const uaPeak = cold?.workerSamples.length ? Math.max(...cold.workerSamples.map((s) => s.bytes)) : null;
  return {
    model: o.model, backend: o.backend, dtype: o.dtype,
    modelBytes: o.coldBytes, coldStartMs: cold?.firstRecommendationMs ?? null, warmStartMs: median(warmStarts), warmDownloadBytes: o.warmBytes,
    workerPeakMiB: o.peakRiseBytes === null ? null : o.peakRiseBytes / MiB,
    clickToRowP50Ms: median(warm?.clickMs ?? []), afterTrackP50Ms: median(warm?.afterTrackMs ?? []), fullRecomputeP50Ms: median(full?.clickMs ?? []),
    itemsPerSecDevice: warm?.encodeMs ? warm.encoded / (warm.encodeMs / 1000) : null,
    embedItemsPerSecNode: o.embedItemsPerSec,
    detail: {
      threads: warm?.ready.threads ?? cold?.ready.threads ?? null, engineBackend: cold?.ready.backend ?? null,
      uaWorkerPeakWhileLoadingMiB: uaPeak === null ? null : uaPeak / MiB, uaWorkerSamples: cold?.workerSamples.length ?? 0,
      uaWorkerAfterMiB: warm?.workerAfterBytes ? warm.workerAfterBytes / MiB : null,
      coldReadyMs: cold?.readyMs ?? null, warmStartsMs: warmStarts,
      positionsPerClick: median(warm?.clickPositions ?? []), positionsPerClickCacheOff: median(full?.clickPositions ?? []),
      clicks: warm?.clickMs.length ?? 0, clickToRowMs: warm?.clickMs ?? [], fullRecomputeMs: full?.clickMs ?? [],
      deviceEncoded: warm?.encoded ?? 0,
    },
    ...(o.reason ? { reason: o.reason } : {}),
  };
}

export interface Goal { goal: string; measured: string; met: boolean | null }

const find = (rows: ModelRow[], model: string, backend: Backend) => rows.find((r) => r.model === model && r.backend === backend);

/** Issue #23's goals for this bench, from the rows (null: not measured). */
export function goals(rows: ModelRow[]): Goal[] {
  const s = find(rows, 'smollm2-135m', 'wasm-1');
  const t = find(rows, 'tinyllama-1.1b', 'wasm-1');
  const ms = (x: number | null | undefined) => (x === null || x === undefined ? 'not measured' : `${x.toFixed(x < 100 ? 1 : 0)} ms`);
  const ratio = s?.workerPeakMiB != null && s.modelBytes ? (s.workerPeakMiB * MiB) / s.modelBytes : null;
  // The d64 default's rise on the same backend is what the page, ORT and the engine cost without a big model.
  const fixed = find(rows, 'default', 'wasm-1')?.workerPeakMiB ?? null;
  const net = ratio !== null && fixed !== null ? ((s!.workerPeakMiB! - fixed) * MiB) / s!.modelBytes! : null;
  return [
    { goal: '135M q4, WASM one thread: click to row p50 at history 50 ≤ 50 ms', measured: ms(s?.clickToRowP50Ms), met: s?.clickToRowP50Ms == null ? null : s.clickToRowP50Ms <= 50 },
    { goal: '135M q4: warm start ≤ 3 s with 0 model bytes downloaded', measured: s?.warmStartMs == null ? 'not measured' : `${ms(s.warmStartMs)}, ${s.warmDownloadBytes} bytes`, met: s?.warmStartMs == null ? null : s.warmStartMs <= 3000 && s.warmDownloadBytes === 0 },
    { goal: "135M q4: worker memory while loading ≤ 1.3× the model's bytes", measured: ratio === null ? 'not measured' : `${ratio.toFixed(2)}× (${s!.workerPeakMiB!.toFixed(0)} MiB / ${(s!.modelBytes! / MiB).toFixed(0)} MiB)${net === null ? '' : `; ${net.toFixed(2)}× above the d64 default's ${fixed!.toFixed(0)} MiB`}`, met: ratio === null ? null : ratio <= 1.3 },
    { goal: '1.1B q4 loads in Chromium WASM; click to row p50 one thread ≤ 500 ms', measured: t?.coldStartMs == null ? `not run${t?.reason ? `: ${t.reason}` : ''}` : ms(t.clickToRowP50Ms), met: t?.clickToRowP50Ms == null ? null : t.clickToRowP50Ms <= 500 },
  ];
}

const n = (x: number | null, d = 0) => (x === null ? '–' : x.toFixed(d));
const mb = (x: number | null) => (x === null ? '–' : (x / 1e6).toFixed(1));

/** The markdown table of the rows (one line each). */
export function rowTable(rows: ModelRow[]): string[] {
  return [
    '| model | backend | threads | model MB downloaded | cold start ms | warm start ms | warm download bytes | worker peak MiB (RSS rise) / UA sample MiB | click→row p50 ms | after-track p50 ms | cache off p50 ms | positions / click (off) | device items/s | hllm embed items/s (Node) |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => {
      const d = r.detail ?? {};
      if (r.coldStartMs === null) return `| ${r.model} | ${r.backend} | – | ${mb(r.modelBytes)} | not run: ${r.reason ?? '?'} |  |  |  |  |  |  |  |  | ${n(r.embedItemsPerSecNode, 1)} |`;
      return `| ${r.model} | ${r.backend} | ${d.threads ?? '–'} | ${mb(r.modelBytes)} | ${n(r.coldStartMs)} | ${n(r.warmStartMs)} | ${r.warmDownloadBytes ?? '–'} | ${n(r.workerPeakMiB)} / ${n((d.uaWorkerPeakWhileLoadingMiB as number | null) ?? null)} | ${n(r.clickToRowP50Ms, 1)} | ${n(r.afterTrackP50Ms, 1)} | ${n(r.fullRecomputeP50Ms, 1)} | ${d.positionsPerClick ?? '–'} (${d.positionsPerClickCacheOff ?? '–'}) | ${n(r.itemsPerSecDevice, 1)} | ${n(r.embedItemsPerSecNode, 1)} |`;
    }),
  ];
}

/** Click to new row p50 per model and backend, with the KV cache on and off (log scale). */
export function chartSpec(rows: ModelRow[]): TopLevelSpec {
  const values = rows.flatMap((r) => [
    { model: r.model, backend: r.backend, what: 'click→row (KV cache)', ms: r.clickToRowP50Ms },
    { model: r.model, backend: r.backend, what: 'click→row, cache off', ms: r.fullRecomputeP50Ms },
  ]).filter((v) => v.ms !== null && v.ms > 0);
  return {
    title: 'Click to new row p50 at history 50 (ms, log scale)', data: { values },
    facet: { column: { field: 'backend', type: 'nominal', title: null } },
    spec: { width: 220, height: 200, mark: 'bar', encoding: {
      x: { field: 'model', type: 'nominal', sort: null, title: null }, xOffset: { field: 'what' },
      y: { field: 'ms', type: 'quantitative', scale: { type: 'log' }, title: 'ms' }, color: { field: 'what', title: null } } },
  } as TopLevelSpec;
}
