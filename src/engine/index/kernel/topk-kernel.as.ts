// AssemblyScript source of the top-K candidate kernel (WebAssembly SIMD), compiled at build time by
// topk-kernel-build.ts and run by topk-scanner.ts. One pass over the rows: an approximate score per
// row (int8 codes · int16-quantised query with i32x4.dot_i16x8_s, or f32x4 for float rows) × 1/‖row‖,
// a size-k min-heap of approximate scores, and every row whose score is within `slack` (twice the
// rigorous error bound) of the heap's minimum appended to the candidate list; a last pass keeps the
// candidates still within slack of the final k-th score. The exact scores are computed by the table.
// Memory is imported (sized by JS once) and never grown; this file allocates nothing.
// Why AssemblyScript and not hand-written WAT: the heap and the loops read like the TS around them
// and are reviewable as such, while v128 intrinsics map 1:1 onto the SIMD instructions.

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

// The scan state (per instance: each scan thread instantiates its own module), reset by each scan.
let gSize = 0;
let gN = 0;
let gThr = -Infinity; // heap min − slack once the heap is full

/**
 * One row's step of a scan, on the globals above: a row whose approximate score `a` can still be
 * in the top k and is not masked (the mask is read only for such rows, rarely) becomes a
 * candidate; a finite score also enters the size-k heap, raising the threshold.
 */
function consider(r: i32, a: f64, mask: usize, slack: f64, heap: usize, k: i32, cand: usize): void {
  if (a < gThr) return;
  if (mask != 0 && load<u8>(mask + <usize>r) != 0) return;
  store<i32>(cand + (<usize>gN << 2), r);
  gN++;
  if (a == Infinity) return;
  if (gSize < k) {
    siftUp(heap, gSize, a);
    gSize++;
    if (gSize == k) gThr = load<f64>(heap) - slack;
  } else if (a > load<f64>(heap)) {
    siftDown(heap, k, a);
    gThr = load<f64>(heap) - slack;
  }
}

