// `npm run bench [-- --quick] [--only node,chromium-wasm,chromium-webgpu] [--reps N]`:
// builds the MatMul roofline probe, runs the suite in Node and in headless Chromium (WASM,
// then WebGPU with small workloads: SwiftShader is 20-30× slower than WASM), and writes
// bench/results/<date>-<machine>.json plus a markdown summary with one SVG chart per figure.
// `npm run bench -- --models default,smollm2-135m [...]` runs the model-size bench instead
// (bench/model-bench.ts, its own options).
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, hostname, loadavg, totalmem } from 'node:os';
import { Command } from 'commander';
import { runChromium } from './browser.ts';
import { runNode } from './node-env.ts';
import type { BenchConfig } from './suite.ts';
import { writeSummary } from './summary.ts';
import { runModelBench } from './model-bench.ts';

if (process.argv.some((a) => a === '--models' || a.startsWith('--models='))) {
  await runModelBench(process.argv);
  process.exit(0);
}

const p = new Command().name('bench')
  .option('--only <envs>', 'comma-separated: node, chromium-wasm, chromium-webgpu', 'node,chromium-wasm,chromium-webgpu')
  .option('--quick', 'smaller workloads (smoke test of the harness)')
  .option('--reps <n>', 'repetitions per timed figure', (v) => parseInt(v, 10))
  .option('--threads <n>', 'ORT WASM threads (1 = what a widget without cross-origin isolation gets)', (v) => parseInt(v, 10), 1)
  .option('--out <dir>', 'results folder', 'bench/results');
p.parse();
const o = p.opts<{ only: string; quick?: boolean; reps?: number; threads: number; out: string }>();
const only = new Set(o.only.split(',').map((s) => s.trim()));

const full: BenchConfig = {
  reps: 7, encodeItems: 256, naiveItems: 64, batchSize: 64, catalogueSizes: [1_000, 10_000, 100_000, 1_000_000],
  // cold/warm on the whole shipped catalogue (3,650 items): the start a first-time visitor pays
  histories: [10, 50], startItems: 1_000_000, startReps: 3, matmul: { m: 256, k: 512, n: 512 },
};
const small: BenchConfig = {
  reps: 3, encodeItems: 32, naiveItems: 8, batchSize: 32, catalogueSizes: [1_000, 10_000], histories: [10, 50],
  startItems: 32, startReps: 1, matmul: { m: 64, k: 256, n: 256 },
};
const base = o.quick ? { ...small, catalogueSizes: [1_000, 10_000, 100_000] } : full;
const cfg = (c: BenchConfig): BenchConfig => (o.reps ? { ...c, reps: o.reps } : c);
const log = (m: string) => console.log(m);

mkdirSync('.tmp/bench', { recursive: true });
// One probe per (K, N) in use; M is the dynamic batch axis. The WebGPU run uses the small one.
for (const { k, n } of [base.matmul, small.matmul]) {
  execFileSync('/usr/bin/python3', ['bench/make-matmul.py', `.tmp/bench/matmul-${k}x${n}.onnx`, '--k', String(k), '--n', String(n)], { stdio: 'inherit' });
}

// The transformers.js baseline's encoder (Chromium page only), shaped like the default Item LLM.
if (only.has('chromium-wasm') || only.has('chromium-webgpu')) {
  execFileSync('/usr/bin/python3', ['bench/make-tjs-encoder.py', '.tmp/bench/tjs-encoder'], { stdio: ['ignore', 'inherit', 'ignore'] });
}

const started = new Date();
const machine = {
  host: hostname(), cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '?', memGB: +(totalmem() / 2 ** 30).toFixed(1),
  loadavgAtStart: loadavg(), node: process.version, chromium: execFileSync('/usr/bin/chromium', ['--version']).toString().trim(),
};
const results = [];
if (only.has('node')) results.push(await runNode(cfg(base), o.threads, log));
const browserRuns = [];
if (only.has('chromium-wasm')) browserRuns.push({ name: 'chromium-wasm', backend: 'wasm' as const, threads: o.threads, config: cfg(base) });
if (only.has('chromium-webgpu')) browserRuns.push({ name: 'chromium-webgpu', backend: 'webgpu' as const, threads: o.threads, config: { ...cfg(small), reps: Math.min(cfg(small).reps, 3), matmul: small.matmul } });
if (browserRuns.length) results.push(...(await runChromium(browserRuns, log)));

const report = { kind: 'hllm-bench', createdAt: started.toISOString(), seconds: (Date.now() - started.getTime()) / 1000, machine: { ...machine, loadavgAtEnd: loadavg() }, quick: !!o.quick, results };
const stamp = `${started.toISOString().slice(0, 10)}-${machine.host.replace(/[^a-zA-Z0-9_-]/g, '_')}`;
mkdirSync(o.out, { recursive: true });
writeFileSync(`${o.out}/${stamp}.json`, JSON.stringify(report, null, 1));
const md = await writeSummary(report, o.out, stamp);
console.log(`wrote ${o.out}/${stamp}.json and ${md}`);
