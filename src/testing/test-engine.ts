// An engine with what only tests may do to it: destroy its WebGPU device, as a driver reset
// would. Used by the test worker (test-engine.worker.ts); the package never ships it.
import { HllmEngine } from '../engine/engine.ts';
import { webgpuDevice } from '../engine/model/ort-backend.ts';

/**
 * HllmEngine plus loseDevice().
 *
 * @example
 * ```ts
 * const engine = new TestEngine();
 * await engine.init(options);
 * const lost = await engine.loseDevice(); // true on WebGPU; later calls run on WASM
 * ```
 */
export class TestEngine extends HllmEngine {
  /** Destroys the WebGPU device; false when the sessions are not on WebGPU. */
  async loseDevice(): Promise<boolean> {
    const device = this.sessionHolder().sessions.backend === 'webgpu' ? await webgpuDevice() : null;
    if (!device) return false;
    device.destroy();
    await device.lost;
    return true;
  }
}
