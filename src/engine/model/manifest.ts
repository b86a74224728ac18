// hllm.json: its valibot schema (the Manifest type is derived from it), the check that
// turns a rejected manifest into one MODEL_FORMAT error naming the field, and which files
// a given dtype needs. Used by the engine and by the eval CLI alike.
// Pure; unit-tested without a model.
import * as v from 'valibot';
import { HllmError } from '../../errors.ts';
import type { Backend, Dtype } from '../../protocol.ts';

export type FileRole = 'item_encoder' | 'user_encoder' | 'user_kv_encoder' | 'tokenizer' | 'tokenizer_config' | 'config' | 'golden' | 'external_data' | 'popularity' | 'self_check';

/** Every dtype the engine runs, in the order availableDtypes() lists them. */
const DTYPES = ['fp32', 'q8', 'q4'] as const satisfies readonly Dtype[];

/**
 * Encoder file dtypes: the engine's, and 'i8', a User LLM with its key/value cache computed in
 * int8 (models/quantize.py). It is not a dtype of its own: on WASM it replaces the q8 or q4 one,
 * whose kernels there turn every weight back into fp32 on every call.
 */
const FILE_DTYPES = [...DTYPES, 'i8'] as const;
export type FileDtype = (typeof FILE_DTYPES)[number];

const nonNegInt = (what = 'a non-negative integer') => v.pipe(v.number(`must be ${what}`), v.integer(`must be ${what}`), v.minValue(0, `must be ${what}`));
const positiveInt = () => v.pipe(v.number('must be an integer ≥ 1'), v.integer('must be an integer ≥ 1'), v.minValue(1, 'must be an integer ≥ 1'));

const ManifestFileSchema = v.pipe(
  v.object({
    path: v.pipe(v.string('must be a string'), v.nonEmpty('must not be empty')),
    role: v.pipe(v.string('must be a string'), v.nonEmpty('must not be empty')),
    // null for files that are not encoders; older exports leave it out.
    dtype: v.optional(v.nullable(v.picklist(FILE_DTYPES, (i) => `is ${i.received}, not one of ${FILE_DTYPES.join(', ')} (or null)`)), null),
    bytes: nonNegInt(),
    sha256: v.pipe(v.string('must be a hex sha256'), v.regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits')),
    /** Encoders: external data files, as locations relative to the .onnx file (importer, big models). */
    external_data: v.optional(v.array(v.string('must list strings'), 'must be an array of strings')),
    /** Encoders: the largest single initializer in bytes (one WebGPU buffer must hold it). */
    max_tensor_bytes: v.optional(nonNegInt()),
    /** Encoders: the largest buffer the weights need on WebGPU, a constant the graph dequantises whole included (the q8/q4 embedding table, as fp32). */
    max_buffer_bytes: v.optional(nonNegInt()),
    /** role 'external_data': the name the .onnx refers to, and the encoder file it belongs to. */
    location: v.optional(v.string('must be a string')),
    external_data_of: v.optional(v.string('must be a string')),
    /** role 'user_kv_encoder': the shape of one layer's cached keys (and values), [B, heads, P, head_dim]. */
    kv_cache: v.optional(v.object({ layers: positiveInt(), heads: positiveInt(), head_dim: positiveInt() }, 'must be { layers, heads, head_dim }')),
  }, 'must be an object with path, role, dtype, bytes and sha256'),
  v.check((f) => f.role !== 'external_data' || (f.location !== undefined && f.external_data_of !== undefined),
    "has role 'external_data' but no 'location' / 'external_data_of'"),
  v.check((f) => f.role !== 'user_kv_encoder' || f.kv_cache !== undefined, "has role 'user_kv_encoder' but no 'kv_cache' shape"),
);

/** Test metrics per variant, e.g. metrics.test.q8['N@10']; other metrics sections are kept as they are. */
const MetricsSchema = v.looseObject({
  test: v.optional(v.record(v.string(), v.optional(v.record(v.string(), v.number('must be a number')), undefined), 'must map variants to { metric: number }')),
}, 'must be an object');

/** The schema of hllm.json format 1 (docs/model-format.md). */
const ManifestSchema = v.pipe(
  v.object({
    format: v.literal(1, (i) => `is unknown format ${i.received} (this engine reads format 1)`),
    id: v.pipe(v.string('must be a string'), v.nonEmpty('must not be empty')),
    dim: positiveInt(),
    prompt: v.string('must be a string (it may be empty)'),
    text_fields: v.pipe(v.array(v.string('must list strings'), 'must be an array of field names'), v.minLength(1, 'must name at least one field')),
    field_template: v.pipe(v.string('must be a string'), v.includes('{value}', 'must contain {value}')),
    field_separator: v.optional(v.string('must be a string (it may be empty)'), ' '),
    max_text_tokens: positiveInt(),
    max_history: positiveInt(),
    item_token_id: nonNegInt('a token id (a non-negative integer)'),
    bos_token_id: nonNegInt('a token id (a non-negative integer)'),
    pad_token_id: nonNegInt('a token id (a non-negative integer)'),
    files: v.array(ManifestFileSchema, 'must be an array of file entries'),
    training: v.optional(v.record(v.string(), v.unknown(), 'must be an object')),
    metrics: v.optional(MetricsSchema),
  }, 'is not a JSON object'),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const m = dataset.value;
    for (const enc of m.files) {
      for (const loc of enc.external_data ?? []) {
        if (!m.files.some((x) => x.role === 'external_data' && x.external_data_of === enc.path && x.location === loc)) {
          addIssue({ message: `${enc.path} lists external data '${loc}' but no files[] entry (role 'external_data', external_data_of '${enc.path}') describes it` });
        }
      }
    }
    if (!m.files.some((f) => f.role === 'tokenizer')) addIssue({ message: "'files' has no file with role 'tokenizer'" });
    if (!DTYPES.some((d) => hasEncoders(m.files, d))) addIssue({ message: "'files' has no dtype with both an item_encoder and a user_encoder" });
  }),
);

