// The model half of Engine.init(): checks the options, then capabilities → hllm.json → plan
// backend/dtype → files from Cache Storage or downloaded, each verified (model-file.ts) →
// tokenizer → sessions (+ WebGPU self-check), and a SessionHolder that can reopen them on
// WASM after a lost GPU device.
import { detectCapabilities, wasmThreads } from '../../env.ts';
import { HllmError } from '../../errors.ts';
import type { Backend, EngineOptions, ProgressCallback } from '../../protocol.ts';
import { planBackend } from './backend-policy.ts';
import { SessionHolder } from './device-loss.ts';
import type { Fetcher } from '../../io/fetcher.ts';
import type { Manifest } from './manifest.ts';
import { fetchManifest, fetchModelFiles, fetchUserEncoder, type ModelFiles } from './model-loader.ts';
import { modelFileSource } from './model-file.ts';
import { moveUserToWasmFile, openOn, openSessions, type Sessions } from './sessions.ts';
import type { StepTimer } from '../step-timer.ts';
import { createItemTokenizer, type ItemTokenizer } from './tokenizer.ts';

/** Throws INVALID_OPTIONS for an init() option outside its allowed values. */
export function checkInitOptions(options: EngineOptions): void {
  if (!options || typeof options.model !== 'string' || options.model === '') {
    throw new HllmError('INVALID_OPTIONS', "'model' must be the URL (or, in Node, the path) of a model folder containing hllm.json.");
  }
  if (options.catalog === undefined || options.catalog === null) {
    throw new HllmError('INVALID_OPTIONS', "'catalog' must be a URL of a JSON/CSV catalogue or an array of items.");
  }
  if (options.vectors !== undefined && (typeof options.vectors !== 'string' || options.vectors === '')) {
    throw new HllmError('INVALID_OPTIONS', "'vectors' must be the URL (or, in Node, the path) of a vectors.json built by `hllm embed`, or of its folder.");
  }
  if (options.vectorsMismatch !== undefined && options.vectorsMismatch !== 'error' && options.vectorsMismatch !== 'encode') {
    throw new HllmError('INVALID_OPTIONS', "'vectorsMismatch' must be 'error' or 'encode'.");
  }
  if (options.userCache !== undefined && typeof options.userCache !== 'boolean') {
    throw new HllmError('INVALID_OPTIONS', "'userCache' must be true or false.");
  }
}

/** How model files are kept: an injected Fetcher keeps nothing; warnings go to the engine's warn. */
export interface ModelKeep {
  injected: boolean;
  warn: (message: string) => void;
}

export interface StartedModel {
  manifest: Manifest;
  files: ModelFiles;
  tok: ItemTokenizer;
  threads: number;
  models: SessionHolder;
  sessions: Sessions;
}

/**
 * Loads and opens the model of `options` (see the file comment), marking `timer` steps.
 *
 * @example
 * ```ts
 * const { manifest, models } = await startModel({ model: '/models/default/', catalog: [] }, defaultFetcher, timer);
 * ```
 */
export async function startModel(options: EngineOptions, fetcher: Fetcher, timer: StepTimer, onProgress?: ProgressCallback, keep: ModelKeep = { injected: true, warn: () => undefined }): Promise<StartedModel> {
  const caps = await detectCapabilities();
  const threads = wasmThreads(caps, options.threads);
  const manifest = await fetchManifest(options.model, fetcher);
  const plan = planBackend(manifest, caps, options.backend ?? 'auto', options.dtype ?? 'auto');
  const source = await modelFileSource(fetcher, keep.injected, keep.warn);
  // The planned backend picks the User LLM file (i8 on WASM). A WebGPU plan that ends on WASM at
  // init moves to the i8 file below; after a lost device mid-session the same file runs on WASM,
  // so the kept user state, keyed by that file, still fits it.
  let files = await fetchModelFiles(options.model, manifest, plan.dtype, source, onProgress, plan.backend);
  timer.mark('verify', 'model-files');
  const tok = createItemTokenizer(files.tokenizerJson, files.tokenizerConfig, manifest);
  timer.mark('verify', 'tokenizer');
  const forced = (options.backend ?? 'auto') !== 'auto';
  const opened = await openSessions(files, plan, forced, tok, threads, onProgress);
  // ONNX Runtime holds its own copy of the weights now. The engine keeps `files` for its other
  // fields, so it must not keep these bytes too: a 1.1B model's 1.6 GB would stay in the
  // worker's heap twice for the engine's life, and beside the i8 file's while moving to it.
  files = { ...files, itemEncoder: new Uint8Array(0), userEncoder: new Uint8Array(0), itemExternalData: [], userExternalData: [] };
  const load = (backend: Backend) => fetchUserEncoder(options.model, manifest, plan.dtype, source, backend, onProgress);
  const { sessions, user } = await moveUserToWasmFile(opened, files, plan.backend, load, threads, keep.warn);
  const kept: ModelFiles = { ...files, ...user };
  const models = await SessionHolder.create(sessions, async (reason) => {
    if (plan.wasmProblem !== undefined) throw new Error(`dtype ${plan.dtype} does not fit WASM: ${plan.wasmProblem}`);
    // Read again (Cache Storage, else the network) rather than held: a big model's bytes would double its memory.
    const again = await fetchModelFiles(options.model, manifest, plan.dtype, source, undefined, plan.backend);
    return { ...(await openOn(again, 'wasm', threads)), backend: 'wasm', dtype: plan.dtype, reason };
  });
  return { manifest, files: kept, tok, threads, models, sessions };
}
