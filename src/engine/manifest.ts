// hllm.json: its type, validation, and which files a given dtype needs.
// Imports: errors, protocol types. Pure; unit-tested without a model.
import { HllmError } from '../errors.ts';
import type { Dtype } from '../protocol.ts';

export type FileRole = 'item_encoder' | 'user_encoder' | 'tokenizer' | 'tokenizer_config' | 'config' | 'golden';

export interface ManifestFile {
  path: string;
  role: FileRole | string;
  dtype: Dtype | null;
  bytes: number;
  sha256: string;
  /** Encoders: external data files, as locations relative to the .onnx file (importer, big models). */
  external_data?: string[];
  /** Encoders: the largest single initializer in bytes (one WebGPU buffer must hold it). */
  max_tensor_bytes?: number;
  /** role 'external_data': the name the .onnx refers to, and the encoder file it belongs to. */
  location?: string;
  external_data_of?: string;
}

export interface Manifest {
  format: 1;
  id: string;
  dim: number;
  prompt: string;
  text_fields: string[];
  field_template: string;
  field_separator: string;
  max_text_tokens: number;
  max_history: number;
  item_token_id: number;
  bos_token_id: number;
  pad_token_id: number;
  files: ManifestFile[];
  training?: Record<string, unknown>;
  metrics?: { test?: Record<string, Record<string, number> | undefined>; [k: string]: unknown };
}

const DTYPES: readonly Dtype[] = ['fp32', 'fp16', 'q8', 'q4'];

function fail(msg: string): never {
  throw new HllmError('MODEL_FORMAT', `hllm.json: ${msg}. Re-export the model with models/export.py (see docs/model-format.md).`);
}

/** Parses and checks hllm.json; throws MODEL_FORMAT naming the first bad field. */
export function parseManifest(json: unknown): Manifest {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) fail('is not a JSON object');
  const m = json as Record<string, unknown>;
  if (m.format !== 1) fail(`unknown format ${JSON.stringify(m.format)} (this engine reads format 1)`);
  const str = (k: string, allowEmpty = false) => {
    if (typeof m[k] !== 'string' || (!allowEmpty && m[k] === '')) fail(`'${k}' must be a string`);
  };
  const int = (k: string) => {
    if (!Number.isInteger(m[k]) || (m[k] as number) < 0) fail(`'${k}' must be a non-negative integer`);
  };
  str('id');
  str('prompt', true);
  str('field_template');
  if (m.field_separator === undefined) m.field_separator = ' ';
  str('field_separator', true);
  for (const k of ['dim', 'max_text_tokens', 'max_history', 'item_token_id', 'bos_token_id', 'pad_token_id']) int(k);
  if ((m.dim as number) < 1 || (m.max_history as number) < 1 || (m.max_text_tokens as number) < 1) fail('dim, max_text_tokens and max_history must be ≥ 1');
  if (!(m.field_template as string).includes('{value}')) fail("'field_template' must contain {value}");
  if (!Array.isArray(m.text_fields) || m.text_fields.length === 0 || !m.text_fields.every((f) => typeof f === 'string')) {
    fail("'text_fields' must be a non-empty array of strings");
  }
  if (!Array.isArray(m.files)) fail("'files' must be an array");
  for (const [i, f] of (m.files as unknown[]).entries()) {
    const r = f as Record<string, unknown>;
    if (typeof r?.path !== 'string' || typeof r.role !== 'string') fail(`files[${i}] needs 'path' and 'role'`);
    if (typeof r.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(r.sha256)) fail(`files[${i}] (${r.path}) needs a hex 'sha256'`);
    if (!Number.isInteger(r.bytes)) fail(`files[${i}] (${r.path}) needs integer 'bytes'`);
    if (r.dtype !== null && r.dtype !== undefined && !DTYPES.includes(r.dtype as Dtype)) fail(`files[${i}] has unknown dtype ${JSON.stringify(r.dtype)}`);
    if (r.dtype === undefined) r.dtype = null;
    if (r.external_data !== undefined && (!Array.isArray(r.external_data) || !r.external_data.every((x) => typeof x === 'string'))) {
      fail(`files[${i}] (${r.path}) 'external_data' must be an array of strings`);
    }
    if (r.max_tensor_bytes !== undefined && !Number.isInteger(r.max_tensor_bytes)) fail(`files[${i}] (${r.path}) 'max_tensor_bytes' must be an integer`);
    if (r.role === 'external_data' && (typeof r.location !== 'string' || typeof r.external_data_of !== 'string')) {
      fail(`files[${i}] (${r.path}) has role 'external_data' but no 'location' / 'external_data_of'`);
    }
  }
  const man = m as unknown as Manifest;
  for (const enc of man.files) {
    for (const loc of enc.external_data ?? []) {
      if (!man.files.some((x) => x.role === 'external_data' && x.external_data_of === enc.path && x.location === loc)) {
        fail(`${enc.path} lists external data '${loc}' but no files[] entry (role 'external_data', external_data_of '${enc.path}') describes it`);
      }
    }
  }
  if (!fileFor(man, 'tokenizer')) fail("no file with role 'tokenizer'");
  if (availableDtypes(man).length === 0) fail('no dtype has both an item_encoder and a user_encoder file');
  return man;
}

export function fileFor(m: Manifest, role: FileRole, dtype?: Dtype): ManifestFile | undefined {
  return m.files.find((f) => f.role === role && (dtype === undefined || f.dtype === dtype));
}

/** Dtypes with both encoders present, in DTYPES order. */
export function availableDtypes(m: Manifest): Dtype[] {
  return DTYPES.filter((d) => fileFor(m, 'item_encoder', d) && fileFor(m, 'user_encoder', d));
}

/** The external data files of one encoder file, in the order its `external_data` lists them. */
export function externalDataFiles(m: Manifest, encoder: ManifestFile): ManifestFile[] {
  return (encoder.external_data ?? []).map((loc) => m.files.find((x) => x.role === 'external_data' && x.external_data_of === encoder.path && x.location === loc)!);
}

/** The encoder files of one dtype with their external data. */
export function encoderFiles(m: Manifest, dtype: Dtype): ManifestFile[] {
  const encs = [fileFor(m, 'item_encoder', dtype), fileFor(m, 'user_encoder', dtype)].filter((f): f is ManifestFile => f !== undefined);
  return encs.flatMap((e) => [e, ...externalDataFiles(m, e)]);
}

/** Files the engine downloads for one dtype (never golden.json or config.json). */
export function runtimeFiles(m: Manifest, dtype: Dtype): ManifestFile[] {
  const out = [fileFor(m, 'tokenizer'), fileFor(m, 'tokenizer_config')].filter((f): f is ManifestFile => f !== undefined);
  return [...out, ...encoderFiles(m, dtype)];
}
