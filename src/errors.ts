// Typed errors of the public API. Every failure the engine reports is an HllmError whose
// `code` a caller can switch on; messages say what to do next.

/** Every error code the engine can raise. */
export type HllmErrorCode =
  | 'UNKNOWN_ITEM' // an item id that is not in the catalogue
  | 'INVALID_CATALOG' // missing/duplicate ids, wrong value types, unparsable CSV/JSON
  | 'INVALID_OPTIONS' // an option outside its allowed values
  | 'MODEL_FORMAT' // hllm.json missing fields or of an unknown format version
  | 'MODEL_FILE_MISSING' // a file the manifest needs could not be fetched
  | 'MODEL_INTEGRITY' // a file's sha256 or size differs from the manifest
  | 'MODEL_TOO_LARGE' // the chosen dtype cannot fit this backend's memory/buffer limits (checked before download)
  | 'QUOTA_EXCEEDED' // the browser's storage quota cannot hold the model files still to download (checked before download)
  | 'FETCH_FAILED' // a catalogue or model URL could not be read
  | 'BACKEND_UNAVAILABLE' // a forced backend/dtype cannot run here
  | 'INFERENCE_FAILED' // ONNX Runtime rejected a run
  | 'CANCELLED' // cancel() stopped an encoding job
  | 'NOT_READY' // a call that needs init() before it
  | 'DISPOSED' // a call after dispose()
  | 'VECTORS_FORMAT' // vectors.json or a shard is malformed or of an unknown version
  | 'VECTORS_MISMATCH' // a vector shard set built for another model (key or dim differs)
  | 'VECTORS_INTEGRITY' // a shard's size or sha256 differs from vectors.json
  | 'VECTORS_MISSING' // vectors.json or a shard could not be fetched
  | 'NO_POPULARITY' // popular() or the 'popular' fallback with no popularity field or counts
  | 'INVALID_IMPORT' // importData() got a file that is not a valid exportData() file
  | 'WORKER_CRASHED'; // the worker died while a call was pending; it has been restarted

/**
 * The one error type of the public API.
 *
 * @example
 * ```ts
 * try { await rec.track('nope'); }
 * catch (e) { if (e instanceof HllmError && e.code === 'UNKNOWN_ITEM') showHint(); }
 * ```
 */
export class HllmError extends Error {
  override readonly name = 'HllmError';
  readonly code: HllmErrorCode;
  readonly details?: Record<string, unknown>;

  constructor(code: HllmErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.code = code;
    if (details !== undefined) this.details = details;
  }
}

/** True for an HllmError, also one rebuilt from a structured clone. */
export function isHllmError(e: unknown, code?: HllmErrorCode): e is HllmError {
  return e instanceof HllmError && (code === undefined || e.code === code);
}

/** Plain-object form that carries an Error (an HllmError with its code) across the worker boundary. */
export interface SerializedError {
  name: string;
  message: string;
  code?: HllmErrorCode;
  details?: Record<string, unknown>;
  stack?: string;
}

export function serializeError(e: unknown): SerializedError {
  if (e instanceof HllmError) {
    return { name: e.name, message: e.message, code: e.code, details: e.details, stack: e.stack };
  }
  if (e instanceof Error) return { name: e.name, message: e.message, stack: e.stack };
  return { name: 'Error', message: String(e) };
}

export function deserializeError(s: SerializedError): Error {
  const e = s.code ? new HllmError(s.code, s.message, s.details) : new Error(s.message);
  if (!s.code) (e as Error).name = s.name;
  if (s.stack) e.stack = s.stack;
  return e;
}
