// Browser side of bench/model-bench.ts: window.hllmModel(options) starts the real engine worker
// (createRecommender) on one model folder + its vector shards, times start-up to the first
// recommendation, click to new row (track() + recommend(), both awaited) at a history of 50,
// the same with the User LLM's key/value cache off, items encoded per second on the device, and
// the worker's memory (measureUserAgentSpecificMemory; this page is cross-origin isolated).
// window.hllmGpu() says whether a WebGPU adapter exists and whether it is a software one.
import { createRecommender } from '../../src/index.ts';
import type { CatalogItem } from '../../src/protocol.ts';

export interface ModelRunOptions {
  model: string;
  catalog: string;
  vectors: string;
  dbName: string;
  backend: 'wasm' | 'webgpu';
  /** 1, or undefined for the engine's default on an isolated page (min(4, cores)). */
  threads?: number;
  userCache: boolean;
  /** Items tracked before the first recommendation (not timed); [] keeps the stored history. */
  track: string[];
  /** Timed clicks: each goes from a history of `track.length` (or the stored one) to one more, then is forgotten again (untimed). */
  clicks: string[];
  /** Items the shards do not hold, encoded on the device with embedItems() after the clicks. */
  encode: CatalogItem[];
  /** measureUserAgentSpecificMemory every this many ms until the first recommendation (0: none). */
  sampleMs: number;
}

export interface ModelRunResult {
  readyMs: number;
  firstRecommendationMs: number;
  trackMs: number;
  ready: { backend: string; dtype: string; items: number; encoded: number; fromShards: number; threads: number };
  /** click = track() + the recommend() after it; afterTrack = that recommend() alone. */
  clickMs: number[];
  afterTrackMs: number[];
  /** userPositions each click ran (EngineStats.userPositions before/after the click). */
  clickPositions: number[];
  encodeMs: number | null;
  encoded: number;
  /** Worker-scope bytes of measureUserAgentSpecificMemory: samples while loading, and after the start. */
  workerSamples: Array<{ at: number; bytes: number }>;
  workerAfterBytes: number | null;
  memoryError?: string;
  phases: Record<string, [number, number]>;
  crossOriginIsolated: boolean;
}

type UaMemory = { bytes: number; breakdown: Array<{ bytes: number; attribution: Array<{ scope: string }> }> };

async function workerBytes(): Promise<number> {
  const m = (performance as unknown as { measureUserAgentSpecificMemory?: () => Promise<UaMemory> }).measureUserAgentSpecificMemory;
  if (!m || !globalThis.crossOriginIsolated) throw new Error('measureUserAgentSpecificMemory needs a cross-origin-isolated page');
  const r = await m.call(performance);
  return r.breakdown.filter((b) => b.attribution.some((a) => a.scope === 'DedicatedWorkerGlobalScope')).reduce((s, b) => s + b.bytes, 0);
}

(window as unknown as Record<string, unknown>).hllmGpu = async (): Promise<{ adapter: boolean; fallback: boolean; description: string }> => {
  const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<null | { isFallbackAdapter?: boolean; info?: Record<string, string> }> } }).gpu;
  const a = gpu ? await gpu.requestAdapter() : null;
  if (!a) return { adapter: false, fallback: false, description: gpu ? 'requestAdapter() gave null' : 'no navigator.gpu' };
  const info = a.info ?? {};
  const description = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' / ');
  return { adapter: true, fallback: !!a.isFallbackAdapter || /swiftshader|llvmpipe|software/i.test(description), description };
};

(window as unknown as Record<string, unknown>).hllmModel = async (o: ModelRunOptions): Promise<ModelRunResult> => {
  const t0 = performance.now();
  const workerSamples: ModelRunResult['workerSamples'] = [];
  let memoryError: string | undefined;
  let sampling = o.sampleMs > 0;
  const sampler = (async () => {
    while (sampling) {
      try { workerSamples.push({ at: performance.now() - t0, bytes: await workerBytes() }); } catch (e) { memoryError = (e as Error).message; return; }
      await new Promise((r) => setTimeout(r, o.sampleMs));
    }
  })();
  const rec = await createRecommender({
    model: o.model, catalog: o.catalog, vectors: o.vectors, dbName: o.dbName, backend: o.backend, dtype: 'q4',
    ...(o.threads ? { threads: o.threads } : {}), storage: 'indexeddb', userCache: o.userCache,
  });
  const phases: Record<string, [number, number]> = {};
  rec.on('progress', (p) => {
    const t = performance.now() - t0;
    const ph = phases[p.phase];
    if (ph) ph[1] = t; else phases[p.phase] = [t, t];
  });
  try {
    const info = await rec.ready;
    const readyMs = performance.now() - t0;
    const tTrack = performance.now();
    for (const id of o.track) await rec.track(id);
    const trackMs = performance.now() - tTrack;
    await rec.recommend({ k: 10 });
    const firstRecommendationMs = performance.now() - t0 - trackMs;
    sampling = false;
    await sampler;
    const positions = async () => (await rec.stats()).userPositions;
    const clickMs: number[] = [];
    const afterTrackMs: number[] = [];
    const clickPositions: number[] = [];
    for (const id of o.clicks) {
      const p0 = await positions();
      const c = performance.now();
      await rec.track(id);
      const s = performance.now();
      await rec.recommend({ k: 10 });
      const e = performance.now();
      clickMs.push(e - c);
      afterTrackMs.push(e - s);
      clickPositions.push(await positions() - p0);
      // Back to the same history for the next click (untimed): the engine reads the window again.
      await rec.forget([id]);
      await rec.recommend({ k: 10 });
    }
    let encodeMs: number | null = null;
    if (o.encode.length) {
      const s = performance.now();
      await rec.embedItems(o.encode);
      encodeMs = performance.now() - s;
    }
    let workerAfterBytes: number | null = null;
    try { workerAfterBytes = await workerBytes(); } catch (e) { memoryError = (e as Error).message; }
    return {
      readyMs, firstRecommendationMs, trackMs,
      ready: { backend: info.backend, dtype: info.dtype, items: info.items, encoded: info.encoded, fromShards: info.fromShards, threads: info.threads },
      clickMs, afterTrackMs, clickPositions, encodeMs, encoded: o.encode.length, workerSamples, workerAfterBytes, memoryError, phases,
      crossOriginIsolated: globalThis.crossOriginIsolated,
    };
  } finally {
    sampling = false;
    await rec.dispose();
  }
};
