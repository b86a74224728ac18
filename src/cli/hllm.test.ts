// The built `hllm` command end to end: `node dist-like/hllm.js embed` (bundled by the same
// buildCli() that `vite build` runs, into .tmp/) with the real model folder and real ONNX
// Runtime on slices of the demo catalogue, in temp folders. Round trip against the engine's
// own embedItems() and modelKey; incremental (--previous) with a counter of items encoded;
// resume after SIGKILL, killed when the first shard file appears (an fs.watch event); and
// the typed one-line errors of a bad catalogue and a corrupt model file; encoder threads
// (--threads 3) write the same bytes as one thread. `train` and `prepare` run their Python
// scripts: a usage error, a prepared data set, a bad row named.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, rmSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../engine/catalog/catalog.ts';
import { createEngine } from '../engine/engine.ts';
import type { CatalogItem } from '../protocol.ts';
import { readShardSet, vectorsById } from '../vectors/shard-set.ts';
import { buildCli } from './build-plugins.ts';
import { autoThreads } from './embed-command.ts';

const MODEL = resolve('public/models/default');
const CSV = readFileSync('public/catalogs/ml-latest-small/items.csv', 'utf8');
const [HEADER, ...LINES] = CSV.trimEnd().split(/\r?\n/);
const tmp = mkdtempSync(join(tmpdir(), 'hllm-cli-'));
let cli: string;

function catalogFile(name: string, lines: string[]): string {
  const f = join(tmp, name);
  writeFileSync(f, `${HEADER}\n${lines.join('\n')}\n`);
  return f;
}

interface Run { status: number | null; stdout: string; stderr: string; json: Record<string, number | string> | null }
function hllm(args: string[]): Run {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 300_000 });
  const last = r.stdout.trim().split('\n').pop() ?? '';
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, json: last.startsWith('{') ? JSON.parse(last) : null };
}
const embed = (catalog: string, out: string, ...more: string[]) => hllm(['embed', '--model', MODEL, '--catalog', catalog, '--out', out, '--json', '--no-progress', ...more]);

beforeAll(async () => {
  // Inside the checkout so that the bundle's bare imports resolve to its node_modules.
  mkdirSync('.tmp', { recursive: true });
  cli = await buildCli(resolve(mkdtempSync('.tmp/cli-test-')));
});
afterAll(() => {
  for (const d of [tmp, cli && join(cli, '..')]) if (d) rmSync(d, { recursive: true, force: true });
});

