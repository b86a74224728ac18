// A plain third-party "host site" for the embed specs: serves HTML pages on its own
// port with no COOP/COEP headers (so no cross-origin isolation, no SharedArrayBuffer)
// whose script tags load hllm-embed.js from the demo server's origin: `/` one row
// (e2e/embed.spec.ts), `/rows.html` a product page with several tags (e2e/embed-rows.spec.ts).
// Usage: node e2e/support/host-server.mjs <port> <embed-origin>.
import { createServer } from 'node:http';

const port = Number(process.argv[2] ?? 4175);
const embedOrigin = process.argv[3] ?? 'http://127.0.0.1:4173';

const embed = `${embedOrigin}/embed/hllm-embed.js`;
const engineAttrs = 'data-backend="wasm" data-model="../models/default/" data-catalog="../catalogs/ml-latest-small/items.csv" data-vectors="../catalogs/ml-latest-small/vectors/"';

const page = `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8" /><title>A site that embeds hllm</title></head>
  <body>
    <h1>Somebody else's movie blog</h1>
    <p id="isolation"></p>
    <div id="recs"></div>
    <script src="${embed}" data-target="#recs" data-k="10" ${engineAttrs}></script>
    <script>document.getElementById('isolation').textContent = 'crossOriginIsolated=' + self.crossOriginIsolated;</script>
  </body>
</html>`;

// A product page: a "similar" row with the engine attributes, a tag asking for another model
// (console error, no row), a "for you" row repeating the engine attributes, and the first tag
// pasted again on the same target (console error, no row). The spec adds a tag later.
const rows = `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8" /><title>A shop page with two rows</title></head>
  <body>
    <h1>Inception (2010)</h1>
    <section><h2>Similar movies</h2><div id="similar"></div></section>
    <section><h2>Other model</h2><div id="other-model"></div></section>
    <section><h2>For you</h2><div id="for-you"></div></section>
    <section><h2>Added later</h2><div id="later"></div></section>
    <script src="${embed}" data-target="#similar" data-mode="similar" data-item="79132" data-k="6" ${engineAttrs}></script>
    <script src="${embed}" data-target="#other-model" data-model="../models/other/"></script>
    <script src="${embed}" data-target="#for-you" data-k="4" ${engineAttrs}></script>
    <script src="${embed}" data-target="#similar" data-mode="similar" data-item="79132" data-k="6" ${engineAttrs}></script>
  </body>
</html>`;

const pages = { '/': page, '/index.html': page, '/rows.html': rows };

createServer((req, res) => {
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  if (Object.hasOwn(pages, path)) {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(pages[path]);
  } else {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
  }
}).listen(port, '127.0.0.1', () => console.log(`host page on http://127.0.0.1:${port}/`));
