// AssemblyScript source of the top-K candidate kernel (WebAssembly SIMD), compiled at build time by
// topk-kernel-build.ts and run by topk-scanner.ts. One pass over the rows: an approximate score per
// row (int8 codes · int16-quantised query with i32x4.dot_i16x8_s, or f32x4 for float rows) × 1/‖row‖,
// a size-k min-heap of approximate scores, and every row whose score is within `slack` (twice the
// rigorous error bound) of the heap's minimum appended to the candidate list; a last pass keeps the
// candidates still within slack of the final k-th score. The exact scores are computed by the table.
// Memory is imported (sized by JS once) and never grown; this file allocates nothing.
// Why AssemblyScript and not hand-written WAT: the heap and the loops read like the TS around them
// and are reviewable as such, while v128 intrinsics map 1:1 onto the SIMD instructions.
// Imports: nothing (AssemblyScript builtins only).

/** First free byte after the module's static data: JS lays out its buffers from here. */
export function heapBase(): usize {
  return __heap_base;
}

// @ts-ignore: decorator
@inline function dotInt8(row: usize, q: usize, blocks: i32): i32 {
  let acc0 = i32x4.splat(0);
  let acc1 = i32x4.splat(0);
  let b = 0;
  // Two accumulators: independent dependency chains for the two SIMD ports.
  for (; b + 1 < blocks; b += 2) {
    const o = <usize>b << 3;
    acc0 = i32x4.add(acc0, i32x4.dot_i16x8_s(v128.load8x8_s(row + o), v128.load(q + (o << 1))));
    acc1 = i32x4.add(acc1, i32x4.dot_i16x8_s(v128.load8x8_s(row + o + 8), v128.load(q + (o << 1) + 16)));
  }
  if (b < blocks) {
    const o = <usize>b << 3;
    acc0 = i32x4.add(acc0, i32x4.dot_i16x8_s(v128.load8x8_s(row + o), v128.load(q + (o << 1))));
  }
  const s = i32x4.add(acc0, acc1);
  return i32x4.extract_lane(s, 0) + i32x4.extract_lane(s, 1) + i32x4.extract_lane(s, 2) + i32x4.extract_lane(s, 3);
}

// @ts-ignore: decorator
@inline function dotF32(row: usize, q: usize, blocks: i32): f32 {
  let acc = f32x4.splat(0);
  for (let b = 0; b < blocks; b++) {
    const o = <usize>b << 4;
    acc = f32x4.add(acc, f32x4.mul(v128.load(row + o), v128.load(q + o)));
  }
  return f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
}

// @ts-ignore: decorator
@inline function approx(isInt8: bool, values: usize, invNorm: usize, r: i32, dim: i32, q: usize, blocks: i32, sq: f64): f64 {
  const inv = load<f64>(invNorm + (<usize>r << 3));
  if (isInt8) return <f64>dotInt8(values + <usize>r * <usize>dim, q, blocks) * sq * inv;
  // Float rows so small that f32 products underflow, or so large that the f32 sum can overflow,
  // void the error bound: such a row is always a candidate (+∞, kept out of the heap).
  if (inv > 1e30 || (inv != 0 && inv < 1e-37)) return Infinity;
  const a = <f64>dotF32(values + ((<usize>r * <usize>dim) << 2), q, blocks) * inv;
  return a - a == 0 ? a : Infinity; // NaN or ±∞ too
}

// Min-heap of f64 scores at `heap`: the root is the k-th best so far.
function siftDown(heap: usize, size: i32, v: f64): void {
  let i = 0;
  for (;;) {
    const l = 2 * i + 1;
    if (l >= size) break;
    let m = l;
    const lv = load<f64>(heap + (<usize>l << 3));
    let mv = lv;
    if (l + 1 < size) {
      const rv = load<f64>(heap + (<usize>(l + 1) << 3));
      if (rv < lv) { m = l + 1; mv = rv; }
    }
    if (mv >= v) break;
    store<f64>(heap + (<usize>i << 3), mv);
    i = m;
  }
  store<f64>(heap + (<usize>i << 3), v);
}

function siftUp(heap: usize, i: i32, v: f64): void {
  while (i > 0) {
    const p = (i - 1) >> 1;
    const pv = load<f64>(heap + (<usize>p << 3));
    if (pv <= v) break;
    store<f64>(heap + (<usize>i << 3), pv);
    i = p;
  }
  store<f64>(heap + (<usize>i << 3), v);
}

// @ts-ignore: decorator
@inline function scan(isInt8: bool, values: usize, invNorm: usize, mask: usize, start: i32, end: i32, dim: i32, q: usize, blocks: i32, sq: f64, slack: f64, heap: usize, k: i32, cand: usize): i32 {
  let size = 0;
  let n = 0;
  let thr = -Infinity; // heap min − slack once the heap is full
  for (let r = start; r < end; r++) {
    const a = approx(isInt8, values, invNorm, r, dim, q, blocks, sq);
    if (a < thr) continue;
    // Reached rarely: the mask is only read for rows that could matter.
    if (mask != 0 && load<u8>(mask + <usize>r) != 0) continue;
    store<i32>(cand + (<usize>n << 2), r);
    n++;
    if (a == Infinity) continue;
    if (size < k) {
      siftUp(heap, size, a);
      size++;
      if (size == k) thr = load<f64>(heap) - slack;
    } else if (a > load<f64>(heap)) {
      siftDown(heap, k, a);
      thr = load<f64>(heap) - slack;
    }
  }
  // Rows appended while the threshold was lower: keep those still in reach of the final k-th.
  let m = 0;
  for (let i = 0; i < n; i++) {
    const r = load<i32>(cand + (<usize>i << 2));
    if (approx(isInt8, values, invNorm, r, dim, q, blocks, sq) >= thr) {
      store<i32>(cand + (<usize>m << 2), r);
      m++;
    }
  }
  return m;
}

/** int8 rows: q holds blocks×8 int16 query codes (zero-padded), sq their scale. Returns the candidate count at `cand`. */
export function scanInt8(values: usize, invNorm: usize, mask: usize, start: i32, end: i32, dim: i32, q: usize, blocks: i32, sq: f64, slack: f64, heap: usize, k: i32, cand: usize): i32 {
  return scan(true, values, invNorm, mask, start, end, dim, q, blocks, sq, slack, heap, k, cand);
}

/** float32 rows: q holds blocks×4 float32 query values (zero-padded). */
export function scanF32(values: usize, invNorm: usize, mask: usize, start: i32, end: i32, dim: i32, q: usize, blocks: i32, slack: f64, heap: usize, k: i32, cand: usize): i32 {
  return scan(false, values, invNorm, mask, start, end, dim, q, blocks, 1.0, slack, heap, k, cand);
}
