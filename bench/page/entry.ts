// Browser side of `npm run bench`: exposes window.hllmBench(name, backend, config), which
// runs the shared suite in this (cross-origin-isolated) page with real IndexedDB and
// reports peak memory with performance.measureUserAgentSpecificMemory(), and runs the
// transformers.js baseline beside the engine.
import type { Backend } from '../../src/index.ts';
import { runSuite, type BenchConfig } from '../suite.ts';
import { transformersJsBaseline } from './tjs-baseline.ts';

type MeasureMemory = () => Promise<{ bytes: number }>;

async function memory(): Promise<{ bytes: number; how: string } | null> {
  const m = (performance as unknown as { measureUserAgentSpecificMemory?: MeasureMemory }).measureUserAgentSpecificMemory;
  if (m && globalThis.crossOriginIsolated) {
    try {
      return { bytes: (await m.call(performance)).bytes, how: 'performance.measureUserAgentSpecificMemory() (page + its workers)' };
    } catch { /* falls through to the heap figure */ }
  }
  const heap = (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory;
  return heap ? { bytes: heap.usedJSHeapSize, how: 'performance.memory.usedJSHeapSize (JS heap only)' } : null;
}

(window as unknown as Record<string, unknown>).hllmBench = (name: string, backend: Backend, threads: number, config: BenchConfig) =>
  runSuite({
    name, backend, threads, modelUrl: '/models/default/', storage: 'indexeddb',
    readFile: async (p) => {
      // public/ is served at the site root; everything else by path from the repo root.
      const url = p.startsWith('public/') ? `/${p.slice('public/'.length)}` : `/${p}`;
      const res = await fetch(url);
      if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
      return new Uint8Array(await res.arrayBuffer());
    },
    memory,
    log: (m) => console.log(m),
    tjs: transformersJsBaseline(backend, threads),
  }, config);
