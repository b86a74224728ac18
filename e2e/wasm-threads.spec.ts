// ONNX Runtime's WASM threads by capability, on the real engine worker: the plain engine page
// (not cross-origin isolated) runs on one thread even when the caller asks for 4, and says
// nothing about it in the console (ORT itself would warn twice: "env.wasm.numThreads is set to
// 4, but this will not work unless you enable crossOriginIsolated mode" and "Falling back to
// single-threading"); the isolated page, given no `threads`, gets min(4, cores) > 1 threads,
// also without a warning. Console messages of the page and of every worker are collected.
import { expect, test, type ConsoleMessage, type Page } from '@playwright/test';
import { catalog, startRecommender } from './support/engine.ts';

/** Every console warning or error of the page and its workers (the engine's, ORT's), but the test page's missing favicon. */
function consoleNoise(page: Page): string[] {
  const seen: string[] = [];
  const keep = (m: ConsoleMessage) => {
    if ((m.type() === 'warning' || m.type() === 'error') && !m.location().url.endsWith('/favicon.ico')) seen.push(`${m.type()}: ${m.text()} (${m.location().url})`);
  };
  page.on('console', keep);
  page.on('worker', (w) => w.on('console', keep));
  return seen;
}

async function start(page: Page, url: string, threads: number | undefined) {
  const noise = consoleNoise(page);
  await page.goto(url);
  await expect(page.locator('#status')).toHaveText('ready');
  const ready = await startRecommender(page, {
    catalog: catalog.slice(0, 40), backend: 'wasm', storage: 'memory', dbName: `e2e-wasm-threads-${Date.now()}`, ...(threads ? { threads } : {}),
  });
  // A real inference after start: the threads are in use, not only configured.
  const vectors = await page.evaluate(async (items) => (await window.rec!.embedItems(items)).length, catalog.slice(40, 45));
  const env = await page.evaluate(async () => {
    await window.rec!.dispose();
    return { isolated: self.crossOriginIsolated, cores: navigator.hardwareConcurrency };
  });
  return { ready, vectors, noise, ...env };
}

test('plain page: 1 WASM thread although 4 were asked, and no warning', async ({ page }) => {
  const r = await start(page, '/e2e/pages/engine.html', 4);
  expect(r).toMatchObject({ isolated: false, vectors: 5 * 64, ready: { backend: 'wasm', threads: 1 }, noise: [] });
});

test('cross-origin-isolated page: min(4, cores) WASM threads by default, more than 1, and no warning', async ({ page }) => {
  const r = await start(page, '/e2e/pages/engine-isolated.html', undefined);
  expect(r.isolated).toBe(true);
  expect(r.ready.threads).toBe(Math.min(4, r.cores));
  expect(r.ready.threads).toBeGreaterThan(1);
  expect(r).toMatchObject({ vectors: 5 * 64, ready: { backend: 'wasm' }, noise: [] });
});
