// Which backend and dtype to try, and why — pure policy, no ORT. The engine then proves the
// WebGPU choice with a numeric self-check (self-check.ts), afterSelfCheck() says what follows from
// its result, and under 'auto' chooseByTiming() turns one timed batch on both backends into a choice.
import type { Capabilities } from '../../env.ts';
import { HllmError } from '../../errors.ts';
import type { Backend, BackendOption, Dtype, DtypeOption } from '../../protocol.ts';
import { availableDtypes, encoderFiles, userEncoderFile, type Manifest } from './manifest.ts';

export interface Plan {
  backend: Backend;
  dtype: Dtype;
  /** Why this backend and dtype, in words. */
  reason: string;
  /** Why this dtype alone (the tail of `reason`), for a reason rewritten after measuring. */
  dtypeReason: string;
  /** The hardware adapter 'auto' chose WebGPU for; absent when forced, or on WASM. */
  adapter?: string;
  /** On WebGPU: why this dtype could not also be opened on WASM (no fallback, no timing, no WASM self-check); absent when it fits. */
  wasmProblem?: string;
}

/** A quantised variant is acceptable when its test N@10 keeps this share of fp32's. */
const QUALITY_FLOOR = 0.97;

/** ORT's WASM backend is wasm32: 4 GB of heap for weights, activations and the runtime. */
const WASM_MAX_MODEL_BYTES = 3.5e9;

const gb = (n: number) => (n < 1e9 ? `${(n / 1e6).toFixed(1)} MB` : `${(n / 1e9).toFixed(2)} GB`);

/**
 * Why one dtype cannot fit this backend, or null when it can. From hllm.json alone: nothing is
 * downloaded. `filesOf`: the backend the files were chosen for (a WebGPU session's WASM fallback
 * runs WebGPU's files; manifest.ts userEncoderFile()).
 */
function fitProblem(m: Manifest, backend: Backend, dtype: Dtype, caps: Capabilities, filesOf: Backend = backend): string | null {
  if (backend === 'webgpu') {
    // ORT asks the adapter for its own maxima of these limits (see docs/use-hllm-1b.md), so the adapter's are the device's.
    const limits: Array<[string, number]> = [['maxStorageBufferBindingSize', caps.webgpu.maxStorageBufferBindingSize], ['maxBufferSize', caps.webgpu.maxBufferSize]];
    for (const f of encoderFiles(m, dtype, filesOf)) {
      const need = Math.max(f.max_tensor_bytes ?? 0, f.max_buffer_bytes ?? 0);
      const over = limits.filter(([, limit]) => limit > 0 && need > limit);
      if (over.length) {
        const what = need > (f.max_tensor_bytes ?? 0) ? 'a weight table dequantised to fp32' : 'its largest tensor';
        return `${f.path} needs a ${gb(need)} GPU buffer (${what}), more than this WebGPU adapter's ${over.map(([n, l]) => `${n} (${gb(l)})`).join(' and ')}`;
      }
    }
    return null;
  }
  const total = encoderFiles(m, dtype, filesOf).reduce((a, f) => a + f.bytes, 0);
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

/** Download size of one dtype's encoders on one backend, external data included. */
function size(m: Manifest, d: Dtype, backend: Backend): number {
  return encoderFiles(m, d, backend).reduce((a, f) => a + f.bytes, 0);
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
  const done = (dtype: Dtype, dtypeReason: string): Plan => {
    const wasmProblem = backend === 'webgpu' ? fitProblem(m, 'wasm', dtype, caps, 'webgpu') : null;
    const i8 = userEncoderFile(m, dtype, backend)?.dtype === 'i8' ? ['User LLM in i8 (int8 kernels on WASM)'] : [];
    return {
      backend, dtype, reason: [...reasons, dtypeReason, ...i8].join('; '), dtypeReason,
      ...(adapter !== undefined ? { adapter } : {}), ...(wasmProblem ? { wasmProblem } : {}),
    };
  };
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
      return done(d, `dtype ${d} (${(size(m, d, backend) / 1e6).toFixed(1)} MB; test N@10 ${q.toFixed(4)} vs fp32 ${base.toFixed(4)})`);
    }
  }
  const d = have.find(fits);
  if (!d) {
    // not even the smallest dtype fits: say why (parseManifest guarantees one dtype exists)
    const smallest = have.reduce((a, b) => (size(m, b, backend) < size(m, a, backend) ? b : a));
    throw tooLarge(m, backend, smallest, fitProblem(m, backend, smallest, caps)!);
  }
  return done(d, `dtype ${d} (the only one that fits here)`);
}

