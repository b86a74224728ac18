// Makes the engine's vector tables: the one place that picks the fastest top-K scanner that
// runs here (threaded WASM, single-thread WASM SIMD, or the table's own JS scan) and lets it own
// the rows' memory. Kept apart from vector-table.ts so the scanners in kernel/ can import the
// table without a cycle.
import { compileKernel, createKernelTable } from './kernel/topk-scanner.ts';
import { createThreadedTable, type SpawnScanWorker } from './kernel/topk-threads.ts';
import { VectorTable, type TableDtype } from './vector-table.ts';

/** Fewer rows than this per thread and a thread's dispatch costs more than its share of the scan. */
const MIN_ROWS_PER_SCAN_THREAD = 65_536;

export interface TableOptions {
  /** Scan threads allowed (EngineOptions.threads); used only where `crossOriginIsolated` is true. */
  threads?: number;
  /** Rows per thread below which fewer threads are used; default MIN_ROWS_PER_SCAN_THREAD. */
  minRowsPerThread?: number;
  /** The one warning when scan workers fail; default console.warn. */
  warn?: (message: string) => void;
  /** Starts a scan worker of a threaded table; default the bundled one (tests wrap it to make one fail). */
  spawnScanWorker?: SpawnScanWorker;
}

/**
 * Scan threads a table of `rows` gets: 1 on a page that is not cross-origin isolated (no
 * SharedArrayBuffer there, so it is never tried), in Node, and without Worker.
 *
 * @example
 * ```ts
 * scanThreadsFor(1_000_000, { threads: 4 }); // 4 on an isolated page, else 1
 * ```
 */
export function scanThreadsFor(rows: number, o: TableOptions = {}): number {
  const g = globalThis as { crossOriginIsolated?: boolean; Worker?: unknown };
  if (g.crossOriginIsolated !== true || typeof g.Worker !== 'function') return 1;
  const want = Math.max(1, Math.floor(o.threads ?? 1));
  return Math.max(1, Math.min(want, Math.floor(rows / (o.minRowsPerThread ?? MIN_ROWS_PER_SCAN_THREAD))));
}

let kernel: Promise<WebAssembly.Module | null> | undefined;
let sharedKernel: Promise<WebAssembly.Module | null> | undefined;

/**
 * Makes an empty table: the one place the engine creates tables, so the fastest scanner
 * available here can own the rows' memory: the threaded WASM scan (kernel/topk-threads.ts) on a
 * cross-origin-isolated page when `threads` > 1 and the table is big enough, else the WASM SIMD
 * kernel on this thread (kernel/topk-scanner.ts), or the plain table with its JS brute-force scan
 * where WebAssembly SIMD is unavailable. Call dispose() when the table is dropped.
 *
 * @example
 * ```ts
 * const t = await createVectorTable('int8', 64, 1_000_000, { threads: 4 });
 * t.setRaw(0, vector);
 * const top = await t.topK(user, 10, masked);
 * t.dispose();
 * ```
 */
export async function createVectorTable(dtype: TableDtype, dim: number, rows: number, options: TableOptions = {}): Promise<VectorTable> {
  if (rows > 0 && dim > 0 && scanThreadsFor(rows, options) > 1) {
    sharedKernel ??= compileKernel(async () => (await import('./kernel/topk-kernel.as.ts?topk-wasm-shared')).default);
    const module = await sharedKernel;
    const t = module && await createThreadedTable(module, dtype, dim, rows, scanThreadsFor(rows, options), options.warn ?? ((m) => console.warn(m)), options.spawnScanWorker);
    if (t) return t;
  }
  // Dynamic: only bundlers/vitest understand `?topk-wasm` (topk-kernel-build.ts), and tools that
  // import this module without them (tsx benchmarks) never reach this line. Compiled once per realm.
  kernel ??= compileKernel(async () => (await import('./kernel/topk-kernel.as.ts?topk-wasm')).default);
  const module = await kernel;
  return (module && rows > 0 && dim > 0 ? await createKernelTable(module, dtype, dim, rows) : null) ?? new VectorTable(dtype, dim, rows);
}
