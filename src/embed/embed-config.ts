// Reads one hllm-embed <script> tag: which tags count as the embed, the engine
// options its data-* attributes name (URLs resolved against the script's own URL),
// the row it asks for, and how a later tag's engine options clash with the page's
// one engine. Pure: no DOM beyond the attribute record, so unit tests run in Node.
import type { BackendOption, DtypeOption } from '../protocol.ts';

/** A tag's `dataset`: data-foo-bar arrives as `fooBar`. */
export type TagData = Readonly<Record<string, string | undefined>>;

/** Engine-level options: one value per page, fixed by the first tag. */
export interface EmbedEngineConfig {
  model: string;
  catalog: string;
  backend: BackendOption;
  dtype: DtypeOption;
  dbName: string;
  vectors?: string;
  vectorsMismatch?: 'error' | 'encode';
}

type EngineKey = keyof EmbedEngineConfig;

/** Engine keys with the attribute that sets each; URL-valued ones are resolved against the script. */
const ENGINE_ATTRS: ReadonlyArray<{ key: EngineKey; attr: string; url?: true }> = [
  { key: 'model', attr: 'data-model', url: true },
  { key: 'catalog', attr: 'data-catalog', url: true },
  { key: 'vectors', attr: 'data-vectors', url: true },
  { key: 'vectorsMismatch', attr: 'data-vectors-mismatch' },
  { key: 'backend', attr: 'data-backend' },
  { key: 'dtype', attr: 'data-dtype' },
  { key: 'dbName', attr: 'data-db-name' },
];

/** Row-level attributes: each tag's own, copied onto its <hllm-recommendations>. */
export const ROW_ATTRS = ['k', 'layout', 'heading', 'mode', 'item', 'items', 'fallback'] as const;

const DEFAULTS = {
  model: '../models/default/',
  catalog: '../catalogs/ml-latest-small/items.csv',
  backend: 'auto',
  dtype: 'auto',
  dbName: 'hllm-embed',
} as const;

/** The file name that marks a <script src> as the embed, wherever it is hosted. */
const EMBED_FILE = 'hllm-embed.js';

/**
 * True if a script with this `src` is an hllm-embed tag: the same URL as the running
 * script (whatever its name), or any URL whose file is `hllm-embed.js`.
 *
 * @example
 * ```ts
 * isEmbedSrc('https://cdn.example/hllm/embed/hllm-embed.js?v=2', null); // true
 * isEmbedSrc('https://cdn.example/app.js', 'https://cdn.example/app.js'); // true
 * ```
 */
export function isEmbedSrc(src: string, runningSrc: string | null): boolean {
  if (!src) return false;
  if (runningSrc && src === runningSrc) return true;
  try {
    return new URL(src).pathname.endsWith(`/${EMBED_FILE}`);
  } catch {
    return false;
  }
}

/** The engine options a tag sets explicitly (URLs resolved against `scriptUrl`); unset keys are absent. */
export function explicitEngineConfig(data: TagData, scriptUrl: string): Partial<EmbedEngineConfig> {
  const out: Partial<Record<EngineKey, string>> = {};
  for (const { key, attr, url } of ENGINE_ATTRS) {
    const value = data[key];
    if (value === undefined || value === '') continue;
    out[key] = url ? resolveAttr(value, scriptUrl, attr) : value;
  }
  return out as Partial<EmbedEngineConfig>;
}

/**
 * The engine options of the first tag: what it sets, defaults for the rest
 * (`../models/default/` and `../catalogs/ml-latest-small/items.csv` next to the script,
 * backend and dtype `auto`, IndexedDB database `hllm-embed`).
 *
 * @example
 * ```ts
 * engineConfig({ model: '../m/' }, 'https://cdn.example/embed/hllm-embed.js').model; // 'https://cdn.example/m/'
 * ```
 */
export function engineConfig(data: TagData, scriptUrl: string): EmbedEngineConfig {
  return {
    model: resolveAttr(DEFAULTS.model, scriptUrl, 'data-model'),
    catalog: resolveAttr(DEFAULTS.catalog, scriptUrl, 'data-catalog'),
    backend: DEFAULTS.backend,
    dtype: DEFAULTS.dtype,
    dbName: DEFAULTS.dbName,
    ...explicitEngineConfig(data, scriptUrl),
  };
}

/**
 * Why a later tag cannot share the page's engine: one line per engine option it sets
 * to another value than the engine runs with; empty when it may (options it leaves off
 * are the engine's).
 *
 * @example
 * ```ts
 * engineConflicts(engine, { model: 'https://cdn.example/other/' });
 * // ['data-model="https://cdn.example/other/" (the engine runs with "https://cdn.example/models/default/")']
 * ```
 */
export function engineConflicts(engine: EmbedEngineConfig, later: Partial<EmbedEngineConfig>): string[] {
  const out: string[] = [];
  for (const { key, attr } of ENGINE_ATTRS) {
    const want = later[key];
    if (want === undefined || want === engine[key]) continue;
    const have = engine[key];
    out.push(`${attr}=${JSON.stringify(want)} (the engine runs with ${have === undefined ? `no ${attr}` : JSON.stringify(have)})`);
  }
  return out;
}

/** The console message for a tag that asked for a second engine; `where` names the tag. */
export function conflictMessage(where: string, conflicts: string[]): string {
  const attrs = ENGINE_ATTRS.map((a) => a.attr).join(', ');
  return (
    `hllm-embed: ${where} asks for another engine than the one this page already runs: ${conflicts.join('; ')}. ` +
    `A page runs one engine, started by its first hllm-embed tag; every further tag only adds a row to it. ` +
    `Give every tag the same engine attributes (${attrs}) or leave them off the later tags. ` +
    `This tag's row was not mounted.`
  );
}

/** How messages name a tag: by its data-target, else by its position among the embed tags. */
export function describeTag(data: TagData, index: number): string {
  return data.target ? `the <script> tag with data-target=${JSON.stringify(data.target)}` : `hllm-embed <script> tag #${index + 1}`;
}

function resolveAttr(value: string, base: string, attr: string): string {
  try {
    return new URL(value, base).href;
  } catch {
    throw new TypeError(`hllm-embed: ${attr}=${JSON.stringify(value)} is not a URL (relative to ${base})`);
  }
}
