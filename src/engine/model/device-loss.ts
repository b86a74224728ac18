// Holds the engine's encoder sessions and keeps them usable when the WebGPU device is lost
// mid-session (driver reset, GPU process crash, another tab's OOM, or destroy()): every
// model call goes through run(); after a loss the encoders are re-opened on WASM (files
// fetched again and re-verified) and the interrupted call is retried there once.
// Item vectors already computed stay valid: the WebGPU sessions passed a numeric
// self-check (against the model's stored reference or WASM) before they were used. A dtype
// that does not fit WASM cannot move: the call then fails with BACKEND_UNAVAILABLE.
import { HllmError } from '../../errors.ts';
import { webgpuDevice, type GpuDeviceHandle } from './ort-backend.ts';
import type { Sessions } from './sessions.ts';

/** Opens the same model and dtype on WASM; `why` goes into the new `reason`. */
export type ReopenOnWasm = (why: string) => Promise<Sessions>;

/** How long a failed WebGPU call waits for device.lost to explain it (loss is reported asynchronously). */
const LOSS_SETTLE_MS = 250;

export class SessionHolder {
  private lost: string | null = null;
  private device: GpuDeviceHandle | null = null;
  private moving: Promise<void> | null = null;
  private released = false;

  private constructor(public sessions: Sessions, private readonly reopen: ReopenOnWasm) {}

  /** Wraps opened sessions; on WebGPU starts listening for device loss. */
  static async create(sessions: Sessions, reopen: ReopenOnWasm): Promise<SessionHolder> {
    const h = new SessionHolder(sessions, reopen);
    if (sessions.backend === 'webgpu') {
      h.device = await webgpuDevice();
      h.device?.lost.then((info) => {
        if (!h.released) h.lost = info.message || info.reason || 'unknown reason';
      }, () => undefined);
    }
    return h;
  }

  /** Runs `f` on the current sessions; after a WebGPU device loss, retries it once on WASM. */
  async run<T>(f: (s: Sessions) => Promise<T>): Promise<T> {
    if (this.lost && this.sessions.backend === 'webgpu') await this.moveToWasm();
    const used = this.sessions;
    try {
      return await f(used);
    } catch (e) {
      if (used.backend !== 'webgpu' || !(await this.lossExplains())) throw e;
      await this.moveToWasm();
      return f(this.sessions);
    }
  }

  private async lossExplains(): Promise<boolean> {
    if (!this.lost && this.device) await Promise.race([this.device.lost, new Promise((r) => setTimeout(r, LOSS_SETTLE_MS))]);
    return this.lost !== null;
  }

  private moveToWasm(): Promise<void> {
    this.moving ??= (async () => {
      const old = this.sessions;
      const why = this.lost ?? 'unknown reason';
      try {
        this.sessions = await this.reopen(`${old.reason}; WebGPU device lost mid-session (${why}), moved to wasm`);
      } catch (e) {
        throw new HllmError('BACKEND_UNAVAILABLE', `the WebGPU device was lost (${why}) and re-opening the model on WASM failed: ${(e as Error).message}. Reload the page.`, { backend: 'wasm' });
      } finally {
        this.moving = null;
      }
      // The old sessions live on a dead device: releasing them may fail, which changes nothing.
      await Promise.allSettled([old.item.release(), old.user.release()]);
    })();
    return this.moving;
  }

  async release(): Promise<void> {
    this.released = true;
    await Promise.all([this.sessions.item.release(), this.sessions.user.release()]);
  }
}
