// Times the User LLM's key/value-cache graph in Node on ONNX Runtime WASM (the browser's
// kernels) through the engine's own ort-backend: one click (S = 1 new position against P = 49
// cached) and a whole history (S = 50, P = 0), for one or more graph files, runs interleaved so
// that load from other jobs hits every file alike. Prints medians and the load average, which
// on a shared machine decides the absolute figures (docs/use-hllm-1b.md "What a click costs").
//
//   npx tsx bench/kv-step-bench.ts [--reps 9] [--threads 1] [--layers 30 --heads 3 --head-dim 64 --dim 576] FILE.onnx …
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { createModel, type Feed, type OnnxModel } from '../src/engine/model/ort-backend.ts';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { reps: { type: 'string', default: '9' }, threads: { type: 'string', default: '1' },
  layers: { type: 'string', default: '30' }, heads: { type: 'string', default: '3' }, 'head-dim': { type: 'string', default: '64' }, dim: { type: 'string', default: '576' } } });
const reps = Number(values.reps);
const HISTORY = 50;

interface Shape { layers: number; heads: number; headDim: number; dim: number }
/** The cache's shape is not read from the graph (that needs a protobuf parser): flags, SmolLM2-135M's by default. */
const shape: Shape = { layers: Number(values.layers), heads: Number(values.heads), headDim: Number(values['head-dim']), dim: Number(values.dim) };

function feeds(s: Shape, S: number): Record<string, Feed> {
  const P = HISTORY - S;
  const rnd = (n: number) => Float32Array.from({ length: n }, () => Math.random() - 0.5);
  const f: Record<string, Feed> = {
    item_embeddings: { type: 'float32', data: rnd(S * s.dim), dims: [1, S, s.dim] },
    attention_mask: { type: 'int64', data: new BigInt64Array(HISTORY).fill(1n), dims: [1, HISTORY] },
  };
  for (let i = 0; i < s.layers; i++) {
    for (const k of ['key', 'value']) f[`past_${k}_${i}`] = { type: 'float32', data: rnd(s.heads * P * s.headDim), dims: [1, s.heads, P, s.headDim] };
  }
  return f;
}

const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
const load = () => loadavg().map((l) => l.toFixed(2)).join(' / ');

const models: { file: string; model: OnnxModel }[] = [];
for (const file of positionals) {
  models.push({ file, model: await createModel(new Uint8Array(readFileSync(file)), 'wasm', Number(values.threads)) });
}
console.log(`load average at start ${load()}`);
for (const S of [1, HISTORY]) {
  const times = models.map(() => [] as number[]);
  for (let r = 0; r <= reps; r++) {
    for (const [j, m] of models.entries()) {
      const f = feeds(shape, S);
      const t0 = performance.now();
      await m.model.run(f, 'user_embedding');
      if (r > 0) times[j]!.push(performance.now() - t0); // the first run warms ORT's allocations
    }
  }
  models.forEach((m, j) => console.log(`S=${S} P=${HISTORY - S}  median ${median(times[j]!).toFixed(1)} ms  min ${Math.min(...times[j]!).toFixed(1)} ms  ${m.file}`));
}
console.log(`load average at end ${load()}`);
