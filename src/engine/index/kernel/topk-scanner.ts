// The WASM SIMD Scanner: places a VectorTable's rows, scales and norms inside the kernel's own
// WebAssembly.Memory (no second copy), and per query quantises the normalised query, copies the
// history mask in and lets topk-kernel.as.ts return the candidate rows. Single-threaded here;
// topk-threads.ts runs the same jobs over row ranges in scan workers on a shared memory.
// Exactness: for int8 rows the query is quantised to int16 codes (scale sq); with e_j the rounding
// error (|e_j| ≤ ½) |Σ c_j q_j − sq·Σ c_j qc_j| ≤ sq/2 · L1(c) ≤ sq/2 · √dim · ‖c‖, so every row's
// approximate cosine is within b = sq/2·√dim (plus float slack) of its exact one, and a row whose
// approximation is below the k-th best approximation − 2b cannot be in the top k. Float rows:
// f32 accumulation error ≤ (dim+16)·2⁻²³ of the cosine. Near-ties all come back (worst case every
// row, e.g. identical rows): slow but exact, since the table re-scores candidates with exactScore.
// No ORT, no idb.
import { VectorTable, type Scanner, type TableDtype } from '../vector-table.ts';

export interface KernelExports {
  heapBase(): number;
  scanInt8(values: number, invNorm: number, mask: number, start: number, end: number, dim: number, q: number, blocks: number, sq: number, slack: number, heap: number, k: number, cand: number): number;
  scanF32(values: number, invNorm: number, mask: number, start: number, end: number, dim: number, q: number, blocks: number, slack: number, heap: number, k: number, cand: number): number;
}

/** The heap holds at most this many scores; a larger k gets every unmasked row (exact, no speed-up). */
const MAX_HEAP = 1 << 16;
const PAGE = 65536;
const align = (n: number, a: number) => Math.ceil(n / a) * a;

/**
 * Byte offsets in the kernel's memory. One query and one mask for all threads; one heap per
 * thread; one candidate array of `rows` slots that each thread writes from its range's start
 * (a range has at most as many candidates as rows); `sync`: 1 + threads int32 words for Atomics.
 */
export interface Layout { values: number; scales: number; invNorm: number; mask: number; query: number; heap: number; cand: number; sync: number; end: number; blocks: number; heapCap: number }

function layout(base: number, dtype: TableDtype, dim: number, rows: number, threads: number): Layout {
  const int8 = dtype === 'int8';
  const blocks = int8 ? Math.ceil(dim / 8) : Math.ceil(dim / 4);
  const values = align(base, 16);
  // +16: the last row's SIMD loads run up to 15 bytes past its end (times the zero query padding).
  const scales = align(values + rows * dim * (int8 ? 1 : 4) + 16, 16);
  const invNorm = align(scales + (int8 ? rows * 4 : 0), 16);
  const mask = invNorm + rows * 8;
  const query = align(mask + rows, 16);
  const heap = align(query + blocks * 16, 16);
  const heapCap = Math.min(rows, MAX_HEAP);
  const cand = heap + threads * heapCap * 8;
  const sync = align(cand + rows * 4, 16);
  return { values, scales, invNorm, mask, query, heap, cand, sync, end: sync + (1 + threads) * 4, blocks, heapCap };
}

/** One kernel call: the export's name and its arguments (plain numbers, so a worker can run it). */
export interface ScanJob { fn: 'scanInt8' | 'scanF32'; args: number[] }

/**
 * Writes one query (and its mask) into the kernel's memory. Returns the rows directly where no
 * scan is needed, else a function giving the kernel call for rows [start, end) with its own heap
 * and candidate area; `ScanJob.args` positions: start 3, end 4, heap −3, cand −1.
 */
export function prepareQuery(mem: WebAssembly.Memory, L: Layout, dtype: TableDtype, t: VectorTable, q: Float32Array, k: number, masked?: Uint8Array): Int32Array | ((start: number, end: number, heap: number, cand: number) => ScanJob) {
  if (k > L.heapCap) return unmasked(t.rows, masked, t.rows);
  let maskPtr = 0;
  if (masked) {
    const u8 = new Uint8Array(mem.buffer);
    const m = masked.length > t.rows ? masked.subarray(0, t.rows) : masked;
    u8.set(m, L.mask);
    if (m.length < t.rows) u8.fill(0, L.mask + m.length, L.mask + t.rows);
    maskPtr = L.mask;
  }
  if (dtype === 'int8') {
    let maxAbs = 0;
    for (let j = 0; j < t.dim; j++) maxAbs = Math.max(maxAbs, Math.abs(q[j]!));
    // Every exact score is exactly 0: the brute force keeps the first k unmasked rows.
    if (!(maxAbs > 0)) return unmasked(t.rows, masked, k);
    // Largest code that keeps |Σ c·qc| < 2³¹ in the kernel's int32 lanes.
    const qmax = Math.min(32767, Math.floor(0x7fffffff / (L.blocks * 8 * 127)));
    const sq = maxAbs / qmax;
    const q16 = new Int16Array(mem.buffer, L.query, L.blocks * 8);
    q16.fill(0);
    for (let j = 0; j < t.dim; j++) q16[j] = Math.max(-qmax, Math.min(qmax, Math.round(q[j]! / sq)));
    const slack = 2 * (sq * 0.5 * Math.sqrt(t.dim) * (1 + 1e-6) + 1e-9);
    return (start, end, heap, cand) => ({ fn: 'scanInt8', args: [L.values, L.invNorm, maskPtr, start, end, t.dim, L.query, L.blocks, sq, slack, heap, k, cand] });
  }
  const qf = new Float32Array(mem.buffer, L.query, L.blocks * 4);
  qf.fill(0);
  qf.set(q.subarray(0, t.dim));
  const slack = 2 * ((t.dim + 16) * 2 ** -23 + 1e-9);
  return (start, end, heap, cand) => ({ fn: 'scanF32', args: [L.values, L.invNorm, maskPtr, start, end, t.dim, L.query, L.blocks, slack, heap, k, cand] });
}

