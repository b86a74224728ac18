// SHA-256 as lowercase hex. Browser/worker: WebCrypto. Node: node:crypto's synchronous
// createHash — once onnxruntime-web is loaded in Node, every libuv-threadpool completion
// (crypto.subtle, fs.promises) took ~0.8 s to be noticed here, which made hashing a
// catalogue take minutes.
// Many small texts (a catalogue's item texts) go through sha256Many (packed digests): one
// synchronous loop, as a WebCrypto promise per item costs more than the hash itself at 1M items.
// In browsers that loop runs hash-wasm's WebAssembly SHA-256 (its wasm is inlined in the JS: no
// fetch), 2.5× faster than a JS implementation at 1M catalogue texts.
// checksum() is not SHA-256: xxHash128 over large parts, to detect a damaged cache record (not
// tampering) at ~2 GB/s where SHA-256 runs at ~0.2 GB/s.
import { createSHA256, createXXHash128 } from 'hash-wasm';
import { isNode } from '../env.ts';
import { hexOf } from './hex.ts';

const nodeImport = (name: string): Promise<any> => import(/* @vite-ignore */ name);

type SyncHash = (bytes: Uint8Array) => string;
let nodeHash: Promise<SyncHash | null> | null = null;

let nodeBytesHash: Promise<((b: Uint8Array) => Uint8Array) | null> | null = null;

function syncBytesHasher(): Promise<((b: Uint8Array) => Uint8Array) | null> {
  nodeBytesHash ??= isNode()
    ? nodeImport('node:crypto').then((c) => (b: Uint8Array) => c.createHash('sha256').update(b).digest() as Uint8Array)
    : Promise.resolve(null);
  return nodeBytesHash;
}

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
  return hexOf(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as BufferSource)));
}

/**
 * SHA-256 of each text's UTF-8, packed: text i's digest at bytes [32i, 32i + 32). node:crypto in
 * Node, hash-wasm elsewhere (sha256ManyPortable). Same digests as sha256Hex.
 * @example
 * const d = await sha256Many(['title: Heat']); // Uint8Array(32)
 */
export async function sha256Many(texts: readonly string[]): Promise<Uint8Array> {
  const sync = await syncBytesHasher();
  if (!sync) return sha256ManyPortable(texts);
  const out = new Uint8Array(texts.length * 32);
  const enc = new TextEncoder();
  for (let i = 0; i < texts.length; i++) out.set(sync(enc.encode(texts[i]!)), i * 32);
  return out;
}

/**
 * sha256Many on hash-wasm (what browsers and workers run); exported so Node tests check it
 * against node:crypto.
 * @example
 * const d = await sha256ManyPortable(['title: Heat']);
 */
export async function sha256ManyPortable(texts: readonly string[]): Promise<Uint8Array> {
  const h = await createSHA256();
  const out = new Uint8Array(texts.length * 32);
  // TextEncoder, not hash-wasm's own string encoding: a lone surrogate must become U+FFFD, as in
  // node:crypto's and WebCrypto's input. encodeInto one reused buffer (≤ 3 bytes per UTF-16 unit).
  const enc = new TextEncoder();
  let buf = new Uint8Array(1024);
  for (let i = 0; i < texts.length; i++) {
    const t = texts[i]!;
    if (t.length * 3 > buf.length) buf = new Uint8Array(t.length * 3);
    const { written } = enc.encodeInto(t, buf);
    h.init();
    h.update(buf.subarray(0, written));
    out.set(h.digest('binary'), i * 32);
  }
  return out;
}

/**
 * xxHash128 (hex) of the parts in order, each prefixed by its kind and length so that moving
 * bytes between parts changes the result; strings are hashed as UTF-8. For integrity checks of
 * the engine's own cache records, not for content addressing (that is sha256).
 * @example
 * const c = await checksum(['head', new Uint8Array([1, 2])]);
 */
export async function checksum(parts: ReadonlyArray<string | Uint8Array>): Promise<string> {
  const h = await createXXHash128();
  h.init();
  for (const p of parts) {
    h.update(`${typeof p === 'string' ? 's' : 'b'}${p.length}:`);
    h.update(p);
  }
  return h.digest('hex');
}

/**
 * SHA-256 (hex) of a large buffer with hash-wasm, 8 MiB at a time: no copy of the whole
 * buffer (WebCrypto's digest takes one), for model files read back from Cache Storage.
 * @example
 * const sha = await sha256Large(bytes);
 */
export async function sha256Large(bytes: Uint8Array): Promise<string> {
  const h = await createSHA256();
  h.init();
  const step = 1 << 23;
  for (let o = 0; o < bytes.length; o += step) h.update(bytes.subarray(o, o + step));
  return h.digest('hex');
}
