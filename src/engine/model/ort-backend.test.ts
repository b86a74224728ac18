// A model made by createModel() must not keep the graph's bytes once ONNX Runtime has its own
// copy: the engine hands over each file once, and a 1.1B model's 1.6 GB held again in the
// worker's heap for the session's life is what this guards against.
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { createModel } from './ort-backend.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

describe('createModel', () => {
  it('lets the graph bytes be collected while the session lives and runs', async () => {
    let bytes: Uint8Array | null = new Uint8Array(readFileSync('public/models/default/onnx/user_encoder.onnx'));
    const buffer = new WeakRef(bytes.buffer);
    const model = await createModel(bytes, 'wasm', 1);
    bytes = null;
    for (let i = 0; i < 5 && buffer.deref() !== undefined; i++) {
      await new Promise((r) => setTimeout(r, 20)); // a WeakRef's target survives until its job ends
      gc();
    }
    try {
      expect(buffer.deref()).toBeUndefined();
      const dim = 64;
      const out = await model.run({
        item_embeddings: { type: 'float32', data: new Float32Array(dim).fill(0.1), dims: [1, 1, dim] },
        attention_mask: { type: 'int64', data: new BigInt64Array([1n]), dims: [1, 1] },
      }, 'user_embedding');
      expect(out.dims).toEqual([1, dim]);
    } finally {
      await model.release();
    }
  });
});
