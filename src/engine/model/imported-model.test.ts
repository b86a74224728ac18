// A model folder written by the Python importer (models/import_checkpoint.py) with its weights in
// ONNX external data, as a >2 GB model has them, loaded by the engine in Node (WASM): the external
// data files are fetched, verified and handed to ORT, and golden.json's item and user embeddings
// are reproduced (fp32 cosine ≥ 0.9999, q4 ≥ 0.99). The folder is built in beforeAll from a tiny
// random Llama-GQA checkpoint (models/tests/make_tiny_import.py); needs /usr/bin/python3 with torch+onnx.
import 'fake-indexeddb/auto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend, CatalogItem, Dtype, Progress } from '../../protocol.ts';
import { createEngine, type HllmEngine } from '../engine.ts';
import { openHllmDB } from '../../storage/schema.ts';
import { cosine } from '../../vectors/vector-math.ts';
import { defaultFetcher } from '../../io/fetcher.ts';
import { SELF_CHECK_MIN_COSINE } from './backend-policy.ts';
import { encodeUsers } from './encoders.ts';
import { fetchManifest, fetchModelFiles, fetchUserEncoder } from './model-loader.ts';
import { createModel } from './ort-backend.ts';
import { checkAgainstReference, parseSelfCheck } from './self-check.ts';
import { moveUserToWasmFile, openOn, type Sessions } from './sessions.ts';

// The repository root (this file is src/engine/model/): the fixture script's paths are relative to it.
const ROOT = resolve(import.meta.dirname, '../../..');

interface Golden {
  items: { item: CatalogItem; embedding: number[] }[];
  users: { history: string[]; embedding: number[]; top10: string[] }[];
}
interface ManifestJson { files: { path: string; role: string; dtype: string | null; external_data?: string[] }[] }

