// Build, dev-server and unit-test configuration for the whole package.
//
// `vite build` produces the app; `vite build --mode e2e` also builds the pages under
// e2e/pages/ that the Playwright specs drive (into .tmp/dist-e2e, never into dist/).
// onnxruntime-web is excluded from dep pre-bundling: its wasm is imported with `?url`
// and must keep its file name, and the ORT chunk must stay separate from app code.
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';
import { cliBuild, demoVectors } from './src/cli/build-plugins.ts';
import { demoServiceWorker } from './src/demo/pwa-config.ts';
import { embedAndLibraryBuilds } from './src/embed/build-plugin.ts';
import { topkKernelWasm } from './src/engine/index/kernel/topk-kernel-build.ts';

// e2e only: COOP/COEP on exactly one page, e2e/pages/engine-isolated.html, so it is cross-origin
// isolated (SharedArrayBuffer, the threaded top-K scan) while engine.html stays a plain page.
// Chromium loads a worker of an isolated page only if the worker script has COEP too: so do the
// scripts of workers that page or its workers start (Referer: the page, or a script in /assets/).
const ISOLATED_PAGE = '/e2e/pages/engine-isolated.html';
const isolateOnePage: Plugin = {
  name: 'hllm-e2e-isolated-page',
  configurePreviewServer(server) {
    server.middlewares.use((req, res, next) => {
      const path = req.url?.split('?')[0];
      const from = req.headers.referer ? new URL(req.headers.referer).pathname : '';
      const isolatedWorker = req.headers['sec-fetch-dest'] === 'worker' && (from === ISOLATED_PAGE || from.startsWith('/assets/'));
      if (path === ISOLATED_PAGE) res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
      if (path === ISOLATED_PAGE || isolatedWorker) res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
      next();
    });
  },
};

export default defineConfig(({ mode }) => {
  const e2e = mode === 'e2e';
  return {
    build: {
      target: 'es2022',
      outDir: e2e ? '.tmp/dist-e2e' : 'dist',
      emptyOutDir: true,
      // ORT's wasm is ~25 MB; it is fetched once and cached by the browser.
      chunkSizeWarningLimit: 1024,
      assetsInlineLimit: 0,
      rollupOptions: e2e
        ? {
            input: {
              engine: fileURLToPath(new URL('./e2e/pages/engine.html', import.meta.url)),
              isolated: fileURLToPath(new URL('./e2e/pages/engine-isolated.html', import.meta.url)),
              // the widget on the real engine (e2e/widget-modes.spec.ts) and inside React (e2e/widget-react.spec.ts)
              widget: fileURLToPath(new URL('./e2e/pages/widget.html', import.meta.url)),
              react: fileURLToPath(new URL('./e2e/pages/react.html', import.meta.url)),
            },
          }
        : {
            input: {
              main: fileURLToPath(new URL('./index.html', import.meta.url)),
              // the widget on its own, in attribute mode (docs/usage.md §2, e2e/widget.spec.ts)
              widget: fileURLToPath(new URL('./src/demo/widget.html', import.meta.url)),
            } as Record<string, string>,
          },
    },
    // Demo only: the demo catalogue's vector shards (hllm embed, before the build), the
    // offline service worker, and the embed (IIFE) + library (ESM) + CLI (Node) bundles
    // built after the app into dist/embed, dist/lib and dist/cli.
    // topkKernelWasm: `?topk-wasm` imports (the top-K kernel's bytes), in every build and in vitest.
    plugins: e2e ? [topkKernelWasm(), isolateOnePage] : [topkKernelWasm(), demoVectors(), demoServiceWorker(), embedAndLibraryBuilds(), cliBuild()],
    worker: { format: 'es', plugins: () => [topkKernelWasm()] },
    optimizeDeps: { exclude: ['onnxruntime-web'] },
    test: {
      include: ['src/**/*.test.ts', 'bench/**/*.test.ts'],
      exclude: ['src/**/*.browser.test.ts', 'node_modules/**'],
      environment: 'node',
      // The setImmediate shim the engine's fake-indexeddb tests need, in one place (see the file).
      setupFiles: ['src/testing/immediate-shim.ts'],
      testTimeout: 120_000,
      hookTimeout: 600_000,
      // Two shared cores: one test file at a time keeps ORT runs from fighting.
      fileParallelism: false,
    },
  };
});
