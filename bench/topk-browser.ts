// Runs the top-K kernel bench (topk-core) in a worker of headless Chromium (/usr/bin/chromium):
// a Vite dev server with only the kernel plugin serves bench/page/topk.html, without COOP/COEP
// (a third-party page: one thread). Imports: vite, @playwright/test, topk-kernel-build, topk-core types.
import { chromium } from '@playwright/test';
import { createServer } from 'vite';
import { topkKernelWasm } from '../src/engine/kernel/topk-kernel-build.ts';
import { CHROMIUM_ARGS } from './browser.ts';
import type { TopkBenchOptions, TopkBenchResult } from './topk-core.ts';

export async function runTopkChromium(o: TopkBenchOptions): Promise<TopkBenchResult & { env: string }> {
  const server = await createServer({
    configFile: false, root: process.cwd(), logLevel: 'warn', publicDir: false,
    plugins: [topkKernelWasm()], worker: { format: 'es', plugins: () => [topkKernelWasm()] },
    server: { port: 0, strictPort: false, hmr: false, watch: null },
    optimizeDeps: { noDiscovery: true, entries: [] },
  });
  await server.listen();
  const url = `${server.resolvedUrls!.local[0]!.replace(/\/$/, '')}/bench/page/topk.html`;
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    await page.goto(url);
    await page.waitForFunction(() => typeof (window as unknown as Record<string, unknown>).hllmTopkBench === 'function', null, { timeout: 120_000 });
    const res = (await page.evaluate((opts) => (window as any).hllmTopkBench(opts), o)) as TopkBenchResult;
    return { env: `chromium ${browser.version()} worker`, ...res };
  } finally {
    await browser.close();
    await server.close();
  }
}
