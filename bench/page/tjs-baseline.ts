// Browser side of the transformers.js baseline: the `feature-extraction` pipeline of
// @huggingface/transformers (its own ONNX Runtime Web build) on a BERT-shaped encoder of the
// default Item LLM's size, written by bench/make-tjs-encoder.py. Strictly local: remote
// models off, the model and ORT's wasm served by the bench's Vite server, no browser cache.
import type { Backend } from '../../src/index.ts';
import type { TjsBaseline } from '../suite.ts';

/** Where the bench's Vite server serves transformers.js's own (nested) onnxruntime-web dist. */
const TJS_ORT_DIST = '/node_modules/@huggingface/transformers/node_modules/onnxruntime-web/dist/';

export function transformersJsBaseline(backend: Backend, threads: number): TjsBaseline {
  return async (texts, batchSize, reps) => {
    const { pipeline, env } = await import('@huggingface/transformers');
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    env.localModelPath = '/.tmp/bench/';
    env.useBrowserCache = false;
    env.useWasmCache = false;
    const wasm = env.backends.onnx.wasm!;
    wasm.wasmPaths = new URL(TJS_ORT_DIST, location.href).href;
    wasm.numThreads = threads;
    wasm.proxy = false;
    const t0 = performance.now();
    const extractor = await pipeline('feature-extraction', 'tjs-encoder', { device: backend, dtype: 'fp32' });
    const loadMs = performance.now() - t0;
    const run = async () => {
      for (let i = 0; i < texts.length; i += batchSize) {
        const out = await extractor(texts.slice(i, i + batchSize), { pooling: 'mean', normalize: true });
        out.dispose?.();
      }
    };
    await run(); // warm-up
    const ms: number[] = [];
    for (let r = 0; r < reps; r++) {
      const t = performance.now();
      await run();
      ms.push(performance.now() - t);
    }
    const tokenizer = extractor.tokenizer;
    const tokens = texts.map((t) => Math.min(tokenizer.encode(t).length, tokenizer.model_max_length ?? Infinity));
    await extractor.dispose();
    return { ms, loadMs, meanTokens: tokens.reduce((a, b) => a + b, 0) / tokens.length, version: env.version };
  };
}
