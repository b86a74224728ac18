// Unit tests of embed-config.ts: which script URLs count as the embed, how a tag's
// engine attributes resolve against its own URL, and when a later tag clashes with
// the page's one engine (and what the console is told).
import { describe, expect, it } from 'vitest';
import { conflictMessage, describeTag, engineConfig, engineConflicts, explicitEngineConfig, isEmbedSrc } from './embed-config.ts';

const SRC = 'https://cdn.example/hllm/embed/hllm-embed.js';

describe('isEmbedSrc', () => {
  it('knows the embed by its file name on any origin, or by the running script URL', () => {
    expect(isEmbedSrc(`${SRC}?v=2`, null)).toBe(true);
    expect(isEmbedSrc('https://other.example/x/hllm-embed.js', SRC)).toBe(true);
    expect(isEmbedSrc('https://cdn.example/renamed.js', 'https://cdn.example/renamed.js')).toBe(true);
    expect(isEmbedSrc('https://cdn.example/not-hllm-embed.js.map', null)).toBe(false);
    expect(isEmbedSrc('https://cdn.example/app.js', SRC)).toBe(false);
    expect(isEmbedSrc('', SRC)).toBe(false);
  });
});

describe('engineConfig', () => {
  it('defaults to the model and catalogue next to the script', () => {
    expect(engineConfig({}, SRC)).toEqual({
      model: 'https://cdn.example/hllm/models/default/',
      catalog: 'https://cdn.example/hllm/catalogs/ml-latest-small/items.csv',
      backend: 'auto',
      dtype: 'auto',
      dbName: 'hllm-embed',
    });
  });

  it('takes every engine attribute the tag sets, URLs resolved against the script', () => {
    const data = { model: '/m/', catalog: 'items.json', vectors: '../v/', vectorsMismatch: 'encode', backend: 'wasm', dtype: 'q8', dbName: 'shop', mode: 'similar' };
    expect(engineConfig(data, SRC)).toEqual({
      model: 'https://cdn.example/m/',
      catalog: 'https://cdn.example/hllm/embed/items.json',
      vectors: 'https://cdn.example/hllm/v/',
      vectorsMismatch: 'encode',
      backend: 'wasm',
      dtype: 'q8',
      dbName: 'shop',
    });
  });

  it('names the attribute when a URL cannot be resolved', () => {
    expect(() => engineConfig({ model: 'http://[bad' }, SRC)).toThrow(/data-model="http:\/\/\[bad" is not a URL/);
  });
});

describe('engineConflicts', () => {
  const engine = engineConfig({ backend: 'wasm', vectors: '../vectors/' }, SRC);

  it('lets a later tag leave the engine attributes off, or repeat them in another spelling', () => {
    expect(engineConflicts(engine, explicitEngineConfig({ target: '#b', mode: 'popular', k: '4' }, SRC))).toEqual([]);
    const same = explicitEngineConfig({ model: 'https://cdn.example/hllm/models/default/', backend: 'wasm', vectors: '/hllm/vectors/' }, SRC);
    expect(engineConflicts(engine, same)).toEqual([]);
  });

  it('lists each engine attribute set to another value, with the value the engine runs with', () => {
    const other = explicitEngineConfig({ model: '../models/other/', dtype: 'q4', vectorsMismatch: 'encode' }, SRC);
    expect(engineConflicts(engine, other)).toEqual([
      'data-model="https://cdn.example/hllm/models/other/" (the engine runs with "https://cdn.example/hllm/models/default/")',
      'data-vectors-mismatch="encode" (the engine runs with no data-vectors-mismatch)',
      'data-dtype="q4" (the engine runs with "auto")',
    ]);
  });

  it('resolves a later tag against its own URL: the same relative model on another origin clashes', () => {
    const elsewhere = explicitEngineConfig({ model: '../models/default/' }, 'https://other.example/hllm/embed/hllm-embed.js');
    expect(engineConflicts(engine, elsewhere)).toHaveLength(1);
  });
});

describe('messages', () => {
  it('says what clashed, that nothing was mounted, and what to do', () => {
    const message = conflictMessage(describeTag({ target: '#other' }, 2), ['data-model="x" (the engine runs with "y")']);
    expect(message).toMatch(/^hllm-embed: the <script> tag with data-target="#other" asks for another engine/);
    expect(message).toContain('data-model="x" (the engine runs with "y")');
    expect(message).toContain('leave them off the later tags');
    expect(message).toContain("This tag's row was not mounted.");
    expect(describeTag({}, 2)).toBe('hllm-embed <script> tag #3');
  });
});
