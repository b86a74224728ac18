// Runs the suite in headless Chromium (Debian's /usr/bin/chromium, docs/design.md "Test environment"): a Vite
// dev server (no project plugins) serves bench/page with COOP/COEP so the page is
// cross-origin isolated (memory measurement), Playwright drives it once per backend.
import { chromium } from '@playwright/test';
import { createServer } from 'vite';
import type { Backend } from '../src/index.ts';
import type { BenchConfig, SuiteResult } from './suite.ts';

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', '--enable-unsafe-webgpu'];

export interface BrowserRun {
  name: string;
  backend: Backend;
  threads: number;
  config: BenchConfig;
}

export async function runChromium(runs: BrowserRun[], log: (m: string) => void): Promise<Array<SuiteResult | { env: string; error: string }>> {
  const server = await createServer({
    configFile: false, root: process.cwd(), logLevel: 'warn', publicDir: 'public',
    server: { port: 0, strictPort: false, hmr: false, watch: null, headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } },
    // Dependencies pre-bundled up front, no discovery and no HMR: a dependency found at run
    // time makes Vite reload the page, which kills the running benchmark.
    optimizeDeps: { exclude: ['onnxruntime-web'], include: ['papaparse', '@huggingface/tokenizers', 'idb', 'comlink'], noDiscovery: true, entries: [] },
  });
  await server.listen();
  const url = `${server.resolvedUrls!.local[0]!.replace(/\/$/, '')}/bench/page/index.html`;
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  const out: Array<SuiteResult | { env: string; error: string }> = [];
  try {
    for (const r of runs) {
      // A fresh context per backend: its own IndexedDB, its own ORT instance.
      const ctx = await browser.newContext();
      const page = await ctx.newPage();
      page.on('console', (m) => { if (m.type() === 'log') log(m.text()); });
      // No network beyond this server: transformers.js would reach for the Hub or a CDN if misconfigured.
      const origin = new URL(url).origin;
      const offOrigin: string[] = [];
      page.on('request', (q) => { if (!q.url().startsWith(origin) && !q.url().startsWith('blob:') && !q.url().startsWith('data:')) offOrigin.push(q.url()); });
      await page.goto(url);
      await page.waitForFunction(() => typeof (window as unknown as Record<string, unknown>).hllmBench === 'function', null, { timeout: 120_000 });
      try {
        const res = await page.evaluate(([n, b, t, c]) => (window as any).hllmBench(n, b, t, c), [r.name, r.backend, r.threads, r.config] as const) as SuiteResult;
        if (offOrigin.length) throw new Error(`requests left the bench server: ${offOrigin.slice(0, 3).join(', ')}`);
        out.push(res);
      } catch (e) {
        log(`${r.name} failed: ${(e as Error).message}`);
        out.push({ env: r.name, error: (e as Error).message.slice(0, 500) });
      }
      await ctx.close();
    }
  } finally {
    await browser.close();
    await server.close();
  }
  return out;
}
