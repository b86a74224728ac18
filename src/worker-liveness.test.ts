// The heartbeat detector's timing rules with fake timers (the Web Locks detector and the
// real worker deaths are proven in Chromium by e2e/runtime-failures.spec.ts).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LivenessRemote } from './protocol.ts';
import { STARTUP_HEARTBEAT_TIMEOUT_MS, watchWorker } from './worker-liveness.ts';

/** A worker whose pings are answered only while `alive`. */
function fakeWorker() {
  const w = { alive: true, pings: 0 };
  const remote: LivenessRemote = {
    holdLock: async () => false,
    ping: () => {
      w.pings++;
      return w.alive ? Promise.resolve(Date.now()) : new Promise<number>(() => undefined);
    },
  };
  return { w, remote };
}

describe('heartbeat', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('reports a busy worker that stops answering, once, after the timeout', async () => {
    const { w, remote } = fakeWorker();
    const deaths: string[] = [];
    watchWorker(remote, () => 'busy', (why) => deaths.push(why), { mode: 'heartbeat', heartbeatTimeoutMs: 2000 });
    await vi.advanceTimersByTimeAsync(5000);
    expect(deaths).toEqual([]);
    expect(w.pings).toBeGreaterThan(2);
    w.alive = false;
    await vi.advanceTimersByTimeAsync(1900);
    expect(deaths).toEqual([]);
    await vi.advanceTimersByTimeAsync(2000);
    expect(deaths).toHaveLength(1);
    expect(deaths[0]).toMatch(/heartbeat/);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(deaths).toHaveLength(1);
  });

  it('sends nothing while idle, and nothing after stop()', async () => {
    const { w, remote } = fakeWorker();
    let state: 'idle' | 'busy' = 'idle';
    const deaths: string[] = [];
    const stop = watchWorker(remote, () => state, (why) => deaths.push(why), { mode: 'heartbeat', heartbeatTimeoutMs: 1000 });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(w.pings).toBe(0);
    state = 'busy';
    w.alive = false;
    stop();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(w.pings).toBe(0);
    expect(deaths).toEqual([]);
  });

  it('gives a starting worker (wasm compile, session creation) the longer start-up timeout', async () => {
    const { w, remote } = fakeWorker();
    w.alive = false;
    const deaths: string[] = [];
    watchWorker(remote, () => 'starting', (why) => deaths.push(why), { mode: 'heartbeat', heartbeatTimeoutMs: 1000 });
    await vi.advanceTimersByTimeAsync(STARTUP_HEARTBEAT_TIMEOUT_MS - 2000);
    expect(deaths).toEqual([]);
    await vi.advanceTimersByTimeAsync(4000);
    expect(deaths).toHaveLength(1);
  });
});
