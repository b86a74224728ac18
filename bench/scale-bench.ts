// The 1,000,000-item scale bench of issue #12, in headless Chromium (/usr/bin/chromium): builds
// bench/page/scale.html with Vite, serves it (e2e/support/static-server.ts) under COOP/COEP
// (cross-origin isolated, for performance.measureUserAgentSpecificMemory) together with public/
// (the default model), the synthetic catalogue + int8 shards of bench/make-synthetic.ts and the demo's shards,
// and drives the real engine worker (createRecommender) with Playwright: cold start from shards,
// recommend() on a history of 50, worker memory, warm starts after a reload, the demo's warm start,
// and `hllm embed` items/s in Node against the same model encoding the demo catalogue in the page.
//
//   npx tsx bench/scale-bench.ts [--items 1000000] [--reps 30] [--warm-reps 3] [--port 4260]
//
// Writes bench/results/scale-<date>-<items>.{json,md}. A row that cannot be measured is null
// with a reason.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { extname, join, resolve } from 'node:path';
import { chromium, type Page } from '@playwright/test';
import { Command } from 'commander';
import { build } from 'vite';
import { startStaticServer, type StaticServer } from '../e2e/support/static-server.ts';
import { topkKernelWasm } from '../src/engine/index/kernel/topk-kernel-build.ts';
import { CHROMIUM_ARGS } from './browser.ts';
import { makeSynthetic } from './make-synthetic.ts';
import { positiveInt } from './options.ts';
import type { ScaleRunOptions, ScaleRunResult } from './page/scale-entry.ts';
import { rng } from '../src/eval/seeded-rng.ts';

const opts = new Command('npx tsx bench/scale-bench.ts')
  .description("Issue #12's scale rows: the real engine worker in headless Chromium on a synthetic catalogue with int8 shards.")
  .option('--items <n>', 'synthetic catalogue size (20000: the quick smoke run)', positiveInt, 1_000_000)
  .option('--reps <n>', 'recommend() calls per page', positiveInt, 30)
  .option('--warm-reps <n>', 'warm starts (page reloads)', positiveInt, 3)
  .option('--port <n>', 'port of the static server', positiveInt, 4260)
  .parse().opts<{ items: number; reps: number; warmReps: number; port: number }>();
const N = opts.items;
const REPS = opts.reps;
const WARM_REPS = opts.warmReps;
const PORT = opts.port;
const ROOT = process.cwd();
const SYN = resolve(ROOT, `.tmp/synthetic-${N}`);
const PAGE_OUT = resolve(ROOT, '.tmp/scale-page');
const log = (m: string): void => console.log(`[scale] ${m}`);

const median = (xs: number[]): number | null => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const pct = (xs: number[], p: number): number | null => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
};

/** The demo's shards: the build's copy if `npx vite build` ran, else its source in public/ (made by hllm embed as the build does). */
function demoVectors(): { dir: string; source: string } {
  const dist = resolve(ROOT, 'dist/catalogs/ml-latest-small/vectors');
  if (existsSync(join(dist, 'vectors.json'))) return { dir: dist, source: 'dist/catalogs/ml-latest-small/vectors (npx vite build)' };
  const pub = resolve(ROOT, 'public/catalogs/ml-latest-small/vectors');
  if (!existsSync(join(pub, 'vectors.json'))) {
    log('demo shards missing: running hllm embed as the build does');
    // Same command as src/cli/build-plugins.ts demoVectors(), in a child process.
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/hllm.ts', 'embed', '--no-progress', '--model', 'public/models/default',
      '--catalog', 'public/catalogs/ml-latest-small/items.csv', '--out', pub, '--previous', pub], { cwd: ROOT, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`hllm embed failed: ${r.stderr}`);
  }
  return { dir: pub, source: 'public/catalogs/ml-latest-small/vectors (hllm embed, what vite build copies into dist/)' };
}

