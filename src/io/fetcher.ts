// Reads model and catalogue files. Browser/worker: fetch() with byte progress. Node:
// http(s) through fetch(), directory paths and file:// URLs through fs (Node's fetch
// cannot read file://). Tests and hosts may inject their own Fetcher.
// node:* modules are imported dynamically, hidden from bundlers.
import { HllmError } from '../errors.ts';
import { isNode } from '../env.ts';

/** Reads one URL/path to bytes; onBytes reports (received, total or 0 when unknown). */
export type Fetcher = (url: string, onBytes?: (done: number, total: number) => void) => Promise<Uint8Array>;

const nodeImport = (name: string): Promise<any> => import(/* @vite-ignore */ name);

const isHttp = (u: string) => /^https?:\/\//i.test(u);
const isFileUrl = (u: string) => /^file:\/\//i.test(u);

/** Joins a model folder (URL or path) and a relative file path. */
export function joinPath(base: string, rel: string): string {
  if (isHttp(base) || isFileUrl(base) || /^[a-z][a-z0-9+.-]*:/i.test(base)) {
    return new URL(rel, base.endsWith('/') ? base : `${base}/`).href;
  }
  return `${base.replace(/\/+$/, '')}/${rel.replace(/^\.?\//, '')}`;
}

async function fetchBytes(url: string, onBytes?: (d: number, t: number) => void): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new HllmError('FETCH_FAILED', `could not fetch ${url}: ${(e as Error).message}. Check the URL and that the server allows it (same origin or CORS).`, { url });
  }
  if (!res.ok) {
    throw new HllmError(res.status === 404 ? 'MODEL_FILE_MISSING' : 'FETCH_FAILED', `fetching ${url} returned HTTP ${res.status}. Check that the file is deployed at that URL.`, { url, status: res.status });
  }
  const total = Number(res.headers.get('content-length') ?? 0);
  if (!res.body || !onBytes) return new Uint8Array(await res.arrayBuffer());
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let done = 0;
  for (;;) {
    const r = await reader.read();
    if (r.done) break;
    chunks.push(r.value);
    done += r.value.byteLength;
    onBytes(done, total);
  }
  const out = new Uint8Array(done);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.byteLength;
  }
  return out;
}

async function readNodeFile(pathOrFileUrl: string, onBytes?: (d: number, t: number) => void): Promise<Uint8Array> {
  // Synchronous on purpose: see sha256.ts on threadpool completions after ORT loads in Node.
  const fs = await nodeImport('node:fs');
  const { fileURLToPath } = await nodeImport('node:url');
  const p = isFileUrl(pathOrFileUrl) ? fileURLToPath(pathOrFileUrl) : pathOrFileUrl;
  try {
    const buf: Uint8Array = fs.readFileSync(p);
    onBytes?.(buf.byteLength, buf.byteLength);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new HllmError(code === 'ENOENT' ? 'MODEL_FILE_MISSING' : 'FETCH_FAILED', `could not read ${p}: ${(e as Error).message}`, { url: pathOrFileUrl });
  }
}

/** The default fetcher for the current runtime. */
export const defaultFetcher: Fetcher = (url, onBytes) => {
  // data: URLs hold their bytes inline; Node's fetch() reads them, fs would take them for a path.
  if (isHttp(url) || /^data:/i.test(url) || !isNode()) return fetchBytes(url, onBytes);
  return readNodeFile(url, onBytes);
};

export async function fetchText(fetcher: Fetcher, url: string): Promise<string> {
  return new TextDecoder().decode(await fetcher(url));
}
