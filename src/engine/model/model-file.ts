// One manifest file's bytes, checked against its size and sha256 before anything uses them:
// from Cache Storage when kept there (checked again on read; a damaged copy is reported once,
// deleted and downloaded again), else downloaded — streamed into one preallocated buffer with
// an incremental sha256 and range resumes in browsers, through the Fetcher elsewhere — and then
// kept. Also the quota check made before any download (QUOTA_EXCEEDED).
import { HllmError } from '../../errors.ts';
import { joinPath, type Fetcher } from '../../io/fetcher.ts';
import { sha256Hex, sha256Large } from '../../io/sha256.ts';
import { streamDownload } from '../../io/stream-download.ts';
import { isNode } from '../../env.ts';
import { openModelFiles, type ModelFileStore } from '../../storage/model-files.ts';
import type { ManifestFile } from './manifest.ts';

/** Where model files come from: the Fetcher, or a stream (browsers), kept in Cache Storage or not. */
export interface FileSource {
  fetcher: Fetcher;
  /** Stream-download http(s) files (browsers on the default fetcher); false: the Fetcher reads them. */
  stream: boolean;
  /** Cache Storage of model files; null where there is none (Node, insecure pages) or a Fetcher was injected. */
  kept: ModelFileStore | null;
  warn: (message: string) => void;
}

/** Node and injected fetchers: every file through the Fetcher, nothing kept. */
export const fetcherOnly = (fetcher: Fetcher): FileSource => ({ fetcher, stream: false, kept: null, warn: () => undefined });

/**
 * The engine's source: an injected Fetcher reads every file (nothing kept); otherwise browsers
 * stream files and keep them in Cache Storage where it exists, and Node reads them as before.
 * @example
 * const src = await modelFileSource(defaultFetcher, false, console.warn);
 */
export async function modelFileSource(fetcher: Fetcher, injected: boolean, warn: (m: string) => void): Promise<FileSource> {
  if (injected || isNode()) return { ...fetcherOnly(fetcher), warn };
  return { fetcher, stream: true, kept: await openModelFiles(), warn };
}

const MB = (n: number) => `${(n / 2 ** 20).toFixed(1)} MB`;

function checkBytes(f: ManifestFile, url: string, head: Uint8Array, size: number | string, sha: () => Promise<string>): Promise<void> | void {
  // A wrong path on a host with an SPA fallback answers 200 text/html: say so plainly.
  if (!f.path.endsWith('.json') && /^\s*<(!doctype|html|head|body|\?xml)/i.test(new TextDecoder().decode(head.subarray(0, 64)))) {
    throw new HllmError('MODEL_INTEGRITY', `${f.path} at ${url} is an HTML/XML page, not the model file: the server answered that URL with a web page. Check the 'model' URL and deploy the model folder there.`, { path: f.path });
  }
  if (size !== f.bytes) {
    throw new HllmError('MODEL_INTEGRITY', `${f.path} has ${size} bytes, hllm.json says ${f.bytes}: the deployed file is not the one the manifest describes. Redeploy the model folder as a whole.`, { path: f.path });
  }
  return sha().then((actual) => {
    if (actual !== f.sha256) {
      throw new HllmError('MODEL_INTEGRITY', `${f.path} has sha256 ${actual}, hllm.json says ${f.sha256}: the file is corrupt or from another export. Redeploy the model folder as a whole.`, { path: f.path, expected: f.sha256, actual });
    }
  });
}

async function download(base: string, f: ManifestFile, src: FileSource, onBytes: (d: number) => void): Promise<Uint8Array> {
  const url = joinPath(base, f.path);
  if (!src.stream) {
    const bytes = await src.fetcher(url, onBytes);
    await checkBytes(f, url, bytes, bytes.byteLength, () => sha256Hex(bytes));
    return bytes;
  }
  const got = await streamDownload(url, f.bytes, { onBytes });
  const head = got.data.subarray(0, Math.min(got.received, f.bytes));
  await checkBytes(f, url, head, got.received > f.bytes ? `more than ${f.bytes}` : got.received, async () => got.sha256!);
  return got.data;
}

