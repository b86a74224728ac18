// Build-time (Node) configuration of the demo's service worker, used by
// vite.config.ts. Workbox precaches everything the demo needs to start with the
// network gone: the page, its chunks, the engine worker, ORT's wasm, the default
// model and the catalogue with its licence and vector shards. The embed and library
// builds are not precached: they serve other sites, not this page; nor is the CLI.
import { VitePWA } from 'vite-plugin-pwa';

/** The vite-plugin-pwa plugin configured for the demo page. */
export function demoServiceWorker(): ReturnType<typeof VitePWA> {
  return VitePWA({
    registerType: 'autoUpdate',
    injectRegister: false, // src/demo/sw-register.ts registers it, only on the demo page
    manifest: false, // offline use needs no install prompt, and icons would be dead weight
    workbox: {
      globPatterns: ['**/*.{html,js,css,svg,wasm,onnx,json,csv,txt,bin}'], // svg: the favicon
      globIgnores: ['embed/**', 'lib/**', 'cli/**', 'e2e/**', '**/*.map'],
      // ORT's wasm is ~25 MB; the default limit (2 MiB) would silently leave it out.
      maximumFileSizeToCacheInBytes: 64 * 1024 * 1024,
      // Chunk names carry content hashes already; everything else gets a revision.
      dontCacheBustURLsMatching: /-[A-Za-z0-9_-]{8}\.(js|css|wasm)$/,
      navigateFallback: 'index.html',
      cleanupOutdatedCaches: true,
      clientsClaim: true,
      skipWaiting: true,
      sourcemap: false,
      mode: 'production',
    },
  });
}
