// Reads a model folder: hllm.json, then the files one dtype needs, each checked against
// the manifest's byte size and sha256 BEFORE anything uses it or writes to storage.
import { HllmError } from '../../errors.ts';
import type { Backend, Dtype, Progress } from '../../protocol.ts';
import { fetchText, joinPath, type Fetcher } from '../../io/fetcher.ts';
import { externalDataFiles, fileFor, parseManifest, runtimeFiles, userEncoderFile, type FileRole, type Manifest, type ManifestFile } from './manifest.ts';
import { sha256Hex } from '../../io/sha256.ts';
import { fetcherOnly, loadModelFile, prepareKept, type FileSource } from './model-file.ts';
import type { KvShape } from './ort-backend.ts';
import { parseSelfCheck, type SelfCheckReference } from './self-check.ts';

export async function fetchManifest(base: string, fetcher: Fetcher): Promise<Manifest> {
  const url = joinPath(base, 'hllm.json');
  let text: string;
  try {
    text = await fetchText(fetcher, url);
  } catch (e) {
    if (e instanceof HllmError && e.code === 'MODEL_FILE_MISSING') {
      throw new HllmError('MODEL_FILE_MISSING', `no hllm.json at ${url}: 'model' must point at a model folder (exported by models/export.py).`, { url });
    }
    throw e;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new HllmError('MODEL_FORMAT', `hllm.json at ${url} is not valid JSON: ${(e as Error).message}`, { url });
  }
  return parseManifest(json);
}

/** One external data file: `path` is the location the .onnx file names. */
interface ExternalData {
  path: string;
  data: Uint8Array;
}

export interface ModelFiles {
  manifest: Manifest;
  dtype: Dtype;
  tokenizerJson: unknown;
  tokenizerConfig: unknown;
  itemEncoder: Uint8Array;
  userEncoder: Uint8Array;
  /** The user encoder's sha256 (the file userEncoderFile() chose: the kept user state is keyed by it). */
  userEncoderSha256: string;
  /** Each encoder's external data files (big models), as ORT's externalData wants them; [] when none. */
  itemExternalData: ExternalData[];
  userExternalData: ExternalData[];
  /** The user encoder's key/value cache shape when it is the cache graph (user_kv_encoder), else null. */
  userKv: KvShape | null;
  /** Interaction counts per item id (file of role 'popularity'), or null when the folder ships none. */
  popularity: Record<string, number> | null;
  /** Identifies the item vectors: changes when the item encoder, tokenizer or text rules change. */
  modelKey: string;
  /** This dtype's stored outputs for the WebGPU self-check (self_check_<dtype>.json), or null in folders exported before it. */
  selfCheck: SelfCheckReference | null;
}

/**
 * The item-vector cache key of one dtype of a model, from hllm.json alone (no download): the
 * sha256 of its item encoder's and tokenizer's sha256s and the text rules.
 * @example
 * const key = await modelKeyOf(parseManifest(json), 'q8'); // vectors.json's model.key
 */
export async function modelKeyOf(m: Manifest, dtype: Dtype): Promise<string> {
  const item = fileFor(m, 'item_encoder', dtype);
  const tok = fileFor(m, 'tokenizer');
  if (!item || !tok) throw new HllmError('MODEL_FORMAT', `hllm.json has no ${item ? 'tokenizer' : `${dtype} item encoder`}: pick a dtype the model folder ships.`, { dtype });
  return sha256Hex(JSON.stringify({
    item_encoder: item.sha256, tokenizer: tok.sha256, prompt: m.prompt, text_fields: m.text_fields,
    field_template: m.field_template, field_separator: m.field_separator, max_text_tokens: m.max_text_tokens,
    bos: m.bos_token_id, item_token: m.item_token_id, pad: m.pad_token_id,
  }));
}

/**
 * Loads (progress 'download', bytes of the files not kept) and verifies (progress 'verify',
 * files, kept ones included) one dtype for one backend (its User LLM file: userEncoderFile()).
 * A bare Fetcher reads every file through it (Node, tests).
 */
