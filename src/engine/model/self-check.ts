// The numeric self-check that WebGPU sessions must pass before the engine keeps them. Two forms:
// - against the reference stored with the model (self_check_<dtype>.json, models/self_check.py):
//   the reference's token rows through the WebGPU item encoder, and its item vectors, as one
//   history, through the WebGPU user encoder. Nothing else is opened, so a model that fits only
//   on the GPU can be checked.
// - against WASM sessions of the same dtype, for folders exported before the reference existed:
//   a second full copy of the model in the CPU's memory (sessions.ts only does this when it fits).
// Either way the result is the lowest cosine over every output; afterSelfCheck() (backend-policy.ts)
// decides what follows from it.
import * as v from 'valibot';
import { HllmError } from '../../errors.ts';
import { cosine } from '../../vectors/vector-math.ts';
import { encodeItemRows, encodeUsers } from './encoders.ts';
import type { OnnxModel } from './ort-backend.ts';
import type { ItemTokenizer } from './tokenizer.ts';

/** Texts for the check against WASM, and for the timed batch: accents, CJK, emoji, an empty text, a long one. */
export const PROBES = [
  'title: Toy Story (1995) genres: Adventure|Animation|Children|Comedy|Fantasy',
  'title: Heat (1995)',
  '',
  'Crème brûlée — 東京 🎬 '.repeat(12),
];

const tokenId = v.pipe(v.number(), v.integer(), v.minValue(0));
const ReferenceSchema = v.object({
  format: v.literal(1),
  source: v.string(),
  items: v.pipe(v.array(v.object({ input_ids: v.pipe(v.array(tokenId), v.minLength(1)), embedding: v.array(v.number()) })), v.minLength(1)),
  user: v.object({ history: v.pipe(v.array(tokenId), v.minLength(1)), embedding: v.array(v.number()) }),
});

/** One dtype's stored outputs: what its item and user encoders give for a few rows. */
export interface SelfCheckReference {
  /** Who computed it, e.g. 'onnxruntime-web 1.30.0 (wasm)' or 'pytorch'. */
  source: string;
  rows: number[][];
  items: Float32Array[];
  /** Indices into `items`: the history the user vector was computed from. */
  history: number[];
  user: Float32Array;
}

/** Parses self_check_<dtype>.json; MODEL_FORMAT (naming the file) when it does not describe a `dim`-dimensional model. */
export function parseSelfCheck(json: unknown, dim: number, path: string): SelfCheckReference {
  const res = v.safeParse(ReferenceSchema, json);
  const ok = res.success
    && [...res.output.items.map((i) => i.embedding), res.output.user.embedding].every((e) => e.length === dim)
    && res.output.user.history.every((i) => i < res.output.items.length);
  if (!ok) {
    throw new HllmError('MODEL_FORMAT', `${path} is not a self-check reference of this ${dim}-dimensional model (docs/model-format.md); re-export the model folder.`, { path });
  }
  const r = res.output;
  return {
    source: r.source, rows: r.items.map((i) => i.input_ids), items: r.items.map((i) => Float32Array.from(i.embedding)),
    history: r.user.history, user: Float32Array.from(r.user.embedding),
  };
}

async function itemVectors(item: OnnxModel, rows: number[][], dim: number, padId: number): Promise<Float32Array[]> {
  const v = await encodeItemRows(item, rows, { dim, padId, batchSize: rows.length });
  return rows.map((_, i) => v.subarray(i * dim, (i + 1) * dim));
}

/**
 * The lowest cosine between `item`/`user`'s outputs and the stored reference. The user encoder
 * reads the reference's item vectors, so its result does not inherit the item encoder's error.
 *
 * @example
 * ```ts
 * const minCos = await checkAgainstReference(gpu.item, gpu.user, files.selfCheck!, m.dim, m.pad_token_id);
 * ```
 */
export async function checkAgainstReference(item: OnnxModel, user: OnnxModel, ref: SelfCheckReference, dim: number, padId: number): Promise<number> {
  const items = await itemVectors(item, ref.rows, dim, padId);
  const u = await encodeUsers(user, [ref.history.map((i) => ref.items[i]!)], dim, ref.history.length);
  return Math.min(...items.map((x, i) => cosine(x, ref.items[i]!)), cosine(u, ref.user));
}

async function probe(item: OnnxModel, user: OnnxModel, rows: number[][], dim: number, padId: number): Promise<Float32Array[]> {
  const items = await itemVectors(item, rows, dim, padId);
  return [...items, await encodeUsers(user, [items], dim, 50)];
}

/** The lowest cosine between two pairs of sessions (WebGPU, WASM) on the PROBES texts and a user over them. */
export async function checkAgainstWasm(gpu: { item: OnnxModel; user: OnnxModel }, cpu: { item: OnnxModel; user: OnnxModel }, tok: ItemTokenizer, dim: number, padId: number): Promise<number> {
  const rows = PROBES.map((t) => tok.itemIds(t));
  // Sequential on purpose: ORT web shares one wasm instance, and overlapping runs of two
  // sessions (one suspended in an async WebGPU call) are not safe.
  const a = await probe(gpu.item, gpu.user, rows, dim, padId);
  const b = await probe(cpu.item, cpu.user, rows, dim, padId);
  return Math.min(...a.map((x, i) => cosine(x, b[i]!)));
}
