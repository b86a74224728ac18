// Model-size bench (issue #23 point 7): for the d64 default model and random-weight checkpoints
// at the exact shapes of SmolLM2-135M/360M and TinyLlama-1.1B (bench/model-prep.ts), q4, it
// serves each model folder with its `hllm embed` shards and drives the real engine worker
// (createRecommender) in headless Chromium (bench/page/models.html, cross-origin isolated) per
// backend: WASM one thread, WASM threads, and WebGPU only on a hardware adapter. Per row: model
// bytes downloaded, cold and warm start to the first recommendation, the renderer's peak memory
// while loading (bench/renderer-memory.ts), click to new row at a history of 50 with the User
// LLM's KV cache on and off, items/s encoded on the device and by `hllm embed` in Node.
//
//   npx tsx bench/model-bench.ts [--models default,smollm2-135m] [--backends wasm-1,wasm-threads,webgpu] [--reps 10]
//   npm run bench -- --models default,smollm2-135m     (bench/run.ts hands --models runs here)
//
// Writes bench/results/models-<date>.{json,md,svg}. A row that cannot be measured is null with a reason.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { chromium, type Page } from '@playwright/test';
import { Command } from 'commander';
import * as vega from 'vega';
import * as vl from 'vega-lite';
import { build } from 'vite';
import { startStaticServer } from '../e2e/support/static-server.ts';
import { topkKernelWasm } from '../src/engine/index/kernel/topk-kernel-build.ts';
import { rng } from '../src/eval/seeded-rng.ts';
import { CHROMIUM_ARGS } from './browser.ts';
import { catalogue, modelFolder, MODELS, shards, type ModelName, type Prepared } from './model-prep.ts';
import { buildRow, chartSpec, goals, rowTable, type Backend, type ModelRow, type PageRun } from './model-rows.ts';
import { positiveInt } from './options.ts';
import type { ModelRunOptions } from './page/model-entry.ts';
import { peakRise, resetPeaks } from './renderer-memory.ts';

const BACKENDS: Backend[] = ['wasm-1', 'wasm-threads', 'webgpu'];
const list = <T extends string>(all: readonly T[], what: string) => (v: string): T[] => {
  const xs = v.split(',').map((s) => s.trim()).filter(Boolean);
  for (const x of xs) if (!all.includes(x as T)) throw new Error(`${what} '${x}': choose from ${all.join(', ')}`);
  return xs as T[];
};

