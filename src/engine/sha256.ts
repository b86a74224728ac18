// SHA-256 as lowercase hex. Browser/worker: WebCrypto. Node: node:crypto's synchronous
// createHash — once onnxruntime-web is loaded in Node, every libuv-threadpool completion
// (crypto.subtle, fs.promises) took ~0.8 s to be noticed here, which made hashing a
// catalogue take minutes.
// Imports: env; node:crypto dynamically (hidden from bundlers) in Node only.
import { isNode } from '../env.ts';

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const nodeImport = (name: string): Promise<any> => import(/* @vite-ignore */ name);

type SyncHash = (bytes: Uint8Array) => string;
let nodeHash: Promise<SyncHash | null> | null = null;

function syncHasher(): Promise<SyncHash | null> {
  nodeHash ??= isNode()
    ? nodeImport('node:crypto').then((c) => (b: Uint8Array) => c.createHash('sha256').update(b).digest('hex') as string)
    : Promise.resolve(null);
  return nodeHash;
}

export async function sha256Hex(data: Uint8Array | string): Promise<string> {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  const sync = await syncHasher();
  if (sync) return sync(bytes);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as BufferSource));
  let s = '';
  for (const b of digest) s += HEX[b];
  return s;
}
