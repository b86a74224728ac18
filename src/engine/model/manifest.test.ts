// hllm.json validation and the backend/dtype policy.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Capabilities } from '../../env.ts';
import { HllmError } from '../../errors.ts';
import { planBackend } from './backend-policy.ts';
import { availableDtypes, parseManifest, runtimeFiles } from './manifest.ts';

const sha = 'a'.repeat(64);
const f = (path: string, role: string, dtype: string | null, bytes = 10) => ({ path, role, dtype, bytes, sha256: sha });
function manifest(extra: Record<string, unknown> = {}) {
  return {
    format: 1, id: 'm', dim: 8, prompt: '', text_fields: ['title'], field_template: '{key}: {value}', field_separator: ' ',
    max_text_tokens: 16, max_history: 50, item_token_id: 3, bos_token_id: 2, pad_token_id: 0,
    files: [
      f('tokenizer.json', 'tokenizer', null), f('tokenizer_config.json', 'tokenizer_config', null), f('golden.json', 'golden', null),
      f('onnx/item_encoder.onnx', 'item_encoder', 'fp32', 400), f('onnx/user_encoder.onnx', 'user_encoder', 'fp32', 400),
      f('onnx/item_encoder_q8.onnx', 'item_encoder', 'q8', 100), f('onnx/user_encoder_q8.onnx', 'user_encoder', 'q8', 100),
      f('onnx/item_encoder_q4.onnx', 'item_encoder', 'q4', 60), f('onnx/user_encoder_q4.onnx', 'user_encoder', 'q4', 60),
    ],
    metrics: { test: { fp32: { 'N@10': 0.1 }, q8: { 'N@10': 0.099 }, q4: { 'N@10': 0.09 } } },
    ...extra,
  };
}
const caps = (gpu: Partial<Capabilities['webgpu']> | null, runtime: Capabilities['runtime'] = 'worker'): Capabilities => ({
  runtime, crossOriginIsolated: false, hardwareConcurrency: 2, indexedDB: true,
  webgpu: gpu ? { available: true, fallback: false, maxBufferSize: 1 << 30, maxStorageBufferBindingSize: 1 << 27, description: 'gpu', ...gpu }
    : { available: false, fallback: false, maxBufferSize: 0, maxStorageBufferBindingSize: 0, description: 'none' },
});
const codeOf = (fn: () => unknown) => { try { fn(); return 'none'; } catch (e) { return (e as HllmError).code; } };

describe('parseManifest', () => {
  it('accepts a valid manifest and lists dtypes with both encoders', () => {
    const m = parseManifest(manifest());
    expect(availableDtypes(m)).toEqual(['fp32', 'q8', 'q4']);
    expect(runtimeFiles(m, 'q8').map((x) => x.path)).toEqual(['tokenizer.json', 'tokenizer_config.json', 'onnx/item_encoder_q8.onnx', 'onnx/user_encoder_q8.onnx']);
  });
  // Each bad manifest: exactly MODEL_FORMAT, and the message names the field at fault.
  const bad: Array<[string, unknown, RegExp]> = [
    ['an unknown format', manifest({ format: 2 }), /'format' is unknown format 2 \(this engine reads format 1\)/],
    ['a negative dim', manifest({ dim: -1 }), /'dim' must be an integer ≥ 1/],
    ['a fractional token id', manifest({ pad_token_id: 0.5 }), /'pad_token_id' must be a token id/],
    ['an empty text_fields', manifest({ text_fields: [] }), /'text_fields' must name at least one field/],
    ['a template without {value}', manifest({ field_template: '{key}' }), /'field_template' must contain \{value\}/],
    ['a missing id', manifest({ id: undefined }), /'id' must be a string/],
    ['no encoders', manifest({ files: [f('tokenizer.json', 'tokenizer', null)] }), /'files' has no dtype with both an item_encoder and a user_encoder/],
    ['no tokenizer', manifest({ files: [f('a.onnx', 'item_encoder', 'fp32'), f('b.onnx', 'user_encoder', 'fp32')] }), /'files' has no file with role 'tokenizer'/],
    ['a bad sha256', manifest({ files: [{ path: 'x', role: 'tokenizer', bytes: 1, sha256: 'zz' }] }), /'files\.0\.sha256' must be 64 lowercase hex digits/],
    ['non-integer bytes', manifest({ files: [{ ...f('x', 'tokenizer', null), bytes: '10' }] }), /'files\.0\.bytes' must be a non-negative integer/],
    ['an unknown dtype', manifest({ files: [f('x', 'item_encoder', 'fp16')] }), /'files\.0\.dtype' is "fp16", not one of fp32, q8, q4, i8/],
    ['external data without location', manifest({ files: [f('x', 'external_data', 'fp32')] }), /'files\.0' has role 'external_data' but no 'location'/],
    ['a non-number metric', manifest({ metrics: { test: { q8: { 'N@10': 'high' } } } }), /'metrics\.test\.q8\.N@10' must be a number/],
    ['a string', 'nope', /hllm\.json: is not a JSON object/],
  ];
  for (const [what, json, field] of bad) {
    it(`rejects ${what} with MODEL_FORMAT naming the field`, () => {
      let err: HllmError | undefined;
      try { parseManifest(json); } catch (e) { err = e as HllmError; }
      expect(err).toBeInstanceOf(HllmError);
      expect(err!.code).toBe('MODEL_FORMAT');
      expect(err!.message).toMatch(field);
      expect(err!.message).toMatch(/Re-export the model with models\/export\.py/);
    });
  }
  it('fills the documented defaults: field_separator " ", dtype null', () => {
    const j = manifest({ field_separator: undefined });
    j.files = j.files.map(({ dtype, ...rest }) => (dtype === null ? rest : { dtype, ...rest })) as typeof j.files;
    const m = parseManifest(j);
    expect(m.field_separator).toBe(' ');
    expect(m.files.find((x) => x.role === 'tokenizer')!.dtype).toBeNull();
  });
  it('reads the shipped default model', () => {
    const m = parseManifest(JSON.parse(readFileSync('public/models/default/hllm.json', 'utf8')));
    expect(availableDtypes(m)).toEqual(['fp32', 'q8', 'q4']);
    expect(m.metrics?.test?.fp32?.['N@10']).toBeGreaterThan(0);
  });
});

