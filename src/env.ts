// Capability detection: where we run (browser, worker, Node), WebGPU adapter and its
// limits, cross-origin isolation (→ WASM threads) and IndexedDB.
// Runs in page, worker and Node.

/** The few WebGPU shapes we read; TS's DOM lib has no WebGPU types. */
interface GpuAdapterInfoLike {
  vendor?: string;
  architecture?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}
interface GpuAdapterLike {
  limits: Record<string, number | undefined>;
  info?: GpuAdapterInfoLike;
  isFallbackAdapter?: boolean;
}
interface GpuLike {
  requestAdapter(options?: { powerPreference?: string }): Promise<GpuAdapterLike | null>;
}

export interface WebGpuInfo {
  available: boolean;
  /** Software adapter (SwiftShader etc.): correct but much slower than WASM. */
  fallback: boolean;
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
  description: string;
}

export interface Capabilities {
  runtime: 'node' | 'browser' | 'worker';
  crossOriginIsolated: boolean;
  hardwareConcurrency: number;
  indexedDB: boolean;
  webgpu: WebGpuInfo;
}

export function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string' && typeof (globalThis as { window?: unknown }).window === 'undefined'
    && typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope === 'undefined';
}

function runtime(): Capabilities['runtime'] {
  if (isNode()) return 'node';
  return typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !== 'undefined' ? 'worker' : 'browser';
}

const NO_WEBGPU: WebGpuInfo = {
  available: false, fallback: false, maxBufferSize: 0, maxStorageBufferBindingSize: 0, description: 'none',
};

/** Asks for a WebGPU adapter; never throws. */
async function detectWebGpu(): Promise<WebGpuInfo> {
  const gpu = (globalThis.navigator as { gpu?: GpuLike } | undefined)?.gpu;
  if (!gpu) return NO_WEBGPU;
  let adapter: GpuAdapterLike | null = null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch {
    return NO_WEBGPU;
  }
  if (!adapter) return NO_WEBGPU;
  const info = adapter.info ?? {};
  const fallback = Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter ?? /swiftshader/i.test(`${info.vendor} ${info.architecture} ${info.description}`));
  return {
    available: true,
    fallback,
    maxBufferSize: adapter.limits.maxBufferSize ?? 0,
    maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize ?? 0,
    description: [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'unknown adapter',
  };
}

/** Everything the engine needs to pick a backend, dtype, thread count and storage. */
export async function detectCapabilities(): Promise<Capabilities> {
  const g = globalThis as { crossOriginIsolated?: boolean; indexedDB?: unknown; navigator?: { hardwareConcurrency?: number } };
  return {
    runtime: runtime(),
    crossOriginIsolated: g.crossOriginIsolated === true,
    hardwareConcurrency: g.navigator?.hardwareConcurrency ?? 1,
    indexedDB: typeof g.indexedDB !== 'undefined' && g.indexedDB !== null,
    webgpu: await detectWebGpu(),
  };
}

/** WASM threads: 1 without cross-origin isolation (SharedArrayBuffer is missing), else up to 4. */
function defaultThreads(caps: Capabilities): number {
  if (caps.runtime === 'node') return 1;
  if (!caps.crossOriginIsolated) return 1;
  return Math.max(1, Math.min(4, caps.hardwareConcurrency));
}

/**
 * ONNX Runtime's WASM threads: `requested` (EngineOptions.threads), else defaultThreads(caps).
 * A browser page (or its worker) that is not cross-origin isolated gets 1 whatever was asked:
 * it has no SharedArrayBuffer, so ORT would run on one thread anyway, after two console
 * warnings per start. Node honours the request (ORT starts worker_threads there).
 */
export function wasmThreads(caps: Capabilities, requested?: number): number {
  if (caps.runtime !== 'node' && !caps.crossOriginIsolated) return 1;
  return Math.max(1, Math.floor(requested ?? defaultThreads(caps)));
}
