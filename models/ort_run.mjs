// Runs ONNX files with ONNX Runtime (onnxruntime-web's WASM backend in Node) for the Python
// pipeline, which has no Python onnxruntime on Debian. Input: a JSON job naming a model and
// batches of raw little-endian tensors on disk (or a list of such jobs, run in one process);
// output: one .bin per batch output, written beside the inputs. Usage: node models/ort_run.mjs job.json
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import * as ort from 'onnxruntime-web/wasm';

const require = createRequire(import.meta.url);
ort.env.wasm.wasmPaths = dirname(require.resolve('onnxruntime-web/wasm')) + '/';
ort.env.wasm.numThreads = 1;

const ARRAYS = { float32: Float32Array, int64: BigInt64Array };
const spec = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const dir = dirname(process.argv[2]);
// a list of jobs prefixes each output with its index: out-<job>-<batch>-<name>.bin
const jobs = Array.isArray(spec) ? spec : [spec];
for (const [j, job] of jobs.entries()) {
  const prefix = Array.isArray(spec) ? `out-${j}-` : 'out-';
  // models over 2 GB keep their tensors in external data files, which ORT-web cannot open itself
  const externalData = (job.externalData ?? []).map((e) => ({ path: e.path, data: readFileSync(e.file) }));
  const session = await ort.InferenceSession.create(readFileSync(job.model), externalData.length ? { externalData } : {});
  for (const [b, batch] of job.batches.entries()) {
    const feeds = {};
    for (const [name, t] of Object.entries(batch.inputs)) {
      const buf = readFileSync(join(dir, t.file));
      const data = new ARRAYS[t.type](buf.buffer, buf.byteOffset, buf.byteLength / ARRAYS[t.type].BYTES_PER_ELEMENT);
      feeds[name] = new ort.Tensor(t.type, data, t.dims);
    }
    const out = await session.run(feeds);
    for (const [name, tensor] of Object.entries(out)) {
      writeFileSync(join(dir, `${prefix}${b}-${name}.bin`), Buffer.from(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength));
    }
  }
  await session.release();
}
// ORT's WASM runtime keeps the event loop alive for ~15 s after the last run on a busy
// machine; the outputs are written synchronously above, so leave now
process.exit(0);
