// Turns a bench report into bench/results/<stamp>.md with one SVG chart per figure
// (vega-lite compiled to vega, rendered headless to SVG: no canvas, no native deps) and
// the issue's goals checked against the WASM figures.
import { writeFileSync } from 'node:fs';
import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { SuiteResult } from './suite.ts';

interface Report {
  createdAt: string;
  seconds: number;
  quick: boolean;
  machine: Record<string, unknown>;
  results: Array<SuiteResult | { env: string; error: string }>;
}

const ok = (r: Report['results'][number]): r is SuiteResult => !('error' in r);
const f = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '—');

async function chart(dir: string, file: string, spec: vl.TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  writeFileSync(`${dir}/${file}`, await view.toSVG());
  return file;
}

export async function writeSummary(rep: Report, dir: string, stamp: string): Promise<string> {
  const rs = rep.results.filter(ok);
  const failed = rep.results.filter((r) => !ok(r)) as Array<{ env: string; error: string }>;
  const md: string[] = [];
  const c = (name: string) => `${stamp}-${name}.svg`;
  md.push(`# Benchmark ${rep.createdAt.slice(0, 16).replace('T', ' ')}`, '');
  md.push(`Machine: ${JSON.stringify(rep.machine)}. Whole run ${f(rep.seconds, 0)} s${rep.quick ? ' (--quick)' : ''}. Every figure is the median of repeated runs; each ratio's reference was measured in the same run on the same runtime and backend. Model: \`public/models/default\` (fp32), catalogue: ml-latest-small.`, '');
  for (const e of failed) md.push(`**${e.env} failed:** \`${e.error}\``, '');

  // 1. encoding vs roofline
  md.push('## 1. Item encoding throughput vs roofline', '');
  md.push('| env | roofline MatMul GFLOP/s | batched items/s | naive items/s | FLOPs/item | achieved GFLOP/s | % of roofline | batched / naive |', '|---|---|---|---|---|---|---|---|');
  for (const r of rs) {
    const e = r.encoding;
    md.push(`| ${r.env} | ${f(r.roofline.gflops, 2)} | ${f(e.itemsPerSec.batched)} | ${f(e.itemsPerSec.naive)} | ${f(e.flopsPerItem / 1e6, 2)} M | ${f(e.gflops, 2)} | **${f(e.pctOfRoofline)}%** | ${f(e.speedupVsNaive, 2)}× |`);
  }
  const encData = rs.flatMap((r) => [
    { env: r.env, what: 'roofline (MatMul)', gflops: r.roofline.gflops },
    { env: r.env, what: 'batched encoder', gflops: r.encoding.gflops },
    { env: r.env, what: 'naive encoder', gflops: (r.encoding.itemsPerSec.naive * r.encoding.flopsPerItem) / 1e9 },
  ]);
  md.push('', `![encoding](${await chart(dir, c('encoding'), {
    title: 'Item encoder GFLOP/s vs same-run MatMul roofline', width: 360, height: 200, data: { values: encData }, mark: 'bar',
    encoding: { x: { field: 'env', type: 'nominal' }, xOffset: { field: 'what' }, y: { field: 'gflops', type: 'quantitative', title: 'GFLOP/s' }, color: { field: 'what' } },
  })})`, '');

  // 2. recommend latency vs catalogue size
  md.push('## 2. recommend() latency vs catalogue size and history length', '');
  md.push('| env | items | history | p50 ms | p95 ms | top-K scan ms | scan GB/s | copy GB/s | bound ms | % of bandwidth |', '|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rs) for (const x of r.recommend) md.push(`| ${r.env} | ${x.items.toLocaleString('en')} | ${x.history} | ${f(x.p50, 2)} | ${f(x.p95, 2)} | ${f(x.scanMs, 2)} | ${f(x.scanGbPerSec, 2)} | ${f(r.copy.gbPerSec, 2)} | ${f(x.boundMs, 3)} | ${f(x.pctOfBandwidth)}% |`);
  const recData = rs.flatMap((r) => r.recommend.flatMap((x) => [
    { env: r.env, series: `p50, history ${x.history}`, items: x.items, ms: x.p50 },
    ...(x.history === r.recommend[0]!.history ? [{ env: r.env, series: 'memory-bandwidth bound (scan)', items: x.items, ms: x.boundMs }] : []),
  ]));
  md.push('', `![recommend](${await chart(dir, c('recommend'), {
    title: 'recommend() p50 latency vs catalogue size', width: 300, height: 200, data: { values: recData },
    facet: { column: { field: 'env' } },
    spec: { mark: { type: 'line', point: true }, encoding: {
      x: { field: 'items', type: 'quantitative', scale: { type: 'log' } }, y: { field: 'ms', type: 'quantitative', scale: { type: 'log' }, title: 'ms' },
      color: { field: 'series' } } },
  } as vl.TopLevelSpec)})`, '');

  // 3. cold vs warm
  md.push('## 3. Cold vs warm start', '');
  md.push('| env | items | storage | cold ms (encode all) | warm ms (vectors from storage) | cold / warm |', '|---|---|---|---|---|---|');
  for (const r of rs) md.push(`| ${r.env} | ${r.start.items} | ${r.start.storage} | ${f(r.start.cold, 0)} | ${f(r.start.warm, 0)} | **${f(r.start.speedup)}×** |`);
  md.push('', `![start](${await chart(dir, c('start'), {
    title: 'Start-up time: cold (encode) vs warm (IndexedDB)', width: 360, height: 200,
    data: { values: rs.flatMap((r) => [{ env: r.env, start: 'cold', ms: r.start.cold }, { env: r.env, start: 'warm', ms: r.start.warm }]) },
    mark: 'bar', encoding: { x: { field: 'env', type: 'nominal' }, xOffset: { field: 'start' }, y: { field: 'ms', type: 'quantitative', scale: { type: 'log' } }, color: { field: 'start' } },
  })})`, '');

  // 4. memory
  md.push('## 4. Peak memory', '');
  md.push('| env | peak MB | how |', '|---|---|---|');
  for (const r of rs) md.push(`| ${r.env} | ${r.memory.peakBytes ? f(r.memory.peakBytes / 2 ** 20, 0) : '—'} | ${r.memory.how} |`);
  md.push('', `![memory](${await chart(dir, c('memory'), {
    title: 'Peak memory (MB)', width: 300, height: 180,
    data: { values: rs.flatMap((r) => r.memory.samples.map((s, i) => ({ env: r.env, step: `${i}:${s.at}`, mb: s.bytes / 2 ** 20 }))) },
    mark: { type: 'line', point: true }, encoding: { x: { field: 'step', type: 'ordinal', title: 'after' }, y: { field: 'mb', type: 'quantitative', title: 'MB' }, color: { field: 'env' } },
  })})`, '');

  // 5. baselines
  md.push('## 5. Baselines (same run)', '');
  md.push('| env | engine, batched: items/s | naive, one session.run per item: items/s | engine ÷ naive | transformers.js feature-extraction: items/s | its % of roofline | engine ÷ transformers.js |', '|---|---|---|---|---|---|---|');
  const tjsOf = (r: SuiteResult) => {
    const t = r.encoding.transformersJs;
    return t && t.itemsPerSec !== undefined ? t : null;
  };
  for (const r of rs) {
    const t = tjsOf(r);
    const te = r.encoding.transformersJs && 'error' in r.encoding.transformersJs ? `failed: ${r.encoding.transformersJs.error}` : 'not run (browser only)';
    md.push(`| ${r.env} | ${f(r.encoding.itemsPerSec.batched)} | ${f(r.encoding.itemsPerSec.naive)} | ${f(r.encoding.speedupVsNaive, 2)}× | ${t ? f(t.itemsPerSec!) : te} | ${t ? `${f(t.pctOfRoofline!)}%` : '—'} | ${t ? `${f(t.engineSpeedup!, 2)}×` : '—'} |`);
  }
  const withTjs = rs.map(tjsOf).find((t) => t);
  if (withTjs) md.push('', `transformers.js: ${withTjs.what}; FLOPs/item counted for its own shape (GELU FFN, full attention); model load ${f(withTjs.loadMs!, 0)} ms, mean ${f(withTjs.meanTokens!, 1)} tokens/item.`);
  md.push('', `![baselines](${await chart(dir, c('baselines'), {
    title: 'Items/s: engine (batched) vs naive vs transformers.js', width: 360, height: 200,
    data: { values: rs.flatMap((r) => [
      { env: r.env, path: 'engine, batched', ips: r.encoding.itemsPerSec.batched },
      { env: r.env, path: 'naive, 1 run/item', ips: r.encoding.itemsPerSec.naive },
      ...(tjsOf(r) ? [{ env: r.env, path: 'transformers.js pipeline', ips: tjsOf(r)!.itemsPerSec! }] : []),
    ]) },
    mark: 'bar', encoding: { x: { field: 'env', type: 'nominal' }, xOffset: { field: 'path' }, y: { field: 'ips', type: 'quantitative', title: 'items/s' }, color: { field: 'path' } },
  })})`, '');

  // Goals (issue #5), on the WASM environments.
  md.push('## Goals (WASM, this machine)', '', '| goal | env | measured | met |', '|---|---|---|---|');
  for (const r of rs.filter((x) => x.backend === 'wasm')) {
    const r10k = r.recommend.find((x) => x.items === 10_000 && x.history === 50);
    const big = [...r.recommend].sort((a, b) => b.items - a.items)[0];
    md.push(`| batched encoding ≥ 50% of roofline | ${r.env} | ${f(r.encoding.pctOfRoofline)}% | ${r.encoding.pctOfRoofline >= 50 ? 'yes' : 'no'} |`);
    if (r10k) md.push(`| recommend() p50 ≤ 20 ms at 10k items, history 50 | ${r.env} | ${f(r10k.p50, 2)} ms | ${r10k.p50 <= 20 ? 'yes' : 'no'} |`);
    if (big) md.push(`| top-K scan ≥ 50% of copy bandwidth (${big.items.toLocaleString('en')} items) | ${r.env} | ${f(big.pctOfBandwidth)}% | ${big.pctOfBandwidth >= 50 ? 'yes' : 'no'} |`);
    md.push(`| warm start ≥ 20× faster than cold (${r.start.items} items) | ${r.env} | ${f(r.start.speedup)}× | ${r.start.speedup >= 20 ? 'yes' : 'no'} |`);
  }
  const file = `${dir}/${stamp}.md`;
  writeFileSync(file, `${md.join('\n')}\n`);
  return file;
}
