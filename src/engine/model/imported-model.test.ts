// A model folder written by the Python importer (models/import_checkpoint.py) with its weights in
// ONNX external data, as a >2 GB model has them, loaded by the engine in Node (WASM): the external
// data files are fetched, verified and handed to ORT, and golden.json's item and user embeddings
// are reproduced (fp32 cosine ≥ 0.9999, q4 ≥ 0.99). The folder is built in beforeAll from a tiny
// random Llama-GQA checkpoint (models/tests/make_tiny_import.py); needs /usr/bin/python3 with torch+onnx.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogItem, Dtype, Progress } from '../../protocol.ts';
import { createEngine } from '../engine.ts';
import { cosine } from '../index/ranking.ts';

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
      for (const role of ['item_encoder', 'user_encoder']) {
        expect(m.files.find((f) => f.role === role && f.dtype === dt)?.external_data?.length, `${role} ${dt}`).toBe(1);
      }
    }
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
        expect(progress.some((p) => p.phase === 'download' && p.detail?.endsWith(`item_${suffix}`))).toBe(true);
        expect(progress.filter((p) => p.phase === 'verify').map((p) => p.detail).sort()).toEqual(expect.arrayContaining([
          `onnx/item_${suffix}`, `onnx/user_${suffix}`,
        ]));

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
});