describe('hllm embed', () => {
  const items300 = catalogFile('items300.csv', LINES.slice(0, 300));
  const items: CatalogItem[] = parseCsv(readFileSync(items300, 'utf8'));

  it('round trip: the shards hold the engine\'s own vectors (fp32 exactly, int8 within half a step) under the engine\'s model key', async () => {
    const fp32 = join(tmp, 'rt-fp32');
    const int8 = join(tmp, 'rt-int8');
    expect(embed(items300, fp32, '--dtype', 'fp32').status).toBe(0);
    const r = embed(items300, int8, '--dtype', 'int8');
    expect(r.status).toBe(0);
    expect(r.json!.modelDtype).toBe('q8');
    const engine = createEngine({ warn: () => undefined });
    try {
      await engine.init({ model: MODEL, catalog: items.slice(0, 1), backend: 'wasm', storage: 'memory' });
      const want = await engine.embedItems(items);
      const key = (await engine.exportData()).model.sha256;
      const dim = want.length / items.length;
      for (const dir of [fp32, int8]) {
        const set = await readShardSet(dir);
        expect(set.manifest.model.key).toBe(key);
        expect(set.manifest.rows).toBe(items.length);
        const got = vectorsById(set);
        items.forEach((it, i) => {
          const w = want.subarray(i * dim, (i + 1) * dim);
          const g = got.get(it.id)!;
          const tol = dir === fp32 ? 1e-5 : Math.max(...w.map(Math.abs)) / 127 / 2 + 1e-5;
          for (let j = 0; j < dim; j++) expect(Math.abs(g[j]! - w[j]!)).toBeLessThanOrEqual(tol);
        });
      }
    } finally {
      await engine.dispose();
    }
  });

  it('encoder threads: --threads 3 writes the very shard files of --threads 1 (fp32 vectors, byte for byte)', () => {
    const args = ['--dtype', 'fp32', '--shard-size', '16KiB', '--batch-size', '8'];
    const one = join(tmp, 'threads-1');
    const three = join(tmp, 'threads-3');
    const r1 = embed(items300, one, '--threads', '1', ...args);
    const r3 = embed(items300, three, '--threads', '3', ...args);
    expect([r1.status, r3.status]).toEqual([0, 0]);
    expect(r1.stderr).toMatch(/, 1 encoder thread$/m);
    expect(r3.stderr).toMatch(/, 3 encoder threads$/m);
    const shards = (dir: string) => readdirSync(dir).filter((f) => f.startsWith('shard-')).sort().map((f) => [f, readFileSync(join(dir, f)).toString('hex')]);
    expect(shards(one).length).toBeGreaterThan(3);
    expect(shards(three)).toEqual(shards(one));
  });

  it('--threads auto (the default): one thread for the d64 model, every core for an LLM-sized item encoder', () => {
    const r = embed(items300, join(tmp, 'threads-auto'), '--dtype', 'fp32', '--shard-size', '16KiB');
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/, 1 encoder thread$/m);
    expect(JSON.parse(r.stdout.trim().split('\n').at(-1)!)).toMatchObject({ threads: 1 });
    // the rule: 16 MB of item encoder (a q4 SmolLM2-135M's is 96 MB; the default's 0.5 MB)
    expect([autoThreads(96e6, 8), autoThreads(16e6, 2), autoThreads(15.9e6, 8), autoThreads(0.46e6, 8), autoThreads(96e6, 0)]).toEqual([8, 2, 1, 1, 1]);
  });

  it('incremental: 3 changed items are the only ones encoded; untouched shards stay byte-identical', async () => {
    const a = join(tmp, 'inc-a');
    const b = join(tmp, 'inc-b');
    expect(embed(items300, a, '--shard-size', '4KiB').status).toBe(0);
    // Three items in three different shards get a new title (same id).
    const changed = LINES.slice(0, 300).map((l, i) => ([10, 150, 290].includes(i) ? `${l.split(',')[0]},Changed title ${i},Drama,new` : l));
    const r = embed(catalogFile('items300-changed.csv', changed), b, '--shard-size', '4KiB', '--previous', a);
    expect(r.status).toBe(0);
    expect(r.json!.encoded).toBe(3);
    const before = (await readShardSet(a)).manifest.shards;
    const after = (await readShardSet(b)).manifest.shards;
    expect(before.length).toBeGreaterThan(5);
    expect(r.json!.cut).toBe(3);
    const kept = before.filter((s) => after.some((x) => x.sha256 === s.sha256));
    expect(kept.length).toBe(before.length - 3);
    for (const s of kept) expect(readFileSync(join(b, s.path)).equals(readFileSync(join(a, s.path)))).toBe(true);
  });

  it('resumes after SIGKILL without re-encoding finished shards, and ends with the same shards as an uninterrupted run', async () => {
    const all = catalogFile('items-all.csv', LINES);
    const args = ['--shard-size', '8KiB', '--batch-size', '8'];
    const whole = join(tmp, 'whole');
    const ref = embed(all, whole, ...args);
    expect(ref.status).toBe(0);
    const out = join(tmp, 'killed');
    mkdirSync(out);
    const child = spawn(process.execPath, [cli, 'embed', '--model', MODEL, '--catalog', all, '--out', out, '--no-progress', ...args], { stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((res) => child.on('exit', (_code, sig) => res(sig)));
    // Killed on the event of the first finished shard appearing (renamed into place).
    await new Promise<void>((res) => {
      const w = watch(out, (_ev, name) => {
        if (name && /^shard-[0-9a-f]{16}\.bin$/.test(name) && existsSync(join(out, name))) {
          child.kill('SIGKILL');
          w.close();
          res();
        }
      });
    });
    expect(await exited).toBe('SIGKILL');
    expect(existsSync(join(out, 'vectors.json'))).toBe(false);
    const finished = readdirSync(out).filter((f) => /^shard-.*\.bin$/.test(f));
    expect(finished.length).toBeGreaterThan(0);
    const r = embed(all, out, ...args);
    expect(r.status).toBe(0);
    const resumed = Number(r.json!.resumed);
    expect(resumed).toBeGreaterThan(0);
    const refShards = (await readShardSet(whole)).manifest.shards;
    const resumedRows = refShards.slice(0, resumed).reduce((s, x) => s + x.rows, 0);
    expect(r.json!.encoded).toBe(LINES.length - resumedRows);
    expect((await readShardSet(out)).manifest.shards).toEqual(refShards);
    for (const s of refShards) expect(readFileSync(join(out, s.path)).equals(readFileSync(join(whole, s.path)))).toBe(true);
  });

  it('a duplicate id: exit code 1 and one INVALID_CATALOG line naming the id and rows, no stack', () => {
    const bad = catalogFile('dup.csv', [...LINES.slice(0, 5), LINES[2]!]);
    const r = embed(bad, join(tmp, 'dup'));
    expect(r.status).toBe(1);
    const id = LINES[2]!.split(',')[0];
    expect(r.stderr.trim().split('\n')).toEqual([`hllm: INVALID_CATALOG: catalogue id '${id}' appears more than once (entries 2 and 5); ids must be unique. Merge or rename the duplicates; nothing was changed.`]);
    expect(existsSync(join(tmp, 'dup', 'vectors.json'))).toBe(false);
  });

  it('a corrupt item encoder: exit code 1 and one MODEL_INTEGRITY line naming the file', () => {
    const model = join(tmp, 'model-corrupt');
    cpSync(MODEL, model, { recursive: true });
    const f = join(model, 'onnx/item_encoder_q8.onnx');
    const bytes = readFileSync(f);
    bytes[bytes.length - 10]! ^= 0xff;
    writeFileSync(f, bytes);
    const r = hllm(['embed', '--model', model, '--catalog', items300, '--out', join(tmp, 'corrupt'), '--no-progress']);
    expect(r.status).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^hllm: MODEL_INTEGRITY: onnx\/item_encoder_q8\.onnx has sha256 [0-9a-f]{64}, hllm\.json says [0-9a-f]{64}/);
  });
});

