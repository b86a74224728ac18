// The `hllm` command: `embed` (catalogue → vector shards), `eval` (quality through the
// engine; --vectors for a shard set), and from a source checkout `bench` (the benchmark
// suite), `train` (own data → tuned model, shards and report) and `prepare` (public data
// sets). Built to dist/cli/hllm.js by src/cli/build.ts; `npm run eval` / `npm run bench` /
// `npm run hllm -- <command>` run it from source. An HllmError ends the run with exit code 1
// and one line "hllm: CODE: message" on stderr, no stack; a usage error is commander's (exit
// code 1); train and prepare exit with their script's status.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import { Command } from 'commander';
import { HllmError } from '../errors.ts';
import { evalCommand } from '../eval/cli.ts';
import { embedCommand } from './embed-command.ts';
import { prepareCommand, trainCommand } from './python-commands.ts';

const program = new Command('hllm')
  .description('HLLM recommender tools: build vector shards, evaluate, benchmark, train, prepare data')
  .showHelpAfterError()
  .addCommand(embedCommand())
  .addCommand(evalCommand())
  .addCommand(trainCommand())
  .addCommand(prepareCommand());

program.command('bench')
  .description('the benchmark suite (bench/run.ts; a source checkout only): see bench/README.md')
  .allowUnknownOption()
  .helpOption(false)
  .argument('[args...]', 'options of bench/run.ts, e.g. --quick --only node; --models <list> runs bench/model-bench.ts')
  .action((args: string[]) => {
    // bench drives Playwright and Python and lives outside src/: it is run, not bundled.
    const script = fileURLToPath(new URL('../../bench/run.ts', import.meta.url));
    if (!existsSync(script)) throw new HllmError('INVALID_OPTIONS', "`hllm bench` runs from a source checkout (it needs bench/ and the dev dependencies): run `npm run bench` there.");
    const r = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], { stdio: 'inherit' });
    process.exitCode = r.status ?? 1;
  });

// The bundled CLI is also the entry of embed's encoder threads (encode-pool.ts): there, only
// that module's loop runs, no command.
if (isMainThread) {
  // The first SIGINT says how to resume; finished shards are already on disk (writer.ts).
  process.once('SIGINT', () => {
    console.error('\nhllm: interrupted; run the same command again to resume.');
    process.exit(130);
  });

  try {
    await program.parseAsync();
  } catch (e) {
    if (e instanceof HllmError) console.error(`hllm: ${e.code}: ${e.message}`);
    else console.error(`hllm: ${(e as Error)?.message ?? String(e)}`);
    process.exitCode = 1;
  }
  // ORT's WASM runtime can keep handles open after its sessions are released.
  process.exit(process.exitCode ?? 0);
}
