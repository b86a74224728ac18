// `hllm embed` on every core: N worker_threads, each with its own ItemEmbedder on a
// single-threaded ONNX Runtime WASM session. ORT's own WASM threads do start in Node, but on
// this model they made encoding slower (docs/design.md, "Threads"), so the cores share the
// batches instead. The main thread cuts a call's rows into exactly the batches
// ItemEmbedder.encode() would run (ItemEmbedder.batches) and hands each whole batch to a free
// worker: the same padded tensors on the same single-threaded kernels, hence vectors
// byte-identical to the single-threaded result. This module is also the workers' entry: the
// bundled CLI (or, from a checkout, this file under tsx) started with its workerData.
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { deserializeError, HllmError, serializeError, type SerializedError } from '../errors.ts';
import { ItemEmbedder } from '../engine/item-embedder.ts';
import type { PreparedItem } from '../engine/index/catalog-index.ts';
import type { Dtype } from '../protocol.ts';

const ROLE = 'hllm-encode-worker';

interface WorkerInit {
  role: typeof ROLE;
  model: string;
  dtype: Dtype;
  batchSize: number;
}

type ToWorker = { id: number; texts: string[] };
type FromWorker =
  | { type: 'ready' }
  | { type: 'done'; id: number; vectors: Float32Array }
  | { type: 'failed'; id: number | null; error: SerializedError };

/** A worker's loop: opens its own embedder, then encodes one batch per message. */
async function serve(init: WorkerInit): Promise<void> {
  const port = parentPort!;
  const post = (m: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);
  let emb: ItemEmbedder;
  try {
    emb = await ItemEmbedder.open({ model: init.model, dtype: init.dtype, threads: 1, batchSize: init.batchSize });
  } catch (e) {
    post({ type: 'failed', id: null, error: serializeError(e) });
    return;
  }
  port.on('message', (m: ToWorker) => {
    const items = m.texts.map((text) => ({ text }) as PreparedItem);
    emb.encode(items).then(
      (vectors) => post({ type: 'done', id: m.id, vectors }, [vectors.buffer as ArrayBuffer]),
      (e) => post({ type: 'failed', id: m.id, error: serializeError(e) }),
    );
  });
  post({ type: 'ready' });
}

if (!isMainThread && (workerData as WorkerInit | undefined)?.role === ROLE) void serve(workerData as WorkerInit);

/** Starts one worker on this very module (from a checkout: this .ts file, through tsx). */
function spawn(init: WorkerInit): Worker {
  const self = import.meta.url;
  if (!self.endsWith('.ts')) return new Worker(new URL(self), { workerData: init });
  // Resolved here, not in the eval'd code: that resolves bare names from the working directory.
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((t) => { t.register(); return import(${JSON.stringify(self)}); });`;
  return new Worker(boot, { eval: true, workerData: init });
}

interface Slot {
  worker: Worker;
  busy: { id: number; resolve: (v: Float32Array) => void; reject: (e: Error) => void } | null;
}

/**
 * `workers` encoders in worker threads for one model folder and item-encoder dtype.
 *
 * @example
 * ```ts
 * const pool = await EncodePool.open({ model: 'public/models/default', dtype: emb.dtype, batchSize: 64, workers: 4 });
 * const vectors = await pool.encode(emb, prepared); // === await emb.encode(prepared), byte for byte
 * await pool.close();
 * ```
 */
export class EncodePool {
  private nextId = 0;
  private failure: Error | null = null;
  private waiting: (() => void)[] = [];

  private constructor(private readonly slots: Slot[]) {
    for (const s of slots) {
      s.worker.on('message', (m: FromWorker) => {
        const job = s.busy;
        if (!job || m.type === 'ready' || m.id !== job.id) return;
        s.busy = null;
        if (m.type === 'done') job.resolve(m.vectors);
        else job.reject(deserializeError(m.error));
        this.waiting.shift()?.();
      });
      const died = (e: Error) => {
        this.failure ??= e;
        s.busy?.reject(e);
        s.busy = null;
        for (const w of this.waiting.splice(0)) w();
      };
      s.worker.on('error', died);
      s.worker.on('exit', (code) => died(new HllmError('WORKER_CRASHED', `an encoder thread exited (code ${code}) during hllm embed; run the same command again to resume.`)));
    }
  }

  /** Starts the workers and waits until each has loaded and verified the model. */
  static async open(o: { model: string; dtype: Dtype; batchSize: number; workers: number }): Promise<EncodePool> {
    const init: WorkerInit = { role: ROLE, model: o.model, dtype: o.dtype, batchSize: o.batchSize };
    const workers = Array.from({ length: Math.max(1, o.workers) }, () => spawn(init));
    try {
      await Promise.all(workers.map((w) => new Promise<void>((resolve, reject) => {
        w.once('message', (m: FromWorker) => (m.type === 'ready' ? resolve() : reject(m.type === 'failed' ? deserializeError(m.error) : new Error('internal: unexpected first message'))));
        w.once('error', reject);
        w.once('exit', (code) => reject(new HllmError('WORKER_CRASHED', `an encoder thread exited (code ${code}) while loading the model.`)));
      })));
    } catch (e) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw e;
    }
    return new EncodePool(workers.map((worker) => ({ worker, busy: null })));
  }

  /** A free worker, waiting for one when all are busy. */
  private async free(): Promise<Slot> {
    for (;;) {
      if (this.failure) throw this.failure;
      const s = this.slots.find((x) => !x.busy);
      if (s) return s;
      await new Promise<void>((r) => this.waiting.push(r));
    }
  }

  /** Raw item vectors (rows × dim, in the order of `items`): `emb.encode(items)`'s batches, spread over the workers. */
  async encode(emb: ItemEmbedder, items: readonly PreparedItem[]): Promise<Float32Array> {
    const dim = emb.dim;
    const out = new Float32Array(items.length * dim);
    const jobs: Promise<void>[] = [];
    let failed: unknown = null;
    for (const batch of emb.batches(items)) {
      if (failed) break;
      const slot = await this.free();
      const id = this.nextId++;
      const done = new Promise<Float32Array>((resolve, reject) => { slot.busy = { id, resolve, reject }; });
      slot.worker.postMessage({ id, texts: batch.map((i) => items[i]!.text) } satisfies ToWorker);
      const job = done.then((v) => {
        if (v.length !== batch.length * dim) throw new Error(`internal: an encoder thread returned ${v.length / dim} vectors for ${batch.length} rows`);
        batch.forEach((row, b) => out.set(v.subarray(b * dim, (b + 1) * dim), row * dim));
      });
      job.catch((e: unknown) => { failed ??= e; }); // handled here at once; thrown by Promise.all below
      jobs.push(job);
    }
    await Promise.all(jobs);
    return out;
  }

  async close(): Promise<void> {
    this.failure ??= new HllmError('DISPOSED', 'the encoder threads are closed.');
    for (const s of this.slots) s.worker.removeAllListeners('exit');
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
