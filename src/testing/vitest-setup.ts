// Vitest setup, run before every unit-test file (vite.config.ts test.setupFiles).
//
// setImmediate → setTimeout(0). Measured in this repo: once onnxruntime-web is loaded in Node,
// setImmediate callbacks wait seconds, and fake-indexeddb schedules every request with
// setImmediate, so each IndexedDB step of an engine test would stall on that quirk instead of
// exercising the engine. setTimeout(0) keeps the same contract (a later macrotask, after
// pending microtasks). Files that never load ORT or fake-indexeddb are unaffected in behaviour.
globalThis.setImmediate = ((fn: (...a: unknown[]) => void, ...args: unknown[]) => setTimeout(fn, 0, ...args)) as unknown as typeof setImmediate;
