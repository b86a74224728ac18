// Build-time (Node) Vite plugin that, after the demo app is built, builds
// the two other shapes of the package into the same outDir:
//   - dist/embed/: `hllm-embed.js`, a self-contained IIFE for a <script> tag, plus
//     the engine worker and ORT's wasm beside it;
//   - dist/lib/: ESM entries `index.js` (engine API) and `widget.js` (custom
//     element) with their worker, and dist/lib/types/ declarations. The package's
//     `dependencies` (onnxruntime-web above all) stay external imports there: the
//     host's npm installs them and the host's bundler places ORT's wasm, so the
//     package does not carry a second 40 MB copy of it (docs/usage.md, "Bundler").
// Both use base './' so every asset URL is computed at run time from the module's
// own URL (import.meta.url / document.currentScript): that is what lets the embed
// run from another origin and the library run from any folder.
// `HLLM_SKIP_LIB=1` skips the library build (about 10 s, most of it .d.ts emit).
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { InlineConfig, Plugin, ResolvedConfig } from 'vite';
import { topkKernelWasm } from '../engine/index/kernel/topk-kernel-build.ts';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');

function shared(outDir: string): InlineConfig {
  return {
    configFile: false,
    root: ROOT,
    base: './',
    logLevel: 'warn',
    publicDir: false,
    plugins: [topkKernelWasm()],
    worker: { format: 'es', plugins: () => [topkKernelWasm()] },
    optimizeDeps: { exclude: ['onnxruntime-web'] },
    build: {
      outDir,
      emptyOutDir: true,
      target: 'es2022',
      assetsInlineLimit: 0,
      chunkSizeWarningLimit: 1024,
      copyPublicDir: false,
      minify: true,
    },
  };
}

// Not Vite's library mode: it inlines every asset as base64, and ORT's wasm is
// ~25 MB. An app build with a script entry keeps assets as files.
async function buildEmbed(outDir: string): Promise<void> {
  const { build, mergeConfig } = await import('vite');
  await build(
    mergeConfig(shared(outDir), {
      build: {
        rollupOptions: {
          input: join(ROOT, 'src/embed/hllm-embed.ts'),
          output: { format: 'iife', entryFileNames: 'hllm-embed.js' }, // IIFE: one file, imports inlined
          // The only import.meta left in the IIFE sits in code paths the embed never
          // takes (the default worker URL, the preload helper): the warning is noise.
          onLog(level, log, handler) {
            if (log.code !== 'EMPTY_IMPORT_META') handler(level, log);
          },
        },
      },
    } satisfies InlineConfig),
  );
}

/**
 * True for the package's runtime dependencies and their subpaths (`onnxruntime-web/wasm`,
 * `onnxruntime-web/ort-wasm-simd-threaded.wasm?url`). Read from package.json so that a new
 * dependency is external without a second list to keep in step.
 */
const WORKER_ENTRY = 'engine.worker';
const WORKER_SOURCE = "new URL('../workers/engine.worker.ts', import.meta.url)";
const WORKER_MARK = /__hllmEngineWorkerUrl__\(\s*import\.meta\.url\s*\)/g;

/**
 * Library build only: the engine worker becomes an entry of its own (dist/lib/engine.worker.js,
 * bare imports kept) and src/client.ts's `new Worker(new URL(…))` points at it as a plain
 * relative literal. The host's bundler recognises that pattern and bundles the worker with
 * the host's copy of ORT. Vite's own worker bundling would inline the dependencies and hide
 * the URL behind a computed expression the host's bundler cannot follow.
 */
