// `npx tsx bench/topk-bench.ts [--rows N] [--reps N] [--node-only]`: the top-K kernel benchmark
// (topk-core.ts) in Node, compiling the kernel directly (tsx has no Vite plugins), then in a
// Chromium worker (topk-browser.ts), there also the threaded scan with 1, 2 and 4 threads
// (topk-threads-core.ts), with the machine's load average before and after.
// Writes bench/results/topk-<date>.json and .md.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { Command } from 'commander';
import { compileTopkKernel } from '../src/engine/index/kernel/topk-kernel-build.ts';
import { runTopkChromium } from './topk-browser.ts';
import { DEFAULTS, runTopkBench, topkSummary } from './topk-core.ts';
import { positiveInt } from './options.ts';
import { threadedSummary } from './topk-threads-core.ts';

const cli = new Command('npx tsx bench/topk-bench.ts')
  .description('The top-K kernel benchmark in Node, then in a Chromium worker (single-thread and threaded scans).')
  .option('--rows <n>', 'int8 rows in the table', positiveInt, DEFAULTS.rows)
  .option('--reps <n>', 'timed queries per figure', positiveInt, DEFAULTS.reps)
  .option('--node-only', 'skip Chromium')
  .parse().opts<{ rows: number; reps: number; nodeOnly?: boolean }>();
const opts = { ...DEFAULTS, rows: cli.rows, reps: cli.reps };
const module = await WebAssembly.compile((await compileTopkKernel()) as BufferSource);
const date = new Date().toISOString();
const loadBefore = loadavg();
const runs: Array<Awaited<ReturnType<typeof runTopkBench>> & { env: string; threaded?: Awaited<ReturnType<typeof runTopkChromium>>['threaded'] }> = [{ env: `node ${process.version}`, ...(await runTopkBench(module, opts)) }];
console.log(topkSummary(runs[0]!.env, runs[0]!));
if (!cli.nodeOnly) runs.push(await runTopkChromium(opts));
const loadAfter = loadavg();
const f2 = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(' / ');
const load = `machine: ${cpus().length} cores shared with other jobs, load average (1/5/15 min) ${f2(loadBefore)} before, ${f2(loadAfter)} after`;
const dir = new URL('./results/', import.meta.url);
mkdirSync(dir, { recursive: true });
const stem = `topk-${date.slice(0, 10)}`;
writeFileSync(new URL(`${stem}.json`, dir), `${JSON.stringify({ date, cores: cpus().length, loadBefore, loadAfter, runs }, null, 2)}\n`);
const md = [
  `# top-K kernel benchmark, ${date.slice(0, 10)} (\`npx tsx bench/topk-bench.ts\`)`, '', `${load}.`, '',
  ...runs.flatMap((r) => [topkSummary(r.env, r), ...(r.threaded ? [threadedSummary(r.env, opts, r.threaded, load)] : [])]),
].join('\n');
writeFileSync(new URL(`${stem}.md`, dir), md);
console.log(md);
