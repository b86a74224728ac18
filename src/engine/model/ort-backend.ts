// The ONLY module that imports onnxruntime-web. It loads ORT lazily (its own chunks),
// points it at the local .wasm (never a CDN; in the npm library, where the host's bundler
// put it), fixes the thread count, and wraps sessions so the rest of the engine never
// touches ORT types.
//
// Two ORT builds, one per backend: WASM sessions run on the plain build, WebGPU sessions on
// the asyncify build that the WebGPU EP needs. The asyncify build is 2.5-3x slower for
// CPU work (measured here: 438-565 vs 1,086-1,813 items/s on the item encoder), and a
// device without a usable GPU never downloads it.
//
// loadOrt(build) once per build → createModel(bytes, backend) per graph → model.run(feeds).
// Every ORT call (create, run, release) goes through ONE queue per process: sessions of a
// build share one wasm instance, and overlapping calls of two sessions (one suspended in an
// async WebGPU step) corrupted its state here ("__next_prime overflow").
import type * as OrtNs from 'onnxruntime-web/webgpu';
import { HllmError } from '../../errors.ts';
import type { Backend } from '../../protocol.ts';
import { isNode } from '../../env.ts';

type Ort = typeof OrtNs;
const ortPromises: Partial<Record<Backend, Promise<Ort>>> = {};
let ortQueue: Promise<unknown> = Promise.resolve();

/** Runs `f` after every earlier ORT call has settled. */
function serial<T>(f: () => Promise<T>): Promise<T> {
  const job = ortQueue.then(f);
  ortQueue = job.catch(() => undefined);
  return job;
}

/** Hidden from bundlers: these run in Node only. */
const nodeImport = (name: string): Promise<any> => import(/* @vite-ignore */ name);

/**
 * `true` only in the npm library build (src/embed/build-plugin.ts defines it). There the
 * host's bundler owns ORT: ORT's own `new URL('….wasm', import.meta.url)` finds the wasm it
 * placed, so the package ships none. Undeclared elsewhere (app, embed, Node, tests).
 */
declare const __HLLM_HOST_BUNDLES_ORT__: boolean | undefined;
const hostBundlesOrt = typeof __HLLM_HOST_BUNDLES_ORT__ !== 'undefined' && __HLLM_HOST_BUNDLES_ORT__;

/** undefined: leave env.wasm.wasmPaths to ORT's default. */
async function wasmLocation(build: Backend): Promise<string | { wasm: string } | undefined> {
  if (isNode()) {
    const { createRequire } = await nodeImport('node:module');
    const { dirname } = await nodeImport('node:path');
    const require = createRequire(import.meta.url);
    // resolves to dist/ort.*.bundle.min.mjs; the .wasm files sit beside it.
    return `${dirname(require.resolve(build === 'wasm' ? 'onnxruntime-web/wasm' : 'onnxruntime-web/webgpu'))}/`;
  }
  if (hostBundlesOrt) return undefined;
  const mod = build === 'wasm'
    ? await import('onnxruntime-web/ort-wasm-simd-threaded.wasm?url')
    : await import('onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url');
  return { wasm: new URL(mod.default, globalThis.location?.href).href };
}

/** Loads the ORT build for one backend and sets its env. Thread count is fixed by the first call. */
function loadOrt(build: Backend, threads: number): Promise<Ort> {
  let p = ortPromises[build];
  if (!p) {
    p = (async () => {
      const ort = (build === 'wasm' ? await import('onnxruntime-web/wasm') : await import('onnxruntime-web/webgpu')) as Ort;
      const wasmPaths = await wasmLocation(build);
      if (wasmPaths !== undefined) ort.env.wasm.wasmPaths = wasmPaths;
      ort.env.wasm.numThreads = threads;
      ort.env.wasm.proxy = false;
      ort.env.logLevel = 'error';
      return ort;
    })();
    p.catch(() => delete ortPromises[build]);
    ortPromises[build] = p;
  }
  return p;
}

/** The part of a GPUDevice the engine uses: its loss signal, and destroy() for the test hook. */
export interface GpuDeviceHandle {
  readonly lost: Promise<{ reason: string; message: string }>;
  destroy(): void;
}

