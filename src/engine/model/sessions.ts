// Opens the item and user encoder sessions on the planned backend. WebGPU is kept only if a
// numeric self-check passes (self-check.ts): against the reference stored with the model, so no
// second copy of the model is opened, or, for folders without one, against WASM sessions of the
// same dtype where those fit. afterSelfCheck() (backend-policy.ts) turns the result into a
// choice: keep WebGPU, fall back to WASM, or, under 'auto' on a hardware adapter, time one
// item-encoder batch on each backend and keep the faster (for a small model WASM often wins).
// A WebGPU plan that ends on WASM then moves its User LLM to WASM's i8 file (moveUserToWasmFile).
import type { Backend, Dtype, Progress } from '../../protocol.ts';
import { afterSelfCheck, chooseByTiming, SELF_CHECK_MIN_COSINE, type AfterCheck, type Plan, type SelfCheckResult } from './backend-policy.ts';
import { HllmError } from '../../errors.ts';
import { encodeItemRows } from './encoders.ts';
import type { ModelFiles, UserEncoderFiles } from './model-loader.ts';
import { userEncoderFile } from './manifest.ts';
import { createModel, type OnnxModel } from './ort-backend.ts';
import { checkAgainstReference, checkAgainstWasm, PROBES } from './self-check.ts';
import type { ItemTokenizer } from './tokenizer.ts';

export interface Sessions {
  item: OnnxModel;
  user: OnnxModel;
  backend: Backend;
  dtype: Dtype;
  reason: string;
  selfCheck?: { minCosine: number; passed: boolean; against: string };
  /** 'auto' on a hardware adapter: one TIMING_BATCH-item batch, after a warm-up, on each backend. */
  timing?: { items: number; webgpuMs: number; wasmMs: number };
}

type Pair = { item: OnnxModel; user: OnnxModel };

/** Items in the timed batch: the engine's default batch size, so it is what encoding will run. */
export const TIMING_BATCH = 32;

/** Token rows for the timing: the probes cycled, each made distinct so no run can reuse another. */
function timingRows(tok: ItemTokenizer): number[][] {
  return Array.from({ length: TIMING_BATCH }, (_, i) => tok.itemIds(`${PROBES[i % PROBES.length]} ${i}`));
}

/** Milliseconds of one item-encoder run on `rows`, after one untimed warm-up run (shader compilation, allocation). */
export async function timeItemBatch(item: OnnxModel, rows: number[][], dim: number, padId: number): Promise<number> {
  const o = { dim, padId, batchSize: rows.length };
  await encodeItemRows(item, rows, o);
  const t0 = performance.now();
  await encodeItemRows(item, rows, o);
  return performance.now() - t0;
}

/** Opens both encoders of `files` on one backend. */
export async function openOn(files: ModelFiles, backend: Backend, threads: number, onProgress?: (p: Progress) => void): Promise<Pair> {
  const item = await createModel(files.itemEncoder, backend, threads, files.itemExternalData);
  onProgress?.({ phase: 'load', done: 1, total: 2, detail: `item_encoder (${backend})` });
  let user: OnnxModel;
  try {
    user = await createModel(files.userEncoder, backend, threads, files.userExternalData, files.userKv);
  } catch (e) {
    await item.release().catch(() => undefined);
    throw e;
  }
  onProgress?.({ phase: 'load', done: 2, total: 2, detail: `user_encoder (${backend})` });
  return { item, user };
}

const release = (p: Pair | null) => (p ? Promise.all([p.item.release(), p.user.release()]) : Promise.resolve());

/** Runs the self-check that `files` allows; null when none can run. Opens `cpu` only for the WASM form. */
async function selfCheck(files: ModelFiles, plan: Plan, gpu: Pair, tok: ItemTokenizer, open: () => Promise<Pair>): Promise<{ check: SelfCheckResult | null; cpu: Pair | null }> {
  const m = files.manifest;
  const ref = files.selfCheck;
  if (!ref && plan.wasmProblem !== undefined) return { check: null, cpu: null };
  const cpu = ref ? null : await open();
  const against = ref ? `reference (${ref.source})` : 'wasm';
  try {
    const minCosine = ref
      ? await checkAgainstReference(gpu.item, gpu.user, ref, m.dim, m.pad_token_id)
      : await checkAgainstWasm(gpu, cpu!, tok, m.dim, m.pad_token_id);
    return { check: { minCosine, against }, cpu };
  } catch (e) {
    return { check: { minCosine: -1, against, failure: String((e as Error).message ?? e) }, cpu };
  }
}

