// Worker of the top-K kernel bench page: compiles the kernel bytes the Vite plugin inlined
// (the browser build's path) and runs topk-core. Imports: ../topk-core, the `?topk-wasm` bytes.
import bytes from '../../src/engine/kernel/topk-kernel.as.ts?topk-wasm';
import { runTopkBench, type TopkBenchOptions } from '../topk-core.ts';

self.onmessage = async (e: MessageEvent<TopkBenchOptions>) => {
  try {
    self.postMessage(await runTopkBench(await WebAssembly.compile(bytes as BufferSource), e.data));
  } catch (err) {
    self.postMessage({ error: String((err as Error).stack ?? err) });
  }
};