export async function fetchModelFiles(base: string, m: Manifest, dtype: Dtype, from: Fetcher | FileSource, onProgress?: (p: Progress) => void, backend?: Backend): Promise<ModelFiles> {
  const bytesByPath = await loadVerified(base, runtimeFiles(m, dtype, backend), from, onProgress);
  const byRole = (role: FileRole, d?: Dtype) => {
    const f = fileFor(m, role, d);
    return f ? bytesByPath.get(f.path) : undefined;
  };
  const json = (role: FileRole, d?: Dtype) => {
    const b = byRole(role, d);
    if (!b) return undefined;
    try {
      return JSON.parse(new TextDecoder().decode(b));
    } catch (e) {
      throw new HllmError('MODEL_FORMAT', `${fileFor(m, role, d)?.path} is not valid JSON: ${(e as Error).message}`);
    }
  };
  const reference = json('self_check', dtype) as unknown;
  const item = fileFor(m, 'item_encoder', dtype)!;
  const modelKey = await modelKeyOf(m, dtype);
  const counts = json('popularity') as unknown;
  if (counts !== undefined && (typeof counts !== 'object' || counts === null || Array.isArray(counts) || Object.values(counts).some((n) => typeof n !== 'number' || !(n >= 0)))) {
    throw new HllmError('MODEL_FORMAT', `${fileFor(m, 'popularity')?.path} must map item ids to non-negative interaction counts; re-export the model with models/export.py.`);
  }
  return {
    popularity: (counts as Record<string, number> | undefined) ?? null,
    manifest: m,
    dtype,
    tokenizerJson: json('tokenizer'),
    tokenizerConfig: json('tokenizer_config') ?? {},
    itemEncoder: bytesByPath.get(item.path)!,
    itemExternalData: externalData(m, item, bytesByPath),
    ...userPart(m, userEncoderFile(m, dtype, backend)!, bytesByPath),
    modelKey,
    selfCheck: reference === undefined ? null : parseSelfCheck(reference, m.dim, fileFor(m, 'self_check', dtype)!.path),
  };
}

/** The User LLM's fields of ModelFiles. */
export type UserEncoderFiles = Pick<ModelFiles, 'userEncoder' | 'userEncoderSha256' | 'userExternalData' | 'userKv'>;

const externalData = (m: Manifest, enc: ManifestFile, bytes: Map<string, Uint8Array>): ExternalData[] =>
  externalDataFiles(m, enc).map((x) => ({ path: x.location!, data: bytes.get(x.path)! }));

const userPart = (m: Manifest, user: ManifestFile, bytes: Map<string, Uint8Array>): UserEncoderFiles => ({
  userEncoder: bytes.get(user.path)!, userEncoderSha256: user.sha256, userExternalData: externalData(m, user, bytes), userKv: user.kv_cache ?? null,
});

/**
 * Loads and verifies only the User LLM file that `backend` runs for `dtype` (userEncoderFile())
 * with its external data: what a WebGPU plan that ended on WASM needs to move to the i8 file.
 * @example
 * const user = await fetchUserEncoder('/models/default/', m, 'q4', source, 'wasm');
 */
export async function fetchUserEncoder(base: string, m: Manifest, dtype: Dtype, from: Fetcher | FileSource, backend: Backend, onProgress?: (p: Progress) => void): Promise<UserEncoderFiles> {
  const user = userEncoderFile(m, dtype, backend)!;
  return userPart(m, user, await loadVerified(base, [user, ...externalDataFiles(m, user)], from, onProgress));
}

/** Each of `files`, read and verified (model-file.ts), by path; progress 'download' in bytes, 'verify' in files. */
async function loadVerified(base: string, files: ManifestFile[], from: Fetcher | FileSource, onProgress?: (p: Progress) => void): Promise<Map<string, Uint8Array>> {
  const src = typeof from === 'function' ? fetcherOnly(from) : from;
  const { stored, needed } = src.kept ? await prepareKept(base, files, src.kept) : { stored: new Set<string>(), needed: 0 };
  let totalBytes = files.reduce((a, f) => a + (stored.has(f.sha256) ? 0 : f.bytes), 0);
  const got = new Map<string, number>();
  const sum = () => [...got.values()].reduce((a, b) => a + b, 0);
  let verified = 0;
  const bytesByPath = new Map<string, Uint8Array>();
  await Promise.all(
    files.map(async (f) => {
      const bytes = await loadModelFile(base, f, src, stored.has(f.sha256), needed, (d) => {
        got.set(f.path, d);
        onProgress?.({ phase: 'download', done: sum(), total: totalBytes, detail: f.path });
      }, () => { totalBytes += f.bytes; });
      bytesByPath.set(f.path, bytes);
      onProgress?.({ phase: 'verify', done: ++verified, total: files.length, detail: f.path });
    }),
  );
  return bytesByPath;
}
