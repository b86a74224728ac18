// Playwright: Chromium from Debian (/usr/bin/chromium) against a production build of the
// e2e pages (`vite build --mode e2e`) served by `vite preview`; the config starts the server.
import { defineConfig, type PlaywrightTestConfig } from '@playwright/test';

// HLLM_E2E_{ENGINE,DEMO,HOST,CSP}_PORT let two runs share a machine (e.g. two worktrees).
const PORT = Number(process.env.HLLM_E2E_ENGINE_PORT ?? 4174);
// Demo (`npm start` build) and the embed's third-party host page; see e2e/support/demo.ts.
const DEMO_PORT = Number(process.env.HLLM_E2E_DEMO_PORT ?? 4173);
const HOST_PORT = Number(process.env.HLLM_E2E_HOST_PORT ?? 4175);

type Server = NonNullable<Exclude<PlaywrightTestConfig['webServer'], unknown[] | undefined>> & { name: string };
function selectServers(all: Server[]): Server[] {
  const want = process.env.HLLM_E2E_SERVERS?.split(',').map((s) => s.trim()).filter(Boolean);
  return want ? all.filter((s) => want.includes(s.name)) : all;
}

export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  timeout: 15 * 60_000,
  expect: { timeout: 30_000 },
  workers: 1,
  fullyParallel: false,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    browserName: 'chromium',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync',
        '--no-first-run', '--disable-quic', '--enable-unsafe-webgpu',
      ],
    },
  },
  // HLLM_E2E_SERVERS=engine (comma list of engine,demo,host) starts only those servers,
  // e.g. to run e2e/engine-*.spec.ts while the demo's port is busy. Default: all.
  webServer: selectServers([{
    name: 'engine',
    command: `npx vite build --mode e2e --logLevel warn && npx vite preview --mode e2e --host 127.0.0.1 --port ${PORT} --strictPort`,
    url: `http://127.0.0.1:${PORT}/e2e/pages/engine.html`,
    reuseExistingServer: false,
    timeout: 300_000,
    stdout: 'ignore',
    stderr: 'pipe',
  }, {
    name: 'demo',
    // The demo exactly as `npm start` serves it (dist/, service worker, dist/embed/),
    // for the demo, embed, widget and package specs (dist/lib is served by the host server).
    command: `npx vite build --logLevel warn && npx vite preview --host 127.0.0.1 --port ${DEMO_PORT} --strictPort`,
    url: `http://127.0.0.1:${DEMO_PORT}/`,
    reuseExistingServer: false,
    timeout: 300_000,
    stdout: 'ignore',
    stderr: 'pipe',
  }, {
    name: 'host',
    // A third-party page on another origin, without COOP/COEP, embedding the script tag.
    command: `node e2e/support/host-server.mjs ${HOST_PORT} http://127.0.0.1:${DEMO_PORT}`,
    url: `http://127.0.0.1:${HOST_PORT}/`,
    reuseExistingServer: false,
    timeout: 30_000,
    stdout: 'ignore',
    stderr: 'pipe',
  }]),
});