let tmp = '';
let model = '';
let golden: Golden;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'hllm-imported-'));
  execFileSync('/usr/bin/python3', ['models/tests/make_tiny_import.py', tmp], { cwd: ROOT, stdio: 'pipe', timeout: 180_000 });
  model = join(tmp, 'model');
  golden = JSON.parse(readFileSync(join(model, 'golden.json'), 'utf8'));
}, 200_000);
afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('a model imported with external data (Node, WASM)', () => {
  it('has its encoders in external data files', () => {
    const m: ManifestJson = JSON.parse(readFileSync(join(model, 'hllm.json'), 'utf8'));
    for (const dt of ['fp32', 'q4']) {
      for (const role of ['item_encoder', 'user_encoder', 'user_kv_encoder']) {
        expect(m.files.find((f) => f.role === role && f.dtype === dt)?.external_data?.length, `${role} ${dt}`).toBe(1);
      }
    }
    // the key/value-cache User LLM also in i8 (int8 arithmetic), WASM's file for q8 and q4
    expect(m.files.find((f) => f.role === 'user_kv_encoder' && f.dtype === 'i8')?.external_data?.length).toBe(1);
    expect(m.files.some((f) => f.role !== 'user_kv_encoder' && f.role !== 'external_data' && f.dtype === 'i8')).toBe(false);
  });

  for (const [dtype, minCos] of [['fp32', 0.9999], ['q4', 0.99]] as [Dtype, number][]) {
    it(`loads ${dtype}, reproduces golden.json (cosine ≥ ${minCos}) and recommends`, async () => {
      const engine = createEngine({ warn: () => {} });
      const progress: Progress[] = [];
      try {
        const catalog = golden.items.map((g) => g.item);
        const info = await engine.init({ model, catalog, backend: 'wasm', dtype, storage: 'memory' }, (p) => progress.push(p));
        expect(info).toMatchObject({ backend: 'wasm', dtype, modelId: 'tiny-imported', items: catalog.length });
        // the external data streamed with progress and was verified like every other file
        const suffix = dtype === 'fp32' ? 'encoder.onnx_data' : 'encoder_q4.onnx_data';
        // on WASM, q4's User LLM is the i8 cache graph (int8 arithmetic; manifest.ts userEncoderFile)
        const userSuffix = dtype === 'fp32' ? suffix : 'encoder_i8.onnx_data';
        expect(progress.some((p) => p.phase === 'download' && p.detail?.endsWith(`item_${suffix}`))).toBe(true);
        expect(progress.filter((p) => p.phase === 'verify').map((p) => p.detail).sort()).toEqual(expect.arrayContaining([
          `onnx/item_${suffix}`, `onnx/user_kv_${userSuffix}`,
        ]));
        // the User LLM with a key/value cache replaces the whole-history graph: never both
        // downloaded, and on WASM the i8 one replaces q4's
        expect(progress.some((p) => p.detail === `onnx/user_${suffix}`)).toBe(false);
        if (dtype === 'q4') expect(progress.some((p) => p.detail === `onnx/user_kv_${suffix}`)).toBe(false);

        const v = await engine.embedItems(catalog);
        const dim = v.length / catalog.length;
        const itemCos = golden.items.map((g, i) => cosine(v.subarray(i * dim, (i + 1) * dim), g.embedding));
        expect(Math.min(...itemCos)).toBeGreaterThanOrEqual(minCos);

        for (const u of golden.users) {
          await engine.forget('all');
          expect(cosine(await engine.embedUser(u.history), u.embedding)).toBeGreaterThanOrEqual(minCos);
          for (const id of u.history) await engine.track(id);
          const top = await engine.recommend({ k: 10 });
          expect(top.length).toBe(u.top10.length);
          expect(top.some((r) => u.history.includes(r.id))).toBe(false);
          if (dtype === 'fp32') expect(top.map((r) => r.id)).toEqual(u.top10);
        }
      } finally {
        await engine.dispose();
      }
    }, 120_000);
  }

  for (const [dtype, minCos] of [['fp32', 0.9999], ['q4', 0.99]] as [Dtype, number][]) {
    it(`${dtype}: each track() runs one User LLM position (q4: of the i8 cache graph), and the vector equals the whole-history graph's, through a forget and window slides`, async () => {
      const engine = createEngine({ warn: () => {} });
      const suffix = dtype === 'fp32' ? '' : `_${dtype}`;
      const whole = await createModel(new Uint8Array(readFileSync(join(model, 'onnx', `user_encoder${suffix}.onnx`))), 'wasm', 1,
        [{ path: `user_encoder${suffix}.onnx_data`, data: new Uint8Array(readFileSync(join(model, 'onnx', `user_encoder${suffix}.onnx_data`))) }]);
      try {
        const catalog = golden.items.map((g) => g.item);
        const info = await engine.init({ model, catalog, backend: 'wasm', dtype, storage: 'memory' });
        const maxHistory = 10; // make_tiny_import.py: import_checkpoint's default
        let seed = 7;
        const pick = () => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return catalog[seed % catalog.length]!.id; };
        const positions = async () => (await engine.stats()).userPositions;
        const history: string[] = [];
        for (let step = 0; step < 24; step++) {
          const before = await positions();
          let expected: number;
          if (step === 6) {
            // a forget in the middle: the cache cannot serve the shorter history; the window is read again
            const gone = history[2]!;
            await engine.forget([gone]);
            for (let i = history.indexOf(gone); i >= 0; i = history.indexOf(gone)) history.splice(i, 1);
            expected = Math.min(history.length, maxHistory);
          } else {
            const id = pick();
            await engine.track(id);
            history.push(id);
            // one new position, unless the window slid past max_history (every RoPE position moved)
            expected = history.length > maxHistory ? maxHistory : 1;
          }
          const window = history.slice(-maxHistory);
          const got = await engine.embedUser(window);
          expect(await positions() - before, `step ${step}`).toBe(expected);
          const ref = await encodeUsers(whole, [await Promise.all(window.map((id) => engine.itemVector(id)))], info.dim, maxHistory);
          expect(cosine(got, ref), `step ${step}`).toBeGreaterThanOrEqual(minCos);
        }
      } finally {
        await Promise.all([engine.dispose(), whole.release()]);
      }
    }, 120_000);
  }

  it('userCache: false runs the whole window on each track() (more User LLM positions), with the same user vector', async () => {
    const catalog = golden.items.map((g) => g.item);
    const ids = catalog.slice(0, 8).map((it) => it.id);
    const run = async (userCache: boolean) => {
      const e = createEngine({ warn: () => {} });
      try {
        await e.init({ model, catalog, backend: 'wasm', dtype: 'fp32', storage: 'memory', userCache });
        const vectors: Float32Array[] = [];
        for (let n = 1; n <= ids.length; n++) {
          await e.track(ids[n - 1]!);
          vectors.push(await e.embedUser(ids.slice(0, n)));
        }
        return { vectors, positions: (await e.stats()).userPositions };
      } finally {
        await e.dispose();
      }
    };
    const on = await run(true);
    const off = await run(false);
    expect(on.positions).toBe(ids.length); // one position per click
    expect(off.positions).toBe((ids.length * (ids.length + 1)) / 2); // 1 + 2 + … + 8: the window each time
    on.vectors.forEach((v, i) => expect(cosine(v, off.vectors[i]!), `history ${i + 1}`).toBeGreaterThanOrEqual(0.9999));
  }, 120_000);

  it('keeps the user state across a restart (no position read again), for its own user encoder only, and deletes it with the history', async () => {
    const catalog = golden.items.map((g) => g.item);
    const ids = catalog.slice(0, 5).map((it) => it.id);
    const open = async (dtype: Dtype) => {
      const e = createEngine({ warn: () => {} });
      await e.init({ model, catalog, backend: 'wasm', dtype, storage: 'auto', dbName: 'kept-user-state' });
      return e;
    };
    const positions = async (e: HllmEngine) => (await e.stats()).userPositions;
    const first = await open('fp32');
    for (const id of ids) await first.track(id);
    const v1 = await first.embedUser(ids);
    await first.dispose();

    const second = await open('fp32');
    expect(Array.from(await second.embedUser(ids))).toEqual(Array.from(v1));
    expect(await positions(second)).toBe(0);
    await second.track(ids[0]!);
    await second.embedUser([...ids, ids[0]!]);
    expect(await positions(second)).toBe(1);
    await second.dispose();

    // the q4 user encoder is another file: the fp32 state is not its own
    const third = await open('q4');
    await third.embedUser([...ids, ids[0]!]);
    expect(await positions(third)).toBe(6);
    await third.forget('all');
    await third.dispose();
    const db = await openHllmDB('kept-user-state');
    expect(await db.get('meta', 'user-state')).toBeUndefined();
    db.close();
  }, 120_000);

  // The WebGPU self-check's stored reference, run here on WASM (no WebGPU in Node): the same
  // graphs on the same runtime reproduce it, and a reference of other weights fails it.
  for (const dtype of ['fp32', 'q4'] as Dtype[]) {
    it(`${dtype}: the stored self-check reference is reproduced, and a wrong one fails`, async () => {
      const m = await fetchManifest(model, defaultFetcher);
      const files = await fetchModelFiles(model, m, dtype, defaultFetcher);
      const ref = files.selfCheck!;
      const ort = JSON.parse(readFileSync(join(ROOT, 'node_modules/onnxruntime-web/package.json'), 'utf8')) as { version: string };
      expect(ref.source).toBe(`onnxruntime-web ${ort.version} (wasm)`);
      const wasm = await openOn(files, 'wasm', 1);
      try {
        expect(await checkAgainstReference(wasm.item, wasm.user, ref, m.dim, m.pad_token_id)).toBeGreaterThanOrEqual(0.9999);
        const swapped = { ...ref, items: [ref.items[1]!, ref.items[0]!, ...ref.items.slice(2)] };
        expect(await checkAgainstReference(wasm.item, wasm.user, swapped, m.dim, m.pad_token_id)).toBeLessThan(SELF_CHECK_MIN_COSINE);
      } finally {
        await Promise.all([wasm.item.release(), wasm.user.release()]);
      }
      const json = JSON.parse(readFileSync(join(model, `self_check_${dtype}.json`), 'utf8'));
      expect(() => parseSelfCheck(json, m.dim + 1, `self_check_${dtype}.json`)).toThrow(expect.objectContaining({ code: 'MODEL_FORMAT' }));
    }, 60_000);
  }

  it('reports a corrupt external data file as MODEL_INTEGRITY before ORT sees it', async () => {
    const engine = createEngine({
      warn: () => {},
      fetcher: async (url) => {
        const b = new Uint8Array(readFileSync(url));
        if (url.endsWith('item_encoder_q4.onnx_data')) b[100] = b[100]! ^ 0xff;
        return b;
      },
    });
    await expect(engine.init({ model, catalog: golden.items.map((g) => g.item), backend: 'wasm', dtype: 'q4', storage: 'memory' }))
      .rejects.toMatchObject({ code: 'MODEL_INTEGRITY', message: expect.stringMatching(/item_encoder_q4\.onnx_data/) });
    await engine.dispose();
  });

  // A WebGPU plan that ended on WASM (failed self-check, WASM timed faster) opened q4's own User
  // LLM, WebGPU's file; the engine then moves it to the i8 file, WASM's fast one.
  describe('moveUserToWasmFile', () => {
    const userVector = async (s: Sessions, dim: number) => {
      const u = golden.users[1]!;
      const vectors = u.history.map((id) => new Float32Array(golden.items.find((g) => g.item.id === id)!.embedding));
      return { got: await encodeUsers(s.user, [vectors], dim, 10), want: u.embedding };
    };
    const start = async (fetcher = defaultFetcher) => {
      const m = await fetchManifest(model, defaultFetcher);
      const files = await fetchModelFiles(model, m, 'q4', fetcher, undefined, 'webgpu');
      const s: Sessions = { ...(await openOn(files, 'wasm', 1)), backend: 'wasm', dtype: 'q4', reason: 'planned webgpu' };
      const loads: Backend[] = [];
      const load = (b: Backend) => { loads.push(b); return fetchUserEncoder(model, m, 'q4', fetcher, b); };
      const sha = (dtype: string) => m.files.find((f) => f.role === 'user_kv_encoder' && f.dtype === dtype)!.sha256;
      return { m, files, s, loads, load, sha };
    };

    it('moves the User LLM to the i8 file, releases the q4 one, and keeps the user vector', async () => {
      const { m, files, s, loads, load, sha } = await start();
      expect(files.userEncoderSha256).toBe(sha('q4'));
      const warnings: string[] = [];
      // counted rather than probed: in the full unit run a call on the released wrapper still answered
      let released = 0;
      const release = s.user.release.bind(s.user);
      s.user.release = () => { released++; return release(); };
      const { sessions, user } = await moveUserToWasmFile(s, files, 'webgpu', load, 1, (w) => warnings.push(w));
      try {
        expect(loads).toEqual(['wasm']);
        expect(user.userEncoderSha256).toBe(sha('i8'));
        expect(sessions.reason).toBe('planned webgpu; User LLM moved to i8 for WASM (int8 kernels)');
        expect(sessions.item).toBe(s.item);
        expect(warnings).toEqual([]);
        expect(released).toBe(1); // the q4 session
        const { got, want } = await userVector(sessions, m.dim);
        expect(cosine(got, want)).toBeGreaterThanOrEqual(0.99);
      } finally {
        await Promise.all([sessions.item.release(), sessions.user.release()]);
      }
    }, 60_000);

    it('changes nothing for a WASM plan, and keeps q4\'s own file, with one warning, when the i8 file is corrupt', async () => {
      const corrupt = async (url: string) => {
        const b = new Uint8Array(readFileSync(url));
        if (url.endsWith('user_kv_encoder_i8.onnx_data')) b[100] = b[100]! ^ 0xff;
        return b;
      };
      const { m, files, s, loads, load, sha } = await start(corrupt);
      const warnings: string[] = [];
      try {
        expect((await moveUserToWasmFile(s, files, 'wasm', load, 1, (w) => warnings.push(w))).sessions).toBe(s);
        expect(loads).toEqual([]);
        const { sessions, user } = await moveUserToWasmFile(s, files, 'webgpu', load, 1, (w) => warnings.push(w));
        expect(sessions).toBe(s);
        expect(user.userEncoderSha256).toBe(sha('q4'));
        expect(warnings).toHaveLength(1);
        expect(warnings[0]).toMatch(/^kept the q4 User LLM on WASM: loading onnx\/user_kv_encoder_i8\.onnx failed \(.*user_kv_encoder_i8\.onnx_data has sha256/);
        const { got, want } = await userVector(s, m.dim); // the q4 session still answers
        expect(cosine(got, want)).toBeGreaterThanOrEqual(0.99);
      } finally {
        await Promise.all([s.item.release(), s.user.release()]);
      }
    }, 60_000);
  });
});
