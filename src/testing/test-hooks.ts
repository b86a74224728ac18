// Test-only page side: createTestRecommender() starts a Recommender on the test worker, and
// testHooks(rec) crashes, terminates or de-GPUs its current worker, or tells when that worker
// is gone. Not exported by the package (src/index.ts, package.json "exports"); the e2e
// engine page puts it on window for the specs.
import { wrap, type Remote } from 'comlink';
import { createRecommender, type Recommender, type RecommenderOptions } from '../client.ts';
import { HllmError } from '../errors.ts';
import type { LivenessRemote } from '../protocol.ts';
import type { CrashKind, WorkerTestHooks } from './worker-hooks.ts';

/** What a test can do to a recommender made by createTestRecommender(). */
export interface TestHooks {
  /** Makes the current worker end itself: 'error' = an uncaught error, 'close' = a silent close(). */
  simulateCrash(kind?: CrashKind): Promise<void>;
  /** Terminates the current worker from outside, as a browser does under memory pressure. */
  simulateTermination(): void;
  /** Destroys the current worker's WebGPU device; the engine moves to WASM. False when not on WebGPU. */
  simulateDeviceLoss(): Promise<boolean>;
  /**
   * Has the current worker take a Web Lock it keeps until its context ends; resolves once it
   * holds it, with `ended`, which resolves when that worker is gone (as the client's own detector).
   */
  watchEnd(): Promise<{ ended: Promise<void> }>;
  /** Workers started so far: 1 + restarts. */
  readonly workersStarted: number;
}

interface Current {
  worker: Worker;
  hooks: Remote<WorkerTestHooks & LivenessRemote>;
}

const hooksOf = new WeakMap<Recommender, TestHooks>();

function testWorker(): Worker {
  return new Worker(new URL('./test-engine.worker.ts', import.meta.url), { type: 'module', name: 'hllm-engine-test' });
}

/**
 * createRecommender() on the test worker, so that testHooks() can reach it.
 *
 * @example
 * ```ts
 * const rec = await createTestRecommender({ model: '/models/default/', catalog: items });
 * await rec.ready;
 * testHooks(rec).simulateTermination();
 * ```
 */
export async function createTestRecommender(options: RecommenderOptions): Promise<Recommender> {
  let current: Current | null = null;
  let started = 0;
  const rec = await createRecommender({
    ...options,
    createWorker: () => {
      const worker = testWorker();
      current = { worker, hooks: wrap<WorkerTestHooks & LivenessRemote>(worker) };
      started++;
      return worker;
    },
  });
  const now = (): Current => current!;
  hooksOf.set(rec, {
    simulateCrash: (kind) => now().hooks.simulateCrash(kind),
    simulateTermination: () => now().worker.terminate(),
    simulateDeviceLoss: () => now().hooks.simulateDeviceLoss(),
    async watchEnd() {
      const name = `hllm-test-end-${Math.random().toString(36).slice(2)}`;
      if (!(await now().hooks.holdLock(name))) throw new Error('watchEnd() needs the Web Locks API (a secure context).');
      return { ended: navigator.locks.request(name, () => undefined).then(() => undefined) };
    },
    get workersStarted() { return started; },
  });
  return rec;
}

/**
 * The test hooks of a recommender made by createTestRecommender().
 *
 * @example
 * ```ts
 * const pending = rec.setCatalog(more);
 * await testHooks(rec).simulateCrash('close'); // pending rejects with WORKER_CRASHED
 * ```
 */
export function testHooks(rec: Recommender): TestHooks {
  const h = hooksOf.get(rec);
  if (!h) throw new HllmError('INVALID_OPTIONS', 'testHooks() needs a recommender made by createTestRecommender().');
  return h;
}
