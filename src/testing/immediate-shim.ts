// setImmediate → setTimeout(0) for Node runs of the engine on fake-indexeddb: every unit-test file
// (vite.config.ts test.setupFiles) and the Node benches that use IndexedDB import it.
//
// Why: measured in this repo, once onnxruntime-web is loaded in Node, setImmediate callbacks wait
// seconds, and fake-indexeddb schedules every request with setImmediate, so each IndexedDB step
// would stall on that quirk instead of running the engine. setTimeout(0) keeps the contract that
// matters (a later macrotask, after pending microtasks). Files that load neither are unaffected.
// The real setTimeout, taken now: a test that installs fake timers (vi.useFakeTimers) must not
// turn every setImmediate, its timer library's own included, into a fake timer that never fires.
const realSetTimeout = globalThis.setTimeout;
globalThis.setImmediate = ((fn: (...a: unknown[]) => void, ...args: unknown[]) => realSetTimeout(fn, 0, ...args)) as unknown as typeof setImmediate;
