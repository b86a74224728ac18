// Worker side of the test hooks: ends the worker on request, or destroys its WebGPU device.
// Only the test worker (test-engine.worker.ts) exposes these; the engine worker never does.
import type { TestEngine } from './test-engine.ts';

/** How the test hooks end a worker: an uncaught error, or a silent close() (as terminate() or an OOM kill look). */
export type CrashKind = 'error' | 'close';

/** The hooks the test worker exposes beside the worker API; the engine worker never does. */
export interface WorkerTestHooks {
  /** Ends the worker (the page then restarts it). */
  simulateCrash(kind?: CrashKind): Promise<void>;
  /** Destroys the WebGPU device, as a driver reset would; false when not on WebGPU. */
  simulateDeviceLoss(): Promise<boolean>;
}

/**
 * The test hooks of one engine, to expose beside its workerApi().
 *
 * @example
 * ```ts
 * const engine = new TestEngine();
 * expose({ ...workerApi(engine), ...workerTestHooks(engine) });
 * ```
 */
export function workerTestHooks(engine: TestEngine): WorkerTestHooks {
  return {
    simulateCrash: async (kind: CrashKind = 'error') => {
      // After the reply, so the page sees the call answered and then the worker gone.
      setTimeout(() => {
        if (kind === 'close') (globalThis as unknown as { close(): void }).close();
        else throw new Error('simulated worker crash');
      }, 0);
    },
    simulateDeviceLoss: () => engine.loseDevice(),
  };
}
