// The catalogue's item vectors in memory, one row per catalogue row, held either as float32
// or as int8 codes with one scale per row (vector shards, big catalogues), and the exact
// cosine top-K over them. exactScore() is THE definition of a row's score: a faster scanner
// (the WASM kernel) may only propose candidates, which are then re-scored with it, so every
// scanner returns the same top-K as the brute-force scan below. Tables are made by
// table-factory.ts, which picks the scanner; the scanners (kernel/) import this module, never
// the other way round.
import { quantizeRow } from '../../vectors/format.ts';
import { normalize, type Scored } from '../../vectors/vector-math.ts';

export type TableDtype = 'fp32' | 'int8';

/** A faster candidate generator over a table (e.g. WASM SIMD); must return a superset of the true top-k. */
export interface Scanner {
  /** Rows whose exact score may be in the top k (any order, no duplicates, none masked). */
  candidates(table: VectorTable, queryNormed: Float32Array, k: number, masked?: Uint8Array): Int32Array | Promise<Int32Array>;
  /** Frees the scanner's memory and workers. */
  dispose?(): void;
  /** Threads the scan runs on now (1 when absent). */
  readonly threads?: number;
}

export class VectorTable {
  /** rows × dim: float32 values, or int8 codes (value = code × scales[row]). */
  readonly values: Float32Array | Int8Array;
  readonly scales: Float32Array | null;
  /** 1 / L2 norm of each stored row (of its codes for int8: the scale cancels in a cosine); 0 for a zero row. */
  readonly invNorm: Float64Array;
  scanner: Scanner | null = null;

  /** `storage` lets a scanner place the rows in its own memory (a WASM heap) to avoid a copy. */
  constructor(readonly dtype: TableDtype, readonly dim: number, readonly rows: number, storage?: { values: Float32Array | Int8Array; scales?: Float32Array; invNorm?: Float64Array }) {
    const n = rows * dim;
    this.values = storage?.values ?? (dtype === 'int8' ? new Int8Array(n) : new Float32Array(n));
    if (this.values.length !== n || (dtype === 'int8') !== this.values instanceof Int8Array) throw new RangeError('VectorTable: storage does not fit dtype × rows × dim');
    this.scales = dtype === 'int8' ? storage?.scales ?? new Float32Array(rows) : null;
    this.invNorm = storage?.invNorm ?? new Float64Array(rows);
    if (this.invNorm.length !== rows || (this.scales && this.scales.length !== rows)) throw new RangeError('VectorTable: storage does not fit rows');
  }

  /** Threads the top-K scan runs on: > 1 only for a threaded table on a cross-origin-isolated page. */
  get scanThreads(): number {
    return this.scanner?.threads ?? 1;
  }

  /** Ends the scanner's workers (a threaded table); topK keeps working, on this thread. */
  dispose(): void {
    this.scanner?.dispose?.();
  }

  /** Stores a raw float32 vector at row i (quantised for an int8 table). */
  setRaw(i: number, v: ArrayLike<number>): void {
    const o = i * this.dim;
    if (this.dtype === 'int8') this.scales![i] = quantizeRow(v, this.values as Int8Array, o);
    else (this.values as Float32Array).set(v, o);
    this.updateNorm(i);
  }

  /** Copies int8 rows (codes and scales) into rows start.. of an int8 table. */
  setInt8Rows(start: number, codes: Int8Array, scales: Float32Array): void {
    if (this.dtype !== 'int8') throw new TypeError('setInt8Rows on a float32 table');
    (this.values as Int8Array).set(codes, start * this.dim);
    this.scales!.set(scales, start);
    for (let r = 0; r < scales.length; r++) this.updateNorm(start + r);
  }

