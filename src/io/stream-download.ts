// Streams one http(s) file of known size into ONE preallocated Uint8Array while hashing it
// (hash-wasm SHA-256, updated per chunk: no chunk list, no second joined copy). A body cut
// mid-way (the read rejects) resumes with `Range: bytes=<received>-` and keeps the same hash
// state; a server that answers 200 (or a 206 starting elsewhere), or a body sent with a
// Content-Encoding (ranges would count its encoded bytes), restarts from byte 0. The
// caller judges the result (size, sha256, an HTML page): this module knows no manifest.
import { createSHA256 } from 'hash-wasm';
import { HllmError } from '../errors.ts';

export interface StreamedFile {
  /** `size` bytes; only [0, received) are the file's when received ≠ size. */
  data: Uint8Array;
  /** Bytes the server sent: less than size for a short file, more for a longer one (the rest was not kept). */
  received: number;
  /** Lowercase hex sha256 of the whole body, or null when received ≠ size. */
  sha256: string | null;
  /** Range requests made after a cut (0 when the first response was read whole). */
  resumes: number;
}

export interface StreamOptions {
  /** Reports (received, size) after each chunk. */
  onBytes?: (done: number, total: number) => void;
  /** Resumes allowed after cuts, all together (default 3). */
  maxResumes?: number;
}

const failed = (url: string, why: string) =>
  new HllmError('FETCH_FAILED', `could not fetch ${url}: ${why}. Check the URL and that the server allows it (same origin or CORS).`, { url });

async function request(url: string, from: number): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, from > 0 ? { headers: { Range: `bytes=${from}-` } } : undefined);
  } catch (e) {
    throw failed(url, (e as Error).message);
  }
  if (!res.ok) {
    throw new HllmError(res.status === 404 ? 'MODEL_FILE_MISSING' : 'FETCH_FAILED', `fetching ${url} returned HTTP ${res.status}. Check that the file is deployed at that URL.`, { url, status: res.status });
  }
  return res;
}

/** The first byte a 206 answer holds ('bytes 100-199/200' → 100), or -1. */
function rangeStart(res: Response): number {
  const m = /^bytes (\d+)-/.exec(res.headers.get('content-range') ?? '');
  return res.status === 206 && m ? Number(m[1]) : -1;
}

/**
 * Downloads `url`, expected to hold `size` bytes (see the file comment).
 *
 * @example
 * ```ts
 * const f = await streamDownload('/models/default/onnx/item_encoder.onnx', 1609477);
 * if (f.received !== 1609477 || f.sha256 !== expected) throw …;
 * ```
 */
export async function streamDownload(url: string, size: number, opts: StreamOptions = {}): Promise<StreamedFile> {
  const maxResumes = opts.maxResumes ?? 3;
  const data = new Uint8Array(size);
  const hash = await createSHA256();
  hash.init();
  let received = 0;
  let resumes = 0;
  let res = await request(url, 0);
  for (;;) {
    const reader = res.body?.getReader();
    if (!reader) {
      // No body stream (rare runtimes): one read, still into `data`.
      const all = new Uint8Array(await res.arrayBuffer());
      const n = Math.min(all.length, size - received);
      data.set(all.subarray(0, n), received);
      hash.update(all.subarray(0, n));
      received += all.length;
      break;
    }
    let cut: unknown = null;
    try {
      for (;;) {
        const r = await reader.read();
        if (r.done) break;
        const chunk = r.value;
        if (received + chunk.byteLength > size) {
          // Longer than the manifest says: keep nothing more, stop the transfer.
          received += chunk.byteLength;
          void reader.cancel().catch(() => undefined);
          break;
        }
        data.set(chunk, received);
        hash.update(chunk);
        received += chunk.byteLength;
        opts.onBytes?.(received, size);
      }
    } catch (e) {
      cut = e;
    }
    if (cut === null || received > size) break;
    if (resumes >= maxResumes) {
      throw failed(url, `the download was cut ${resumes + 1} times (${received} of ${size} bytes; last: ${(cut as Error).message ?? cut}). Check the connection and load the page again`);
    }
    resumes++;
    // A range counts encoded bytes: a gzip/br body (same origin shows the header) starts again.
    const encoded = !/^(identity)?$/i.test(res.headers.get('content-encoding') ?? '');
    res = await request(url, encoded ? 0 : received);
    if (encoded || rangeStart(res) !== received) {
      // The server ignored the range (200: a whole body, read from byte 0) or sent another one.
      if (res.status !== 200) {
        void res.body?.cancel().catch(() => undefined);
        res = await request(url, 0);
      }
      received = 0;
      hash.init();
    }
  }
  return { data, received, sha256: received === size ? hash.digest('hex') : null, resumes };
}