/** The engine refuses to start without room for the model files: what to do, in the message. */
function quotaError(needed: number, left: number | null, paths: string[]): HllmError {
  const room = left === null ? 'but the browser refused to store them (QuotaExceededError)' : `but this site has ${left} bytes (${MB(left)}) left`;
  return new HllmError('QUOTA_EXCEEDED',
    `keeping the model files needs ${needed} bytes (${MB(needed)}) of browser storage, ${room}: ` +
    `free space for this site (browser settings → site data, or delete other large sites' data), or choose a smaller model or dtype (e.g. 'q4'). The stored history is unchanged.`,
    { needed, available: left, files: paths });
}

/**
 * Before downloading: records which files `base` uses (clean-up, storage/model-files.ts) and
 * returns the sha256s already kept. Throws QUOTA_EXCEEDED when the files still to download do
 * not fit in the origin's quota (nothing downloaded, nothing stored, IndexedDB untouched).
 */
export async function prepareKept(base: string, files: readonly ManifestFile[], kept: ModelFileStore): Promise<{ stored: Set<string>; needed: number }> {
  let folder = joinPath(base, 'hllm.json');
  try {
    folder = new URL(folder, (globalThis as { location?: { href: string } }).location?.href).href;
  } catch { /* a bare path: keep it as the folder's name */ }
  const shas = [...new Set(files.map((f) => f.sha256))];
  // A claim refused (a full quota) only skips the clean-up: the check below reports the space.
  await kept.claim(folder, shas).catch(() => 0);
  const stored = new Set<string>();
  for (const s of shas) if (await kept.has(s).catch(() => false)) stored.add(s);
  const missing = files.filter((f, i) => !stored.has(f.sha256) && files.findIndex((g) => g.sha256 === f.sha256) === i);
  const needed = missing.reduce((a, f) => a + f.bytes, 0);
  const left = needed > 0 ? await kept.spaceLeft() : null;
  if (left !== null && left < needed) throw quotaError(needed, left, missing.map((f) => f.path));
  return { stored, needed };
}

/**
 * The verified bytes of `f` (see the file comment); `onBytes` sees download bytes only, so a
 * file read from Cache Storage reports none. A write refused for quota throws QUOTA_EXCEEDED
 * naming `needed`, the bytes of the files that were not stored.
 */
export async function loadModelFile(base: string, f: ManifestFile, src: FileSource, stored: boolean, needed: number, onBytes: (d: number) => void, onRefetch: () => void): Promise<Uint8Array> {
  if (src.kept && stored) {
    const bytes = await src.kept.get(f.sha256);
    if (bytes && bytes.byteLength === f.bytes && (await sha256Large(bytes)) === f.sha256) return bytes;
    // Gone since it was listed (another tab's clean-up) or unreadable: downloaded, no warning.
    if (bytes) {
      src.warn(`hllm: the stored copy of ${f.path} in Cache Storage is damaged (${bytes.byteLength} bytes, hllm.json says ${f.bytes}, or another sha256): it was deleted and is downloaded again.`);
      await src.kept.delete(f.sha256).catch(() => undefined);
    }
    onRefetch();
  }
  const bytes = await download(base, f, src, onBytes);
  if (src.kept) {
    try {
      await src.kept.put(f.sha256, bytes);
    } catch (e) {
      // estimate() can report more than the quota enforced (Chromium reports at least 10 GiB, and
      // DevTools' quota override is not reported): a refused write is the same shortfall.
      if ((e as Error).name === 'QuotaExceededError') throw quotaError(needed, null, [f.path]);
      src.warn(`hllm: ${f.path} could not be kept in Cache Storage (${(e as Error).name}: ${(e as Error).message}); it will be downloaded again on the next visit.`);
    }
  }
  return bytes;
}
