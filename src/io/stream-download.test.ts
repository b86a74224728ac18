// streamDownload against a real node:http server (e2e/support/static-server.ts): a whole file,
// a connection cut mid-file resumed with Range, a server that ignores Range (restart from 0),
// a longer file than expected, and cuts beyond the allowed resumes.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { startStaticServer, type StaticServer } from '../../e2e/support/static-server.ts';
import { streamDownload } from './stream-download.ts';

const dir = mkdtempSync(join(tmpdir(), 'hllm-stream-'));
const body = new Uint8Array(300_000).map((_, i) => (i * 7919) % 251);
writeFileSync(join(dir, 'f.bin'), body);
const sha = createHash('sha256').update(body).digest('hex');
// The same body gzipped, served with Content-Encoding: gzip (a precompressed static file).
mkdirSync(join(dir, 'gz'));
const gz = gzipSync(body);
writeFileSync(join(dir, 'gz', 'f.bin'), gz);

let server: StaticServer | null = null;
// closeAllConnections: fetch keeps its connection alive, which close() alone would wait out.
afterEach(async () => { server?.server.closeAllConnections(); await server?.close(); server = null; });

async function serve(o: { ranges?: boolean; cut?: { after: number; times?: number }; gzip?: boolean }) {
  const seen: Array<{ range?: string; status: number }> = [];
  server = await startStaticServer({
    port: 0, mounts: [o.gzip ? { prefix: '/', dir: join(dir, 'gz'), headers: { 'content-encoding': 'gzip' } } : { prefix: '/', dir }], ranges: o.ranges,
    cut: o.cut ? { path: '/f.bin', ...o.cut } : undefined,
    onServed: (s) => seen.push({ range: s.range, status: s.status }),
  });
  return { url: `${server.origin}/f.bin`, seen };
}

describe('streamDownload', () => {
  it('reads a whole file into one buffer of its size, with its sha256 and rising progress', async () => {
    const { url, seen } = await serve({});
    const progress: number[] = [];
    const got = await streamDownload(url, body.length, { onBytes: (d, t) => { expect(t).toBe(body.length); progress.push(d); } });
    expect(got).toMatchObject({ received: body.length, sha256: sha, resumes: 0 });
    expect(got.data.byteLength).toBe(body.length);
    expect(Buffer.from(got.data).equals(Buffer.from(body))).toBe(true);
    expect(progress.at(-1)).toBe(body.length);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(seen).toEqual([{ status: 200 }]);
  });

  it('resumes a cut download with Range from the bytes received, and keeps hashing', async () => {
    const { url, seen } = await serve({ ranges: true, cut: { after: 100_000 } });
    const got = await streamDownload(url, body.length);
    expect(got).toMatchObject({ received: body.length, sha256: sha, resumes: 1 });
    expect(seen).toHaveLength(2);
    expect(seen[0]).toEqual({ status: 200 });
    // The cut response sent exactly 100,000 bytes, and the resume asked for the rest.
    expect(seen[1]).toEqual({ status: 206, range: 'bytes=100000-' });
  });

  it('starts again from byte 0 when the server answers a range with 200', async () => {
    const { url, seen } = await serve({ ranges: false, cut: { after: 100_000 } });
    const got = await streamDownload(url, body.length);
    expect(got).toMatchObject({ received: body.length, sha256: sha, resumes: 1 });
    expect(seen).toEqual([{ status: 200 }, { status: 200, range: 'bytes=100000-' }]);
  });

  it('starts a cut gzip-encoded body again from byte 0: a range would count encoded bytes', async () => {
    const { url, seen } = await serve({ ranges: true, gzip: true, cut: { after: gz.length >> 1 } });
    const got = await streamDownload(url, body.length);
    expect(got).toMatchObject({ received: body.length, sha256: sha, resumes: 1 });
    expect(seen).toEqual([{ status: 200 }, { status: 200 }]);
  });

  it('reports a longer file as received > size, with no sha256 and no write past the buffer', async () => {
    const { url } = await serve({});
    const got = await streamDownload(url, 1000);
    expect(got.received).toBeGreaterThan(1000);
    expect(got.sha256).toBeNull();
    expect(got.data.byteLength).toBe(1000);
  });

  it('reports a shorter file as received < size, with no sha256', async () => {
    const { url } = await serve({});
    const got = await streamDownload(url, body.length + 5);
    expect(got).toMatchObject({ received: body.length, sha256: null, resumes: 0 });
  });

  it('gives up with FETCH_FAILED after maxResumes cuts', async () => {
    const { url, seen } = await serve({ ranges: true, cut: { after: 50_000, times: 10 } });
    await expect(streamDownload(url, body.length, { maxResumes: 2 })).rejects.toMatchObject({ code: 'FETCH_FAILED', message: expect.stringMatching(/cut 3 times .*Check the connection/) });
    expect(seen.map((s) => s.range)).toEqual([undefined, 'bytes=50000-', 'bytes=100000-']);
  });
});