/** Static files under COOP/COEP; counts the bytes sent per mount and extension (a warm start must fetch no shard). */
function serve(sent: Map<string, number>, demoDir: string): Promise<StaticServer> {
  // The page, ORT and the model are cacheable (so Chromium keeps compiled wasm, as a real host would);
  // catalogue and shards are not, so every byte the engine asks for is counted.
  const cached = { 'Cache-Control': 'max-age=3600' };
  return startStaticServer({
    port: PORT,
    headers: { 'Cache-Control': 'no-store', 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp', 'Cross-Origin-Resource-Policy': 'same-origin' },
    mounts: [
      { prefix: '/synthetic/', dir: SYN }, { prefix: '/demo-vectors/', dir: demoDir },
      { prefix: '/', dir: PAGE_OUT, headers: cached }, { prefix: '/', dir: resolve(ROOT, 'public'), headers: cached },
    ],
    onServed: ({ mount, file, bytes }) => {
      const key = `${mount.prefix}${extname(file)}`;
      sent.set(key, (sent.get(key) ?? 0) + bytes);
    },
    onMissing: (path) => log(`404 ${path}`),
  });
}

async function runOn(page: Page, o: ScaleRunOptions): Promise<ScaleRunResult> {
  await page.waitForFunction(() => typeof (window as unknown as Record<string, unknown>).hllmScale === 'function', null, { timeout: 120_000 });
  return page.evaluate((opts) => (window as any).hllmScale(opts), o) as Promise<ScaleRunResult>;
}

const phaseLine = (r: ScaleRunResult | null): string => (r
  ? `${Object.entries(r.phases).map(([k, [a, b]]) => `${k} ${a.toFixed(0)}–${b.toFixed(0)}`).join(', ') || 'no progress events'}; steps ${(r.steps ?? []).map((s) => (s.ms === null ? `[${s.step}]` : `${s.step} ${s.ms}`)).join(', ')}; ready ${r.readyMs.toFixed(0)}, first recommendation ${r.firstRecommendationMs.toFixed(0)}`
  : 'not run');

type Row = { value: number | null; unit: string; goal: string; reason?: string; detail?: unknown };

async function main(): Promise<void> {
  const load0 = loadavg();
  if (!existsSync(join(SYN, 'vectors', 'vectors.json'))) {
    log(`generating ${SYN}`);
    await makeSynthetic(N, 1, SYN, 131072, log);
  }
  const demo = demoVectors();
  log('building bench/page/scale.html');
  await build({
    configFile: false, root: ROOT, logLevel: 'warn', publicDir: false, base: '/',
    plugins: [topkKernelWasm()], worker: { format: 'es', plugins: () => [topkKernelWasm()] },
    build: { outDir: PAGE_OUT, emptyOutDir: true, target: 'es2022', assetsInlineLimit: 0, rollupOptions: { input: resolve(ROOT, 'bench/page/scale.html') } },
  });
  const sent = new Map<string, number>();
  const server = await serve(sent, demo.dir);
  const url = `http://127.0.0.1:${PORT}/bench/page/scale.html`;
  // ForceEagerMeasureMemory: measureUserAgentSpecificMemory answers now instead of at the next GC (up to 20 s later).
  // A persistent profile, as a real visitor has: an incognito-style context keeps IndexedDB and
  // its blobs in memory under a much smaller quota, which no real site's visitor runs under.
  const profile = mkdtempSync(join(tmpdir(), 'hllm-scale-profile-'));
  const ctx = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', args: [...CHROMIUM_ARGS, '--enable-blink-features=ForceEagerMeasureMemory'] });
  // A persistent context has no Browser object to ask for its version.
  const version = spawnSync('/usr/bin/chromium', ['--version'], { encoding: 'utf8' }).stdout.trim();
  const r = rng(7);
  const history = Array.from({ length: 50 }, () => String(1 + Math.floor(r() * N)));
  const demoIds = ['1', '2', '3', '6', '10', '32', '47', '50', '110', '260'];
  const runs: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  const step = async <T>(name: string, f: () => Promise<T>): Promise<T | null> => {
    try { const v = await f(); runs[name] = v; return v; } catch (e) { errors[name] = (e as Error).message.slice(0, 800); log(`${name} failed: ${errors[name]}`); return null; }
  };
  let cold: ScaleRunResult | null = null;
  const warm: ScaleRunResult[] = [];
  const demoWarm: ScaleRunResult[] = [];
  let demoCold: ScaleRunResult | null = null;
  let demoEncode: ScaleRunResult | null = null;
  // hllm embed in Node on the demo's catalogue, same model and item-encoder dtype choice (auto).
  const embedOut = mkdtempSync(join(tmpdir(), 'hllm-scale-embed-'));
  const embedRun = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/hllm.ts', 'embed', '--no-progress', '--json', '--model', 'public/models/default',
    '--catalog', 'public/catalogs/ml-latest-small/items.csv', '--out', embedOut], { cwd: ROOT, encoding: 'utf8' });
  rmSync(embedOut, { recursive: true, force: true });
  const embedJson = embedRun.status === 0 ? JSON.parse(embedRun.stdout.trim().split('\n').at(-1)!) as { encoded: number; itemsPerSecond: number | null; modelDtype: string; seconds: number } : null;
  if (!embedJson) log(`hllm embed failed: ${embedRun.stderr.slice(0, 400)}`);
  let shardBytesWarm: number | null = null;
  try {
    const page = ctx.pages()[0] ?? await ctx.newPage();
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') log(`page ${m.type()}: ${m.text().slice(0, 300)}`); });
    const big = { catalog: '/synthetic/items.csv', vectors: '/synthetic/vectors/', dbName: `scale-${N}` };
    await page.goto(url);
    log(`cold start, ${N} items`);
    cold = await step('cold', () => runOn(page, { ...big, track: history, reps: REPS, freshIds: [], memory: true }));
    if (cold) log(`cold: ready ${cold.readyMs.toFixed(0)} ms, first rec ${cold.firstRecommendationMs.toFixed(0)} ms, encoded ${cold.stats.itemsEncoded}, recommend p50 ${median(cold.recommendMs)?.toFixed(2)} ms; ${phaseLine(cold)}`);
    const before = sent.get('/synthetic/.bin') ?? 0;
    for (let i = 0; i < WARM_REPS; i++) {
      await page.reload();
      const w = await step(`warm${i}`, () => runOn(page, { ...big, track: [], reps: REPS, freshIds: history.slice(0, 10), memory: i === 0 }));
      if (w) { warm.push(w); log(`warm ${i}: first rec ${w.firstRecommendationMs.toFixed(0)} ms, encoded ${w.stats.itemsEncoded}; ${phaseLine(w)}`); }
    }
    // Shard (.bin) bytes the warm starts fetched: must be 0, the shards are in IndexedDB.
    shardBytesWarm = (sent.get('/synthetic/.bin') ?? 0) - before;
    const d = { catalog: '/catalogs/ml-latest-small/items.csv', vectors: '/demo-vectors/', dbName: 'scale-demo' };
    await page.reload();
    demoCold = await step('demoCold', () => runOn(page, { ...d, track: demoIds, reps: 0, freshIds: [], memory: false }));
    for (let i = 0; i < WARM_REPS; i++) {
      await page.reload();
      const w = await step(`demoWarm${i}`, () => runOn(page, { ...d, track: [], reps: 0, freshIds: [], memory: false }));
      if (w) { demoWarm.push(w); log(`demo warm ${i}: first rec ${w.firstRecommendationMs.toFixed(0)} ms; ${phaseLine(w)}`); }
    }
    // The same model encoding the demo's catalogue on the device (no shards), for the ratio to hllm embed.
    await page.reload();
    demoEncode = await step('demoEncode', () => runOn(page, { catalog: d.catalog, dbName: 'scale-demo-encode', track: [], reps: 0, freshIds: [], memory: false }));
  } finally {
    await ctx.close();
    rmSync(profile, { recursive: true, force: true });
    await server.close();
  }

  // Device encoding rate: items encoded over the encode phase (first to last progress event; sessions
  // are already made). hllm embed's itemsPerSecond: items over the time inside its encode calls.
  const enc = demoEncode?.phases.encode;
  const deviceRate = demoEncode && enc && enc[1] > enc[0] ? demoEncode.ready.encoded / ((enc[1] - enc[0]) / 1000) : null;
  const warmMem = warm[0]?.memory ?? null;
  const mem = cold?.memory ?? null;
  const rows: Record<'recommendP50' | 'clickToRowP50' | 'workerMemory' | 'warmStart' | 'demoWarmStart' | 'coldStart' | 'embedRatio' | 'itemsEncodedCold', Row> = {
    // Steady state: the warm pages' calls (nothing else runs in the engine). Right after the cold
    // start the warm-index write (engine.ts, after init()) shares the worker with the first calls.
    recommendP50: warm.some((w) => w.recommendMs.length)
      ? { value: median(warm.flatMap((w) => w.recommendMs)), unit: 'ms', goal: '≤ 10 ms', detail: { p95: pct(warm.flatMap((w) => w.recommendMs), 0.95), reps: warm.flatMap((w) => w.recommendMs).length, similarP50: median(warm.flatMap((w) => w.similarMs)), embedUserP50: median(warm.flatMap((w) => w.embedUserMs)), afterColdStartP50: cold ? median(cold.recommendMs) : null, afterColdStartP95: cold ? pct(cold.recommendMs, 0.95) : null, afterTrackP50: median(warm.flatMap((w) => w.freshMs)), afterTrackP95: pct(warm.flatMap((w) => w.freshMs), 0.95), afterTrackReps: warm.flatMap((w) => w.freshMs).length } }
      : { value: null, unit: 'ms', goal: '≤ 10 ms', reason: errors.warm0 ?? 'no warm run' },
    // What the visitor waits for after a click: track() and the recommend() after it, both awaited.
    clickToRowP50: warm.some((w) => w.clickMs.length)
      ? { value: median(warm.flatMap((w) => w.clickMs)), unit: 'ms', goal: '≤ 10 ms', detail: { p95: pct(warm.flatMap((w) => w.clickMs), 0.95), reps: warm.flatMap((w) => w.clickMs).length, afterTrackP50: median(warm.flatMap((w) => w.freshMs)) } }
      : { value: null, unit: 'ms', goal: '≤ 10 ms', reason: errors.warm0 ?? 'no warm run' },
    // Steady state: a warm start holds the index and nothing else. Right after the cold start the
    // build's garbage and the warm-index write (engine.ts, after init()) may still be in the heap.
    workerMemory: warmMem
      ? { value: warmMem.workerBytes / 2 ** 20, unit: 'MiB', goal: '≤ 150 MB', detail: { MB: warmMem.workerBytes / 1e6, pageAndWorkersMiB: warmMem.totalBytes / 2 ** 20, afterColdStartWorkerMiB: mem ? mem.workerBytes / 2 ** 20 : null, breakdown: warmMem.breakdown, coldBreakdown: mem?.breakdown ?? null } }
      : { value: null, unit: 'MiB', goal: '≤ 150 MB', reason: warm[0]?.memoryError ?? errors.warm0 ?? 'no warm run' },
    warmStart: warm.length
      ? { value: median(warm.map((w) => w.firstRecommendationMs)), unit: 'ms', goal: '≤ 3 s', detail: { runs: warm.map((w) => w.firstRecommendationMs), readyMs: warm.map((w) => w.readyMs), sinceNavigationMs: warm.map((w) => w.sinceNavigationMs), phases: warm.map((w) => w.phases), itemsEncoded: warm.map((w) => w.stats.itemsEncoded), shardBytesFetched: shardBytesWarm } }
      : { value: null, unit: 'ms', goal: '≤ 3 s', reason: errors.warm0 ?? 'no warm run' },
    demoWarmStart: demoWarm.length
      ? { value: median(demoWarm.map((w) => w.firstRecommendationMs)), unit: 'ms', goal: '≤ 1 s', detail: { items: demoWarm[0]!.ready.items, runs: demoWarm.map((w) => w.firstRecommendationMs), sinceNavigationMs: demoWarm.map((w) => w.sinceNavigationMs), shards: demo.source, coldFirstRecommendationMs: demoCold?.firstRecommendationMs ?? null, coldFromShards: demoCold?.ready.fromShards ?? null, coldEncoded: demoCold?.stats.itemsEncoded ?? null } }
      : { value: null, unit: 'ms', goal: '≤ 1 s', reason: errors.demoWarm0 ?? errors.demoCold ?? 'no demo run' },
    coldStart: cold
      ? { value: cold.firstRecommendationMs, unit: 'ms', goal: '≤ 30 s', detail: { readyMs: cold.readyMs, phases: cold.phases, itemsEncoded: cold.stats.itemsEncoded, fromShards: cold.ready.fromShards, reps: 1 } }
      : { value: null, unit: 'ms', goal: '≤ 30 s', reason: errors.cold ?? 'no cold run' },
    embedRatio: embedJson?.itemsPerSecond && deviceRate
      ? { value: embedJson.itemsPerSecond / deviceRate, unit: '×', goal: 'report', detail: { hllmEmbedItemsPerSecond: embedJson.itemsPerSecond, hllmEmbedModelDtype: embedJson.modelDtype, hllmEmbedSeconds: embedJson.seconds, hllmEmbedEncoded: embedJson.encoded, deviceItemsPerSecond: deviceRate, deviceEncoded: demoEncode!.ready.encoded, deviceDtype: demoEncode!.ready.dtype } }
      : { value: null, unit: '×', goal: 'report', reason: errors.demoEncode ?? (embedJson ? 'no device encode phase' : `hllm embed failed: ${embedRun.stderr.slice(0, 200)}`) },
    itemsEncodedCold: cold
      ? { value: cold.stats.itemsEncoded, unit: 'items', goal: '= 0' }
      : { value: null, unit: 'items', goal: '= 0', reason: errors.cold ?? 'no cold run' },
  };
  const date = new Date().toISOString().slice(0, 10);
  const out = {
    bench: 'scale-bench', date: new Date().toISOString(), items: N, history: 50, k: 10, reps: REPS, warmReps: WARM_REPS,
    env: { chromium: version, node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model, loadavgStart: load0, loadavgEnd: loadavg(),
      ready: cold?.ready ?? warm[0]?.ready ?? null, crossOriginIsolated: cold?.crossOriginIsolated ?? null, server: 'e2e/support/static-server.ts (node:http), Vite-built page, COOP/COEP' },
    bytesServed: Object.fromEntries(sent), rows, errors, runs,
  };
  mkdirSync('bench/results', { recursive: true });
  const base = `bench/results/scale-${date}-${N}`;
  writeFileSync(`${base}.json`, JSON.stringify(out, null, 1));
  const fmt = (x: Row): string => (x.value === null ? `not measured: ${x.reason}` : `${x.unit === 'ms' && x.value >= 1000 ? `${(x.value / 1000).toFixed(2)} s` : `${x.value.toFixed(x.unit === 'items' ? 0 : 2)} ${x.unit}`}`);
  const nf = N.toLocaleString('en-US');
  const md = [
    `# Scale bench, ${nf} items (${date})`, '',
    `Chromium ${version} headless, WASM, one thread, real engine worker via createRecommender, cross-origin isolated page.`,
    `Load average at start ${load0.map((l) => l.toFixed(2)).join(' / ')}, at end ${out.env.loadavgEnd.map((l) => l.toFixed(2)).join(' / ')} (${cpus().length} cores, shared).`, '',
    '| row | result | goal |', '|---|---|---|',
    `| \`recommend()\` p50, ${nf} items, history 50, warm pages, the same history each call (the user vector reused; ${warm.flatMap((w) => w.recommendMs).length} calls; p95 ${(rows.recommendP50.detail as { p95?: number } | undefined)?.p95?.toFixed(2) ?? '–'} ms) | ${fmt(rows.recommendP50)} | ≤ 10 ms |`,
    `| \`recommend()\` p50 right after a \`track()\` (a new history each call: the User LLM runs), warm pages (${warm.flatMap((w) => w.freshMs).length} calls; p95 ${pct(warm.flatMap((w) => w.freshMs), 0.95)?.toFixed(2) ?? '–'} ms) | ${median(warm.flatMap((w) => w.freshMs))?.toFixed(2) ?? '–'} ms | ≤ 10 ms |`,
    `| click to new row: \`track()\` + the \`recommend()\` after it, both awaited, p50, history 50, warm pages (${warm.flatMap((w) => w.clickMs).length} clicks; p95 ${pct(warm.flatMap((w) => w.clickMs), 0.95)?.toFixed(2) ?? '–'} ms) | ${fmt(rows.clickToRowP50)} | ≤ 10 ms |`,
    `| of which: \`similar()\` p50 (top-K scan + rules, no User LLM) / \`embedUser()\` p50 (User LLM only), same pages | ${median(warm.flatMap((w) => w.similarMs))?.toFixed(2) ?? '–'} ms / ${median(warm.flatMap((w) => w.embedUserMs))?.toFixed(2) ?? '–'} ms | — |`,
    `| the same right after the cold start (${REPS} calls, beside the warm-index write; p95 ${cold ? pct(cold.recommendMs, 0.95)?.toFixed(2) ?? '–' : '–'} ms) | ${cold ? `${median(cold.recommendMs)?.toFixed(2) ?? '–'} ms` : 'not run'} | — |`,
    `| worker memory, ${nf} int8 rows, after a warm start (measureUserAgentSpecificMemory, DedicatedWorker scope) | ${fmt(rows.workerMemory)}${warmMem ? ` (${(warmMem.workerBytes / 1e6).toFixed(1)} MB)` : ''} | ≤ 150 MB |`,
    `| the same, right after the cold start (build garbage and the warm-index write may still be held) | ${mem ? `${(mem.workerBytes / 2 ** 20).toFixed(2)} MiB` : `not measured: ${cold?.memoryError ?? errors.cold ?? 'no cold run'}`} | — |`,
    `| warm start (reload, IndexedDB filled) to first recommendation, ${nf} items (median of ${warm.length}) | ${fmt(rows.warmStart)} | ≤ 3 s |`,
    `| warm start to first recommendation, demo's ${(rows.demoWarmStart.detail as { items?: number } | undefined)?.items ?? 3650} items (median of ${demoWarm.length}) | ${fmt(rows.demoWarmStart)} | ≤ 1 s |`,
    `| cold start from localhost shards to first recommendation, ${nf} items (1 run) | ${fmt(rows.coldStart)} | ≤ 30 s |`,
    `| items encoded on the device in the cold start | ${fmt(rows.itemsEncodedCold)} | 0 |`,
    `| longest gap between the page's 20 ms timer ticks until the first recommendation: cold start / the demo catalogue parsed, hashed and encoded on the device (the worker's work must not hold the page) | ${cold ? `${cold.longestPageGapMs.toFixed(0)} ms` : '–'} / ${demoEncode ? `${demoEncode.longestPageGapMs.toFixed(0)} ms` : '–'} | report |`,
    `| \`hllm embed\` items/s in Node ÷ the engine's on-device encoding in this Chromium, same model, the demo's ${(rows.embedRatio.detail as { deviceEncoded?: number } | undefined)?.deviceEncoded ?? 3650} items | ${rows.embedRatio.value === null ? `not measured: ${rows.embedRatio.reason}` : `${rows.embedRatio.value.toFixed(2)}× (${(rows.embedRatio.detail as { hllmEmbedItemsPerSecond: number }).hllmEmbedItemsPerSecond.toFixed(0)} vs ${(rows.embedRatio.detail as { deviceItemsPerSecond: number }).deviceItemsPerSecond.toFixed(0)} items/s, item encoder ${(rows.embedRatio.detail as { hllmEmbedModelDtype: string }).hllmEmbedModelDtype} / ${(rows.embedRatio.detail as { deviceDtype: string }).deviceDtype})`} | report |`, '',
    `Where the starts spend their time (ms after createRecommender(), first–last progress event per phase): cold ${phaseLine(cold)}; first warm ${phaseLine(warm[0] ?? null)}; first demo warm ${phaseLine(demoWarm[0] ?? null)}.`, '',
    'Start times run from createRecommender() to the first recommend() result (the 50 track() calls of the cold run excluded); page load is not included (see sinceNavigationMs in the JSON).',
    Object.keys(errors).length ? `\nErrors: ${Object.entries(errors).map(([k, v]) => `${k}: ${v}`).join('; ')}` : '', '',
  ].join('\n');
  writeFileSync(`${base}.md`, md);
  log(`wrote ${base}.json and .md`);
  console.log(md);
}

await main();
