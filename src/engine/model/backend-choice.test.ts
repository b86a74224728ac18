// After the WebGPU self-check: afterSelfCheck() says whether WebGPU is kept, WASM taken, both
// timed, or the device refused. Under 'auto' on a hardware adapter one batch is timed on both
// backends and the faster is kept: chooseByTiming() is that decision (timings in → backend +
// reason out); timeItemBatch() is the measurement, run here on the real default item encoder
// (ORT WASM in Node). The plan records the adapter only when 'auto' picked WebGPU for it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Capabilities } from '../../env.ts';
import { afterSelfCheck, chooseByTiming, planBackend, type Plan } from './backend-policy.ts';
import { HllmError } from '../../errors.ts';
import { parseManifest } from './manifest.ts';
import { createModel, type OnnxModel } from './ort-backend.ts';
import { TIMING_BATCH, timeItemBatch } from './sessions.ts';
import { createItemTokenizer } from './tokenizer.ts';

const MODEL = 'public/models/default';
const manifest = parseManifest(JSON.parse(readFileSync(`${MODEL}/hllm.json`, 'utf8')));
const base = { adapter: 'nvidia h200', minCosine: 0.999981, items: 32 };

describe('chooseByTiming', () => {
  it('keeps WebGPU when its batch is faster, and says what was measured', () => {
    expect(chooseByTiming({ ...base, webgpuMs: 3.1, wasmMs: 7.9 })).toEqual({
      backend: 'webgpu',
      reason: "WebGPU adapter 'nvidia h200' passed the self-check (cos 0.999981); one 32-item batch: WebGPU 3.10 ms vs WASM 7.90 ms → webgpu",
    });
  });
  it('keeps WASM when it is faster (a small model)', () => {
    const r = chooseByTiming({ ...base, webgpuMs: 14.25, wasmMs: 6.5 });
    expect(r.backend).toBe('wasm');
    expect(r.reason).toMatch(/one 32-item batch: WebGPU 14\.3 ms vs WASM 6\.50 ms → wasm$/);
  });
  it('keeps WASM on a tie', () => {
    expect(chooseByTiming({ ...base, webgpuMs: 5, wasmMs: 5 }).backend).toBe('wasm');
  });
  it('treats a failed timed run as the slower one', () => {
    const gpuFailed = chooseByTiming({ ...base, webgpuMs: Number.NaN, wasmMs: 5 });
    expect(gpuFailed.backend).toBe('wasm');
    expect(gpuFailed.reason).toMatch(/WebGPU failed vs WASM 5\.00 ms → wasm$/);
    const wasmFailed = chooseByTiming({ ...base, webgpuMs: 5, wasmMs: Number.NaN });
    expect(wasmFailed.backend).toBe('webgpu');
    expect(wasmFailed.reason).toMatch(/WebGPU 5\.00 ms vs WASM failed → webgpu$/);
  });
});

describe('the plan names the adapter only for auto on hardware', () => {
  const caps = (fallback: boolean, available = true): Capabilities => ({
    runtime: 'worker', crossOriginIsolated: false, hardwareConcurrency: 2, indexedDB: true,
    webgpu: { available, fallback, maxBufferSize: 1 << 30, maxStorageBufferBindingSize: 1 << 30, description: 'nvidia h200' },
  });
  it('auto + hardware adapter: adapter set, dtypeReason is the tail of reason', () => {
    const p = planBackend(manifest, caps(false));
    expect(p).toMatchObject({ backend: 'webgpu', adapter: 'nvidia h200' });
    expect(p.reason.endsWith(`; ${p.dtypeReason}`)).toBe(true);
    expect(p.dtypeReason).toMatch(new RegExp(`^dtype ${p.dtype}`));
  });
  it('forced WebGPU, a software adapter, or no adapter: no adapter, so nothing is timed', () => {
    expect(planBackend(manifest, caps(false), 'webgpu').adapter).toBeUndefined();
    const sw = planBackend(manifest, caps(true));
    expect(sw.adapter).toBeUndefined();
    expect(sw.reason).toMatch(/software fallback \(nvidia h200\), slower than WASM/);
    expect(planBackend(manifest, caps(false, false)).adapter).toBeUndefined();
  });
});