function workerAsEntry(): Plugin {
  return {
    name: 'hllm-library-worker',
    enforce: 'pre',
    transform(code, id) {
      if (!id.endsWith('/src/client.ts')) return null;
      if (!code.includes(WORKER_SOURCE)) this.error(`src/client.ts no longer creates its worker with ${WORKER_SOURCE}; update build-plugin.ts`);
      // Not a `new URL(…)` any more, so Vite's worker plugin leaves it alone until renderChunk.
      return code.replace(WORKER_SOURCE, '__hllmEngineWorkerUrl__(import.meta.url)');
    },
    renderChunk(code, chunk) {
      if (code.search(WORKER_MARK) < 0) return null;
      let rel = relative(dirname(chunk.fileName), `${WORKER_ENTRY}.js`).split('\\').join('/');
      if (!rel.startsWith('.')) rel = `./${rel}`;
      return code.replace(WORKER_MARK, `new URL(${JSON.stringify(rel)}, import.meta.url)`);
    },
    generateBundle(_options, bundle) {
      for (const out of Object.values(bundle)) {
        if (out.type === 'chunk' && out.code.includes('__hllmEngineWorkerUrl__')) this.error(`${out.fileName}: the worker URL was not rewritten`);
      }
    },
  };
}

let dependencies: string[] | undefined;
function isDependency(id: string): boolean {
  dependencies ??= Object.keys((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> }).dependencies ?? {});
  return dependencies.some((d) => id === d || id.startsWith(`${d}/`) || id.startsWith(`${d}?`));
}

async function buildLibrary(outDir: string): Promise<void> {
  const { build, mergeConfig } = await import('vite');
  await build(
    mergeConfig(shared(outDir), {
      // ort-backend.ts leaves env.wasm.wasmPaths unset under this flag, so ORT computes its
      // wasm URL with `new URL('ort-wasm-simd-threaded*.wasm', import.meta.url)`, a pattern
      // the host's bundler (Vite, webpack 5) resolves and emits. Its `?url` imports are then
      // dead code; being external, they are dropped without emitting anything.
      define: { __HLLM_HOST_BUNDLES_ORT__: 'true' },
      plugins: [workerAsEntry()],
      build: {
        rollupOptions: {
          input: { index: join(ROOT, 'src/index.ts'), widget: join(ROOT, 'src/widget/index.ts'), [WORKER_ENTRY]: join(ROOT, 'workers/engine.worker.ts') },
          preserveEntrySignatures: 'strict', // an app build would drop the exports
          output: { format: 'es', entryFileNames: '[name].js' },
          external: isDependency,
        },
      },
    } satisfies InlineConfig),
  );
  await emitTypes(join(outDir, 'types'));
}

/**
 * Declarations for the two public entries. The sources import each other with
 * `.ts` suffixes (allowImportingTsExtensions); published .d.ts files say `.js`
 * so that consumers need no special compiler flags.
 */
async function emitTypes(outDir: string): Promise<void> {
  const ts = (await import('typescript')).default;
  const program = ts.createProgram([join(ROOT, 'src/index.ts'), join(ROOT, 'src/widget/index.ts')], {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
    types: ['vite/client', 'node'],
    strict: true,
    skipLibCheck: true,
    declaration: true,
    emitDeclarationOnly: true,
    allowImportingTsExtensions: true,
    rootDir: join(ROOT, 'src'),
    outDir,
  });
  const result = program.emit();
  const errors = result.diagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length) {
    throw new Error(ts.formatDiagnostics(errors, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => ROOT, getNewLine: () => '\n' }));
  }
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]));
  for (const file of walk(outDir).filter((f) => f.endsWith('.d.ts'))) {
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace(/(from\s+|import\()(['"])(\.{1,2}\/[^'"]+?)\.ts\2/g, '$1$2$3.js$2'));
  }
}

/** Builds dist/embed and dist/lib after the main (demo) build has been written. */
export function embedAndLibraryBuilds(): Plugin {
  let config: ResolvedConfig;
  return {
    name: 'hllm-embed-and-library',
    apply: 'build',
    configResolved(resolved) {
      config = resolved;
    },
    async closeBundle() {
      if (config.build.ssr) return;
      const outDir = resolve(config.root, config.build.outDir);
      const started = Date.now();
      await buildEmbed(join(outDir, 'embed'));
      if (process.env.HLLM_SKIP_LIB !== '1') await buildLibrary(join(outDir, 'lib'));
      config.logger.info(`hllm: embed${process.env.HLLM_SKIP_LIB === '1' ? '' : ' + library'} built into ${relative(ROOT, outDir)}/ in ${Date.now() - started} ms`);
    },
  };
}