describe('planBackend', () => {
  const m = parseManifest(manifest());
  it('uses wasm without an adapter and picks q8 when its quality holds', () => {
    const p = planBackend(m, caps(null));
    expect([p.backend, p.dtype]).toEqual(['wasm', 'q8']);
    expect(p.reason).toMatch(/no WebGPU adapter/);
  });
  it('prefers q4 on a hardware adapter only if it keeps 97% of fp32 N@10', () => {
    expect(planBackend(m, caps({})).dtype).toBe('q8'); // q4 0.09 < 0.097
    const good = parseManifest(manifest({ metrics: { test: { fp32: { 'N@10': 0.1 }, q4: { 'N@10': 0.098 } } } }));
    expect(planBackend(good, caps({}))).toMatchObject({ backend: 'webgpu', dtype: 'q4' });
  });
  it('prefers WASM over a software (fallback) adapter unless WebGPU is forced', () => {
    const p = planBackend(m, caps({ fallback: true, description: 'google swiftshader' }));
    expect(p.backend).toBe('wasm');
    expect(p.reason).toMatch(/software fallback/);
    expect(planBackend(m, caps({ fallback: true }), 'webgpu').backend).toBe('webgpu');
  });
  it('stays at fp32 without metrics', () => {
    expect(planBackend(parseManifest(manifest({ metrics: undefined })), caps(null)).dtype).toBe('fp32');
  });
  it('honours forced backend and dtype, and refuses impossible ones', () => {
    expect(planBackend(m, caps({}), 'wasm', 'fp32')).toMatchObject({ backend: 'wasm', dtype: 'fp32' });
    expect(codeOf(() => planBackend(m, caps(null), 'webgpu'))).toBe('BACKEND_UNAVAILABLE');
    expect(codeOf(() => planBackend(m, caps({}), 'auto', 'fp16' as never))).toBe('INVALID_OPTIONS');
    expect(codeOf(() => planBackend(parseManifest(manifest({ files: manifest().files.filter((x) => x.dtype !== 'q4') })), caps({}), 'auto', 'q4'))).toBe('BACKEND_UNAVAILABLE');
    expect(codeOf(() => planBackend(m, caps({}), 'cuda' as never))).toBe('INVALID_OPTIONS');
  });
});

