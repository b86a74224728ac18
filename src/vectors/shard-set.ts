// The one place a vector shard set (docs/vector-format.md) is read and verified: vectors.json
// located and parsed, each shard fetched and its size and sha256 checked against the manifest
// before anything uses it. The engine (with storage and progress around it), the writer's
// --previous, `hllm eval --vectors` and tests all go through here, so a bad set fails with the
// same code and message wherever it is read.
import { HllmError } from '../errors.ts';
import { defaultFetcher, joinPath, type Fetcher } from '../io/fetcher.ts';
import { sha256Hex } from '../io/sha256.ts';
import { decodeShard, parseVectorManifest, shardRow, shardShaHex, type Shard, type ShardEntry, type VectorDtype, type VectorManifest } from './format.ts';

/**
 * The vectors.json URL or path for a `vectors` option: a .json file, or a folder holding vectors.json.
 *
 * @example
 * ```ts
 * vectorManifestUrl('/vectors/'); // '/vectors/vectors.json'
 * ```
 */
export function vectorManifestUrl(vectors: string): string {
  return /\.json$/i.test(vectors) ? vectors : joinPath(vectors, 'vectors.json');
}

/** The folder (URL or path) that a manifest's shard paths are relative to. */
export function shardSetFolder(manifestUrl: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(manifestUrl)) return new URL('.', manifestUrl).href;
  const i = manifestUrl.lastIndexOf('/');
  return i < 0 ? '.' : manifestUrl.slice(0, i) || '/';
}

/**
 * Parses the text of vectors.json; VECTORS_FORMAT when it is not JSON or not a valid manifest.
 *
 * @example
 * ```ts
 * const m = parseVectorManifestText(readFileSync('vectors/vectors.json', 'utf8'), 'vectors/vectors.json');
 * ```
 */
export function parseVectorManifestText(text: string, url: string): VectorManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new HllmError('VECTORS_FORMAT', `vectors.json at ${url} is not valid JSON: ${(e as Error).message}. Rebuild it with \`hllm embed\`.`, { file: 'vectors.json', url });
  }
  return parseVectorManifest(json, 'vectors.json');
}

/** VECTORS_MISSING for vectors.json that could not be read from `url`. */
export function manifestMissing(url: string, e: unknown): HllmError {
  return new HllmError('VECTORS_MISSING', `vectors.json could not be read from ${url} (${(e as Error).message}). Check the vectors path and that the whole folder is deployed there, or build it with \`hllm embed --out <folder>\`.`, { file: 'vectors.json', url });
}

/** What a vector set must have been built for. */
export interface VectorFit {
  /** The engine's model key (src/engine/model/model-loader.ts modelKeyOf). */
  modelKey: string;
  dim: number;
  /** Only where the stored type matters too (the writer's --previous reuses shard bytes as they are). */
  dtype?: VectorDtype;
}

/** What to do with a set that does not fit, and what to tell the user. */
export interface FitPolicy {
  /** 'error': VECTORS_MISMATCH; 'encode': one warning, and the caller encodes the items itself. */
  mismatch: 'error' | 'encode';
  /** How to get a set that fits, a sentence without its full stop (see rebuildHint); in the error and the warning. */
  fix?: string;
  /** 'error' only: the other way out, after the fix ("or pass …"). */
  orElse?: string;
  /** 'encode' only: what the caller does instead ("encoding the catalogue on this device"). */
  instead?: string;
  warn?: (message: string) => void;
}

/** The sentence naming the `hllm embed` command that rebuilds a set for this model. */
export function rebuildHint(o: { model: string; modelDtype: string; catalog: string; out: string }): string {
  return `Rebuild it with \`hllm embed --model ${o.model} --model-dtype ${o.modelDtype} --catalog ${o.catalog} --out ${o.out}\` (the key depends on the item encoder's dtype)`;
}

/**
 * The one check that a vector set was built for a model, made on vectors.json before any shard
 * is read: true when its model key and dim (and dtype, when asked) are the model's; false after
 * one warning under mismatch 'encode'; VECTORS_MISMATCH under 'error'. The engine
 * (EngineOptions.vectorsMismatch), the writer's --previous and `hllm eval --vectors` use it.
 *
 * @example
 * ```ts
 * if (!checkVectorFit(manifest, url, { modelKey, dim: 64 }, { mismatch: 'encode', instead: 'encoding the catalogue', warn })) encodeAll();
 * ```
 */