/** Runs a job on this thread's kernel instance; the candidate count. */
export function runJob(k: KernelExports, job: ScanJob): number {
  return (k[job.fn] as (...a: number[]) => number)(...job.args);
}

class WasmScanner implements Scanner {
  readonly threads = 1;
  constructor(private readonly k: KernelExports, private readonly mem: WebAssembly.Memory, private readonly L: Layout, private readonly dtype: TableDtype) {}

  candidates(t: VectorTable, q: Float32Array, k: number, masked?: Uint8Array): Int32Array {
    const { L } = this;
    const plan = prepareQuery(this.mem, L, this.dtype, t, q, k, masked);
    if (plan instanceof Int32Array) return plan;
    const n = runJob(this.k, plan(0, t.rows, L.heap, L.cand));
    return new Int32Array(this.mem.buffer, L.cand, n).slice();
  }
}

/** The first `limit` unmasked rows. */
function unmasked(rows: number, masked: Uint8Array | undefined, limit: number): Int32Array {
  const out: number[] = [];
  for (let r = 0; r < rows && out.length < limit; r++) if (!(masked && masked[r])) out.push(r);
  return Int32Array.from(out);
}

/** A kernel instance on its own memory, sized for the table and `threads` scan threads. */
export interface KernelMemory { mem: WebAssembly.Memory; exports: KernelExports; L: Layout }

/**
 * Instantiates `module` on a memory sized once for the table (never grown), shared between
 * threads when `shared` (the module must then be the `?topk-wasm-shared` build); null when that
 * cannot be had here.
 */
export async function kernelMemory(module: WebAssembly.Module, dtype: TableDtype, dim: number, rows: number, threads = 1, shared = false): Promise<KernelMemory | null> {
  try {
    // A first, one-page memory only to read heapBase; the real one is sized once, never grown.
    const probe = await WebAssembly.instantiate(module, { env: { memory: new WebAssembly.Memory({ initial: 1, maximum: 1, shared }) } });
    const L0 = layout((probe.exports as unknown as KernelExports).heapBase(), dtype, dim, rows, threads);
    const pages = Math.ceil(L0.end / PAGE);
    if (pages > 65536) return null;
    const mem = new WebAssembly.Memory({ initial: pages, maximum: pages, shared });
    const exports = (await WebAssembly.instantiate(module, { env: { memory: mem } })).exports as unknown as KernelExports;
    return { mem, exports, L: layout(exports.heapBase(), dtype, dim, rows, threads) };
  } catch {
    return null;
  }
}

/** The table whose rows, scales and norms are views of the kernel's memory. */
export function tableIn({ mem, L }: KernelMemory, dtype: TableDtype, dim: number, rows: number): VectorTable {
  const n = rows * dim;
  const values = dtype === 'int8' ? new Int8Array(mem.buffer, L.values, n) : new Float32Array(mem.buffer, L.values, n);
  const scales = dtype === 'int8' ? new Float32Array(mem.buffer, L.scales, rows) : undefined;
  const invNorm = new Float64Array(mem.buffer, L.invNorm, rows);
  return new VectorTable(dtype, dim, rows, scales ? { values, scales, invNorm } : { values, invNorm });
}

/** The single-thread scanner over a kernel memory (its first heap). */
function singleThreadScanner(km: KernelMemory, dtype: TableDtype): Scanner {
  return new WasmScanner(km.exports, km.mem, km.L, dtype);
}

/**
 * Makes a table whose rows live in the kernel's memory, with the WASM scanner attached; null when
 * the kernel cannot run here (no WebAssembly SIMD, or the memory cannot be had) so the caller
 * falls back to the plain table.
 *
 * @example
 * ```ts
 * const t = await createKernelTable(await WebAssembly.compile(bytes), 'int8', 64, 1_000_000);
 * ```
 */
export async function createKernelTable(module: WebAssembly.Module, dtype: TableDtype, dim: number, rows: number): Promise<VectorTable | null> {
  const km = await kernelMemory(module, dtype, dim, rows);
  if (!km) return null;
  const table = tableIn(km, dtype, dim, rows);
  table.scanner = singleThreadScanner(km, dtype);
  return table;
}

/** Compiles the kernel's bytes; null where that fails (no WebAssembly SIMD, or no WebAssembly). */
export async function compileKernel(bytes: () => Promise<Uint8Array>): Promise<WebAssembly.Module | null> {
  try {
    return await WebAssembly.compile((await bytes()) as BufferSource);
  } catch {
    return null;
  }
}
