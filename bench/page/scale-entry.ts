// Browser side of bench/scale-bench.ts: window.hllmScale(options) starts the real engine
// worker through createRecommender on a catalogue + vector shards served by the bench server,
// times start-up to the first recommendation, recommend() on a history, and measures memory
// with performance.measureUserAgentSpecificMemory() (this page is cross-origin isolated).
import { createRecommender } from '../../src/index.ts';

export interface ScaleRunOptions {
  /** Catalogue URL (CSV) and vector shard folder URL (none: encode every item on the device). */
  catalog: string;
  vectors?: string;
  dbName: string;
  /** Items to track before the first recommendation; 0 = keep the stored history. */
  track: string[];
  /** Timed recommend() calls after the first one (0 = none): the same history, so the engine reuses its user vector. */
  reps: number;
  /** Then this many recommend() calls each right after a track() of the next id here (a new history: the User LLM runs). */
  freshIds: string[];
  memory: boolean;
}

export interface MemoryResult {
  totalBytes: number;
  workerBytes: number;
  breakdown: Array<{ bytes: number; scopes: string[]; types: string[] }>;
}

export interface ScaleRunResult {
  /** ms from createRecommender() to `ready`, and to the first recommend() result (less trackMs). */
  readyMs: number;
  firstRecommendationMs: number;
  /** ms spent in track() before the first recommend() (not part of firstRecommendationMs). */
  trackMs: number;
  /** ms since navigation start when the first recommendation arrived (includes page load). */
  sinceNavigationMs: number;
  /** Longest gap between the page's 20 ms timer ticks from createRecommender() to the first recommendation: how long the page's thread was held while the worker started. */
  longestPageGapMs: number;
  ready: { backend: string; dtype: string; items: number; encoded: number; cached: number; fromShards: number; threads: number; storage: string };
  stats: { itemsEncoded: number; shardRows: number; cacheHits: number; catalogItems: number; historyEvents: number };
  recommendMs: number[];
  /** recommend() right after a track() (freshIds). */
  freshMs: number[];
  /** The whole click: track() and the recommend() after it, both awaited (what the visitor waits for). */
  clickMs: number[];
  /** The same number of similar() calls (top-K + rules, no User LLM) and embedUser() calls (User LLM only). */
  similarMs: number[];
  embedUserMs: number[];
  /** ms after createRecommender() of the first and last progress event of each phase. */
  phases: Record<string, [number, number]>;
  /** The engine's step timings (progress detail 'step <name> <ms> ms', src/engine/step-timer.ts) and other details without a file name, in order. */
  steps: Array<{ step: string; ms: number | null; at: number }>;
  topIds: string[];
  memory: MemoryResult | null;
  memoryError?: string;
  crossOriginIsolated: boolean;
}

type UaMemory = { bytes: number; breakdown: Array<{ bytes: number; attribution: Array<{ scope: string }>; types: string[] }> };

async function measureMemory(): Promise<MemoryResult> {
  const m = (performance as unknown as { measureUserAgentSpecificMemory?: () => Promise<UaMemory> }).measureUserAgentSpecificMemory;
  if (!m) throw new Error('performance.measureUserAgentSpecificMemory is not available');
  if (!globalThis.crossOriginIsolated) throw new Error('page is not cross-origin isolated');
  const r = await m.call(performance);
  const breakdown = r.breakdown.map((b) => ({ bytes: b.bytes, scopes: b.attribution.map((a) => a.scope), types: b.types }));
  const workerBytes = breakdown.filter((b) => b.scopes.includes('DedicatedWorkerGlobalScope')).reduce((s, b) => s + b.bytes, 0);
  return { totalBytes: r.bytes, workerBytes, breakdown };
}

(window as unknown as Record<string, unknown>).hllmScale = async (o: ScaleRunOptions): Promise<ScaleRunResult> => {
  const t0 = performance.now();
  let last = t0;
  let longestPageGapMs = 0;
  const ticker = setInterval(() => { const t = performance.now(); longestPageGapMs = Math.max(longestPageGapMs, t - last); last = t; }, 20);
  const rec = await createRecommender({ model: '/models/default/', catalog: o.catalog, vectors: o.vectors, dbName: o.dbName, backend: 'wasm', threads: 1, storage: 'indexeddb' });
  // When each start-up phase was first and last reported: where a slow start spends its time.
  const phases: Record<string, [number, number]> = {};
  const steps: ScaleRunResult['steps'] = [];
  rec.on('progress', (p) => {
    const t = performance.now() - t0;
    const m = /^step (\S+) (\d+) ms$/.exec(p.detail ?? '');
    if (m) steps.push({ step: m[1]!, ms: Number(m[2]), at: t });
    else if (p.detail?.startsWith('catalogue')) steps.push({ step: p.detail, ms: null, at: t });
    const ph = phases[p.phase];
    if (ph) ph[1] = t; else phases[p.phase] = [t, t];
  });
  try {
    const info = await rec.ready;
    const readyMs = performance.now() - t0;
    const tTrack = performance.now();
    for (const id of o.track) await rec.track(id);
    const trackMs = performance.now() - tTrack;
    const first = await rec.recommend({ k: 10 });
    const tFirst = performance.now();
    clearInterval(ticker);
    const recommendMs: number[] = [];
    for (let i = 0; i < o.reps; i++) {
      const s = performance.now();
      await rec.recommend({ k: 10 });
      recommendMs.push(performance.now() - s);
    }
    // Where a recommend() goes: the same calls without the User LLM (similar(): the top-K scan,
    // rules and items) and the User LLM alone (embedUser(): history → user vector).
    const similarMs: number[] = [];
    const embedUserMs: number[] = [];
    const seed = first[0]?.id;
    const hist = (await rec.history()).map((e) => e.itemId);
    for (let i = 0; i < o.reps && seed !== undefined && hist.length > 0; i++) {
      let s = performance.now();
      await rec.similar(seed, 10);
      similarMs.push(performance.now() - s);
      s = performance.now();
      // Alternating histories: the engine keeps only the last user vector, so each call runs the User LLM.
      await rec.embedUser(i % 2 ? hist : hist.slice(0, -1));
      embedUserMs.push(performance.now() - s);
    }
    const freshMs: number[] = [];
    const clickMs: number[] = [];
    for (const id of o.freshIds) {
      const c = performance.now();
      await rec.track(id);
      const s = performance.now();
      await rec.recommend({ k: 10 });
      const e = performance.now();
      freshMs.push(e - s);
      clickMs.push(e - c);
    }
    const st = await rec.stats();
    let memory: MemoryResult | null = null;
    let memoryError: string | undefined;
    if (o.memory) {
      try { memory = await measureMemory(); } catch (e) { memoryError = (e as Error).message; }
    }
    return {
      readyMs, firstRecommendationMs: tFirst - t0 - trackMs, trackMs, sinceNavigationMs: tFirst, longestPageGapMs,
      ready: { backend: info.backend, dtype: info.dtype, items: info.items, encoded: info.encoded, cached: info.cached, fromShards: info.fromShards, threads: info.threads, storage: info.storage },
      stats: { itemsEncoded: st.itemsEncoded, shardRows: st.shardRows, cacheHits: st.cacheHits, catalogItems: st.catalogItems, historyEvents: st.historyEvents },
      recommendMs, freshMs, clickMs, similarMs, embedUserMs, phases, steps, topIds: first.map((r) => r.id), memory, memoryError, crossOriginIsolated: globalThis.crossOriginIsolated,
    };
  } finally {
    clearInterval(ticker);
    await rec.dispose();
  }
};
