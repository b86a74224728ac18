// Which backend and dtype to try, and why — pure policy, no ORT. The engine then proves
// the WebGPU choice with a numeric self-check against WASM and, under 'auto', times one
// batch on both (see sessions.ts); chooseByTiming() turns those measurements into a choice.
import type { Capabilities } from '../../env.ts';
import { HllmError } from '../../errors.ts';
import type { Backend, BackendOption, Dtype, DtypeOption } from '../../protocol.ts';
import { availableDtypes, encoderFiles, type Manifest } from './manifest.ts';

export interface Plan {
  backend: Backend;
  dtype: Dtype;
  /** Why this backend and dtype, in words. */
  reason: string;
  /** Why this dtype alone (the tail of `reason`), for a reason rewritten after measuring. */
  dtypeReason: string;
  /** The hardware adapter 'auto' chose WebGPU for; absent when forced, or on WASM. */
  adapter?: string;
}

/** A quantised variant is acceptable when its test N@10 keeps this share of fp32's. */
const QUALITY_FLOOR = 0.97;

/** ORT's WASM backend is wasm32: 4 GB of heap for weights, activations and the runtime. */
const WASM_MAX_MODEL_BYTES = 3.5e9;

const gb = (n: number) => `${(n / 1e9).toFixed(2)} GB`;

/** Why one dtype cannot fit this backend, or null when it can. From hllm.json alone: nothing is downloaded. */
function fitProblem(m: Manifest, backend: Backend, dtype: Dtype, caps: Capabilities): string | null {
  if (backend === 'webgpu') {
    const limit = Math.min(caps.webgpu.maxBufferSize || Infinity, caps.webgpu.maxStorageBufferBindingSize || Infinity);
    for (const f of encoderFiles(m, dtype)) {
      if (f.max_tensor_bytes !== undefined && f.max_tensor_bytes > limit) {
        return `${f.path} has a ${gb(f.max_tensor_bytes)} tensor, larger than this WebGPU adapter's buffer limit (maxBufferSize ${gb(caps.webgpu.maxBufferSize)}, maxStorageBufferBindingSize ${gb(caps.webgpu.maxStorageBufferBindingSize)})`;
      }
    }
    return null;
  }
  const total = encoderFiles(m, dtype).reduce((a, f) => a + f.bytes, 0);
  if (total > WASM_MAX_MODEL_BYTES) {
    return `its encoders take ${gb(total)}, more than the WASM backend's 4 GB memory holds (limit ${gb(WASM_MAX_MODEL_BYTES)})`;
  }
  return null;
}

function tooLarge(m: Manifest, backend: Backend, dtype: Dtype, problem: string): HllmError {
  const advice = backend === 'webgpu'
    ? "pick a smaller dtype (dtype: 'q4'), a device whose WebGPU adapter allows larger buffers, or a smaller model"
    : "pick a smaller dtype (dtype: 'q4'), use WebGPU (backend: 'webgpu' on a device with a GPU), or a smaller model";
  return new HllmError('MODEL_TOO_LARGE', `model '${m.id}' dtype ${dtype} cannot run on ${backend} here: ${problem}. Nothing was downloaded; ${advice}.`, { backend, dtype });
}

/** Download size of one dtype's encoders, external data included. */
function size(m: Manifest, d: Dtype): number {
  return encoderFiles(m, d).reduce((a, f) => a + f.bytes, 0);
}

function quality(m: Manifest, dtype: Dtype): number | undefined {
  const v = m.metrics?.test?.[dtype]?.['N@10'];
  return typeof v === 'number' ? v : undefined;
}