describe('big models: external data and the fit check (before any download)', () => {
  // A 1B-class import: fp32 weights in external data, one 1.6 GB tensor (embed_tokens) and 5.2 GB
  // in all; q4 fits both WASM and a 2 GB-buffer adapter.
  const enc = (path: string, role: string, dtype: string, bytes: number, maxT: number) => ({
    ...f(path, role, dtype, bytes), external_data: [`${path.split('/')[1]}_data`], max_tensor_bytes: maxT,
  });
  const ext = (of: string, dtype: string, bytes: number) => ({
    ...f(`${of}_data`, 'external_data', dtype, bytes), location: `${of.split('/')[1]}_data`, external_data_of: of,
  });
  const big = () => manifest({
    files: [
      f('tokenizer.json', 'tokenizer', null),
      enc('onnx/item_encoder.onnx', 'item_encoder', 'fp32', 2e6, 1.6e9), ext('onnx/item_encoder.onnx', 'fp32', 3.4e9),
      enc('onnx/user_encoder.onnx', 'user_encoder', 'fp32', 2e6, 0.3e9), ext('onnx/user_encoder.onnx', 'fp32', 1.8e9),
      enc('onnx/item_encoder_q4.onnx', 'item_encoder', 'q4', 2e6, 0.4e9), ext('onnx/item_encoder_q4.onnx', 'q4', 0.8e9),
      enc('onnx/user_encoder_q4.onnx', 'user_encoder', 'q4', 2e6, 0.1e9), ext('onnx/user_encoder_q4.onnx', 'q4', 0.4e9),
    ],
    metrics: undefined,
  });
  const gpu2g = { maxBufferSize: 2 ** 31, maxStorageBufferBindingSize: 2 ** 31 };

  it('lists each encoder with its external data files', () => {
    const m = parseManifest(big());
    expect(runtimeFiles(m, 'q4').map((x) => x.path)).toEqual(['tokenizer.json',
      'onnx/item_encoder_q4.onnx', 'onnx/item_encoder_q4.onnx_data', 'onnx/user_encoder_q4.onnx', 'onnx/user_encoder_q4.onnx_data']);
  });
  it('rejects an encoder whose external data has no files[] entry', () => {
    const j = big();
    j.files = j.files.filter((x) => x.path !== 'onnx/user_encoder_q4.onnx_data');
    expect(codeOf(() => parseManifest(j))).toBe('MODEL_FORMAT');
  });
  it('refuses fp32 on WASM (over the 4 GB heap) with MODEL_TOO_LARGE and advice', () => {
    const m = parseManifest(big());
    let err: HllmError | undefined;
    try { planBackend(m, caps(null, 'node'), 'wasm', 'fp32'); } catch (e) { err = e as HllmError; }
    expect(err?.code).toBe('MODEL_TOO_LARGE');
    expect(err?.message).toMatch(/5\.20 GB/);
    expect(err?.message).toMatch(/q4/);
    expect(err?.message).toMatch(/WebGPU/);
    expect(planBackend(m, caps(null, 'node'), 'wasm', 'q4')).toMatchObject({ backend: 'wasm', dtype: 'q4' });
  });
  it('auto dtype skips what does not fit instead of failing', () => {
    const m = parseManifest(big());
    expect(planBackend(m, caps(null)).dtype).toBe('q4'); // no metrics: would stay at fp32, which cannot fit
    expect(planBackend(m, caps(gpu2g)).dtype).toBe('fp32'); // WebGPU has no 4 GB total limit; 1.6 GB < 2 GiB
  });
  it('refuses on WebGPU when a tensor passes maxBufferSize or maxStorageBufferBindingSize', () => {
    const m = parseManifest(big());
    expect(codeOf(() => planBackend(m, caps({ maxBufferSize: 2 ** 30, maxStorageBufferBindingSize: 2 ** 31 }), 'webgpu', 'fp32'))).toBe('MODEL_TOO_LARGE');
    expect(codeOf(() => planBackend(m, caps({ maxBufferSize: 2 ** 31, maxStorageBufferBindingSize: 2 ** 27 }), 'webgpu', 'fp32'))).toBe('MODEL_TOO_LARGE');
    expect(planBackend(m, caps({ maxBufferSize: 2 ** 30, maxStorageBufferBindingSize: 2 ** 30 }), 'webgpu').dtype).toBe('q4');
    // nothing fits at all: the error names the smallest dtype
    const tiny = { maxBufferSize: 2 ** 26, maxStorageBufferBindingSize: 2 ** 26 };
    expect(codeOf(() => planBackend(m, caps(tiny), 'webgpu'))).toBe('MODEL_TOO_LARGE');
    expect(() => planBackend(m, caps(tiny), 'webgpu')).toThrow(/dtype q4/);
  });
  it('counts a weight table dequantised to fp32 (max_buffer_bytes) and names the limit it passes', () => {
    // TinyLlama's q4 item encoder: int8 embedding table 32,000 × 2,048 = 65.5 MB, as fp32 262 MB
    const j = big();
    Object.assign(j.files.find((x) => x.path === 'onnx/item_encoder_q4.onnx')!, { max_tensor_bytes: 65_536_000, max_buffer_bytes: 262_144_000 });
    const m = parseManifest(j);
    let err: HllmError | undefined;
    try { planBackend(m, caps({ maxBufferSize: 2 ** 28, maxStorageBufferBindingSize: 2 ** 27 }), 'webgpu', 'q4'); } catch (e) { err = e as HllmError; }
    expect(err?.code).toBe('MODEL_TOO_LARGE');
    expect(err?.message).toContain("onnx/item_encoder_q4.onnx needs a 262.1 MB GPU buffer (a weight table dequantised to fp32), more than this WebGPU adapter's maxStorageBufferBindingSize (134.2 MB). Nothing was downloaded");
    expect(planBackend(m, caps({ maxBufferSize: 2 ** 30, maxStorageBufferBindingSize: 2 ** 30 }), 'webgpu', 'q4').dtype).toBe('q4');
  });
  it('a WebGPU plan says when its dtype could not also run on WASM', () => {
    const m = parseManifest(big());
    expect(planBackend(m, caps(gpu2g), 'webgpu', 'fp32').wasmProblem).toMatch(/its encoders take 5\.20 GB, more than the WASM backend's 4 GB/);
    expect(planBackend(m, caps(gpu2g), 'webgpu', 'q4').wasmProblem).toBeUndefined();
    expect(planBackend(m, caps(null), 'wasm', 'q4').wasmProblem).toBeUndefined();
  });
  it('downloads the self-check reference of the planned dtype only', () => {
    const j = manifest();
    j.files.push(f('self_check_q4.json', 'self_check', 'q4'), f('self_check_q8.json', 'self_check', 'q8'));
    expect(runtimeFiles(parseManifest(j), 'q4').map((x) => x.path)).toEqual(['tokenizer.json', 'tokenizer_config.json', 'self_check_q4.json', 'onnx/item_encoder_q4.onnx', 'onnx/user_encoder_q4.onnx']);
  });
  it('on WASM, q8 and q4 run the i8 key/value-cache User LLM; WebGPU and fp32 run their own', () => {
    const kv = (path: string, dtype: string, bytes: number) => ({ ...f(path, 'user_kv_encoder', dtype, bytes), kv_cache: { layers: 2, heads: 1, head_dim: 8 } });
    const j = manifest();
    j.files.push(kv('onnx/user_kv_encoder.onnx', 'fp32', 400), kv('onnx/user_kv_encoder_q4.onnx', 'q4', 60), kv('onnx/user_kv_encoder_i8.onnx', 'i8', 100));
    const m = parseManifest(j);
    const users = (dtype: 'fp32' | 'q8' | 'q4', backend?: 'wasm' | 'webgpu') => runtimeFiles(m, dtype, backend).map((x) => x.path).filter((p) => p.includes('user'));
    expect(users('q4', 'wasm')).toEqual(['onnx/user_kv_encoder_i8.onnx']);
    expect(users('q8', 'wasm')).toEqual(['onnx/user_kv_encoder_i8.onnx']);
    expect(users('q4', 'webgpu')).toEqual(['onnx/user_kv_encoder_q4.onnx']);
    expect(users('q4')).toEqual(['onnx/user_kv_encoder_q4.onnx']);
    expect(users('fp32', 'wasm')).toEqual(['onnx/user_kv_encoder.onnx']);
    expect(users('q8', 'webgpu')).toEqual(['onnx/user_encoder_q8.onnx']); // no q8 cache graph here: the whole-history one
    // i8 alone is no dtype: it has no item encoder
    expect(availableDtypes(m)).toEqual(['fp32', 'q8', 'q4']);
    // a WASM plan counts the i8 file's bytes, a WebGPU plan q4's
    expect(planBackend(m, caps(null), 'wasm', 'q4').reason).toMatch(/dtype q4.*; User LLM in i8 \(int8 kernels on WASM\)$/);
    expect(planBackend(m, caps(gpu2g), 'webgpu', 'q4').reason).not.toMatch(/i8/);
    expect(planBackend(m, caps(null), 'wasm', 'fp32').reason).not.toMatch(/i8/);
    const wasmOnlyI8 = manifest({ metrics: undefined });
    wasmOnlyI8.files.push(kv('onnx/user_kv_encoder_i8.onnx', 'i8', 5e9));
    expect(codeOf(() => planBackend(parseManifest(wasmOnlyI8), caps(null), 'wasm', 'q4'))).toBe('MODEL_TOO_LARGE');
    expect(planBackend(parseManifest(wasmOnlyI8), caps(gpu2g), 'webgpu', 'q4').wasmProblem).toBeUndefined();
  });
  it('leaves manifests without external data or max_tensor_bytes as they were', () => {
    const m = parseManifest(manifest());
    expect(planBackend(m, caps({ maxBufferSize: 1, maxStorageBufferBindingSize: 1 }), 'webgpu', 'fp32').dtype).toBe('fp32');
  });
});
