// Runs the top-K kernel bench (topk-core) in a worker of headless Chromium (/usr/bin/chromium):
// a Vite dev server with only the kernel plugin serves bench/page/topk.html with COOP/COEP: the
// single-thread figures use the same scanner as on any page, and the threaded scan
// (topk-threads-core) needs the isolation.
import { chromium } from '@playwright/test';
import { createServer } from 'vite';
import { topkKernelWasm } from '../src/engine/index/kernel/topk-kernel-build.ts';
import { CHROMIUM_ARGS } from './browser.ts';
import type { TopkBenchOptions, TopkBenchResult } from './topk-core.ts';
import type { ThreadedBench } from './topk-threads-core.ts';

export async function runTopkChromium(o: TopkBenchOptions): Promise<TopkBenchResult & { env: string; threaded: ThreadedBench }> {
  const server = await createServer({
    configFile: false, root: process.cwd(), logLevel: 'warn', publicDir: false,
    plugins: [topkKernelWasm()], worker: { format: 'es', plugins: () => [topkKernelWasm()] },
    server: { port: 0, strictPort: false, hmr: false, watch: null, headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } },
    optimizeDeps: { noDiscovery: true, entries: [] },
  });
  await server.listen();
  const url = `${server.resolvedUrls!.local[0]!.replace(/\/$/, '')}/bench/page/topk.html`;
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    await page.goto(url);
    await page.waitForFunction(() => typeof (window as unknown as Record<string, unknown>).hllmTopkBench === 'function', null, { timeout: 120_000 });
    const res = (await page.evaluate((opts) => (window as any).hllmTopkBench(opts), o)) as TopkBenchResult & { threaded: ThreadedBench };
    return { env: `chromium ${browser.version()} worker`, ...res };
  } finally {
    await browser.close();
    await server.close();
  }
}