/** Below this, WebGPU is not trusted with this model (a broken adapter gives cosines near 0, a sound one ≥ 0.9999). */
export const SELF_CHECK_MIN_COSINE = 0.999;

/** A WebGPU self-check's result: the lowest cosine, and what the outputs were compared with. */
export interface SelfCheckResult {
  minCosine: number;
  /** 'wasm' (sessions of the same dtype) or 'reference (<source>)' (self_check_<dtype>.json). */
  against: string;
  /** Why the WebGPU run itself failed, if it did (minCosine is then -1). */
  failure?: string;
}

/** What follows a WebGPU self-check: keep WebGPU, time both backends first, or use WASM. */
export type AfterCheck = { next: 'webgpu' | 'wasm'; reason: string } | { next: 'time' };

/**
 * The rule after the WebGPU sessions are open. `check` is null when none could run: no stored
 * reference and no room for WASM sessions. Failing the check falls back to WASM unless the caller
 * forced WebGPU (kept, with the failure in the reason); when WASM cannot take the dtype either,
 * it throws BACKEND_UNAVAILABLE naming both reasons.
 *
 * @example
 * ```ts
 * afterSelfCheck(plan, false, { minCosine: 0.42, against: 'reference (pytorch)' });
 * // { next: 'wasm', reason: '…; self-check vs reference (pytorch): min cosine 0.420000 < 0.999, using wasm' }
 * ```
 */
export function afterSelfCheck(plan: Plan, forced: boolean, check: SelfCheckResult | null): AfterCheck {
  if (!check) {
    return { next: 'webgpu', reason: `${plan.reason}; not self-checked: hllm.json has no self-check reference for ${plan.dtype} (re-export the folder to add one) and WASM sessions to compare with would not fit (${plan.wasmProblem})` };
  }
  const passed = check.minCosine >= SELF_CHECK_MIN_COSINE;
  const said = `self-check vs ${check.against}: min cosine ${check.minCosine.toFixed(6)}${check.failure ? ` (WebGPU run failed: ${check.failure})` : ''}`;
  if (passed && !forced && plan.adapter !== undefined && plan.wasmProblem === undefined) return { next: 'time' };
  if (passed) return { next: 'webgpu', reason: `${plan.reason}; ${said} (passed)${plan.adapter !== undefined && plan.wasmProblem ? `; WASM not timed: ${plan.wasmProblem}` : ''}` };
  if (forced) return { next: 'webgpu', reason: `${plan.reason}; ${said} (FAILED, kept because forced)` };
  if (plan.wasmProblem === undefined) return { next: 'wasm', reason: `${plan.reason}; ${said} < ${SELF_CHECK_MIN_COSINE}, using wasm` };
  throw new HllmError('BACKEND_UNAVAILABLE', `this WebGPU adapter failed the self-check for dtype ${plan.dtype} (${said} < ${SELF_CHECK_MIN_COSINE}), and WASM cannot take that dtype: ${plan.wasmProblem}. Use another device, a smaller dtype (dtype: 'q4') or a smaller model.`,
    { backend: 'webgpu', dtype: plan.dtype, minCosine: check.minCosine });
}

/** One item-encoder batch timed on both backends, after the WebGPU self-check. */
export interface BackendTiming {
  /** The adapter's description, e.g. 'nvidia h200'. */
  adapter: string;
  /** The self-check's lowest cosine (against the stored reference or WASM). */
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
