// Worker of the top-K kernel bench page: compiles the kernel bytes the Vite plugin inlined
// (the browser build's path) and runs topk-core, then (the page is cross-origin isolated) the
// threaded scan with the shared-memory build.
import bytes from '../../src/engine/index/kernel/topk-kernel.as.ts?topk-wasm';
import sharedBytes from '../../src/engine/index/kernel/topk-kernel.as.ts?topk-wasm-shared';
import { runTopkBench, type TopkBenchOptions } from '../topk-core.ts';
import { runThreadedTopkBench } from '../topk-threads-core.ts';

self.onmessage = async (e: MessageEvent<TopkBenchOptions>) => {
  try {
    const single = await runTopkBench(await WebAssembly.compile(bytes as BufferSource), e.data);
    if (!self.crossOriginIsolated) throw new Error('the bench page must be cross-origin isolated for the threaded scan');
    const threaded = await runThreadedTopkBench(await WebAssembly.compile(sharedBytes as BufferSource), e.data);
    self.postMessage({ ...single, threaded });
  } catch (err) {
    self.postMessage({ error: String((err as Error).stack ?? err) });
  }
};
