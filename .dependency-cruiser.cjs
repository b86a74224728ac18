// Layer rules of the TypeScript code, checked by `npm run lint:deps` (part of `npm test`):
// which folder may import which, which one module owns each heavy or browser-only library,
// that test seams (src/testing/) never reach the shipped build, and no import cycles, counting
// type-only imports (tsPreCompilationDeps) since a type cycle is still two homes for one concept.
const TESTS = '(^e2e/|^bench/|\\.test\\.ts$|^src/testing/)';

/** Only `owner` (a path regex) may import the npm package `pkg`. */
const onlyOwner = (name, pkg, owner, why) => ({
  name,
  comment: why,
  severity: 'error',
  from: { pathNot: owner },
  to: { path: [`^node_modules/${pkg}/`, `^${pkg}/`] }, // resolved, or a `?url` import left unresolved
});

/** Room `from` of src/engine/ never imports the rooms `above` (its tests may: they drive a room through the engine). */
const room = (name, from, above) => ({
  name,
  severity: 'error',
  from: { path: `^src/engine/${from}/`, pathNot: '\\.test\\.ts$' },
  to: { path: above.map((r) => `^src/engine/${r}/`) },
});

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'One direction per pair of modules; type-only imports count too.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import the resolver cannot find is a typo or a missing dependency.',
      severity: 'error',
      from: {},
      // Not resolvable outside Vite: its virtual modules, and a package-exported file with a
      // `?url` suffix (enhanced-resolve matches the suffix against the exports map).
      to: { couldNotResolve: true, pathNot: ['^virtual:', '^onnxruntime-web/[^?]+\\.wasm\\?url$'] },
    },
    {
      name: 'storage-below-engine',
      comment: 'Storage is a leaf under the engine: it never imports the engine or ONNX Runtime.',
      severity: 'error',
      from: { path: '^src/storage/' },
      to: { path: ['^src/engine/', '^node_modules/onnxruntime-web/'] },
    },
    {
      name: 'engine-below-ui',
      comment: 'The engine runs in a worker: it never imports the widget, the demo or the embed.',
      severity: 'error',
      from: { path: '^src/engine/' },
      to: { path: ['^src/widget/', '^src/demo/', '^src/embed/'] },
    },
    {
      name: 'formats-below-engine',
      comment: 'The vector format and the fetch/hash helpers are shared by the engine and Node tools: they never import the engine.',
      severity: 'error',
      from: { path: ['^src/vectors/', '^src/io/'] },
      to: { path: '^src/engine/' },
    },
    // The engine's rooms (docs/design.md): model at the bottom, then catalog, then index, then
    // recommend; history beside them. Only the facades at the top of src/engine/ wire them all.
    room('model-at-the-bottom', 'model', ['catalog', 'index', 'recommend', 'history']),
    room('catalog-above-model', 'catalog', ['index', 'recommend', 'history']),
    room('index-below-recommend', 'index', ['recommend', 'history']),
    room('history-beside-the-rest', 'history', ['model', 'catalog', 'index', 'recommend']),
    {
      name: 'rooms-below-the-facade',
      comment: 'The rooms never import the facades at the top of src/engine/ (engine.ts, engine-parts.ts, worker-adapter.ts, item-embedder.ts).',
      severity: 'error',
      from: { path: '^src/engine/[^/]+/', pathNot: '\\.test\\.ts$' },
      to: { path: '^src/engine/(engine|engine-parts|worker-adapter|item-embedder)\\.ts$' },
    },
    onlyOwner('ort-in-one-module', 'onnxruntime-web', '^src/engine/model/ort-backend\\.ts$',
      'ort-backend.ts loads ONNX Runtime lazily, in its own chunks; nothing else may pull it in.'),
    onlyOwner('tokenizers-in-one-module', '@huggingface/tokenizers', '^src/engine/model/tokenizer\\.ts$',
      'tokenizer.ts is the one wrapper over the tokenizer library.'),
    onlyOwner('idb-in-storage', 'idb', '^src/storage/',
      'IndexedDB is reached only through src/storage (its schema and migrations live there).'),
    // The eval CLI (Node, MovieLens files) and the synthetic-catalogue bench write/read their
    // own CSV; the library's one CSV reader is the catalogue's.
    onlyOwner('papaparse-in-csv-module', 'papaparse', '^(src/engine/catalog/catalog\\.ts|src/eval/dataset\\.ts|bench/make-synthetic\\.ts)$',
      'catalog.ts is the library\'s one CSV parser.'),
    {
      name: 'testing-only-from-tests',
      comment: 'src/testing/ holds test seams: only tests, e2e pages, benchmarks and the test worker import it, so no build contains them.',
      severity: 'error',
      from: { pathNot: TESTS },
      to: { path: '^src/testing/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // The AssemblyScript kernel source is compiled by a Vite plugin, not imported as TS.
    exclude: { path: '\\.as\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // Vite's import suffixes (`?url`, `?worker`, `?topk-wasm`) are resource queries to the
    // resolver: the path before them is what gets resolved.
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'browser', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
      extensions: ['.ts', '.tsx', '.mjs', '.js', '.d.ts'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
