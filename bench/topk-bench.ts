// `npx tsx bench/topk-bench.ts [--rows N] [--reps N]`: the top-K kernel benchmark in Node (see
// topk-core.ts), compiling the kernel directly (tsx has no Vite plugins). Writes
// bench/results/topk-<date>-node.json and .md. Imports: node:fs, topk-core, topk-kernel-build.
import { mkdirSync, writeFileSync } from 'node:fs';
import { compileTopkKernel } from '../src/engine/kernel/topk-kernel-build.ts';
import { DEFAULTS, runTopkBench, topkSummary } from './topk-core.ts';

const arg = (name: string) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? Number(process.argv[i + 1]) : undefined; };
const opts = { ...DEFAULTS, rows: arg('rows') ?? DEFAULTS.rows, reps: arg('reps') ?? DEFAULTS.reps };
const module = await WebAssembly.compile((await compileTopkKernel()) as BufferSource);
const result = { env: `node ${process.version}`, date: new Date().toISOString(), ...(await runTopkBench(module, opts)) };
const dir = new URL('./results/', import.meta.url);
mkdirSync(dir, { recursive: true });
const stem = `topk-${result.date.slice(0, 10)}-node`;
writeFileSync(new URL(`${stem}.json`, dir), `${JSON.stringify(result, null, 2)}\n`);
const md = topkSummary(result.env, result);
writeFileSync(new URL(`${stem}.md`, dir), md);
console.log(md);
