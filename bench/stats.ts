// Timing helpers shared by every benchmark environment: repeated runs, medians and
// percentiles, and the model's FLOPs per item.

export const now = (): number => performance.now();

export function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}
export const median = (xs: number[]): number => quantile(xs, 0.5);

/** Runs fn `warmup` times untimed, then `reps` times; returns each run's milliseconds. */
export async function timeRuns(reps: number, fn: () => unknown, warmup = 1): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t = now();
    await fn();
    out.push(now() - t);
  }
  return out;
}

/** HF-style config.json fields the FLOP count needs (Llama family: SwiGLU FFN, GQA). */
export interface ModelShape {
  hidden_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  num_key_value_heads?: number;
  intermediate_size: number;
}

/**
 * Forward FLOPs of the item encoder for one row of `tokens` real tokens (padding is
 * wasted work, not useful work, so it is not counted). Per token and layer, in
 * multiply-adds: q,o projections 2d², k,v projections 2d·d_kv, SwiGLU FFN 3·d·ffn, and
 * attention (QKᵀ and AV) 2·T·d over a T-token causal window (≈T/2 on average, counted
 * in full as ORT computes the whole masked matrix). FLOPs = 2 × MACs.
 */
export function itemFlops(shape: ModelShape, tokens: number): number {
  const d = shape.hidden_size;
  const dkv = (d / shape.num_attention_heads) * (shape.num_key_value_heads ?? shape.num_attention_heads);
  const perToken = 2 * d * d + 2 * d * dkv + 3 * d * shape.intermediate_size + 2 * tokens * d;
  return 2 * shape.num_hidden_layers * perToken * tokens;
}

/** The same count for the transformers.js baseline's BERT-shaped encoder: 4 d² projections, GELU FFN 2·d·ffn. */
export function bertFlops(shape: ModelShape, tokens: number): number {
  const d = shape.hidden_size;
  const perToken = 4 * d * d + 2 * d * shape.intermediate_size + 2 * tokens * d;
  return 2 * shape.num_hidden_layers * perToken * tokens;
}
