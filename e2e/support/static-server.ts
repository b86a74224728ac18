// The one static file server for tests and benches that need their own headers (node:http):
// folders mounted under URL prefixes (the first mount holding the file wins; a folder serves
// its index.html), fixed in-memory pages, headers on every response (404 included) plus per
// mount and per page, HEAD, and a hook per file served (bench/scale-bench.ts counts shard bytes).
// Optionally `Range: bytes=N-` on files (206), and responses cut after N body bytes (the socket
// destroyed mid-file, e2e/model-cache.spec.ts resumes from it).
// One MIME table, here. Used by bench/scale-bench.ts (COOP/COEP) and meant for
// e2e/security.spec.ts (CSP).
import { createReadStream, readFileSync, statSync, type Stats } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, isAbsolute, join, relative, resolve } from 'node:path';

/** Content-Type by file extension; anything else is application/octet-stream. */
const MIME_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css',
  '.json': 'application/json', '.map': 'application/json', '.webmanifest': 'application/manifest+json',
  '.wasm': 'application/wasm', '.csv': 'text/csv', '.txt': 'text/plain',
  '.png': 'image/png', '.svg': 'image/svg+xml', '.ico': 'image/x-icon',
  '.onnx': 'application/octet-stream', '.bin': 'application/octet-stream',
};

function contentType(path: string): string {
  return MIME_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

type Headers = Record<string, string>;

interface Mount {
  /** URL path prefix, with the slashes: '/' or '/synthetic/'. */
  prefix: string;
  /** Folder served under the prefix. */
  dir: string;
  /** Headers for this mount's files (over StaticServerOptions.headers). */
  headers?: Headers;
}

interface Page {
  body: string | Uint8Array;
  /** Default: by the path's extension. */
  type?: string;
  /** Headers for this page (over StaticServerOptions.headers). */
  headers?: Headers;
}

interface Served {
  path: string; mount: Mount; file: string;
  /** Body bytes sent (0 for HEAD; before a cut, all the file or range would be). */ bytes: number;
  /** The request's Range header, if any. */ range?: string;
  /** The status answered: 200, or 206 for a range. */ status: number;
}

/**
 * Destroys the socket of a response to `path` after `after` body bytes, `times` times (default
 * 1); with `hold`, only once the promise it returns settles (e.g. the client saw some bytes).
 */
interface Cut { path: string; after: number; times?: number; hold?: () => Promise<void> }

export interface StaticServerOptions {
  /** 0 picks a free port (see StaticServer.origin). */
  port: number;
  /** Default 127.0.0.1. */
  host?: string;
  mounts: Mount[];
  /** Exact URL paths answered from memory, before the mounts. */
  pages?: Record<string, Page>;
  /** Headers on every response, 404 included. */
  headers?: Headers;
  onServed?: (s: Served) => void;
  /** Honour `Range: bytes=N-` (one open-ended range) on mounted files: 206 with Content-Range. */
  ranges?: boolean;
  cut?: Cut;
  onMissing?: (path: string) => void;
}

export interface StaticServer {
  server: Server;
  /** http://host:port */
  origin: string;
  close(): Promise<void>;
}

/** Header names lower-cased, later objects overriding earlier ones. */
function merge(...all: Array<Headers | undefined>): Headers {
  const out: Headers = {};
  for (const h of all) for (const [k, v] of Object.entries(h ?? {})) out[k.toLowerCase()] = v;
  return out;
}

/** The file a mount holds for `path` (a folder's index.html), or null; never outside its folder. */
function fileIn(mount: Mount, path: string): { file: string; stat: Stats } | null {
  if (!path.startsWith(mount.prefix)) return null;
  const dir = resolve(mount.dir);
  let file = resolve(dir, `.${path.slice(mount.prefix.length - 1)}`);
  const rel = relative(dir, file);
  if (rel.startsWith('..') || isAbsolute(rel)) return null;
  let stat = statSync(file, { throwIfNoEntry: false });
  if (stat?.isDirectory()) {
    file = join(file, 'index.html');
    stat = statSync(file, { throwIfNoEntry: false });
  }
  return stat?.isFile() ? { file, stat } : null;
}

/**
 * Starts the server; resolves once it listens.
 *
 * @example
 * ```ts
 * const s = await startStaticServer({ port: 0, mounts: [{ prefix: '/', dir: 'dist' }],
 *   headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } });
 * await page.goto(`${s.origin}/`);
 * await s.close();
 * ```
 */
export function startStaticServer(o: StaticServerOptions): Promise<StaticServer> {
  let cutsMade = 0;
  const server = createServer((req, res) => {
    const head = req.method === 'HEAD';
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      res.writeHead(400, merge(o.headers)).end();
      return;
    }
    const page = o.pages?.[path];
    if (page) {
      const body = typeof page.body === 'string' ? Buffer.from(page.body) : page.body;
      res.writeHead(200, merge(o.headers, { 'content-type': page.type ?? contentType(path), 'content-length': String(body.byteLength) }, page.headers));
      res.end(head ? undefined : body);
      return;
    }
    for (const mount of o.mounts) {
      const found = fileIn(mount, path);
      if (!found) continue;
      const range = req.headers.range;
      const m = o.ranges && range ? /^bytes=(\d+)-$/.exec(range) : null;
      const start = m ? Number(m[1]) : 0;
      if (m && start >= found.stat.size) {
        res.writeHead(416, merge(o.headers, { 'content-range': `bytes */${found.stat.size}` })).end();
        return;
      }
      const length = found.stat.size - start;
      const status = m ? 206 : 200;
      res.writeHead(status, merge(o.headers, { 'content-type': contentType(found.file), 'content-length': String(length) }, o.ranges ? { 'accept-ranges': 'bytes' } : {},
        m ? { 'content-range': `bytes ${start}-${found.stat.size - 1}/${found.stat.size}` } : {}, mount.headers));
      o.onServed?.({ path, mount, file: found.file, bytes: head ? 0 : length, status, ...(range ? { range } : {}) });
      if (head) {
        res.end();
        return;
      }
      const cut = o.cut && o.cut.path === path && (o.cut.times ?? 1) > cutsMade ? o.cut : null;
      if (cut) {
        cutsMade++;
        // Send `after` bytes, then drop the connection with the response unfinished.
        const drop = () => res.socket?.destroy();
        res.write(readFileSync(found.file).subarray(start, start + cut.after), () => void (cut.hold ? cut.hold().then(drop, drop) : drop()));
        return;
      }
      createReadStream(found.file, { start }).on('error', (e) => res.destroy(e)).pipe(res);
      return;
    }
    o.onMissing?.(path);
    res.writeHead(404, merge(o.headers, { 'content-type': 'text/plain' })).end(head ? undefined : 'not found');
  });
  const host = o.host ?? '127.0.0.1';
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(o.port, host, () => {
      const { port } = server.address() as AddressInfo;
      ok({ server, origin: `http://${host}:${port}`, close: () => new Promise<void>((r) => server.close(() => r())) });
    });
  });
}
