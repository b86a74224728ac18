// Opens the item and user encoder sessions on the planned backend. WebGPU is kept only
// if a short numeric self-check against WASM passes (cosine ≥ 0.999 on probe items and
// a probe user); otherwise, unless the caller forced WebGPU, the engine falls back to WASM.
// Under 'auto' a passed self-check is followed by one timed item-encoder batch on each
// backend, and the faster one is kept: for a small model WASM often wins.
import type { Backend, Dtype, Progress } from '../../protocol.ts';
import { chooseByTiming, type Plan } from './backend-policy.ts';
import { encodeItemRows, encodeUsers } from './encoders.ts';
import type { ModelFiles } from './model-loader.ts';
import { createModel, type OnnxModel } from './ort-backend.ts';
import { cosine } from '../../vectors/vector-math.ts';
import type { ItemTokenizer } from './tokenizer.ts';

const SELF_CHECK_MIN_COSINE = 0.999;

const PROBES = [
  'title: Toy Story (1995) genres: Adventure|Animation|Children|Comedy|Fantasy',
  'title: Heat (1995)',
  '',
  'Crème brûlée — 東京 🎬 '.repeat(12),
];

export interface Sessions {
  item: OnnxModel;
  user: OnnxModel;
  backend: Backend;
  dtype: Dtype;
  reason: string;
  selfCheck?: { minCosine: number; passed: boolean };
  /** 'auto' on a hardware adapter: one TIMING_BATCH-item batch, after a warm-up, on each backend. */
  timing?: { items: number; webgpuMs: number; wasmMs: number };
}

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

async function probe(item: OnnxModel, user: OnnxModel, rows: number[][], dim: number, padId: number): Promise<Float32Array[]> {
  const v = await encodeItemRows(item, rows, { dim, padId, batchSize: rows.length });
  const items = rows.map((_, i) => v.subarray(i * dim, (i + 1) * dim));
  const u = await encodeUsers(user, [items], dim, 50);
  return [...items, u];
}

/** Opens both encoders of `files` on one backend. */
export async function openOn(files: ModelFiles, backend: Backend, threads: number, onProgress?: (p: Progress) => void): Promise<{ item: OnnxModel; user: OnnxModel }> {
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

export async function openSessions(files: ModelFiles, plan: Plan, forced: boolean, tok: ItemTokenizer, threads: number, onProgress?: (p: Progress) => void): Promise<Sessions> {
  const m = files.manifest;
  const open = (backend: Backend) => openOn(files, backend, threads, onProgress);
  if (plan.backend === 'wasm') return { ...(await open('wasm')), backend: 'wasm', dtype: plan.dtype, reason: plan.reason };

  let gpu: { item: OnnxModel; user: OnnxModel };
  try {
    gpu = await open('webgpu');
  } catch (e) {
    if (forced) throw e;
    return { ...(await open('wasm')), backend: 'wasm', dtype: plan.dtype, reason: `${plan.reason}; WebGPU session failed (${(e as Error).message}), using wasm` };
  }
  const cpu = await open('wasm');
  const rows = PROBES.map((t) => tok.itemIds(t));
  let minCos = -1;
  let failure = '';
  try {
    // Sequential on purpose: ORT web shares one wasm instance, and overlapping runs of two
    // sessions (one suspended in an async WebGPU call) are not safe.
    const a = await probe(gpu.item, gpu.user, rows, m.dim, m.pad_token_id);
    const b = await probe(cpu.item, cpu.user, rows, m.dim, m.pad_token_id);
    minCos = Math.min(...a.map((v, i) => cosine(v, b[i]!)));
  } catch (e) {
    minCos = -1;
    failure = ` (WebGPU run failed: ${(e as Error).message ?? e})`;
  }
  const passed = minCos >= SELF_CHECK_MIN_COSINE;
  const check = `self-check vs wasm: min cosine ${minCos.toFixed(6)}${failure}`;
  if (passed && !forced && plan.adapter !== undefined) {
    const rows = timingRows(tok);
    // A failed timed run counts as an infinitely slow backend (chooseByTiming then keeps the other).
    const time = (model: OnnxModel) => timeItemBatch(model, rows, m.dim, m.pad_token_id).catch(() => Number.NaN);
    const webgpuMs = await time(gpu.item);
    const wasmMs = await time(cpu.item);
    const pick = chooseByTiming({ adapter: plan.adapter, minCosine: minCos, items: rows.length, webgpuMs, wasmMs });
    const [keep, drop] = pick.backend === 'webgpu' ? [gpu, cpu] : [cpu, gpu];
    await Promise.all([drop.item.release(), drop.user.release()]);
    return {
      ...keep, backend: pick.backend, dtype: plan.dtype, reason: `${pick.reason}; ${plan.dtypeReason}`,
      selfCheck: { minCosine: minCos, passed }, timing: { items: rows.length, webgpuMs, wasmMs },
    };
  }
  if (passed || forced) {
    await Promise.all([cpu.item.release(), cpu.user.release()]);
    return { ...gpu, backend: 'webgpu', dtype: plan.dtype, reason: `${plan.reason}; ${check}${passed ? ' (passed)' : ' (FAILED, kept because forced)'}`, selfCheck: { minCosine: minCos, passed } };
  }
  await Promise.all([gpu.item.release(), gpu.user.release()]);
  return { ...cpu, backend: 'wasm', dtype: plan.dtype, reason: `${plan.reason}; ${check} < ${SELF_CHECK_MIN_COSINE}, using wasm`, selfCheck: { minCosine: minCos, passed } };
}
