// Evaluates one model variant with a VECTOR SHARD SET instead of vectors the engine keeps:
// the dataset's catalogue is written to a shard set by the vector writer (the same path as
// `hllm embed`; incremental, so an up-to-date folder encodes nothing), read back and
// verified, and every item's stored vector (int8: code × scale) is both the ranked item
// vector and the user encoder's input — what an engine started from the shards computes.
// Comparing --vectors-dtype int8 with fp32 measures what quantising the stored rows costs.
import { ItemEmbedder } from '../engine/item-embedder.ts';
import { normalize } from '../vectors/vector-math.ts';
import { HllmError } from '../errors.ts';
import type { VectorDtype } from '../vectors/format.ts';
import { checkVectorFit, readShardSet, vectorsById } from '../vectors/shard-set.ts';
import { writeVectors } from '../vectors/writer.ts';
import type { EvalDataset } from './dataset.ts';
import { metricsFromRanks } from './metrics.ts';
import { catalogItems, rankPairs, testPairs, type EvalOptions, type VariantResult } from './run-eval.ts';

export interface VectorEvalOptions extends EvalOptions {
  /** Shard-set folder, written (or brought up to date) first. */
  vectors: string;
  vectorsDtype: VectorDtype;
}

export async function evaluateWithVectors(ds: EvalDataset, o: VectorEvalOptions): Promise<VariantResult & { vectorsDtype: VectorDtype; encoded: number }> {
  const pairs = testPairs(ds, o.limitUsers, o.split);
  const t0 = performance.now();
  const emb = await ItemEmbedder.open({ model: o.model, dtype: o.dtype, threads: o.threads, batchSize: o.batchSize });
  try {
    const prepared = await emb.prepare(catalogItems(ds));
    const w = await writeVectors({
      out: o.vectors, previous: o.vectors, model: { id: emb.manifest.id, key: emb.modelKey }, dim: emb.dim, dtype: o.vectorsDtype,
      rows: prepared.map((p) => ({ id: p.item.id, textSha256: p.textSha256 })),
      encode: (idx) => emb.encode(idx.map((i) => prepared[i]!)),
      onProgress: (d, t) => o.onProgress?.('encode', d, t),
      warn: () => undefined,
    });
    const set = await readShardSet(o.vectors);
    checkVectorFit(set.manifest, set.url, { modelKey: emb.modelKey, dim: emb.dim, dtype: o.vectorsDtype }, { mismatch: 'error', fix: `Delete ${o.vectors} and run the evaluation again, which rebuilds it` });
    const byId = vectorsById(set);
    const n = ds.itemIds.length - 1;
    const dim = emb.dim;
    const raw: Float32Array[] = [new Float32Array(dim)];
    const normed = new Float32Array((n + 1) * dim);
    for (let i = 1; i <= n; i++) {
      const v = byId.get(ds.itemIds[i]!);
      if (!v) throw new HllmError('VECTORS_MISSING', `${o.vectors} has no vector for item ${ds.itemIds[i]}.`);
      raw.push(v);
      normed.set(normalize(v), i * dim);
    }
    const initMs = performance.now() - t0;
    const t1 = performance.now();
    const ranks = await rankPairs(ds, pairs, normed, dim, (p) => emb.embedUser(p.history.slice(-emb.manifest.max_history).map((i) => raw[i]!)), o.onProgress);
    return {
      dtype: emb.dtype, backend: 'wasm', reason: emb.reason, items: n, vectorsDtype: o.vectorsDtype, encoded: w.encoded,
      metrics: metricsFromRanks(ranks.map((r) => r.rank)), ranks, timings: { initMs, usersMs: performance.now() - t1 },
    };
  } finally {
    await emb.release();
  }
}