describe('hllm train and hllm prepare (the Python pipeline behind the command)', () => {
  it('prepare without a format: exit code 1 and one INVALID_OPTIONS line listing the formats', () => {
    const r = hllm(['prepare']);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe('hllm: INVALID_OPTIONS: hllm prepare needs a format, one of amazon, ml-100k, ml-latest-small, synthetic: for example `hllm prepare amazon --reviews FILE --meta FILE --out DIR`.');
  });

  it('prepare synthetic writes the CSV layout with the asked-for sizes', () => {
    const out = join(tmp, 'prepared');
    const r = hllm(['prepare', 'synthetic', '--items', '30', '--users', '12', '--per-user', '5', '--out', out]);
    expect(r.status).toBe(0);
    const items = readFileSync(join(out, 'items.csv'), 'utf8').trim().split('\r\n');
    const events = readFileSync(join(out, 'interactions.csv'), 'utf8').trim().split('\r\n');  // csv's line ends
    expect([items[0], items.length - 1, events[0], events.length - 1]).toEqual(['item_id,title,genres', 30, 'item_id,user_id,timestamp', 60]);
  });

  it('train on a bad row: the script\'s exit code 2, the file, line and column named, nothing planned', () => {
    const data = join(tmp, 'bad-data');
    mkdirSync(data);
    writeFileSync(join(data, 'items.csv'), 'item_id,title\na,red shoe\nb,blue hat\n');
    writeFileSync(join(data, 'interactions.csv'), 'item_id,user_id,timestamp\na,u1,1\nb,u1,2\na,u1,soon\n');
    const r = hllm(['train', '--data', data, '--out', join(tmp, 'bad-out')]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(`[hllm train] error: ${join(data, 'interactions.csv')} line 4, column timestamp: 'soon' is not a number (seconds, or any increasing number)`);
    expect(existsSync(join(tmp, 'bad-out', 'plan.json'))).toBe(false);
  });
});