export function planBackend(m: Manifest, caps: Capabilities, backendOpt: BackendOption = 'auto', dtypeOpt: DtypeOption = 'auto'): Plan {
  if (!['auto', 'webgpu', 'wasm'].includes(backendOpt)) {
    throw new HllmError('INVALID_OPTIONS', `backend must be 'auto', 'webgpu' or 'wasm', got ${JSON.stringify(backendOpt)}`);
  }
  if (!['auto', 'fp32', 'q8', 'q4'].includes(dtypeOpt)) {
    throw new HllmError('INVALID_OPTIONS', `dtype must be 'auto', 'fp32', 'q8' or 'q4', got ${JSON.stringify(dtypeOpt)}`);
  }
  const reasons: string[] = [];
  let backend: Backend;
  let adapter: string | undefined;
  const done = (dtype: Dtype, dtypeReason: string): Plan => ({
    backend, dtype, reason: [...reasons, dtypeReason].join('; '), dtypeReason, ...(adapter !== undefined ? { adapter } : {}),
  });
  if (backendOpt === 'webgpu') {
    if (!caps.webgpu.available) throw new HllmError('BACKEND_UNAVAILABLE', "backend 'webgpu' was forced but no WebGPU adapter is available here; use backend: 'auto' or 'wasm'.");
    backend = 'webgpu';
    reasons.push('webgpu forced by caller');
  } else if (backendOpt === 'wasm') {
    backend = 'wasm';
    reasons.push('wasm forced by caller');
  } else if (caps.webgpu.available && !caps.webgpu.fallback) {
    backend = 'webgpu';
    adapter = caps.webgpu.description;
    reasons.push(`WebGPU adapter found (${caps.webgpu.description})`);
  } else if (caps.webgpu.available) {
    // A software adapter (SwiftShader) computes correctly but 20–30× slower than WASM.
    backend = 'wasm';
    reasons.push(`WebGPU adapter is a software fallback (${caps.webgpu.description}), slower than WASM`);
  } else {
    backend = 'wasm';
    reasons.push(caps.runtime === 'node' ? 'Node: WASM backend' : 'no WebGPU adapter');
  }

  const have = availableDtypes(m);
  if (dtypeOpt !== 'auto') {
    if (!have.includes(dtypeOpt)) {
      throw new HllmError('BACKEND_UNAVAILABLE', `dtype '${dtypeOpt}' is not in this model (it has: ${have.join(', ')}).`);
    }
    const problem = fitProblem(m, backend, dtypeOpt, caps);
    if (problem) throw tooLarge(m, backend, dtypeOpt, problem);
    return done(dtypeOpt, `dtype ${dtypeOpt} forced by caller`);
  }
  // Prefer the smallest download the device runs well, if the manifest shows it ranks
  // nearly as well as fp32; without that evidence stay at fp32.
  const order: Dtype[] = backend === 'webgpu' && !caps.webgpu.fallback ? ['q4', 'q8', 'fp32'] : ['q8', 'q4', 'fp32'];
  const base = quality(m, 'fp32');
  const fits = (d: Dtype) => fitProblem(m, backend, d, caps) === null;
  for (const d of order) {
    if (!have.includes(d) || !fits(d)) continue;
    if (d === 'fp32') return done(d, 'dtype fp32');
    const q = quality(m, d);
    if (base !== undefined && q !== undefined && q >= QUALITY_FLOOR * base) {
      return done(d, `dtype ${d} (${(size(m, d) / 1e6).toFixed(1)} MB; test N@10 ${q.toFixed(4)} vs fp32 ${base.toFixed(4)})`);
    }
  }
  const d = have.find(fits);
  if (!d) {
    // not even the smallest dtype fits: say why (parseManifest guarantees one dtype exists)
    const smallest = have.reduce((a, b) => (size(m, b) < size(m, a) ? b : a));
    throw tooLarge(m, backend, smallest, fitProblem(m, backend, smallest, caps)!);
  }
  return done(d, `dtype ${d} (the only one that fits here)`);
}

/** One item-encoder batch timed on both backends, after the WebGPU self-check. */
export interface BackendTiming {
  /** The adapter's description, e.g. 'nvidia h200'. */
  adapter: string;
  /** The self-check's lowest cosine between WebGPU and WASM outputs. */
  minCosine: number;
  /** Items in the timed batch. */
  items: number;
  webgpuMs: number;
  wasmMs: number;
}

const ms = (x: number) => (x < 10 ? x.toFixed(2) : x.toFixed(1));

/**
 * The faster backend for one measured batch, and a reason that says what was measured.
 * WebGPU must be strictly faster: on a tie WASM wins (no GPU device to lose, no asyncify
 * build). A timing that is not a positive finite number counts as a failed run.
 *
 * @example
 * ```ts
 * chooseByTiming({ adapter: 'nvidia h200', minCosine: 0.99998, items: 32, webgpuMs: 3.1, wasmMs: 7.9 });
 * // { backend: 'webgpu', reason: "WebGPU adapter 'nvidia h200' passed the self-check (cos 0.999980);
 * //   one 32-item batch: WebGPU 3.10 ms vs WASM 7.90 ms → webgpu" }
 * ```
 */
export function chooseByTiming(t: BackendTiming): { backend: Backend; reason: string } {
  const ok = (x: number) => Number.isFinite(x) && x > 0;
  const backend: Backend = ok(t.webgpuMs) && (!ok(t.wasmMs) || t.webgpuMs < t.wasmMs) ? 'webgpu' : 'wasm';
  const show = (x: number) => (ok(x) ? `${ms(x)} ms` : 'failed');
  return {
    backend,
    reason: `WebGPU adapter '${t.adapter}' passed the self-check (cos ${t.minCosine.toFixed(6)}); `
      + `one ${t.items}-item batch: WebGPU ${show(t.webgpuMs)} vs WASM ${show(t.wasmMs)} → ${backend}`,
  };
}