/** Of the n rows at `cand`, appended while the threshold was lower, keeps (in place) those still in reach of the final one; their count. */
// @ts-ignore: decorator
@inline function keepInReach(isInt8: bool, values: usize, invNorm: usize, dim: i32, q: usize, blocks: i32, sq: f64, cand: usize, n: i32, thr: f64): i32 {
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

/**
 * Four int8 rows' integer dots with the query, as [row r, r+1, r+2, r+3]: each query block is
 * loaded once for four rows, and the four horizontal sums take one transpose (6 shuffles,
 * 3 adds) instead of 4 × (4 extracts + 3 adds). The sums are exactly dotInt8's.
 */
// @ts-ignore: decorator
@inline function dot4Int8(row0: usize, dim: usize, q: usize, blocks: i32): v128 {
  const row1 = row0 + dim;
  const row2 = row1 + dim;
  const row3 = row2 + dim;
  let a0 = i32x4.splat(0);
  let a1 = i32x4.splat(0);
  let a2 = i32x4.splat(0);
  let a3 = i32x4.splat(0);
  let b = 0;
  // Two blocks per iteration: a quarter less time at dim 64 (binaryen does not unroll loops).
  for (; b + 1 < blocks; b += 2) {
    const o = <usize>b << 3;
    const qv = v128.load(q + (o << 1));
    const qw = v128.load(q + (o << 1), 16);
    a0 = i32x4.add(a0, i32x4.add(i32x4.dot_i16x8_s(v128.load8x8_s(row0 + o), qv), i32x4.dot_i16x8_s(v128.load8x8_s(row0 + o, 8), qw)));
    a1 = i32x4.add(a1, i32x4.add(i32x4.dot_i16x8_s(v128.load8x8_s(row1 + o), qv), i32x4.dot_i16x8_s(v128.load8x8_s(row1 + o, 8), qw)));
    a2 = i32x4.add(a2, i32x4.add(i32x4.dot_i16x8_s(v128.load8x8_s(row2 + o), qv), i32x4.dot_i16x8_s(v128.load8x8_s(row2 + o, 8), qw)));
    a3 = i32x4.add(a3, i32x4.add(i32x4.dot_i16x8_s(v128.load8x8_s(row3 + o), qv), i32x4.dot_i16x8_s(v128.load8x8_s(row3 + o, 8), qw)));
  }
  if (b < blocks) {
    const o = <usize>b << 3;
    const qv = v128.load(q + (o << 1));
    a0 = i32x4.add(a0, i32x4.dot_i16x8_s(v128.load8x8_s(row0 + o), qv));
    a1 = i32x4.add(a1, i32x4.dot_i16x8_s(v128.load8x8_s(row1 + o), qv));
    a2 = i32x4.add(a2, i32x4.dot_i16x8_s(v128.load8x8_s(row2 + o), qv));
    a3 = i32x4.add(a3, i32x4.dot_i16x8_s(v128.load8x8_s(row3 + o), qv));
  }
  // x = [a0₀+a0₂, a1₀+a1₂, a0₁+a0₃, a1₁+a1₃], y the same for a2, a3; then pair them up.
  const x = i32x4.add(i32x4.shuffle(a0, a1, 0, 4, 1, 5), i32x4.shuffle(a0, a1, 2, 6, 3, 7));
  const y = i32x4.add(i32x4.shuffle(a2, a3, 0, 4, 1, 5), i32x4.shuffle(a2, a3, 2, 6, 3, 7));
  return i32x4.add(i32x4.shuffle(x, y, 0, 1, 4, 5), i32x4.shuffle(x, y, 2, 3, 6, 7));
}

/**
 * int8 rows: q holds blocks×8 int16 query codes (zero-padded), sq their scale. Returns the
 * candidate count at `cand`. The same candidates as a row-by-row scan: four rows at a time with
 * dot4Int8, each row's approximate score computed as approx() does (<f64>dot × sq × 1/‖row‖),
 * the four rejected together when all are under the threshold (almost every block, once the
 * heap is full), the rest one by one in row order; the last rows (< 4) one by one.
 */
export function scanInt8(values: usize, invNorm: usize, mask: usize, start: i32, end: i32, dim: i32, q: usize, blocks: i32, sq: f64, slack: f64, heap: usize, k: i32, cand: usize): i32 {
  gSize = 0;
  gN = 0;
  gThr = -Infinity;
  let r = start;
  for (; r + 4 <= end; r += 4) {
    const d = dot4Int8(values + <usize>r * <usize>dim, <usize>dim, q, blocks);
    const inv = invNorm + (<usize>r << 3);
    const s0 = <f64>i32x4.extract_lane(d, 0) * sq * load<f64>(inv);
    const s1 = <f64>i32x4.extract_lane(d, 1) * sq * load<f64>(inv, 8);
    const s2 = <f64>i32x4.extract_lane(d, 2) * sq * load<f64>(inv, 16);
    const s3 = <f64>i32x4.extract_lane(d, 3) * sq * load<f64>(inv, 24);
    if (s0 < gThr && s1 < gThr && s2 < gThr && s3 < gThr) continue;
    consider(r, s0, mask, slack, heap, k, cand);
    consider(r + 1, s1, mask, slack, heap, k, cand);
    consider(r + 2, s2, mask, slack, heap, k, cand);
    consider(r + 3, s3, mask, slack, heap, k, cand);
  }
  for (; r < end; r++) consider(r, approx(true, values, invNorm, r, dim, q, blocks, sq), mask, slack, heap, k, cand);
  return keepInReach(true, values, invNorm, dim, q, blocks, sq, cand, gN, gThr);
}

/** float32 rows: q holds blocks×4 float32 query values (zero-padded). */
export function scanF32(values: usize, invNorm: usize, mask: usize, start: i32, end: i32, dim: i32, q: usize, blocks: i32, slack: f64, heap: usize, k: i32, cand: usize): i32 {
  gSize = 0;
  gN = 0;
  gThr = -Infinity;
  for (let r = start; r < end; r++) {
    const a = approx(false, values, invNorm, r, dim, q, blocks, 1.0);
    if (a >= gThr) consider(r, a, mask, slack, heap, k, cand);
  }
  return keepInReach(false, values, invNorm, dim, q, blocks, 1.0, cand, gN, gThr);
}
