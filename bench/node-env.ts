// The Node benchmark environment: ORT WASM through the engine's ort-backend, files from
// disk, fake-indexeddb as the engine's "IndexedDB" (Node has none; its cost is a JS
// structured-clone store, so the warm-start figure is indicative only), peak RSS.
import 'fake-indexeddb/auto';
import { readFile } from 'node:fs/promises';
import { runSuite, type BenchConfig, type SuiteResult } from './suite.ts';

export async function runNode(c: BenchConfig, threads: number, log: (m: string) => void): Promise<SuiteResult> {
  return runSuite({
    name: 'node-wasm', backend: 'wasm', threads, modelUrl: 'public/models/default', storage: 'indexeddb',
    readFile: async (p) => new Uint8Array(await readFile(p)),
    // maxRSS is the process's true peak (kB), not a sample.
    memory: async () => ({ bytes: process.resourceUsage().maxRSS * 1024, how: 'process.resourceUsage().maxRSS (whole Node process)' }),
    log,
  }, c);
}
