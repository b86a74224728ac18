// Build-time (Node) Vite plugins for the `hllm` command:
//   - cliBuild(): after the app build, bundles src/cli/hllm.ts into <outDir>/cli/hllm.js
//     (ESM for Node 20, `#!/usr/bin/env node`, the package's dependencies external), the
//     package's `bin`. buildCli() is the same build on its own (the CLI tests use it).
//   - demoVectors(): once the config is resolved (`vite build` and `vite` dev alike, but
//     not under vitest) runs `hllm embed`
//     for the demo catalogue into public/catalogs/ml-latest-small/vectors/ (gitignored),
//     incrementally with --previous of itself, so the demo ships vector shards and a clean
//     clone needs no extra step. Vite then copies them into dist/ with the rest of public/.
import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { InlineConfig, Plugin, ResolvedConfig } from 'vite';
import { topkKernelWasm } from '../engine/index/kernel/topk-kernel-build.ts';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const DEMO_VECTORS = 'public/catalogs/ml-latest-small/vectors';

let dependencies: string[] | undefined;
function isExternal(id: string): boolean {
  if (id.startsWith('node:')) return true;
  dependencies ??= Object.keys((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> }).dependencies ?? {});
  return dependencies.some((d) => id === d || id.startsWith(`${d}/`) || id.startsWith(`${d}?`));
}

/**
 * Bundles the CLI into `outDir`/hllm.js.
 *
 * @example
 * ```ts
 * await buildCli('.tmp/cli'); // then: node .tmp/cli/hllm.js embed --help
 * ```
 */
export async function buildCli(outDir: string): Promise<string> {
  const { build } = await import('vite');
  await build({
    configFile: false,
    root: ROOT,
    logLevel: 'warn',
    publicDir: false,
    // The engine code the CLI bundles imports the top-K kernel's bytes (`?topk-wasm`).
    plugins: [topkKernelWasm()],
    build: {
      ssr: join(ROOT, 'src/cli/hllm.ts'),
      outDir,
      emptyOutDir: true,
      target: 'node20',
      minify: false,
      copyPublicDir: false,
      rollupOptions: {
        external: isExternal,
        output: { format: 'es', entryFileNames: 'hllm.js', banner: '#!/usr/bin/env node' },
      },
    },
  } satisfies InlineConfig);
  const file = join(outDir, 'hllm.js');
  chmodSync(file, 0o755);
  return file;
}

/** Builds <outDir>/cli/hllm.js after the main (demo) build has been written. */
export function cliBuild(): Plugin {
  let config: ResolvedConfig;
  return {
    name: 'hllm-cli',
    apply: 'build',
    configResolved(resolved) {
      config = resolved;
    },
    async closeBundle() {
      if (config.build.ssr) return;
      const outDir = resolve(config.root, config.build.outDir, 'cli');
      await buildCli(outDir);
      config.logger.info(`hllm: CLI built into ${relative(ROOT, outDir)}/hllm.js`);
    },
  };
}

/** Runs `hllm embed` for the demo catalogue before the build (or dev server) starts. */
export function demoVectors(): Plugin {
  let done = false;
  return {
    name: 'hllm-demo-vectors',
    // Not buildStart: the dev server lists public/ once, before buildStart, and would answer
    // files that appear later with its index.html fallback.
    configResolved(config) {
      if (done || process.env.VITEST) return;
      done = true;
      const out = join(ROOT, DEMO_VECTORS);
      // A child process: ORT's wasm runtime is not loaded into Vite's own process. One encoder
      // thread: 3,650 items take seconds, and builds often run side by side (Playwright's servers),
      // where more threads only compete and each would start tsx again.
      const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/hllm.ts'), 'embed', '--no-progress', '--threads', '1',
        '--model', join(ROOT, 'public/models/default'), '--catalog', join(ROOT, 'public/catalogs/ml-latest-small/items.csv'),
        '--out', out, '--previous', out], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      if (r.status !== 0) throw new Error(`hllm embed for the demo catalogue failed (exit ${r.status}):\n${r.stderr}`);
      config.logger.info(r.stderr.trim().split('\n').pop() ?? 'demo vectors up to date');
    },
  };
}
