// A plain third-party "host site" for the embed spec: serves one HTML page on its own
// port with no COOP/COEP headers (so no cross-origin isolation, no SharedArrayBuffer)
// and a script tag that loads hllm-embed.js from the demo server's origin.
// Usage: node e2e/support/host-server.mjs <port> <embed-origin>.
import { createServer } from 'node:http';

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
      data-model="../models/default/" data-catalog="../catalogs/ml-latest-small/items.csv"
      data-vectors="../catalogs/ml-latest-small/vectors/"></script>
    <script>document.getElementById('isolation').textContent = 'crossOriginIsolated=' + self.crossOriginIsolated;</script>
  </body>
</html>`;

createServer((req, res) => {
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  if (path === '/' || path === '/index.html') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(page);
  } else {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
  }
}).listen(port, '127.0.0.1', () => console.log(`host page on http://127.0.0.1:${port}/`));