describe('afterSelfCheck: what follows the WebGPU self-check', () => {
  const plan = (extra: Partial<Plan> = {}): Plan => ({ backend: 'webgpu', dtype: 'fp32', reason: 'R', dtypeReason: 'dtype fp32', ...extra });
  const tooBig = { wasmProblem: 'its encoders take 8.00 GB, more than the WASM backend\'s 4 GB memory holds (limit 3.50 GB)' };
  const pass = { minCosine: 0.99998, against: 'reference (pytorch)' };
  const fail = { minCosine: 0.42, against: 'reference (pytorch)' };
  it('passed: times both under auto on hardware when WASM fits, else keeps WebGPU and says why it was not timed', () => {
    expect(afterSelfCheck(plan({ adapter: 'gpu' }), false, pass)).toEqual({ next: 'time' });
    expect(afterSelfCheck(plan({ adapter: 'gpu', ...tooBig }), false, pass)).toEqual({
      next: 'webgpu', reason: `R; self-check vs reference (pytorch): min cosine 0.999980 (passed); WASM not timed: ${tooBig.wasmProblem}`,
    });
    expect(afterSelfCheck(plan(), true, pass)).toEqual({ next: 'webgpu', reason: 'R; self-check vs reference (pytorch): min cosine 0.999980 (passed)' });
  });
  it('failed: WASM when it fits, WebGPU kept only when forced', () => {
    expect(afterSelfCheck(plan({ adapter: 'gpu' }), false, { ...fail, against: 'wasm' })).toEqual({ next: 'wasm', reason: 'R; self-check vs wasm: min cosine 0.420000 < 0.999, using wasm' });
    expect(afterSelfCheck(plan(tooBig), true, fail)).toEqual({ next: 'webgpu', reason: 'R; self-check vs reference (pytorch): min cosine 0.420000 (FAILED, kept because forced)' });
  });
  it('failed and WASM cannot take the dtype: BACKEND_UNAVAILABLE naming both reasons', () => {
    let err: HllmError | undefined;
    try { afterSelfCheck(plan({ adapter: 'gpu', ...tooBig }), false, { ...fail, minCosine: -1, failure: 'device lost' }); } catch (e) { err = e as HllmError; }
    expect(err?.code).toBe('BACKEND_UNAVAILABLE');
    expect(err?.message).toBe(`this WebGPU adapter failed the self-check for dtype fp32 (self-check vs reference (pytorch): min cosine -1.000000 (WebGPU run failed: device lost) < 0.999), and WASM cannot take that dtype: ${tooBig.wasmProblem}. Use another device, a smaller dtype (dtype: 'q4') or a smaller model.`);
  });
  it('no reference and no room for WASM: WebGPU unchecked, and the reason says so', () => {
    expect(afterSelfCheck(plan(tooBig), false, null)).toEqual({
      next: 'webgpu', reason: `R; not self-checked: hllm.json has no self-check reference for fp32 (re-export the folder to add one) and WASM sessions to compare with would not fit (${tooBig.wasmProblem})`,
    });
  });
});

describe('timeItemBatch on the real item encoder (WASM)', () => {
  it('runs the batch twice (warm-up, then timed) and returns the timed milliseconds', async () => {
    const file = manifest.files.find((f) => f.role === 'item_encoder' && f.dtype === 'q8')!;
    const real = await createModel(new Uint8Array(readFileSync(`${MODEL}/${file.path}`)), 'wasm', 1);
    const tok = createItemTokenizer(
      JSON.parse(readFileSync(`${MODEL}/tokenizer.json`, 'utf8')), JSON.parse(readFileSync(`${MODEL}/tokenizer_config.json`, 'utf8')), manifest);
    const batches: number[] = [];
    const counted: OnnxModel = { ...real, run: (feeds, out) => { batches.push(feeds.input_ids!.dims[0]!); return real.run(feeds, out); } };
    const rows = Array.from({ length: TIMING_BATCH }, (_, i) => tok.itemIds(`title: Movie ${i} (1995) genres: Comedy`));
    try {
      const ms = await timeItemBatch(counted, rows, manifest.dim, manifest.pad_token_id);
      expect(batches).toEqual([TIMING_BATCH, TIMING_BATCH]);
      expect(Number.isFinite(ms) && ms > 0).toBe(true);
    } finally {
      await real.release();
    }
  });
});
