// wasmThreads(): ONNX Runtime's WASM thread count from the capabilities and the caller's
// request (the browser side is also run for real in e2e/wasm-threads.spec.ts).
import { describe, expect, it } from 'vitest';
import { wasmThreads, type Capabilities } from './env.ts';

const caps = (runtime: Capabilities['runtime'], crossOriginIsolated: boolean, hardwareConcurrency: number): Capabilities => ({
  runtime, crossOriginIsolated, hardwareConcurrency, indexedDB: false,
  webgpu: { available: false, fallback: false, maxBufferSize: 0, maxStorageBufferBindingSize: 0, description: 'none' },
});

describe('wasmThreads', () => {
  it('a page or worker without cross-origin isolation: 1, whatever is asked', () => {
    expect([undefined, 1, 4, 16].map((t) => wasmThreads(caps('worker', false, 8), t))).toEqual([1, 1, 1, 1]);
    expect(wasmThreads(caps('browser', false, 8), 4)).toBe(1);
  });

  it('cross-origin isolated: min(4, cores) by default, else what is asked (at least 1, whole)', () => {
    expect([1, 2, 3, 8, 32].map((c) => wasmThreads(caps('worker', true, c)))).toEqual([1, 2, 3, 4, 4]);
    expect(wasmThreads(caps('worker', true, 2), 8)).toBe(8);
    expect(wasmThreads(caps('worker', true, 8), 0)).toBe(1);
    expect(wasmThreads(caps('worker', true, 8), 2.7)).toBe(2);
  });

  it('Node: 1 by default, else what is asked', () => {
    expect(wasmThreads(caps('node', false, 16))).toBe(1);
    expect(wasmThreads(caps('node', false, 16), 3)).toBe(3);
  });
});
