// The threaded top-K Scanner for cross-origin-isolated pages: the table lives once in a shared
// WebAssembly.Memory (the `?topk-wasm-shared` kernel build); N−1 scan workers
// (topk-scan-worker.ts, spawned from this thread: nested workers in the engine worker) and this
// thread each run the same kernel over one contiguous row range, with their own heap and
// candidate area; the union of the per-range candidate lists is a superset of the global top-k
// (each range's list holds every row that can be in that range's top k), which the table
// re-scores with exactScore, so results equal bruteForceTopK, ties and masks included.
// A worker that fails to start or dies degrades the scanner, once and with one warning, to
// scanning every range on this thread; dispose() terminates the workers.
import type { Scanner, TableDtype, VectorTable } from '../vector-table.ts';
import type { ScanWorkerReply, ScanWorkerRequest } from './topk-scan-worker.ts';
import { kernelMemory, prepareQuery, runJob, tableIn, type KernelMemory, type ScanJob } from './topk-scanner.ts';

/** Makes one scan worker; the default is the bundled topk-scan-worker.ts (Vite emits it as a chunk). */
export type SpawnScanWorker = () => Worker;

const defaultSpawn: SpawnScanWorker = () => new Worker(new URL('./topk-scan-worker.ts', import.meta.url), { type: 'module', name: 'hllm-topk-scan' });

interface Inflight { seq: number; resolve(n: number): void; reject(e: Error): void }

class ThreadedScanner implements Scanner {
  private workers: Worker[] = [];
  private inflight: (Inflight | null)[] = [];
  private readonly sync: Int32Array;
  private seq = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private degraded = false;
  /** Row bounds of the ranges: thread i scans [bounds[i], bounds[i+1]); range 0 is the largest. */
  private readonly bounds: number[];

  constructor(private readonly km: KernelMemory, private readonly dtype: TableDtype, rows: number, threads: number, private readonly warn: (m: string) => void) {
    this.sync = new Int32Array(km.mem.buffer, km.L.sync, 1 + threads);
    const per = Math.ceil(rows / threads);
    this.bounds = Array.from({ length: threads + 1 }, (_, i) => Math.min(rows, i * per));
  }

  /** Scan threads in use: this one plus the live workers. */
  get threads(): number {
    return this.workers.length + 1;
  }

  /** Spawns the workers and waits until each has its kernel instance; false (degraded) if one fails. */
  async start(module: WebAssembly.Module, spawn: SpawnScanWorker): Promise<boolean> {
    const n = this.bounds.length - 2;
    try {
      for (let i = 0; i < n; i++) this.workers.push(spawn());
      await Promise.all(this.workers.map((w, i) => new Promise<void>((resolve, reject) => {
        w.onmessage = (e: MessageEvent<ScanWorkerReply>) => { if (e.data.type === 'ready') resolve(); else if (e.data.type === 'failed') reject(new Error(e.data.message)); };
        w.onerror = (e) => { e.preventDefault?.(); reject(new Error(e.message || 'the scan worker did not start')); };
        w.postMessage({ type: 'init', module, memory: this.km.mem, sync: this.km.L.sync, slot: i + 1 } satisfies ScanWorkerRequest);
      })));
    } catch (e) {
      this.fail(`could not start its scan workers (${(e as Error).message})`);
      return false;
    }
    this.workers.forEach((w, i) => {
      w.onmessage = (e: MessageEvent<ScanWorkerReply>) => this.done(i, e.data);
      w.onerror = (e) => { e.preventDefault?.(); this.fail(`scan worker ${i + 1} failed (${e.message || 'error'})`); };
      w.onmessageerror = () => this.fail(`scan worker ${i + 1} sent an unreadable message`);
    });
    this.inflight = this.workers.map(() => null);
    return true;
  }

  private done(i: number, m: ScanWorkerReply): void {
    const job = this.inflight[i];
    if (m.type !== 'done' || !job || job.seq !== m.seq) return;
    this.inflight[i] = null;
    // Acquire: the worker stored its done word after writing its candidates.
    if (Atomics.load(this.sync, i + 1) !== m.seq) { job.reject(new Error('scan worker: done before its candidates')); return; }
    job.resolve(m.n);
  }

