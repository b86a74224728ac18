// The User LLM over its key/value cache (onnx/user_kv_encoder*.onnx, docs/model-format.md): the
// feeds of an empty cache, and one step that reads only the newest positions against the
// cached ones and returns the user vector with the cache grown by those positions.
import type { Feed, Fetched, KvShape, OnnxModel } from './ort-backend.ts';

/** A user's cached keys and values: `positions` history items, each layer's tensors by input name (past_key_<i>, past_value_<i>). */
export interface KvState {
  positions: number;
  tensors: Record<string, Fetched>;
}

const names = (kv: KvShape, prefix: 'past' | 'present') =>
  Array.from({ length: kv.layers }, (_, i) => [`${prefix}_key_${i}`, `${prefix}_value_${i}`]).flat();

/** Feeds of an empty cache for `batch` rows (P = 0): the graph then reads whole histories. */
export function emptyPast(kv: KvShape, batch: number): Record<string, Feed> {
  const dims = [batch, kv.heads, 0, kv.head_dim];
  return Object.fromEntries(names(kv, 'past').map((n) => [n, { type: 'float32', data: new Float32Array(0), dims }]));
}

/**
 * Runs `items` (raw item vectors, oldest first) as the newest positions after `past` (null: none)
 * for one user. Returns the user vector of the whole history so far and its cache.
 *
 * @example
 * ```ts
 * let { user, state } = await stepUser(model, history, null, 64);  // the history so far
 * ({ user, state } = await stepUser(model, [next], state, 64));    // one new event: one position
 * ```
 */
export async function stepUser(model: OnnxModel, items: Float32Array[], past: KvState | null, dim: number): Promise<{ user: Float32Array; state: KvState }> {
  const kv = model.kvCache;
  if (!kv) throw new Error('stepUser needs the user encoder with a key/value cache (user_kv_encoder)');
  const S = items.length;
  const P = past?.positions ?? 0;
  const emb = new Float32Array(S * dim);
  items.forEach((v, j) => emb.set(v, j * dim));
  const feeds: Record<string, Feed> = {
    item_embeddings: { type: 'float32', data: emb, dims: [1, S, dim] },
    attention_mask: { type: 'int64', data: new BigInt64Array(P + S).fill(1n), dims: [1, P + S] },
    ...(past ? Object.fromEntries(Object.entries(past.tensors).map(([n, t]) => [n, { type: 'float32', data: t.data, dims: t.dims }])) : emptyPast(kv, 1)),
  };
  const out = await model.runAll(feeds, ['user_embedding', ...names(kv, 'present')]);
  const tensors = Object.fromEntries(names(kv, 'present').map((n) => [n.replace('present', 'past'), out[n]!]));
  return { user: out.user_embedding!.data, state: { positions: P + S, tensors } };
}
