// Test-only scan workers for the threaded top-K (e2e/pages/topk-worker.ts): the bundled scan
// worker, wrapped so a test can make the next scan kill one of them mid-scan, as a crashed
// worker would. Passed as TableOptions.spawnScanWorker; the engine never uses it.
import type { SpawnScanWorker } from '../engine/index/kernel/topk-threads.ts';
import type { VectorTable } from '../engine/index/vector-table.ts';
import type { ScanWorkerRequest } from '../engine/index/kernel/topk-scan-worker.ts';

/** A spawn function for createVectorTable and the switch that breaks the next scan. */
export interface CrashingScanWorkers {
  spawn: SpawnScanWorker;
  /** Arms the next scan of `table` to trap in its first worker; false when the table has no scan worker. */
  failNextScan(table: VectorTable): boolean;
}

/**
 * @example
 * ```ts
 * const crash = crashingScanWorkers();
 * const t = await createVectorTable('int8', 64, rows, { threads: 4, spawnScanWorker: crash.spawn });
 * crash.failNextScan(t); await t.topK(q, 10); // one warning; t.scanThreads === 1
 * ```
 */
export function crashingScanWorkers(): CrashingScanWorkers {
  let armed = false;
  const spawn: SpawnScanWorker = () => {
    const w = new Worker(new URL('../engine/index/kernel/topk-scan-worker.ts', import.meta.url), { type: 'module', name: 'hllm-topk-scan' });
    const post = w.postMessage.bind(w) as (m: ScanWorkerRequest) => void;
    let memoryBytes = 0;
    w.postMessage = ((m: ScanWorkerRequest) => {
      if (m.type === 'init') memoryBytes = m.memory.buffer.byteLength;
      // Row data past the end of the memory: the kernel traps on the job's first row, an
      // uncaught error in the worker, which the scanner sees as that worker dying.
      else if (armed) { armed = false; m.job.args[0] = memoryBytes; }
      post(m);
    }) as Worker['postMessage'];
    return w;
  };
  return {
    spawn,
    failNextScan(table) {
      if (table.scanThreads < 2) return false;
      armed = true;
      return true;
    },
  };
}
