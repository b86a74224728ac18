// The catalogue at scale in Node: parse a synthetic CSV (bench/make-synthetic.ts), build and
// hash the item texts, pack the CompactCatalog, then time items(ids)-style lookups, search
// and the diff against a stored snapshot; heap after the build with the parse's garbage
// collected (run with --expose-gc). Writes bench/results/catalog-node-<N>.json and .md.
//
//   node --expose-gc --import tsx bench/catalog-bench.ts [--dir .tmp/synthetic-1000000] [--reps 3]
import { readFileSync, writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { diffCatalog, prepareCatalog, type PreparedCatalog } from '../src/engine/index/catalog-index.ts';
import { parseCatalogText } from '../src/engine/catalog/catalog.ts';
import { CompactCatalog } from '../src/engine/catalog/compact-catalog.ts';
import { parseManifest } from '../src/engine/model/manifest.ts';
import { positiveInt } from './options.ts';
import { median, quantile } from './stats.ts';

const { dir, reps } = new Command('node --expose-gc --import tsx bench/catalog-bench.ts')
  .description('Catalogue parse, hash, pack, lookup, search and diff on a synthetic catalogue (bench/make-synthetic.ts) in Node.')
  .option('--dir <dir>', 'folder with the items.csv of bench/make-synthetic.ts', '.tmp/synthetic-1000000')
  .option('--reps <n>', 'repetitions of parse, hash and pack', positiveInt, 3)
  .parse().opts<{ dir: string; reps: number }>();
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc so heap figures exclude uncollected garbage');
const heapMB = () => { gc(); return process.memoryUsage().heapUsed / 2 ** 20; };
const ms = (t0: number) => performance.now() - t0;

const manifest = parseManifest(JSON.parse(readFileSync('public/models/default/hllm.json', 'utf8')));
const csv = readFileSync(`${dir}/items.csv`, 'utf8');
const base = heapMB();
const parse: number[] = [];
const hash: number[] = [];
const build: number[] = [];
let cat = CompactCatalog.empty();
for (let r = 0; r < reps; r++) {
  cat = CompactCatalog.empty();
  let t = performance.now();
  const items = parseCatalogText(csv, `${dir}/items.csv`);
  parse.push(ms(t));
  t = performance.now();
  const prepared = await prepareCatalog(items, manifest);
  hash.push(ms(t));
  t = performance.now();
  cat = CompactCatalog.build(items, prepared.shas);
  build.push(ms(t));
}
const n = cat.size;
const catalogHeap = heapMB() - base;

// items(ids): 20 random ids → rows → fresh item objects, as the engine answers the page.
const lookup: number[] = [];
let seed = 7;
const rand = () => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed % n; };
for (let r = 0; r < 2000; r++) {
  const ids = Array.from({ length: 20 }, () => cat.id(rand()));
  const t = performance.now();
  for (const id of ids) cat.item(cat.rowOf(id)!);
  lookup.push(ms(t));
}

let t = performance.now();
void cat.text;
const textBuild = ms(t);
const withText = heapMB() - base;
const queries = ['river', 'golden moon', 'twist ending', 'night 99999', 'nothing-matches-this'];
const search: Record<string, { medianMs: number; hits: number }> = {};
for (const q of queries) {
  const times: number[] = [];
  let hits = 0;
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    hits = cat.text.match(q).length;
    times.push(ms(t0));
  }
  search[q] = { medianMs: median(times), hits };
}

// The warm-start diff: the same catalogue against its own stored snapshot.
const snap = cat.snapshot();
const again: PreparedCatalog = { items: Array.from({ length: n }, (_, i) => ({ id: cat.id(i) })), texts: [], shas: snap.textShas };
const diffTimes: number[] = [];
for (let r = 0; r < 3; r++) {
  const t0 = performance.now();
  diffCatalog(snap, again);
  diffTimes.push(ms(t0));
}

const result = {
  bench: 'catalog-node', date: new Date().toISOString(), node: process.version, items: n, csvMB: csv.length / 1e6, reps,
  parseMs: median(parse), hashMs: median(hash), buildMs: median(build),
  heapMB: { catalog: catalogHeap, catalogWithSearchText: withText },
  itemsLookup20: { medianMs: median(lookup), p95Ms: quantile(lookup, 0.95) },
  searchTextBuildMs: textBuild, search, diffSelfMs: median(diffTimes),
  runs: { parse, hash, build, diff: diffTimes },
};
const out = `bench/results/catalog-node-${n}`;
writeFileSync(`${out}.json`, JSON.stringify(result, null, 1));
const f = (x: number) => x.toFixed(x < 10 ? 2 : 0);
const md = [
  `# Catalogue at ${n.toLocaleString('en')} items, Node ${process.version} (medians of ${reps})`, '',
  '| step | median |', '|---|---|',
  `| parse CSV (${result.csvMB.toFixed(0)} MB; papaparse + valibot) | ${f(result.parseMs)} ms |`,
  `| item texts + sha256 | ${f(result.hashMs)} ms |`,
  `| pack CompactCatalog | ${f(result.buildMs)} ms |`,
  `| heap held by the catalogue | ${f(catalogHeap)} MB |`,
  `| … plus search text (built on first search, ${f(textBuild)} ms) | ${f(withText)} MB |`,
  `| items(20 ids) | ${result.itemsLookup20.medianMs.toFixed(3)} ms (p95 ${result.itemsLookup20.p95Ms.toFixed(3)}) |`,
  ...Object.entries(search).map(([q, s]) => `| search '${q}' (${s.hits} hits) | ${f(s.medianMs)} ms |`),
  `| diff against its own snapshot | ${f(result.diffSelfMs)} ms |`, '',
];
writeFileSync(`${out}.md`, md.join('\n'));
console.log(md.join('\n'));
