// The second visit downloads no model file, on the demo (its own origin, with its service
// worker) and on a third-party page that embeds the script tag (the engine worker runs there
// from a blob, its Cache Storage the host's): every request, workers' and the service
// worker's included, is seen through context.on('request').
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { DEMO, HOST, START_TIMEOUT, waitReady } from './support/demo.ts';

/** Model files (hllm.json aside, which names the current files) requested from now on. */
function watchModelFiles(context: BrowserContext): string[] {
  const seen: string[] = [];
  context.on('request', (r) => {
    const p = new URL(r.url()).pathname;
    if (p.startsWith('/models/default/') && !p.endsWith('/hllm.json')) seen.push(p);
  });
  return seen;
}

const embedReady = (page: Page) => page.evaluate(() => window.HLLM!.ready);

test('the demo\'s second visit requests no model file', async ({ page, context }) => {
  const seen = watchModelFiles(context);
  await page.goto(`${DEMO}/`);
  await waitReady(page);
  expect(seen.filter((p) => p.includes('/onnx/'))).not.toEqual([]);
  seen.length = 0;
  await page.reload();
  await waitReady(page);
  expect(seen).toEqual([]);
});

test('an embed\'s second visit on a third-party page requests no model file', async ({ page, context }) => {
  test.setTimeout(2 * START_TIMEOUT);
  const seen = watchModelFiles(context);
  await page.goto(`${HOST}/`);
  expect(await embedReady(page)).toMatchObject({ backend: 'wasm' });
  expect(seen.filter((p) => p.includes('/onnx/'))).not.toEqual([]);
  seen.length = 0;
  await page.reload();
  expect(await embedReady(page)).toMatchObject({ backend: 'wasm' });
  expect(seen).toEqual([]);
});

declare global {
  interface Window {
    HLLM?: import('../src/embed/hllm-embed.ts').HllmGlobal;
  }
}
