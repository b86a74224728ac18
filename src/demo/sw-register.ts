/// <reference types="vite-plugin-pwa/vanillajs" />
// Registers the demo's service worker (generated at build time by
// vite-plugin-pwa/workbox; it precaches the app, the ORT wasm, the default model
// and the catalogue) and reports when the page is ready to work offline. Only
// the demo registers it: the widget and the embed never install a worker on a
// host site.
import { registerSW } from 'virtual:pwa-register';

/** Registers the worker; `out` receives a one-line status for people and tests. */
export function registerServiceWorker(out: HTMLElement): void {
  if (!('serviceWorker' in navigator)) {
    out.textContent = 'This browser has no service workers: the demo needs the network on every visit.';
    return;
  }
  registerSW({
    immediate: true,
    onOfflineReady() {
      out.textContent = 'Ready to work offline: the app, model and catalogue are stored in this browser.';
      out.dataset.offline = 'ready';
    },
    onRegisterError(error: unknown) {
      out.textContent = `Offline mode is unavailable: ${String(error)}`;
    },
  });
  // A later visit already has an active worker, so onOfflineReady does not fire again.
  void navigator.serviceWorker.ready.then(() => {
    if (navigator.serviceWorker.controller && !out.dataset.offline) {
      out.textContent = 'Working from this browser’s offline copy when the network is away.';
      out.dataset.offline = 'ready';
    }
  });
}
