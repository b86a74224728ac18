// The WASM SIMD Scanner: places a VectorTable's rows, scales and norms inside the kernel's own
// WebAssembly.Memory (no second copy), and per query quantises the normalised query, copies the
// history mask in and lets topk-kernel.as.ts return the candidate rows. Single-threaded.
// Exactness: for int8 rows the query is quantised to int16 codes (scale sq); with e_j the rounding
// error (|e_j| ≤ ½) |Σ c_j q_j − sq·Σ c_j qc_j| ≤ sq/2 · L1(c) ≤ sq/2 · √dim · ‖c‖, so every row's
// approximate cosine is within b = sq/2·√dim (plus float slack) of its exact one, and a row whose
// approximation is below the k-th best approximation − 2b cannot be in the top k. Float rows:
// f32 accumulation error ≤ (dim+16)·2⁻²³ of the cosine. Near-ties all come back (worst case every
// row, e.g. identical rows): slow but exact, since the table re-scores candidates with exactScore.
// Imports: vector-table (VectorTable, Scanner). No ORT, no idb.
import { VectorTable, type Scanner, type TableDtype } from '../vector-table.ts';

interface KernelExports {
  heapBase(): number;
  scanInt8(values: number, invNorm: number, mask: number, start: number, end: number, dim: number, q: number, blocks: number, sq: number, slack: number, heap: number, k: number, cand: number): number;
  scanF32(values: number, invNorm: number, mask: number, start: number, end: number, dim: number, q: number, blocks: number, slack: number, heap: number, k: number, cand: number): number;
}

/** The heap holds at most this many scores; a larger k gets every unmasked row (exact, no speed-up). */
const MAX_HEAP = 1 << 16;
const PAGE = 65536;
const align = (n: number, a: number) => Math.ceil(n / a) * a;

interface Layout { values: number; scales: number; invNorm: number; mask: number; query: number; heap: number; cand: number; end: number; blocks: number; heapCap: number }

function layout(base: number, dtype: TableDtype, dim: number, rows: number): Layout {
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
  const cand = heap + heapCap * 8;
  return { values, scales, invNorm, mask, query, heap, cand, end: cand + rows * 4, blocks, heapCap };
}

class WasmScanner implements Scanner {
  private readonly u8: Uint8Array;
  private readonly q16: Int16Array;
  private readonly qf: Float32Array;
  constructor(private readonly k: KernelExports, private readonly mem: WebAssembly.Memory, private readonly L: Layout, private readonly dtype: TableDtype) {
    this.u8 = new Uint8Array(mem.buffer);
    this.q16 = new Int16Array(mem.buffer, L.query, L.blocks * 8);
    this.qf = new Float32Array(mem.buffer, L.query, L.blocks * 4);
  }

  candidates(t: VectorTable, q: Float32Array, k: number, masked?: Uint8Array): Int32Array {
    const { L } = this;
    if (k > L.heapCap) return unmasked(t.rows, masked, t.rows);
    let maskPtr = 0;
    if (masked) {
      const m = masked.length > t.rows ? masked.subarray(0, t.rows) : masked;
      this.u8.set(m, L.mask);
      if (m.length < t.rows) this.u8.fill(0, L.mask + m.length, L.mask + t.rows);
      maskPtr = L.mask;
    }
    let n: number;
    if (this.dtype === 'int8') {
      let maxAbs = 0;
      for (let j = 0; j < t.dim; j++) maxAbs = Math.max(maxAbs, Math.abs(q[j]!));
      // Every exact score is exactly 0: the brute force keeps the first k unmasked rows.
      if (!(maxAbs > 0)) return unmasked(t.rows, masked, k);
      // Largest code that keeps |Σ c·qc| < 2³¹ in the kernel's int32 lanes.
      const qmax = Math.min(32767, Math.floor(0x7fffffff / (L.blocks * 8 * 127)));
      const sq = maxAbs / qmax;
      this.q16.fill(0);
      for (let j = 0; j < t.dim; j++) this.q16[j] = Math.max(-qmax, Math.min(qmax, Math.round(q[j]! / sq)));
      const slack = 2 * (sq * 0.5 * Math.sqrt(t.dim) * (1 + 1e-6) + 1e-9);
      n = this.k.scanInt8(L.values, L.invNorm, maskPtr, 0, t.rows, t.dim, L.query, L.blocks, sq, slack, L.heap, k, L.cand);
    } else {
      this.qf.fill(0);
      this.qf.set(q.subarray(0, t.dim));
      const slack = 2 * ((t.dim + 16) * 2 ** -23 + 1e-9);
      n = this.k.scanF32(L.values, L.invNorm, maskPtr, 0, t.rows, t.dim, L.query, L.blocks, slack, L.heap, k, L.cand);
    }
    return new Int32Array(this.mem.buffer, L.cand, n).slice();
  }
}

/** The first `limit` unmasked rows. */
function unmasked(rows: number, masked: Uint8Array | undefined, limit: number): Int32Array {
  const out: number[] = [];
  for (let r = 0; r < rows && out.length < limit; r++) if (!(masked && masked[r])) out.push(r);
  return Int32Array.from(out);
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
  let mem: WebAssembly.Memory;
  let exports: KernelExports;
  try {
    // A first, one-page memory only to read heapBase; the real one is sized once, never grown.
    const probe = await WebAssembly.instantiate(module, { env: { memory: new WebAssembly.Memory({ initial: 1 }) } });
    const L0 = layout((probe.exports as unknown as KernelExports).heapBase(), dtype, dim, rows);
    const pages = Math.ceil(L0.end / PAGE);
    if (pages > 65536) return null;
    mem = new WebAssembly.Memory({ initial: pages, maximum: pages });
    exports = (await WebAssembly.instantiate(module, { env: { memory: mem } })).exports as unknown as KernelExports;
  } catch {
    return null;
  }
  const L = layout(exports.heapBase(), dtype, dim, rows);
  const n = rows * dim;
  const values = dtype === 'int8' ? new Int8Array(mem.buffer, L.values, n) : new Float32Array(mem.buffer, L.values, n);
  const scales = dtype === 'int8' ? new Float32Array(mem.buffer, L.scales, rows) : undefined;
  const invNorm = new Float64Array(mem.buffer, L.invNorm, rows);
  const table = new VectorTable(dtype, dim, rows, scales ? { values, scales, invNorm } : { values, invNorm });
  table.scanner = new WasmScanner(exports, mem, L, dtype);
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