export type Manifest = v.InferOutput<typeof ManifestSchema>;
export type ManifestFile = Manifest['files'][number];

function hasEncoders(files: readonly ManifestFile[], d: Dtype): boolean {
  return files.some((f) => f.role === 'item_encoder' && f.dtype === d) && files.some((f) => f.role === 'user_encoder' && f.dtype === d);
}

function describeIssue(issue: v.BaseIssue<unknown>): string {
  const key = issue.path?.map((p) => String(p.key)).join('.');
  return key ? `'${key}' ${issue.message}` : issue.message;
}

/**
 * Parses and checks hllm.json. Throws MODEL_FORMAT whose message names the first bad field
 * (e.g. `'files.3.sha256' must be 64 lowercase hex digits`) and says to re-export.
 *
 * @example
 * ```ts
 * const m = parseManifest(JSON.parse(readFileSync('public/models/default/hllm.json', 'utf8')));
 * availableDtypes(m); // ['fp32', 'q8', 'q4']
 * ```
 */
export function parseManifest(json: unknown): Manifest {
  const res = v.safeParse(ManifestSchema, json);
  if (!res.success) {
    const issue = res.issues[0];
    throw new HllmError('MODEL_FORMAT', `hllm.json: ${describeIssue(issue)}. Re-export the model with models/export.py (see docs/model-format.md).`,
      { field: issue.path?.map((p) => String(p.key)).join('.') ?? null });
  }
  return res.output;
}

export function fileFor(m: Manifest, role: FileRole, dtype?: FileDtype): ManifestFile | undefined {
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

/**
 * The User LLM file the engine runs for one dtype on one backend: the graph with a key/value
 * cache where the folder ships one (it also reads a whole history, with an empty cache), else the
 * whole-history graph. Never both: the cache graph holds the same weights. On WASM, q8 and q4 run
 * the cache graph's i8 file where there is one: one click at SmolLM2-135M's shape costs 22 ms
 * there against 158 ms (q8) and 175 ms (q4). `backend` undefined: the dtype's own file.
 *
 * @example
 * ```ts
 * userEncoderFile(m, 'q4', 'wasm')?.path; // 'onnx/user_kv_encoder_i8.onnx' when the folder has it
 * ```
 */
export function userEncoderFile(m: Manifest, dtype: Dtype, backend?: Backend): ManifestFile | undefined {
  const i8 = backend === 'wasm' && dtype !== 'fp32' ? fileFor(m, 'user_kv_encoder', 'i8') : undefined;
  return i8 ?? fileFor(m, 'user_kv_encoder', dtype) ?? fileFor(m, 'user_encoder', dtype);
}

/** The encoder files of one dtype on one backend (userEncoderFile's rule) with their external data. */
export function encoderFiles(m: Manifest, dtype: Dtype, backend?: Backend): ManifestFile[] {
  const encs = [fileFor(m, 'item_encoder', dtype), userEncoderFile(m, dtype, backend)].filter((f): f is ManifestFile => f !== undefined);
  return encs.flatMap((e) => [e, ...externalDataFiles(m, e)]);
}

/**
 * Files the engine downloads for one dtype on one backend (never golden.json or config.json;
 * popularity.json and the dtype's self-check reference when shipped: a few KB, read on WebGPU
 * only, but downloaded on every backend). The User LLM file follows userEncoderFile's rule.
 */
export function runtimeFiles(m: Manifest, dtype: Dtype, backend?: Backend): ManifestFile[] {
  const out = [fileFor(m, 'tokenizer'), fileFor(m, 'tokenizer_config'), fileFor(m, 'popularity'), fileFor(m, 'self_check', dtype)]
    .filter((f): f is ManifestFile => f !== undefined);
  return [...out, ...encoderFiles(m, dtype, backend)];
}
