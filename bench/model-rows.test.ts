// Unit tests of bench/model-rows.ts: a row from page runs (medians, device items/s, memory in
// MiB, warm start from both warm runs), an unmeasured row keeps its reason, and the goals.
import { describe, expect, it } from 'vitest';
import { buildRow, chartSpec, goals, median, rowTable, type PageRun } from './model-rows.ts';

const run = (o: Partial<PageRun>): PageRun => ({
  readyMs: 100, firstRecommendationMs: 200, ready: { threads: 1, backend: 'wasm', dtype: 'q4', items: 64, encoded: 0, fromShards: 64 }, clickMs: [], afterTrackMs: [],
  clickPositions: [], encodeMs: null, encoded: 0, workerSamples: [], workerAfterBytes: null, ...o,
});

describe('model-rows', () => {
  it('median of odd, even and empty lists', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNull();
  });

  it('builds a row from the cold run, the warm run (cache on) and the cache-off run', () => {
    const row = buildRow({
      model: 'smollm2-135m', backend: 'wasm-1', dtype: 'q4', embedItemsPerSec: 3,
      cold: run({ firstRecommendationMs: 9000, workerSamples: [{ at: 1, bytes: 2 ** 20 }, { at: 2, bytes: 3 * 2 ** 20 }] }),
      warm: run({ firstRecommendationMs: 1000, clickMs: [30, 10, 20], afterTrackMs: [2, 1, 3], clickPositions: [1, 1, 1], encodeMs: 2000, encoded: 16, workerAfterBytes: 2 ** 21 }),
      full: run({ firstRecommendationMs: 3000, clickMs: [300, 100, 200], clickPositions: [50, 50, 50] }),
      coldBytes: 170e6, warmBytes: 0, peakRiseBytes: 200 * 2 ** 20,
    });
    expect(row).toMatchObject({
      model: 'smollm2-135m', backend: 'wasm-1', modelBytes: 170e6, coldStartMs: 9000, warmStartMs: 2000, warmDownloadBytes: 0,
      workerPeakMiB: 200, clickToRowP50Ms: 20, afterTrackP50Ms: 2, fullRecomputeP50Ms: 200, itemsPerSecDevice: 8, embedItemsPerSecNode: 3,
    });
    expect(row.detail).toMatchObject({ uaWorkerPeakWhileLoadingMiB: 3, uaWorkerAfterMiB: 2, positionsPerClick: 1, positionsPerClickCacheOff: 50 });
    expect(row.reason).toBeUndefined();
  });

  it('an unmeasured row is all null with its reason, and its goal is not judged', () => {
    const row = buildRow({ model: 'tinyllama-1.1b', backend: 'wasm-1', dtype: 'q4', cold: null, warm: null, full: null, coldBytes: null, warmBytes: null, peakRiseBytes: null, embedItemsPerSec: null, reason: 'import needs 24 GB' });
    expect(row).toMatchObject({ coldStartMs: null, clickToRowP50Ms: null, workerPeakMiB: null, itemsPerSecDevice: null, reason: 'import needs 24 GB' });
    const g = goals([row]);
    expect(g[3]).toMatchObject({ met: null });
    expect(g[3]!.measured).toContain('import needs 24 GB');
    expect(g[0]).toMatchObject({ measured: 'not measured', met: null });
    expect(rowTable([row])[2]).toContain('not run: import needs 24 GB');
    expect(chartSpec([row]).data).toEqual({ values: [] });
  });

  it('checks the 135M goals: click p50, warm start with 0 bytes, memory ≤ 1.3× the model (also net of the default)', () => {
    const base = { dtype: 'q4', full: null, warmBytes: 0, embedItemsPerSec: null } as const;
    const def = buildRow({ ...base, model: 'default', backend: 'wasm-1', cold: run({}), warm: run({ clickMs: [5] }), coldBytes: 1e6, peakRiseBytes: 100 * 2 ** 20 });
    const s = buildRow({ ...base, model: 'smollm2-135m', backend: 'wasm-1', cold: run({}), warm: run({ firstRecommendationMs: 2500, clickMs: [40] }), coldBytes: 200 * 2 ** 20, peakRiseBytes: 300 * 2 ** 20 });
    const [click, warm, mem] = goals([def, s]);
    expect(click).toMatchObject({ met: true, measured: '40.0 ms' });
    expect(warm).toMatchObject({ met: true });
    expect(mem!.met).toBe(false);
    expect(mem!.measured).toContain('1.50×');
    expect(mem!.measured).toContain("1.00× above the d64 default's 100 MiB");
  });
});
