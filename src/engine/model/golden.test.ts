// Parity with the Python pipeline (public/models/default/golden.json) on ORT's WASM
// backend in Node, fp32: token ids identical, item and user embeddings cosine ≥ 0.9999,
// and top-10 identical for the golden users over the full default catalogue.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogItem } from '../../protocol.ts';
import { createEngine, type HllmEngine } from '../engine.ts';
import { cosine } from '../../vectors/vector-math.ts';
import { sha256Hex } from '../../io/sha256.ts';
import { createItemTokenizer } from './tokenizer.ts';

const MODEL = 'public/models/default';
const CATALOG = 'public/catalogs/ml-latest-small/items.csv';
interface Golden {
  catalog: { sha256: string; items: number };
  tokenizer_cases: { text: string; ids: number[] }[];
  items: { item: CatalogItem; text: string; input_ids: number[]; embedding: number[] }[];
  users: { history: string[]; embedding: number[]; top10: string[] }[];
}
const golden: Golden = JSON.parse(readFileSync(`${MODEL}/golden.json`, 'utf8'));
const manifest = JSON.parse(readFileSync(`${MODEL}/hllm.json`, 'utf8'));
const MIN_COS = 0.9999;

describe('golden parity (Node, WASM, fp32)', () => {
  let engine: HllmEngine;
  beforeAll(async () => {
    engine = createEngine();
    const info = await engine.init({ model: MODEL, catalog: CATALOG, backend: 'wasm', dtype: 'fp32', storage: 'memory' });
    expect(info).toMatchObject({ backend: 'wasm', dtype: 'fp32', items: golden.catalog.items, encoded: golden.catalog.items });
  });
  afterAll(() => engine?.dispose());

  it('uses the catalogue golden.json was made from', async () => {
    expect(await sha256Hex(readFileSync(CATALOG))).toBe(golden.catalog.sha256);
  });

  it('tokenises every golden case to identical ids', () => {
    const tok = createItemTokenizer(
      JSON.parse(readFileSync(`${MODEL}/tokenizer.json`, 'utf8')),
      JSON.parse(readFileSync(`${MODEL}/tokenizer_config.json`, 'utf8')),
      manifest,
    );
    expect(golden.tokenizer_cases.length).toBeGreaterThan(5);
    for (const c of golden.tokenizer_cases) expect(tok.encode(c.text), JSON.stringify(c.text)).toEqual(c.ids);
  });

  it('builds identical item text and input ids', async () => {
    for (const g of golden.items) {
      const t = await engine.tokenizeItem(g.item);
      expect(t.text).toBe(g.text);
      expect(t.inputIds).toEqual(g.input_ids);
    }
  });

  it(`embeds golden items with cosine ≥ ${MIN_COS}`, async () => {
    const v = await engine.embedItems(golden.items.map((g) => g.item));
    const cos = golden.items.map((g, i) => cosine(v.subarray(i * 64, (i + 1) * 64), g.embedding));
    expect(Math.min(...cos)).toBeGreaterThanOrEqual(MIN_COS);
    // the cached catalogue vectors (batched, bucketed) agree too
    for (const g of golden.items.filter((x) => /^\d+$/.test(x.item.id))) {
      expect(cosine(await engine.itemVector(g.item.id), g.embedding)).toBeGreaterThanOrEqual(MIN_COS);
    }
  });

  it(`embeds golden users with cosine ≥ ${MIN_COS} and returns their top-10`, async () => {
    for (const u of golden.users) {
      await engine.forget('all');
      expect(cosine(await engine.embedUser(u.history), u.embedding)).toBeGreaterThanOrEqual(MIN_COS);
      for (const id of u.history) await engine.track(id);
      const top = await engine.recommend({ k: 10 });
      expect(top.map((r) => r.id)).toEqual(u.top10);
    }
  });
});