/** The GPUDevice ORT's WebGPU sessions run on, or null before any WebGPU session exists. */
export async function webgpuDevice(): Promise<GpuDeviceHandle | null> {
  if (!ortPromises.webgpu) return null;
  const ort = await ortPromises.webgpu;
  try {
    // Before the first WebGPU session this getter would CREATE a device; callers ask only after one.
    return ((await ort.env.webgpu.device) as unknown as GpuDeviceHandle) ?? null;
  } catch {
    return null;
  }
}

export interface Feed {
  type: 'int64' | 'float32';
  data: BigInt64Array | Float32Array;
  dims: number[];
}

/** The shape of one layer's cached keys (and values) of a graph with a key/value cache: [B, heads, P, head_dim]. */
export interface KvShape {
  layers: number;
  heads: number;
  head_dim: number;
}

/** A float32 output, copied out of ORT. */
export interface Fetched {
  data: Float32Array;
  dims: number[];
}

/** One ONNX graph on one backend. Calls are queued process-wide, never concurrent. */
export interface OnnxModel {
  readonly backend: Backend;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** The graph's key/value cache (past_key_<i> / present_key_<i> …), from the manifest; null for a graph without one. */
  readonly kvCache: KvShape | null;
  run(feeds: Record<string, Feed>, output: string): Promise<Fetched>;
  /** Several outputs of one run. */
  runAll(feeds: Record<string, Feed>, outputs: readonly string[]): Promise<Record<string, Fetched>>;
  release(): Promise<void>;
}

/**
 * One ORT session from the graph's bytes. A function of its own so that no closure of the model
 * createModel() returns can hold the bytes: V8 keeps every variable that any closure of a
 * function captures for as long as any of them lives, so the bytes captured here inside
 * createModel stayed in the worker's heap beside ORT's copy for the session's life (measured in
 * Node: a 96 MB graph's bytes stayed held; with startModel()'s drop, an engine at SmolLM2-135M's
 * shape holds 0 MiB of ArrayBuffers after init instead of 194).
 */
async function openSession(ort: Ort, bytes: Uint8Array, backend: Backend, externalData: { path: string; data: Uint8Array }[]): Promise<OrtNs.InferenceSession> {
  try {
    return await serial(() => ort.InferenceSession.create(bytes, {
      executionProviders: [backend],
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3, // errors only: the "nodes not assigned to EP" warning is expected (shape ops on CPU)
      ...(externalData.length ? { externalData } : {}),
    }));
  } catch (e) {
    throw new HllmError('BACKEND_UNAVAILABLE', `ONNX Runtime could not create a ${backend} session: ${(e as Error).message ?? e}. Try backend: 'wasm'.`, { backend });
  }
}

/** `externalData`: the graph's external data files, `path` being the location the .onnx names. */
export async function createModel(bytes: Uint8Array, backend: Backend, threads: number, externalData: { path: string; data: Uint8Array }[] = [], kvCache: KvShape | null = null): Promise<OnnxModel> {
  const ort = await loadOrt(backend, threads);
  const session = await openSession(ort, bytes, backend, externalData);
  const runAll = (feeds: Record<string, Feed>, outputs: readonly string[]) => serial(async () => {
    const tensors: Record<string, OrtNs.Tensor> = {};
    for (const [name, f] of Object.entries(feeds)) tensors[name] = new ort.Tensor(f.type, f.data, f.dims);
    let result: OrtNs.InferenceSession.OnnxValueMapType;
    try {
      result = await session.run(tensors);
    } catch (e) {
      throw new HllmError('INFERENCE_FAILED', `${backend} inference failed: ${(e as Error).message ?? e}`, { backend });
    }
    const out: Record<string, Fetched> = {};
    try {
      for (const name of outputs) {
        const t = result[name];
        if (!t) throw new HllmError('MODEL_FORMAT', `the graph has no output '${name}' (outputs: ${session.outputNames.join(', ')})`);
        out[name] = { data: new Float32Array((await t.getData()) as Float32Array), dims: [...t.dims] };
      }
    } finally {
      for (const v of Object.values(result)) v.dispose();
    }
    return out;
  });
  return {
    backend,
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    kvCache,
    runAll,
    async run(feeds, output) {
      return (await runAll(feeds, [output]))[output]!;
    },
    release() {
      return serial(() => session.release());
    },
  };
}
