// Precomputed item vectors (EngineOptions.vectors): reads vectors.json, checks it was built
// for this model BEFORE any shard is downloaded, then takes each shard from storage or
// downloads it (progress 'vectors', bytes), verified by src/vectors/shard-set.ts before it is
// stored or used, and answers "which stored row holds the vector of this item text?".
// Warm start: vectors.json is fetched again (it is small and says which shards are current);
// when that fetch fails the last verified copy in storage is used, so an offline reload works.
import type { Progress } from '../../protocol.ts';
import type { Store } from '../../storage/types.ts';
import { decodeShardVectors, shardRow, type ShardVectors, type VectorDtype, type VectorManifest } from '../../vectors/format.ts';
import { checkVectorFit, fetchShard, manifestMissing, parseVectorManifestText, rebuildHint, shardSetFolder, vectorManifestUrl } from '../../vectors/shard-set.ts';
import { DigestSet } from '../catalog/compact-catalog.ts';
import type { Fetcher } from '../../io/fetcher.ts';
import type { VectorTable } from './vector-table.ts';

/** Shards fetched at once: enough to fill a connection, few enough to bound memory in flight. */
const PARALLEL = 4;

export interface VectorSourceOptions {
  /** EngineOptions.vectors: a vectors.json URL/path or its folder. */
  vectors: string;
  mismatch: 'error' | 'encode';
  modelKey: string;
  dim: number;
  /** For the rebuild hint in VECTORS_MISMATCH. */
  model: string;
  dtype: string;
  catalog: string;
  fetcher: Fetcher;
  store: Store;
  warn: (m: string) => void;
  onProgress?: (p: Progress) => void;
}

/** The shard lookup: a verified set's decoded shards, and text sha256 → row over packed digests. */
export class ShardLookup {
  private readonly digests: DigestSet;
  private readonly starts: number[] = [];

  constructor(readonly manifest: VectorManifest, readonly shards: ShardVectors[]) {
    const all = new Uint8Array(shards.reduce((a, s) => a + s.rows, 0) * 32);
    let start = 0;
    for (const s of shards) {
      this.starts.push(start);
      all.set(s.textShas, start * 32);
      start += s.rows;
    }
    // The first row of a repeated text wins (same text, same vector).
    this.digests = new DigestSet(all);
  }

  get dtype(): VectorDtype {
    return this.manifest.dtype;
  }

  /** sha256s of the shards in use (everything else in storage may be deleted). */
  get shardShas(): string[] {
    return this.manifest.shards.map((s) => s.sha256);
  }

  /** The set's row (over all shards, in manifest order) holding the text whose digest is d[at, at+32), or -1. */
  rowOf(d: Uint8Array, at: number): number {
    return this.digests.rowOf(d, at);
  }

  /** Copies set row g (rowOf) into table row i: int8 codes as they are into an int8 table, else dequantised. */
  copyRow(g: number, table: VectorTable, i: number): void {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (this.starts[mid]! <= g) lo = mid; else hi = mid - 1; }
    const s = this.shards[lo]!;
    const r = g - this.starts[lo]!;
    if (s.dtype === 'int8' && table.dtype === 'int8') {
      table.setInt8Rows(i, (s.values as Int8Array).subarray(r * s.dim, (r + 1) * s.dim), s.scales!.subarray(r, r + 1));
    } else {
      table.setRaw(i, shardRow(s, r));
    }
  }
}

async function readManifest(url: string, o: VectorSourceOptions): Promise<{ manifest: VectorManifest; text: string }> {
  let text: string;
  try {
    text = new TextDecoder().decode(await o.fetcher(url));
  } catch (e) {
    const stored = await o.store.getVectorManifest(url);
    if (stored === undefined) throw manifestMissing(url, e);
    o.warn(`hllm: vectors.json could not be fetched from ${url} (${(e as Error).message}); using the copy stored at the last start.`);
    text = stored;
  }
  return { manifest: parseVectorManifestText(text, url), text };
}

/**
 * The vector set named by EngineOptions.vectors, checked against the model but not loaded:
 * a warm start whose catalogue index is stored needs its identity only. load() takes the
 * shards from storage or downloads them, and is called only when a catalogue is (re)built;
 * the engine drops the decoded set afterwards (at 1M rows it is another copy of every vector).
 */
export interface VectorSource {
  /** Identity of the set (dtype, dim, shard sha256s): part of the warm index key. */
  readonly key: string;
  /** sha256s of the shards in use (everything else in storage may be deleted). */
  readonly shardShas: string[];
  load(): Promise<ShardLookup>;
}

/**
 * Reads vectors.json (or its stored copy) and checks it was built for this model; null when
 * it was not and the caller chose `vectorsMismatch: 'encode'`. Downloads nothing else.
 *
 * @example
 * ```ts
 * const src = await openVectorSource({ vectors: '/vectors/', mismatch: 'error', modelKey, dim: 64, model, dtype: 'q8', catalog, fetcher, store, warn });
 * const set = await src?.load();
 * ```
 */
export async function openVectorSource(o: VectorSourceOptions): Promise<VectorSource | null> {
  const url = vectorManifestUrl(o.vectors);
  const { manifest: m, text } = await readManifest(url, o);
  const fits = checkVectorFit(m, url, { modelKey: o.modelKey, dim: o.dim }, {
    mismatch: o.mismatch, fix: rebuildHint({ model: o.model, modelDtype: o.dtype, catalog: o.catalog, out: o.vectors }),
    orElse: "or pass vectorsMismatch: 'encode' to encode on the device instead", instead: 'encoding the catalogue on this device',
    warn: (w) => o.warn(`hllm: ${w}`),
  });
  if (!fits) return null;
  const shardShas = m.shards.map((s) => s.sha256);
  return { key: JSON.stringify({ dtype: m.dtype, dim: m.dim, rows: m.rows, shards: shardShas }), shardShas, load: () => materialize(m, text, url, o) };
}

/** Takes each shard from storage or downloads and verifies it, then decodes the set. */
async function materialize(m: VectorManifest, text: string, url: string, o: VectorSourceOptions): Promise<ShardLookup> {
  const base = shardSetFolder(url);
  const stored = await Promise.all(m.shards.map((s) => o.store.getShard(o.modelKey, s.sha256)));
  const missing = m.shards.filter((_, i) => !stored[i]);
  const total = missing.reduce((a, s) => a + s.bytes, 0);
  const got = new Map<string, number>();
  const report = (detail: string) => o.onProgress?.({ phase: 'vectors', done: [...got.values()].reduce((a, b) => a + b, 0), total, detail });
  const bytesOf = new Map<string, Uint8Array>();
  let next = 0;
  const worker = async () => {
    for (let s = missing[next++]; s; s = missing[next++]) {
      const bytes = await fetchShard(base, s, o.fetcher, (d) => { got.set(s.path, d); report(s.path); });
      got.set(s.path, s.bytes);
      report(s.path);
      bytesOf.set(s.sha256, bytes);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, missing.length) }, worker));
  // Decoded before anything is stored: a shard whose sections do not fit its rows stores nothing.
  const shards = m.shards.map((s, i) => decodeShardVectors(stored[i] ?? bytesOf.get(s.sha256)!, m.dtype, m.dim, s.rows, s.path));
  for (const s of missing) await o.store.putShard(o.modelKey, s.sha256, bytesOf.get(s.sha256)!);
  await o.store.putVectorManifest(url, text);
  return new ShardLookup(m, shards);
}