  /** Ends the workers; every scan from now on runs on this thread. `reason` null: dispose, no warning. */
  private fail(reason: string | null): void {
    if (reason !== null && !this.degraded) this.warn(`hllm: the threaded top-K scan ${reason}; recommendations continue on one thread.`);
    this.degraded = true;
    for (const w of this.workers) w.terminate();
    this.workers = [];
    const pending = this.inflight;
    this.inflight = [];
    for (const j of pending) j?.reject(new Error(reason ?? 'disposed'));
  }

  candidates(t: VectorTable, q: Float32Array, k: number, masked?: Uint8Array): Promise<Int32Array> {
    // One query at a time: the query, mask, heaps and candidate areas are shared by all threads.
    const run = this.queue.then(() => this.scan(t, q, k, masked));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async scan(t: VectorTable, q: Float32Array, k: number, masked?: Uint8Array): Promise<Int32Array> {
    const { L, exports, mem } = this.km;
    const plan = prepareQuery(mem, L, this.dtype, t, q, k, masked);
    if (plan instanceof Int32Array) return plan;
    if (this.degraded) return this.alone(plan);
    const b = this.bounds;
    const seq = ++this.seq;
    // Release: the query and mask above are visible to a worker that reads this seq.
    Atomics.store(this.sync, 0, seq);
    const counts = this.workers.map((w, i) => new Promise<number>((resolve, reject) => {
      const job = plan(b[i + 1]!, b[i + 2]!, L.heap + (i + 1) * L.heapCap * 8, L.cand + b[i + 1]! * 4);
      this.inflight[i] = { seq, resolve, reject };
      w.postMessage({ type: 'scan', seq, job } satisfies ScanWorkerRequest);
    }));
    const n0 = runJob(exports, plan(b[0]!, b[1]!, L.heap, L.cand));
    let ns: number[];
    try {
      ns = [n0, ...(await Promise.all(counts))];
    } catch {
      // A worker died mid-scan (fail() already warned and ended them all): this query again on
      // this thread, range by range through range 0's heap and area, which no worker writes.
      return this.alone(plan);
    }
    let total = 0;
    for (const n of ns) total += n;
    const out = new Int32Array(total);
    let o = 0;
    ns.forEach((n, i) => { out.set(new Int32Array(mem.buffer, L.cand + b[i]! * 4, n), o); o += n; });
    return out;
  }

  /** Every range scanned on this thread (degraded): the same candidate union as the threads give. */
  private alone(plan: (start: number, end: number, heap: number, cand: number) => ScanJob): Int32Array {
    const { L, exports, mem } = this.km;
    const parts: Int32Array[] = [];
    for (let i = 0; i + 1 < this.bounds.length; i++) {
      const n = runJob(exports, plan(this.bounds[i]!, this.bounds[i + 1]!, L.heap, L.cand));
      parts.push(new Int32Array(mem.buffer, L.cand, n).slice());
    }
    const out = new Int32Array(parts.reduce((s, p) => s + p.length, 0));
    let o = 0;
    for (const p of parts) { out.set(p, o); o += p.length; }
    return out;
  }

  dispose(): void {
    this.fail(null);
  }
}

/**
 * Makes a table in a shared memory, scanned by `threads` threads (this one + threads−1 scan
 * workers); null when the shared kernel cannot be instantiated (the caller then makes the
 * single-thread table). A worker that cannot start leaves a working, single-thread table.
 * Call only where `crossOriginIsolated` is true: elsewhere no SharedArrayBuffer exists.
 *
 * @example
 * ```ts
 * const t = await createThreadedTable(sharedModule, 'int8', 64, 1_000_000, 4, console.warn);
 * t?.scanThreads; // 4
 * ```
 */
export async function createThreadedTable(module: WebAssembly.Module, dtype: TableDtype, dim: number, rows: number, threads: number, warn: (m: string) => void, spawn: SpawnScanWorker = defaultSpawn): Promise<VectorTable | null> {
  const km = await kernelMemory(module, dtype, dim, rows, threads, true);
  if (!km) return null;
  const table = tableIn(km, dtype, dim, rows);
  const scanner = new ThreadedScanner(km, dtype, rows, threads, warn);
  table.scanner = scanner;
  await scanner.start(module, spawn);
  return table;
}
