// Engine benchmark (a script, not a test): items/s encoding the default catalogue per
// backend and dtype, recommend() p50/p95 at history 50, and time to first recommendation
// cold (empty IndexedDB) and warm (vectors cached). Node runs ORT's WASM backend (with
// fake-indexeddb); Chromium runs the real worker on WASM and WebGPU through Playwright.
// Writes a JSON report.  Usage:
//   npx tsx bench/engine-bench.ts [--out bench/results.json] [--node-only] [--gpu-items 100]
import 'fake-indexeddb/auto';
import '../src/testing/immediate-shim.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname } from 'node:path';
import { Command } from 'commander';
import { chromium } from '@playwright/test';
import { createEngine, type Dtype, type Progress } from '../src/index.ts';
import { parseCsv } from '../src/engine/catalog/catalog.ts';

const opts = new Command()
  .option('--out <file>', 'report path', 'bench/results/engine-bench.json')
  .option('--node-only', 'skip the browser runs')
  .option('--gpu-items <n>', 'catalogue size on WebGPU (software adapters are slow)', '100')
  .option('--dtypes <list>', 'dtypes to measure', 'fp32,q8,q4')
  .option('--port <n>', 'preview server port', '4194')
  .option('--backends <list>', 'browser backends to measure', 'wasm,webgpu')
  .option('--skip-node', 'skip the Node runs')
  .parse().opts<{ out: string; nodeOnly?: boolean; skipNode?: boolean; gpuItems: string; dtypes: string; port: string; backends: string }>();

const MODEL = 'public/models/default';
const CATALOG = 'public/catalogs/ml-latest-small/items.csv';
const catalog = parseCsv(readFileSync(CATALOG, 'utf8'));
const dtypes = opts.dtypes.split(',') as Dtype[];
const HISTORY = catalog.slice(100, 150).map((i) => i.id); // history of 50
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

/** ms from the first progress event to the first event of each phase. */
function phaseStarts(events: Array<Progress & { t: number }>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of events) if (!(e.phase in out)) out[e.phase] = Math.round(e.t - events[0]!.t);
  return out;
}

function encodeRate(events: Array<Progress & { t: number }>): { items: number; seconds: number; itemsPerSec: number } {
  const enc = events.filter((e) => e.phase === 'encode');
  const first = enc[0]!;
  const last = enc.at(-1)!;
  const seconds = (last.t - first.t) / 1000;
  return { items: last.done, seconds, itemsPerSec: last.done / seconds };
}

async function nodeRuns() {
  const out: Record<string, unknown>[] = [];
  for (const dtype of dtypes) {
    const db = `bench-${dtype}-${Date.now()}`;
    const ev: Array<Progress & { t: number }> = [];
    const t0 = performance.now();
    const e = createEngine();
    const info = await e.init({ model: MODEL, catalog: CATALOG, backend: 'wasm', dtype, dbName: db }, (p) => ev.push({ ...p, t: performance.now() }));
    for (const id of HISTORY) await e.track(id);
    await e.recommend({ k: 10 });
    const coldMs = performance.now() - t0;
    const lat: number[] = [];
    for (let i = 0; i < 50; i++) {
      const t = performance.now();
      await e.recommend({ k: 10 });
      lat.push(performance.now() - t);
    }
    await e.dispose();
    const t1 = performance.now();
    const w = createEngine();
    const warmInfo = await w.init({ model: MODEL, catalog: CATALOG, backend: 'wasm', dtype, dbName: db });
    await w.recommend({ k: 10 });
    const warmMs = performance.now() - t1;
    await w.dispose();
    const r = { runtime: 'node', backend: info.backend, dtype, encode: encodeRate(ev), phaseStartsMs: phaseStarts(ev), recommendMs: { p50: pct(lat, 50), p95: pct(lat, 95), history: 50 },
      firstRecommendationMs: { cold: coldMs, warm: warmMs, warmEncoded: warmInfo.encoded } };
    console.log(JSON.stringify(r));
    out.push(r);
  }
  return out;
}

async function browserRuns() {
  const port = Number(opts.port);
  const build = spawn('npx', ['vite', 'build', '--mode', 'e2e', '--logLevel', 'warn'], { stdio: 'inherit' });
  await new Promise((res, rej) => build.on('exit', (c) => (c === 0 ? res(null) : rej(new Error(`build exited ${c}`)))));
  const server: ChildProcess = spawn('npx', ['vite', 'preview', '--mode', 'e2e', '--host', '127.0.0.1', '--port', String(port), '--strictPort'], { stdio: 'ignore', detached: true });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try { if ((await fetch(`${base}/e2e/pages/engine.html`)).ok) break; } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 300));
  }
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', '--enable-unsafe-webgpu'] });
  const out: Record<string, unknown>[] = [];
  try {
    for (const backend of opts.backends.split(',') as Array<'wasm' | 'webgpu'>) {
      for (const dtype of dtypes) {
        const context = await browser.newContext();
        // tsx (esbuild keepNames) wraps functions in __name(); the page has no such helper.
        await context.addInitScript('globalThis.__name = (f) => f;');
        const page = await context.newPage();
        // WebGPU here is a software adapter: a slice that holds the history plus gpuItems more.
        const items = backend === 'webgpu' ? catalog.slice(100, 150 + Number(opts.gpuItems)) : null;
        const start = async () => {
          await page.goto(`${base}/e2e/pages/engine.html`);
          await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
          return page.evaluate(async ({ backend, dtype, items, history }) => {
            const ev: Array<Progress & { t: number }> = [];
            const t0 = performance.now();
            const rec = await window.hllm.createRecommender({ model: '/models/default/', catalog: items ?? '/catalogs/ml-latest-small/items.csv', backend, dtype, dbName: 'bench', onProgress: (p) => ev.push({ ...p, t: performance.now() }) });
            const info = await rec.ready;
            if ((await rec.history()).length === 0) for (const id of history) await rec.track(id);
            await rec.recommend({ k: 10 });
            const ttfr = performance.now() - t0;
            const lat: number[] = [];
            for (let i = 0; i < 30; i++) { const t = performance.now(); await rec.recommend({ k: 10 }); lat.push(performance.now() - t); }
            window.rec = rec;
            return { info, ev, ttfr, lat };
          }, { backend, dtype, items, history: HISTORY });
        };
        const cold = await start();
        await page.reload();
        const warm = await start();
        const r = { runtime: 'chromium-worker', backend: cold.info.backend, dtype: cold.info.dtype, reason: cold.info.reason, catalogItems: cold.info.items,
          encode: encodeRate(cold.ev), phaseStartsMs: phaseStarts(cold.ev), recommendMs: { p50: pct(cold.lat, 50), p95: pct(cold.lat, 95), history: 50 },
          firstRecommendationMs: { cold: cold.ttfr, warm: warm.ttfr, warmEncoded: warm.info.encoded } };
        console.log(JSON.stringify(r));
        out.push(r);
        await context.close();
      }
    }
  } finally {
    await browser.close();
    if (server.pid) process.kill(-server.pid);
  }
  return out;
}

const report = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, loadavg: loadavg(), node: process.version },
  note: 'Shared CI machine; WebGPU in headless Chromium here is SwiftShader (software), so its numbers say nothing about GPU speed.',
  node: opts.skipNode ? [] : await nodeRuns(),
  browser: opts.nodeOnly ? [] : await browserRuns(),
};
mkdirSync(dirname(opts.out), { recursive: true });
writeFileSync(opts.out, `${JSON.stringify(report, null, 1)}\n`);
console.log(`wrote ${opts.out}`);