  /**
   * Copies a whole table's rows, scales (int8) and 1/‖row‖ in (a stored table: no norm to
   * recompute, which at 1M int8 rows took ~0.6 s in JS).
   */
  loadRows(values: Float32Array | Int8Array, scales: Float32Array | null, invNorm: Float64Array): void {
    if (values.length !== this.values.length || (values instanceof Int8Array) !== (this.dtype === 'int8') || invNorm.length !== this.rows || (scales?.length ?? this.rows) !== this.rows || (scales === null) !== (this.scales === null)) {
      throw new RangeError('VectorTable.loadRows: the arrays do not fit this table');
    }
    (this.values as Float32Array | Int8Array).set(values as never);
    if (scales) this.scales!.set(scales);
    this.invNorm.set(invNorm);
  }

  private updateNorm(i: number): void {
    const o = i * this.dim;
    let s = 0;
    for (let j = 0; j < this.dim; j++) s += this.values[o + j]! * this.values[o + j]!;
    this.invNorm[i] = s > 0 ? 1 / Math.sqrt(s) : 0;
  }

  /** Row i as float32 (dequantised): the user encoder's input. */
  raw(i: number): Float32Array {
    const o = i * this.dim;
    if (this.dtype === 'fp32') return (this.values as Float32Array).slice(o, o + this.dim);
    const out = new Float32Array(this.dim);
    const sc = this.scales![i]!;
    for (let j = 0; j < this.dim; j++) out[j] = this.values[o + j]! * sc;
    return out;
  }

  /** Row i as a normalised float32 vector (a query for similar()). */
  normed(i: number): Float32Array {
    return normalize(this.raw(i));
  }

  /** The exact score of row r against a normalised query: float64 dot in index order × 1/‖row‖. */
  exactScore(r: number, q: Float32Array): number {
    const o = r * this.dim;
    let s = 0;
    for (let j = 0; j < this.dim; j++) s += this.values[o + j]! * q[j]!;
    return s * this.invNorm[r]!;
  }

  /** Exact top-k rows by cosine with `query` (need not be normalised); masked rows skipped; ties → lower row first. */
  async topK(query: Float32Array, k: number, masked?: Uint8Array): Promise<Scored[]> {
    if (k <= 0 || this.rows === 0) return [];
    const q = normalize(query);
    const rows = this.scanner ? await this.scanner.candidates(this, q, k, masked) : null;
    return rows ? this.best(rows, q, k) : bruteForceTopK(this, q, k, masked);
  }

  private best(rows: ArrayLike<number>, q: Float32Array, k: number): Scored[] {
    const out: Scored[] = [];
    for (let i = 0; i < rows.length; i++) out.push({ index: rows[i]!, score: this.exactScore(rows[i]!, q) });
    return out.sort(byScore).slice(0, k);
  }
}

const byScore = (a: Scored, b: Scored) => b.score - a.score || a.index - b.index;

/** The reference scan: every unmasked row scored with exactScore, kept in a size-k min-heap. */
export function bruteForceTopK(t: VectorTable, q: Float32Array, k: number, masked?: Uint8Array): Scored[] {
  const hs = new Float64Array(k);
  const hi = new Int32Array(k);
  let size = 0;
  const worse = (a: number, b: number) => hs[a]! < hs[b]! || (hs[a] === hs[b] && hi[a]! > hi[b]!);
  const swap = (a: number, b: number) => {
    const s = hs[a]!; hs[a] = hs[b]!; hs[b] = s;
    const x = hi[a]!; hi[a] = hi[b]!; hi[b] = x;
  };
  for (let row = 0; row < t.rows; row++) {
    if (masked && masked[row]) continue;
    const s = t.exactScore(row, q);
    if (size < k) {
      hs[size] = s; hi[size] = row;
      for (let i = size++; i > 0;) { const p = (i - 1) >> 1; if (!worse(i, p)) break; swap(i, p); i = p; }
    } else if (s > hs[0]! || (s === hs[0] && row < hi[0]!)) {
      hs[0] = s; hi[0] = row;
      for (let i = 0; ;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < size && worse(l, m)) m = l;
        if (r < size && worse(r, m)) m = r;
        if (m === i) break;
        swap(i, m); i = m;
      }
    }
  }
  const out: Scored[] = [];
  for (let i = 0; i < size; i++) out.push({ index: hi[i]!, score: hs[i]! });
  return out.sort(byScore);
}
