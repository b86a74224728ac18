// Item encoder (token rows → raw item vectors) and user encoder (item vectors → user
// vector), with length bucketing, left padding, progress/ETA and cancellation.
import { HllmError } from '../../errors.ts';
import type { Progress } from '../../protocol.ts';
import type { OnnxModel } from './ort-backend.ts';
import { emptyPast } from './user-steps.ts';

export interface ItemEncodeOptions {
  dim: number;
  padId: number;
  batchSize?: number;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  /** Called after each batch with the original row indices and their vectors. */
  onBatch?: (rows: number[], vectors: Float32Array) => Promise<void> | void;
  /** Called once per item_encoder run (for stats). */
  onCall?: (items: number) => void;
}

/** Builds one left-padded batch: ids and mask, both int64 [B, T]. */
export function padLeft(rows: number[][], padId: number): { ids: BigInt64Array; mask: BigInt64Array; T: number } {
  const T = Math.max(...rows.map((r) => r.length));
  const ids = new BigInt64Array(rows.length * T).fill(BigInt(padId));
  const mask = new BigInt64Array(rows.length * T);
  rows.forEach((r, b) => {
    const off = b * T + (T - r.length);
    for (let j = 0; j < r.length; j++) {
      ids[off + j] = BigInt(r[j]!);
      mask[off + j] = 1n;
    }
  });
  return { ids, mask, T };
}

/** Batches of row indices, grouped by token length so padding stays small. */
export function lengthBuckets(rows: number[][], batchSize: number): number[][] {
  const order = rows.map((_, i) => i).sort((a, b) => rows[a]!.length - rows[b]!.length || a - b);
  const out: number[][] = [];
  for (let i = 0; i < order.length; i += batchSize) out.push(order.slice(i, i + batchSize));
  return out;
}

function throwIfCancelled(signal?: AbortSignal): void {
  if (signal?.aborted) throw new HllmError('CANCELLED', 'encoding was cancelled; vectors encoded so far are kept and reused next time.');
}

/** Raw item embeddings, row-major [rows.length × dim], in the order of `rows`. */
export async function encodeItemRows(model: OnnxModel, rows: number[][], o: ItemEncodeOptions): Promise<Float32Array> {
  const out = new Float32Array(rows.length * o.dim);
  const batches = lengthBuckets(rows, Math.max(1, o.batchSize ?? 32));
  const t0 = performance.now();
  let done = 0;
  o.onProgress?.({ phase: 'encode', done: 0, total: rows.length });
  for (const batch of batches) {
    throwIfCancelled(o.signal);
    const { ids, mask, T } = padLeft(batch.map((i) => rows[i]!), o.padId);
    const res = await model.run(
      { input_ids: { type: 'int64', data: ids, dims: [batch.length, T] }, attention_mask: { type: 'int64', data: mask, dims: [batch.length, T] } },
      'item_embedding',
    );
    o.onCall?.(batch.length);
    if (res.dims[1] !== o.dim) throw new HllmError('MODEL_FORMAT', `item_encoder returned dim ${res.dims[1]}, hllm.json says ${o.dim}: the manifest does not describe this graph. Re-export the model folder as a whole (models/export.py).`, { graphDim: res.dims[1], manifestDim: o.dim });
    batch.forEach((row, b) => out.set(res.data.subarray(b * o.dim, (b + 1) * o.dim), row * o.dim));
    await o.onBatch?.(batch, res.data);
    done += batch.length;
    const elapsed = performance.now() - t0;
    o.onProgress?.({ phase: 'encode', done, total: rows.length, etaMs: Math.round((elapsed / done) * (rows.length - done)) });
  }
  return out;
}

/**
 * Raw user embeddings for several histories (each a list of raw item vectors, oldest
 * first), left-padded with zero vectors; only the last maxHistory items count.
 * Returns row-major [histories.length × dim].
 */
export async function encodeUsers(model: OnnxModel, histories: Float32Array[][], dim: number, maxHistory: number, onCall?: () => void): Promise<Float32Array> {
  const hs = histories.map((h) => h.slice(-maxHistory));
  if (hs.some((h) => h.length === 0)) throw new HllmError('INVALID_OPTIONS', 'a user history is empty; track at least one item first.');
  const B = hs.length;
  const S = Math.max(...hs.map((h) => h.length));
  const emb = new Float32Array(B * S * dim);
  const mask = new BigInt64Array(B * S);
  hs.forEach((h, b) => {
    const start = S - h.length;
    h.forEach((v, j) => {
      emb.set(v, (b * S + start + j) * dim);
      mask[b * S + start + j] = 1n;
    });
  });
  const res = await model.run(
    {
      item_embeddings: { type: 'float32', data: emb, dims: [B, S, dim] }, attention_mask: { type: 'int64', data: mask, dims: [B, S] },
      // the cache graph reads whole histories too, from an empty cache
      ...(model.kvCache ? emptyPast(model.kvCache, B) : {}),
    },
    'user_embedding',
  );
  onCall?.();
  return res.data;
}
