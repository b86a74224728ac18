// npm package: `npm pack` of a fresh build, installed offline into a scratch Vite app that
// imports `hllm-web`, built by Vite with the one setting docs/usage.md asks for, served by
// `vite preview` and opened in Chromium. The library ships no ONNX Runtime wasm of its own:
// the host's bundler must place it, and the recommendation proves the engine found it.
// HLLM_E2E_PKG_PORT sets the preview port (default 4178). Needs no server from the config.
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { preview, type PreviewServer } from 'vite';
import { buildAndPack, installTarball, viteBuild, type Packed } from './support/package-install.ts';

const PORT = Number(process.env.HLLM_E2E_PKG_PORT ?? 4178);
const APP_URL = `http://127.0.0.1:${PORT}`;
const CATALOG_ROWS = 30;

// The scratch app's config: exactly the setting docs/usage.md ("Bundler") documents.
const VITE_CONFIG = `export default { optimizeDeps: { exclude: ['hllm-web', 'onnxruntime-web'], include: ['hllm-web > papaparse'] } };\n`;
const INDEX_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8" /><title>scratch app</title></head>
<body><p id="state">loading</p><ol id="recs"></ol><script type="module" src="/src/main.ts"></script></body></html>
`;
const MAIN_TS = `import { createRecommender } from 'hllm-web';
const state = document.getElementById('state')!;
try {
  const rec = await createRecommender({ model: '/models/default/', catalog: '/items.csv', backend: 'wasm', dbName: 'scratch' });
  const info = await rec.ready;
  await rec.track(new URLSearchParams(location.search).get('like')!, { type: 'like' });
  for (const r of await rec.recommend({ k: 3 })) {
    const li = document.createElement('li');
    li.dataset.id = r.id;
    li.textContent = r.item.title ?? '';
    document.getElementById('recs')!.append(li);
  }
  state.textContent = 'ready on ' + info.backend;
} catch (e) {
  state.textContent = 'error ' + (e as { code?: string }).code + ': ' + (e as Error).message;
}
`;

let dir: string;
let packed: Packed;
let app: string;
let server: PreviewServer | undefined;
const catalog = new Map<string, string>();

test.beforeAll(async () => {
  test.setTimeout(8 * 60_000);
  dir = mkdtempSync(join(tmpdir(), 'hllm-pkg-'));
  packed = buildAndPack(dir);

  app = join(dir, 'app');
  installTarball(app, packed.tarball);
  const installed = join(app, 'node_modules/hllm-web/dist');
  mkdirSync(join(app, 'src'), { recursive: true });
  mkdirSync(join(app, 'public'), { recursive: true });
  // The model as the package ships it; a small slice of its catalogue, so encoding is quick.
  cpSync(join(installed, 'models/default'), join(app, 'public/models/default'), { recursive: true });
  const rows = readFileSync(join(installed, 'catalogs/ml-latest-small/items.csv'), 'utf8').split('\n').slice(0, CATALOG_ROWS + 1);
  writeFileSync(join(app, 'public/items.csv'), `${rows.join('\n')}\n`);
  writeFileSync(join(app, 'vite.config.js'), VITE_CONFIG);
  writeFileSync(join(app, 'index.html'), INDEX_HTML);
  writeFileSync(join(app, 'src/main.ts'), MAIN_TS);
  viteBuild(app);

  // item_id,title,…: a title with a comma is quoted, "" inside it stands for ".
  for (const row of rows.slice(1)) {
    const [, id, title] = /^(\d+),("(?:[^"]|"")*"|[^,]*),/.exec(row)!;
    catalog.set(id!, title!.startsWith('"') ? title!.slice(1, -1).replaceAll('""', '"') : title!);
  }
  server = await preview({ root: app, configFile: join(app, 'vite.config.js'), logLevel: 'warn', preview: { host: '127.0.0.1', port: PORT, strictPort: true } });
});

test.afterAll(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the tarball ships ORT wasm only in the self-contained embed', () => {
  test.info().annotations.push({ type: 'package size', description: `${packed.size} B packed, ${packed.unpackedSize} B unpacked, ${packed.files.length} files` });
  const wasm = packed.files.filter((f) => f.endsWith('.wasm')).map((f) => f.replace(/-[\w-]{8}\.wasm$/, '.wasm'));
  expect(wasm.sort()).toEqual([
    'dist/embed/assets/ort-wasm-simd-threaded.asyncify.wasm',
    'dist/embed/assets/ort-wasm-simd-threaded.wasm',
  ]);
  expect(packed.files).toContain('dist/lib/index.js');
  expect(packed.files).toContain('dist/lib/engine.worker.js');
  expect(packed.files).toContain('dist/embed/hllm-embed.js');
  // The documents a host needs to build model folders and vector shards ship with the package.
  for (const doc of ['docs/usage.md', 'docs/model-format.md', 'docs/vector-format.md']) expect(packed.files).toContain(doc);
  // Both wasm files together are ≈41 MB; the rest of the package is ≈5 MB.
  expect(packed.unpackedSize).toBeLessThan(50_000_000);
});

test('a Vite app that installs the tarball bundles ORT wasm and gets a recommendation', async ({ page, context }) => {
  const built = readdirSync(join(app, 'dist/assets'));
  const appWasm = built.filter((f) => f.endsWith('.wasm'));
  expect(appWasm.some((f) => /^ort-wasm-simd-threaded-[\w-]{8}\.wasm$/.test(f))).toBe(true);

  const urls: string[] = [];
  context.on('request', (r) => urls.push(r.url()));
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));

  const liked = [...catalog.keys()][0]!;
  await page.goto(`${APP_URL}/?like=${liked}`);
  await expect(page.locator('#state')).toHaveText('ready on wasm', { timeout: 120_000 });

  const items = page.locator('#recs li');
  await expect(items).toHaveCount(3);
  for (const li of await items.all()) {
    const id = (await li.getAttribute('data-id'))!;
    expect(catalog.has(id)).toBe(true);
    await expect(li).toHaveText(catalog.get(id)!);
  }
  // ORT's wasm came from where the app's bundler put it, and nothing left the app's origin.
  expect(urls.filter((u) => /\/assets\/ort-wasm-simd-threaded-[\w-]{8}\.wasm$/.test(u))).toEqual(
    appWasm.filter((f) => !f.includes('asyncify')).map((f) => `${APP_URL}/assets/${f}`),
  );
  expect(urls.filter((u) => !u.startsWith(`${APP_URL}/`))).toEqual([]);
  expect(errors).toEqual([]);
});
