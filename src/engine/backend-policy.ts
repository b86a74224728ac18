// Which backend and dtype to try, and why — pure policy, no ORT. The engine then proves
// the WebGPU choice with a numeric self-check against WASM (see sessions.ts).
// Imports: env types, manifest, errors, protocol types.
import type { Capabilities } from '../env.ts';
import { HllmError } from '../errors.ts';
import type { Backend, BackendOption, Dtype, DtypeOption } from '../protocol.ts';
import { availableDtypes, fileFor, type Manifest } from './manifest.ts';

export interface Plan {
  backend: Backend;
  dtype: Dtype;
  reason: string;
}

/** A quantised variant is acceptable when its test N@10 keeps this share of fp32's. */
export const QUALITY_FLOOR = 0.97;

function supports(backend: Backend, dtype: Dtype, caps: Capabilities): boolean {
  // fp16 needs shader-f16 on WebGPU; on WASM it is slow and gave wrong results in ORT 1.30.
  if (dtype === 'fp16') return backend === 'webgpu' && caps.webgpu.shaderF16;
  return true;
}

function quality(m: Manifest, dtype: Dtype): number | undefined {
  const v = m.metrics?.test?.[dtype]?.['N@10'];
  return typeof v === 'number' ? v : undefined;
}

export function planBackend(m: Manifest, caps: Capabilities, backendOpt: BackendOption = 'auto', dtypeOpt: DtypeOption = 'auto'): Plan {
  if (!['auto', 'webgpu', 'wasm'].includes(backendOpt)) {
    throw new HllmError('INVALID_OPTIONS', `backend must be 'auto', 'webgpu' or 'wasm', got ${JSON.stringify(backendOpt)}`);
  }
  if (!['auto', 'fp32', 'fp16', 'q8', 'q4'].includes(dtypeOpt)) {
    throw new HllmError('INVALID_OPTIONS', `dtype must be 'auto', 'fp32', 'fp16', 'q8' or 'q4', got ${JSON.stringify(dtypeOpt)}`);
  }
  const reasons: string[] = [];
  let backend: Backend;
  if (backendOpt === 'webgpu') {
    if (!caps.webgpu.available) throw new HllmError('BACKEND_UNAVAILABLE', "backend 'webgpu' was forced but no WebGPU adapter is available here; use backend: 'auto' or 'wasm'.");
    backend = 'webgpu';
    reasons.push('webgpu forced by caller');
  } else if (backendOpt === 'wasm') {
    backend = 'wasm';
    reasons.push('wasm forced by caller');
  } else if (caps.webgpu.available && !caps.webgpu.fallback) {
    backend = 'webgpu';
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
    if (!supports(backend, dtypeOpt, caps)) {
      throw new HllmError('BACKEND_UNAVAILABLE', `dtype '${dtypeOpt}' cannot run on ${backend} here${dtypeOpt === 'fp16' ? " (needs WebGPU with 'shader-f16')" : ''}; choose another dtype.`);
    }
    reasons.push(`dtype ${dtypeOpt} forced by caller`);
    return { backend, dtype: dtypeOpt, reason: reasons.join('; ') };
  }
  // Prefer the smallest download the device runs well, if the manifest shows it ranks
  // nearly as well as fp32; without that evidence stay at fp32.
  const order: Dtype[] = backend === 'webgpu' && !caps.webgpu.fallback ? ['q4', 'fp16', 'q8', 'fp32'] : ['q8', 'q4', 'fp32'];
  const base = quality(m, 'fp32');
  for (const d of order) {
    if (!have.includes(d) || !supports(backend, d, caps)) continue;
    if (d === 'fp32') {
      reasons.push('dtype fp32');
      return { backend, dtype: d, reason: reasons.join('; ') };
    }
    const q = quality(m, d);
    if (base !== undefined && q !== undefined && q >= QUALITY_FLOOR * base) {
      const size = fileFor(m, 'item_encoder', d)!.bytes + fileFor(m, 'user_encoder', d)!.bytes;
      reasons.push(`dtype ${d} (${(size / 1e6).toFixed(1)} MB; test N@10 ${q.toFixed(4)} vs fp32 ${base.toFixed(4)})`);
      return { backend, dtype: d, reason: reasons.join('; ') };
    }
  }
  const d = have.find((x) => supports(backend, x, caps));
  if (!d) throw new HllmError('BACKEND_UNAVAILABLE', `none of this model's dtypes (${have.join(', ')}) runs on ${backend} here; try another backend.`);
  reasons.push(`dtype ${d} (only one this device runs)`);
  return { backend, dtype: d, reason: reasons.join('; ') };
}
