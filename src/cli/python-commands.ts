// `hllm train` and `hllm prepare`: the Python pipeline of models/ behind the `hllm` command, run
// with /usr/bin/python3 (Debian's, which has torch; HLLM_PYTHON names another). Like `bench`,
// they need a source checkout: models/ is run, not bundled. Their options are the scripts' own,
// passed through, so `hllm train --help` prints models/pipeline.py's help with every default.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { HllmError } from '../errors.ts';

/** The data sets `hllm prepare` knows, each a models/data/<name>/prepare.py. */
const PREPARE_FORMATS = ['amazon', 'ml-100k', 'ml-latest-small', 'synthetic'] as const;

function runPython(script: string, args: string[]): void {
  // dist/cli/hllm.js (or a test's .tmp/<dir>/hllm.js) sits two folders below the checkout
  const path = fileURLToPath(new URL(`../../${script}`, import.meta.url));
  if (!existsSync(path)) {
    throw new HllmError('INVALID_OPTIONS', `this command runs ${script} from a source checkout of hllm-web (it is not in the npm package): run it there.`);
  }
  const python = process.env.HLLM_PYTHON ?? '/usr/bin/python3';
  const r = spawnSync(python, [path, ...args], { stdio: 'inherit' });
  if (r.error) {
    throw new HllmError('INVALID_OPTIONS', `could not run ${python} (${r.error.message}): install Debian's python3-torch, python3-onnx and python3-numpy, or set HLLM_PYTHON to a Python that has them.`);
  }
  process.exitCode = r.status ?? 1;
}

/**
 * `hllm train --data DIR --out DIR [--hours H]`: a shop's interactions.csv and items.csv to a
 * tuned, exported model folder, its vector shards and report.md.
 *
 * @example
 * ```sh
 * hllm train --data shop-data --out shop-model --hours 6
 * ```
 */
export function trainCommand(): Command {
  return new Command('train')
    .description('train, tune, export and embed a model from your own data (models/pipeline.py; a source checkout)')
    .allowUnknownOption()
    .helpOption(false)
    .argument('[args...]', 'options of models/pipeline.py: --data DIR --out DIR [--hours H]; --help lists them all')
    .action((args: string[]) => runPython('models/pipeline.py', args));
}

/**
 * `hllm prepare <format> ...`: public data sets to HLLM's CSV layout (interactions.csv, items.csv).
 *
 * @example
 * ```sh
 * hllm prepare amazon --reviews Toys_and_Games_5.json.gz --meta meta_Toys_and_Games.json.gz --out toys
 * ```
 */
export function prepareCommand(): Command {
  return new Command('prepare')
    .description(`prepare a public data set in HLLM's CSV layout: ${PREPARE_FORMATS.join(', ')} (a source checkout)`)
    .allowUnknownOption()
    .helpOption(false)
    .argument('[format]', PREPARE_FORMATS.join(' | '))
    .argument('[args...]', 'options of models/data/<format>/prepare.py; <format> --help lists them')
    .action((format: string | undefined, args: string[]) => {
      if (!format || !(PREPARE_FORMATS as readonly string[]).includes(format)) {
        throw new HllmError('INVALID_OPTIONS', `hllm prepare needs a format, one of ${PREPARE_FORMATS.join(', ')}${format ? `, not "${format}"` : ''}: for example \`hllm prepare amazon --reviews FILE --meta FILE --out DIR\`.`);
      }
      runPython(`models/data/${format}/prepare.py`, args);
    });
}
