// Page side: notices when the engine worker ends WITHOUT an error event — stopped by
// terminate(), by its own close(), or by the browser killing it for memory. Such a worker
// just stops answering, so pending calls would hang forever.
//
// Two detectors. With the Web Locks API (secure contexts, all current browsers) the
// worker takes a lock it never releases; the page queues for the same lock, and the
// browser grants it the moment the worker's context is gone — exact, and free while idle.
// Without it (plain-http pages), a heartbeat pings the worker while calls are pending;
// no answer within `timeoutMs` counts as death. The timeout is generous because one
// long ONNX Runtime run on the WASM backend holds the worker's thread, and longer still
// during start-up, when compiling ORT's wasm and creating sessions hold it for seconds.
import type { LivenessRemote } from './protocol.ts';

/** How the page watches the worker; 'auto' = Web Locks where available, else heartbeat. */
type LivenessMode = 'auto' | 'locks' | 'heartbeat';

export interface LivenessOptions {
  mode?: LivenessMode;
  /** Heartbeat only: how long a ping may stay unanswered; default 30 s. */
  heartbeatTimeoutMs?: number;
}

const DEFAULT_HEARTBEAT_TIMEOUT_MS = 30_000;
/** Heartbeat timeout while the worker is still starting (wasm compile, session creation). */
export const STARTUP_HEARTBEAT_TIMEOUT_MS = 120_000;

interface LockManagerLike {
  request(name: string, options: { signal: AbortSignal }, cb: () => unknown): Promise<unknown>;
}

function pageLocks(): LockManagerLike | null {
  return (globalThis.navigator as { locks?: LockManagerLike } | undefined)?.locks ?? null;
}

/** The watcher's signature; the Recommender takes another one only in unit tests. */
export type WatchWorker = typeof watchWorker;

/**
 * Starts watching; `onDeath` is called at most once. Returns `stop`, to call before the
 * page itself terminates the worker (restart or dispose), so that is not reported.
 */
export function watchWorker(remote: LivenessRemote, state: () => 'idle' | 'busy' | 'starting', onDeath: (why: string) => void, opts: LivenessOptions = {}): () => void {
  let stopped = false;
  const abort = new AbortController();
  let timer: ReturnType<typeof setInterval> | undefined;
  const die = (why: string) => {
    if (stopped) return;
    stop();
    onDeath(why);
  };
  const stop = () => {
    stopped = true;
    abort.abort();
    if (timer !== undefined) clearInterval(timer);
  };

  const heartbeat = () => {
    const base = Math.max(100, opts.heartbeatTimeoutMs ?? DEFAULT_HEARTBEAT_TIMEOUT_MS);
    let sentAt = 0; // 0: no ping in flight
    timer = setInterval(() => {
      if (stopped) return;
      const now = state();
      const timeout = now === 'starting' ? Math.max(base, STARTUP_HEARTBEAT_TIMEOUT_MS) : base;
      if (sentAt && Date.now() - sentAt > timeout) {
        die(`no answer to a heartbeat for ${Math.round(timeout / 1000)} s`);
        return;
      }
      // Idle pages send nothing: a silent death is then found by the next call's ping.
      if (sentAt || now === 'idle') return;
      sentAt = Date.now();
      remote.ping().then(() => { sentAt = 0; }, () => undefined);
    }, Math.min(1000, base / 4));
  };

  const locks = pageLocks();
  const mode = opts.mode ?? 'auto';
  if (mode === 'heartbeat' || !locks) {
    if (mode === 'locks' && !locks) console.warn('hllm: the Web Locks API is missing here (it needs a secure context); using a heartbeat.');
    heartbeat();
    return stop;
  }
  const name = `hllm-worker-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
  remote.holdLock(name).then((held) => {
    if (stopped) return;
    if (!held) {
      heartbeat();
      return;
    }
    // Granted only once the worker, which holds the lock until its context ends, is gone.
    locks.request(name, { signal: abort.signal }, () => die('it ended without an error: terminated, or killed for memory'))
      .catch(() => undefined); // AbortError after stop()
  }, () => undefined);
  return stop;
}

/** Worker side of the Web Locks detector: takes `name` and keeps it until the worker ends. */
export function holdLockForever(name: string): Promise<boolean> {
  const locks = (globalThis.navigator as { locks?: { request(n: string, cb: () => Promise<unknown>): Promise<unknown> } } | undefined)?.locks;
  if (!locks) return Promise.resolve(false);
  return new Promise<boolean>((resolve) => {
    locks.request(name, () => {
      resolve(true);
      return new Promise(() => undefined); // never settles: the lock lives as long as this worker
    }).catch(() => resolve(false));
  });
}