export async function openSessions(files: ModelFiles, plan: Plan, forced: boolean, tok: ItemTokenizer, threads: number, onProgress?: (p: Progress) => void): Promise<Sessions> {
  const m = files.manifest;
  const open = (backend: Backend) => openOn(files, backend, threads, onProgress);
  const on = (pair: Pair, backend: Backend, reason: string, extra: Partial<Sessions> = {}): Sessions => ({ ...pair, backend, dtype: plan.dtype, reason, ...extra });
  if (plan.backend === 'wasm') return on(await open('wasm'), 'wasm', plan.reason);

  let gpu: Pair;
  try {
    gpu = await open('webgpu');
  } catch (e) {
    if (forced) throw e;
    if (plan.wasmProblem !== undefined) {
      throw new HllmError('BACKEND_UNAVAILABLE', `${(e as Error).message} WASM cannot take dtype ${plan.dtype} either: ${plan.wasmProblem}.`, { backend: 'webgpu', dtype: plan.dtype });
    }
    return on(await open('wasm'), 'wasm', `${plan.reason}; WebGPU session failed (${(e as Error).message}), using wasm`);
  }
  const { check, cpu: opened } = await selfCheck(files, plan, gpu, tok, () => open('wasm'));
  let cpu = opened;
  const result: Partial<Sessions> = check ? { selfCheck: { minCosine: check.minCosine, passed: check.minCosine >= SELF_CHECK_MIN_COSINE, against: check.against } } : {};
  let after: AfterCheck;
  try {
    after = afterSelfCheck(plan, forced, check);
  } catch (e) {
    await Promise.all([release(gpu), release(cpu)]);
    throw e;
  }
  if (after.next === 'time') {
    cpu ??= await open('wasm');
    const rows = timingRows(tok);
    // A failed timed run counts as an infinitely slow backend (chooseByTiming then keeps the other).
    const time = (model: OnnxModel) => timeItemBatch(model, rows, m.dim, m.pad_token_id).catch(() => Number.NaN);
    const webgpuMs = await time(gpu.item);
    const wasmMs = await time(cpu.item);
    const pick = chooseByTiming({ adapter: plan.adapter!, minCosine: check!.minCosine, items: rows.length, webgpuMs, wasmMs });
    const [keep, drop] = pick.backend === 'webgpu' ? [gpu, cpu] : [cpu, gpu];
    await release(drop);
    return on(keep, pick.backend, `${pick.reason}; ${plan.dtypeReason}`, { ...result, timing: { items: rows.length, webgpuMs, wasmMs } });
  }
  if (after.next === 'webgpu') {
    await release(cpu);
    return on(gpu, 'webgpu', after.reason, result);
  }
  await release(gpu);
  return on(cpu ?? await open('wasm'), 'wasm', after.reason, result);
}

/** Which User LLM file the sessions run: the engine keys the kept user state by its sha256. */
export type UserFile = Pick<ModelFiles, 'userEncoderSha256' | 'userKv'>;

/**
 * A WebGPU plan that ended on WASM (a failed self-check, WASM timed faster, a failed WebGPU
 * session) opened the dtype's own User LLM, the file WebGPU runs. On WASM the folder's i8 file is
 * the fast one (one click at SmolLM2-135M's shape: 22 ms against 175 ms in q4), so the user
 * session moves to it: the i8 file is loaded and verified first, the old session released
 * before the new one opens (a 1.1B model's two User LLMs would not fit one wasm heap together),
 * and if the i8 file cannot be loaded or opened, the dtype's own file is opened again, with a
 * warning. No user state exists yet: the engine keys it by the file returned here. `files`
 * needs no bytes: only its manifest and User LLM sha256 are read.
 *
 * @example
 * ```ts
 * ({ sessions, user } = await moveUserToWasmFile(sessions, files, plan.backend, (b) => fetchUserEncoder(base, m, dtype, src, b), threads, warn));
 * ```
 */
export async function moveUserToWasmFile(s: Sessions, files: ModelFiles, planned: Backend, load: (backend: Backend) => Promise<UserEncoderFiles>, threads: number, warn: (m: string) => void): Promise<{ sessions: Sessions; user: UserFile }> {
  const own: UserFile = { userEncoderSha256: files.userEncoderSha256, userKv: files.userKv };
  const want = userEncoderFile(files.manifest, s.dtype, 'wasm');
  if (planned !== 'webgpu' || s.backend !== 'wasm' || !want || want.sha256 === own.userEncoderSha256) return { sessions: s, user: own };
  const open = async (f: UserEncoderFiles) => ({ model: await createModel(f.userEncoder, 'wasm', threads, f.userExternalData, f.userKv), user: { userEncoderSha256: f.userEncoderSha256, userKv: f.userKv } });
  const kept = (m: string) => warn(`kept the ${s.dtype} User LLM on WASM: ${m}; each interaction is slower than with ${want.path}.`);
  let i8: UserEncoderFiles;
  try {
    i8 = await load('wasm');
  } catch (e) {
    kept(`loading ${want.path} failed (${(e as Error).message})`);
    return { sessions: s, user: own };
  }
  await s.user.release();
  try {
    const { model, user } = await open(i8);
    return { sessions: { ...s, user: model, reason: `${s.reason}; User LLM moved to ${want.dtype} for WASM (int8 kernels)` }, user };
  } catch (e) {
    kept(`opening ${want.path} failed (${(e as Error).message})`);
    const { model, user } = await open(await load('webgpu'));
    return { sessions: { ...s, user: model }, user };
  }
}
