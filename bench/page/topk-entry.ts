// Browser side of the top-K kernel bench: window.hllmTopkBench(options) runs topk-core in a
// dedicated worker (where recommend() runs) and resolves with its result.
import type { TopkBenchOptions, TopkBenchResult } from '../topk-core.ts';

(window as unknown as Record<string, unknown>).hllmTopkBench = (o: TopkBenchOptions) =>
  new Promise<TopkBenchResult>((resolve, reject) => {
    const w = new Worker(new URL('./topk-worker.ts', import.meta.url), { type: 'module' });
    w.onmessage = (e: MessageEvent<TopkBenchResult | { error: string }>) => {
      w.terminate();
      if ('error' in e.data) reject(new Error(e.data.error)); else resolve(e.data);
    };
    w.onerror = (e) => { w.terminate(); reject(new Error(e.message)); };
    w.postMessage(o);
  });