export function checkVectorFit(m: VectorManifest, url: string, want: VectorFit, p: FitPolicy): boolean {
  const why = m.dim !== want.dim ? `its vectors have ${m.dim} dimensions, the model's have ${want.dim}`
    : m.model.key !== want.modelKey ? `it was built for model key ${m.model.key.slice(0, 12)}… (${m.model.id}), this model's key is ${want.modelKey.slice(0, 12)}…`
      : want.dtype !== undefined && m.dtype !== want.dtype ? `its vectors are ${m.dtype}, not the ${want.dtype} asked for`
        : null;
  if (why === null) return true;
  if (p.mismatch === 'encode') {
    p.warn?.(`${url} does not fit this model (${why}); ignoring it and ${p.instead ?? 'encoding every item'}.${p.fix ? ` ${p.fix}.` : ''}`);
    return false;
  }
  const fix = [p.fix, p.orElse].filter(Boolean).join(', ');
  throw new HllmError('VECTORS_MISMATCH', `${url} does not fit this model: ${why}.${fix ? ` ${fix}.` : ''}`, { file: 'vectors.json', url, expected: want.modelKey, actual: m.model.key });
}

/**
 * Checks a shard's bytes against its manifest entry; VECTORS_INTEGRITY naming the file when
 * the size or sha256 differs. Resolves to the bytes.
 *
 * @example
 * ```ts
 * const bytes = await verifyShard(manifest.shards[0], readFileSync('vectors/shard-0.bin'));
 * ```
 */
export async function verifyShard(entry: ShardEntry, bytes: Uint8Array): Promise<Uint8Array> {
  if (bytes.byteLength !== entry.bytes) {
    throw new HllmError('VECTORS_INTEGRITY', `vector shard ${entry.path} has ${bytes.byteLength} bytes, vectors.json says ${entry.bytes}: redeploy the vectors folder as a whole.`, { file: entry.path });
  }
  const sha = await sha256Hex(bytes);
  if (sha !== entry.sha256) {
    throw new HllmError('VECTORS_INTEGRITY', `vector shard ${entry.path} has sha256 ${sha}, vectors.json says ${entry.sha256}: the file is corrupt or from another build. Redeploy the vectors folder as a whole.`, { file: entry.path, expected: entry.sha256, actual: sha });
  }
  return bytes;
}

/**
 * Fetches one shard of the set in `folder` and verifies it: VECTORS_MISSING when it cannot be
 * read, VECTORS_INTEGRITY when it is not the file vectors.json describes.
 *
 * @example
 * ```ts
 * const bytes = await fetchShard(shardSetFolder(url), manifest.shards[0], defaultFetcher);
 * ```
 */
export async function fetchShard(folder: string, entry: ShardEntry, fetcher: Fetcher, onBytes?: (done: number, total: number) => void): Promise<Uint8Array> {
  const url = joinPath(folder, entry.path);
  let bytes: Uint8Array;
  try {
    bytes = await fetcher(url, onBytes);
  } catch (e) {
    throw new HllmError('VECTORS_MISSING', `vector shard ${entry.path} could not be read from ${url} (${(e as Error).message}). Deploy the whole vectors folder that vectors.json belongs to.`, { file: entry.path, url });
  }
  return verifyShard(entry, bytes);
}

/** A shard set read whole and verified: its manifest and, in manifest order, each shard's entry, bytes and decoded rows. */
export interface ShardSet {
  url: string;
  manifest: VectorManifest;
  shards: Array<{ entry: ShardEntry; bytes: Uint8Array; shard: Shard }>;
}

/**
 * Reads and verifies the whole shard set named by `vectors` (a folder or its vectors.json,
 * path or URL), decoding every shard with its ids. For Node tools and tests; the engine reads
 * shard by shard around its storage (src/engine/index/vector-shards.ts).
 *
 * @example
 * ```ts
 * const set = await readShardSet('public/catalogs/ml-latest-small/vectors');
 * const v = vectorsById(set).get('1'); // Float32Array(dim)
 * ```
 */
export async function readShardSet(vectors: string, fetcher: Fetcher = defaultFetcher): Promise<ShardSet> {
  const url = vectorManifestUrl(vectors);
  let text: string;
  try {
    text = new TextDecoder().decode(await fetcher(url));
  } catch (e) {
    throw manifestMissing(url, e);
  }
  const manifest = parseVectorManifestText(text, url);
  const folder = shardSetFolder(url);
  const shards: ShardSet['shards'] = [];
  for (const entry of manifest.shards) {
    const bytes = await fetchShard(folder, entry, fetcher);
    shards.push({ entry, bytes, shard: decodeShard(bytes, manifest.dtype, manifest.dim, entry.rows, entry.path) });
  }
  return { url, manifest, shards };
}

/** Every row of the set as float32 (int8: code × scale), by item id. */
export function vectorsById(set: ShardSet): Map<string, Float32Array> {
  const m = new Map<string, Float32Array>();
  for (const { shard } of set.shards) shard.ids.forEach((id, r) => m.set(id, shardRow(shard, r)));
  return m;
}

/** Every row's text sha256, by item id. */
export function textShasById(set: ShardSet): Map<string, string> {
  const m = new Map<string, string>();
  for (const { shard } of set.shards) shard.ids.forEach((id, r) => m.set(id, shardShaHex(shard, r)));
  return m;
}