export async function runModelBench(argv: string[]): Promise<void> {
  const o = new Command('npx tsx bench/model-bench.ts').allowUnknownOption(false)
    .description('Model size vs start, memory and click-to-row latency, in headless Chromium.')
    .option('--models <list>', `comma list of ${MODELS.join(', ')}`, list(MODELS, 'model'), ['default', 'smollm2-135m'] as ModelName[])
    .option('--backends <list>', `comma list of ${BACKENDS.join(', ')}`, list(BACKENDS, 'backend'), BACKENDS)
    .option('--dtype <dtype>', 'model dtype (the import writes only this one)', 'q4')
    .option('--history <n>', 'history length at each click', positiveInt, 50)
    .option('--items <n>', 'synthetic catalogue size (items in the shards)', positiveInt, 200)
    .option('--encode-items <n>', 'items the shards miss, encoded on the device', positiveInt, 16)
    .option('--reps <n>', 'timed clicks per run', positiveInt, 10)
    .option('--port <n>', 'port of the static server', positiveInt, Number(process.env.HLLM_E2E_MODELS_PORT ?? 4374))
    .option('--cache <dir>', 'model folders, catalogue and shards (gitignored)', 'bench/.cache')
    .option('--out <dir>', 'results folder', 'bench/results')
    .option('--keep <json>', "an earlier models-<date>.json: its rows of the models not in --models are kept (each says its run's catalogue size and load)")
    .parse(argv).opts<{ keep?: string;  models: ModelName[]; backends: Backend[]; dtype: string; history: number; items: number; encodeItems: number; reps: number; port: number; cache: string; out: string }>();
  const log = (m: string): void => console.log(`[models] ${m}`);
  const load0 = loadavg();
  const started = new Date();

  const cat = await catalogue(o.items, o.encodeItems, o.cache, log);
  const prepared = new Map<ModelName, Prepared>();
  const failed = new Map<ModelName, string>();
  for (const m of o.models) {
    try { prepared.set(m, shards(m, modelFolder(m, o.dtype, o.cache, log), o.dtype, cat.csv, o.items, o.cache, log)); } catch (e) { failed.set(m, (e as Error).message.slice(0, 300)); log(`${m}: ${failed.get(m)}`); }
  }

  const pageOut = resolve('.tmp/model-page');
  await build({
    configFile: false, root: process.cwd(), logLevel: 'warn', publicDir: false, base: '/',
    plugins: [topkKernelWasm()], worker: { format: 'es', plugins: () => [topkKernelWasm()] },
    build: { outDir: pageOut, emptyOutDir: true, target: 'es2022', assetsInlineLimit: 0, rollupOptions: { input: resolve('bench/page/models.html') } },
  });
  const sent = new Map<string, number>();
  const server = await startStaticServer({
    port: o.port,
    headers: { 'Cache-Control': 'no-store', 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp', 'Cross-Origin-Resource-Policy': 'same-origin' },
    mounts: [
      ...[...prepared].flatMap(([m, p]) => [{ prefix: `/m/${m}/`, dir: p.dir }, { prefix: `/s/${m}/`, dir: p.shards }]),
      { prefix: '/data/', dir: resolve(cat.csv, '..') },
      { prefix: '/', dir: pageOut, headers: { 'Cache-Control': 'max-age=3600' } },
    ],
    onServed: ({ mount, file, bytes }) => {
      // hllm.json is fetched on every start (it says which files to read from Cache Storage): counted apart from the model files.
      const key = basename(file) === 'hllm.json' ? `${mount.prefix}hllm.json` : mount.prefix;
      sent.set(key, (sent.get(key) ?? 0) + bytes);
    },
    onMissing: (path) => log(`404 ${path}`),
  });
  const url = `http://127.0.0.1:${o.port}/bench/page/models.html`;
  const version = spawnSync('/usr/bin/chromium', ['--version'], { encoding: 'utf8' }).stdout.trim();
  const args = [...CHROMIUM_ARGS, '--enable-blink-features=ForceEagerMeasureMemory'];
  const r = rng(11);
  const ids = Array.from({ length: o.items }, (_, i) => String(i + 1)).sort(() => r() - 0.5);
  const history = ids.slice(0, o.history - 1);
  const clicks = ids.slice(o.history - 1, o.history - 1 + o.reps);
  const rows: ModelRow[] = [];
  const runs: Record<string, unknown> = {};
  let gpu: { adapter: boolean; fallback: boolean; description: string } | null = null;

  try {
    for (const m of o.models) {
      const p = prepared.get(m);
      for (const backend of o.backends) {
        const base = { model: m, backend, dtype: o.dtype, embedItemsPerSec: p?.embed.itemsPerSecond ?? null };
        const none = { cold: null, warm: null, full: null, coldBytes: null, warmBytes: null, peakRiseBytes: null };
        if (!p) { rows.push(buildRow({ ...base, ...none, reason: `model not prepared: ${failed.get(m)}` })); continue; }
        const profile = mkdtempSync(join(tmpdir(), 'hllm-models-profile-'));
        const ctx = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', args });
        try {
          const page: Page = ctx.pages()[0] ?? await ctx.newPage();
          page.on('console', (c) => { if (c.type() === 'error') log(`page error: ${c.text().slice(0, 300)}`); });
          await page.goto(url);
          await page.waitForFunction(() => typeof (window as any).hllmModel === 'function', null, { timeout: 120_000 });
          if (backend === 'webgpu') {
            gpu ??= await page.evaluate(() => (window as any).hllmGpu());
            if (!gpu!.adapter || gpu!.fallback) {
              rows.push(buildRow({ ...base, ...none, reason: `no hardware WebGPU adapter (${gpu!.adapter ? `software: ${gpu!.description}` : gpu!.description}); a software adapter is not reported as WebGPU` }));
              continue;
            }
          }
          const opts: ModelRunOptions = {
            model: `/m/${m}/`, catalog: `/data/items-${o.items}.csv`, vectors: `/s/${m}/`, dbName: `models-${m}`, backend: backend === 'webgpu' ? 'webgpu' : 'wasm',
            ...(backend === 'wasm-1' ? { threads: 1 } : {}), userCache: true, track: history, clicks: [], encode: [], sampleMs: 250,
          };
          const go = async (x: ModelRunOptions): Promise<PageRun> => {
            await page.waitForFunction(() => typeof (window as any).hllmModel === 'function', null, { timeout: 120_000 });
            return page.evaluate((y) => (window as any).hllmModel(y), x) as Promise<PageRun>;
          };
          const modelSent = () => sent.get(`/m/${m}/`) ?? 0;
          const manifestSent = () => sent.get(`/m/${m}/hllm.json`) ?? 0;
          const h0 = manifestSent();
          log(`${m} ${backend}: cold start`);
          let b0 = modelSent();
          const peaks = resetPeaks(profile);
          const cold = await go(opts);
          const rise = peakRise(profile, peaks);
          const coldBytes = modelSent() - b0;
          log(`${m} ${backend}: cold ${cold.firstRecommendationMs.toFixed(0)} ms, ${(coldBytes / 1e6).toFixed(1)} MB, renderer peak rise ${rise ? (rise.bytes / 2 ** 20).toFixed(0) : '?'} MiB`);
          await page.reload();
          b0 = modelSent();
          const warm = await go({ ...opts, track: [], clicks, encode: cat.missing, sampleMs: 0 });
          const warmBytes = modelSent() - b0;
          log(`${m} ${backend}: warm ${warm.firstRecommendationMs.toFixed(0)} ms, click p50 ${[...warm.clickMs].sort((a, c) => a - c)[warm.clickMs.length >> 1]?.toFixed(1)} ms`);
          await page.reload();
          const full = await go({ ...opts, track: [], clicks, userCache: false, sampleMs: 0 });
          runs[`${m}/${backend}`] = { cold, warm, full, rendererPeak: rise, manifestBytesThreeStarts: manifestSent() - h0 };
          rows.push(buildRow({ ...base, cold, warm, full, coldBytes, warmBytes, peakRiseBytes: rise?.bytes ?? null }));
        } catch (e) {
          log(`${m} ${backend} failed: ${(e as Error).message.slice(0, 500)}`);
          rows.push(buildRow({ ...base, ...none, reason: (e as Error).message.slice(0, 300) }));
        } finally {
          await ctx.close();
          rmSync(profile, { recursive: true, force: true });
        }
      }
    }
  } finally {
    await server.close();
  }
  for (const r of rows) r.detail = { ...r.detail, catalogueItems: o.items, loadavg: loadavg().map((x) => +x.toFixed(2)) };
  const earlier = o.keep ? JSON.parse(readFileSync(o.keep, 'utf8')) as { date: string; rows: ModelRow[]; runs: Record<string, unknown>; options: { items: number }; env: { loadavgEnd: number[] } } : null;
  const kept = (earlier?.rows ?? []).filter((r) => !o.models.includes(r.model as ModelName) && r.coldStartMs !== null);
  for (const r of kept) {
    rows.push({ ...r, detail: { catalogueItems: earlier!.options.items, loadavg: earlier!.env.loadavgEnd.map((x) => +x.toFixed(2)), ...r.detail, keptFrom: `${o.keep} (${earlier!.date})` } });
    runs[`${r.model}/${r.backend}`] = earlier!.runs[`${r.model}/${r.backend}`];
  }
  for (const m of MODELS.filter((x) => !o.models.includes(x) && !kept.some((r) => r.model === x))) {
    for (const backend of o.backends) rows.push(buildRow({ model: m, backend, dtype: o.dtype, cold: null, warm: null, full: null, coldBytes: null, warmBytes: null, peakRiseBytes: null, embedItemsPerSec: null, reason: 'not in --models this run' }));
  }
  rows.sort((a, b) => MODELS.indexOf(a.model as ModelName) - MODELS.indexOf(b.model as ModelName) || BACKENDS.indexOf(a.backend) - BACKENDS.indexOf(b.backend));
  const date = started.toISOString().slice(0, 10);
  const env = { chromium: version, node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model, loadavgStart: load0, loadavgEnd: loadavg(), gpu };
  const report = { bench: 'model-bench', date: started.toISOString(), keptFrom: o.keep ?? null, seconds: (Date.now() - started.getTime()) / 1000, options: { ...o }, env, rows, goals: goals(rows), runs };
  mkdirSync(o.out, { recursive: true });
  const stem = `${o.out}/models-${date}`;
  writeFileSync(`${stem}.json`, JSON.stringify(report, null, 1));
  const view = new vega.View(vega.parse(vl.compile(chartSpec(rows)).spec), { renderer: 'none' });
  writeFileSync(`${stem}.svg`, await view.toSVG());
  writeFileSync(`${stem}.md`, summary(report, `models-${date}.svg`));
  log(`wrote ${stem}.json, .md and .svg`);
}

function summary(rep: { date: string; seconds: number; options: { items: number; encodeItems: number; reps: number; history: number; dtype: string }; env: Record<string, unknown> & { loadavgStart: number[]; loadavgEnd: number[]; gpu: { adapter: boolean; fallback: boolean; description: string } | null }; rows: ModelRow[]; goals: ReturnType<typeof goals> }, svg: string): string {
  const la = (x: number[]) => x.map((v) => v.toFixed(2)).join(' / ');
  const g = rep.env.gpu;
  return [
    `# Model-size bench (${rep.date.slice(0, 10)})`, '',
    `${rep.env.chromium} headless, real engine worker (createRecommender), dtype ${rep.options.dtype}, cross-origin-isolated page (COOP/COEP) for every column; catalogue of ${rep.options.items} synthetic items with \`hllm embed\` shards, ${rep.options.encodeItems} more items the shards miss encoded on the device. ${rep.env.cpus} cores (${rep.env.cpuModel}), shared with other jobs: load average at start ${la(rep.env.loadavgStart)}, at end ${la(rep.env.loadavgEnd)}. Whole run ${rep.seconds.toFixed(0)} s.`, '',
    `Weights are random at the exact shapes of the real models (models/make_shaped_checkpoint.py → import_checkpoint.py): speed, bytes and memory are the real models', recommendations are not.`, '',
    `WebGPU: ${g === null ? 'not checked this run' : !g.adapter ? `no adapter (${g.description})` : g.fallback ? `only a software adapter (${g.description}); its column is left empty rather than report SwiftShader as WebGPU` : `hardware adapter ${g.description}`}.`, '',
    ...rowTable(rep.rows), '',
    ...rep.rows.filter((r) => r.detail?.keptFrom || r.detail?.catalogueItems !== rep.options.items).filter((r) => r.coldStartMs !== null)
      .map((r) => `- ${r.model} ${r.backend}: catalogue of ${r.detail?.catalogueItems} items${r.detail?.keptFrom ? `, from ${r.detail.keptFrom}` : ''}, load average ${(r.detail?.loadavg as number[] | undefined)?.join(' / ') ?? '?'} when the row finished.`),
    '',
    `![click to row](${svg})`, '',
    '## Goals', '', '| goal | measured | met |', '|---|---|---|',
    ...rep.goals.map((x) => `| ${x.goal} | ${x.measured} | ${x.met === null ? '–' : x.met ? 'yes' : 'no'} |`), '',
    '## How', '',
    `- **Model bytes**: bytes the static server sent from the model folder during the cold start (empty profile: no Cache Storage, no IndexedDB). **Warm download bytes**: the same during the warm starts (page reload, same profile): the engine reads the model from Cache Storage.`,
    `- **Cold / warm start**: createRecommender() → ready → first recommend() result; the cold start's ${rep.options.history - 1} track() calls are not counted. Warm start: median of two reloads (KV cache on, then off).`,
    `- **Worker peak memory**: the rise of the Chromium renderer process's resident-memory high-water mark (/proc/<pid>/status VmHWM, reset through clear_refs before the start) over its RSS before createRecommender(), over the cold start. The engine worker runs in that process, so its JS heap, its WebAssembly memory (ORT: weights, activations) and every transient copy of the model while it loads are counted; the page's own small heap and the download buffers are too (an upper bound). Beside it: the largest worker-scope sample of performance.measureUserAgentSpecificMemory() taken every 250 ms while loading (it cannot see a peak inside one synchronous ORT call), and after the warm run in the JSON.`,
    `- **Click to row**: track() + the recommend() after it, both awaited, from a history of ${rep.options.history - 1} to ${rep.options.history}; the click is then forgotten (untimed, the engine reads the window again) so every click is at history ${rep.options.history}. ${rep.options.reps} clicks per run, p50. After-track: that recommend() alone. Cache off: the same clicks with \`userCache: false\` (EngineOptions), every click runs the whole window; positions per click are EngineStats.userPositions. The default d64 model ships no user_kv_encoder, so its clicks always read the whole window.`,
    `- **Device items/s**: embedItems() on the ${rep.options.encodeItems} items the shards miss, after the warm run. **hllm embed items/s**: its --json itemsPerSecond (encoding time, model load excluded), Node, one thread, on the ${rep.options.items} items of the shards; run once when the shards are built and reused from bench/.cache.`, '',
  ].join('\n');
}

if (process.argv[1]?.endsWith('model-bench.ts')) await runModelBench(process.argv);
