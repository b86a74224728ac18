// Scan worker of the threaded top-K (topk-threads.ts): wiring only. `init` instantiates the
// shared-memory kernel on the table's own WebAssembly.Memory (nothing is copied), each `scan`
// runs one kernel call over its row range and answers with the candidate count. Atomics on the
// sync words order the memory: the query and mask the caller wrote before its seq, and the
// candidates written here before this worker's done word.
import type { KernelExports, ScanJob } from './topk-scanner.ts';

export type ScanWorkerRequest =
  | { type: 'init'; module: WebAssembly.Module; memory: WebAssembly.Memory; sync: number; slot: number }
  | { type: 'scan'; seq: number; job: ScanJob };
export type ScanWorkerReply = { type: 'ready' } | { type: 'failed'; message: string } | { type: 'done'; seq: number; n: number };

let kernel: KernelExports | null = null;
let sync: Int32Array | null = null;
let slot = 0;

// Synchronous on purpose: a throw in a scan (a kernel trap) must be an uncaught error, i.e. this
// worker's error event at the caller, not a rejected promise nobody sees.
self.onmessage = (e: MessageEvent<ScanWorkerRequest>) => {
  const m = e.data;
  if (m.type === 'init') {
    WebAssembly.instantiate(m.module, { env: { memory: m.memory } }).then((inst) => {
      kernel = inst.exports as unknown as KernelExports;
      sync = new Int32Array(m.memory.buffer, m.sync, m.slot + 1);
      slot = m.slot;
      self.postMessage({ type: 'ready' } satisfies ScanWorkerReply);
    }, (err: unknown) => self.postMessage({ type: 'failed', message: String(err) } satisfies ScanWorkerReply));
    return;
  }
  if (!kernel || !sync || Atomics.load(sync, 0) < m.seq) throw new Error('topk scan worker: scan before init, or its query is not written');
  const n = (kernel[m.job.fn] as (...a: number[]) => number)(...m.job.args);
  Atomics.store(sync, slot, m.seq);
  self.postMessage({ type: 'done', seq: m.seq, n } satisfies ScanWorkerReply);
};
