// A plain third-party "host site" for the embed spec: serves one HTML page on its own
// port with no COOP/COEP headers (so no cross-origin isolation, no SharedArrayBuffer)
// and a script tag that loads hllm-embed.js from the demo server's origin.
// It also serves the built npm library (dist/lib) from its own origin, as a site that bundles
// `hllm-web` would, for the package spec.
// Usage: node e2e/support/host-server.mjs <port> <embed-origin>. Imports: node:http, node:fs, node:path.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';

const port = Number(process.argv[2] ?? 4175);
const embedOrigin = process.argv[3] ?? 'http://127.0.0.1:4173';

const page = `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8" /><title>A site that embeds hllm</title></head>
  <body>
    <h1>Somebody else's movie blog</h1>
    <p id="isolation"></p>
    <div id="recs"></div>
    <script src="${embedOrigin}/embed/hllm-embed.js" data-target="#recs" data-k="10" data-backend="wasm"
      data-model="../models/default/" data-catalog="../catalogs/ml-latest-small/items.csv"></script>
    <script>document.getElementById('isolation').textContent = 'crossOriginIsolated=' + self.crossOriginIsolated;</script>
  </body>
</html>`;

const libPage = `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8" /><title>A site that bundles hllm-web</title></head>
  <body>
    <hllm-recommendations id="w" k="5" backend="wasm" model="${embedOrigin}/models/default/"
      catalog="${embedOrigin}/catalogs/ml-latest-small/items.csv"></hllm-recommendations>
    <script type="module">
      import { createRecommender, HllmError } from '/lib/index.js';
      import '/lib/widget.js';
      window.libExports = { createRecommender: typeof createRecommender, HllmError: typeof HllmError };
    </script>
  </body>
</html>`;

const TYPES = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };
const LIB = join(process.cwd(), 'dist/lib');

createServer(async (req, res) => {
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  if (path === '/' || path === '/index.html' || path === '/lib.html') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(path === '/lib.html' ? libPage : page);
  } else if (path.startsWith('/lib/') && TYPES[extname(path)]) {
    const file = normalize(join(LIB, path.slice('/lib/'.length)));
    try {
      if (!file.startsWith(LIB)) throw new Error('outside dist/lib');
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(path)] });
      res.end(body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    }
  } else {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
  }
}).listen(port, '127.0.0.1', () => console.log(`host page on http://127.0.0.1:${port}/`));
