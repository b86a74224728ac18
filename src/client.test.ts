// The page-side state machine of client.ts with a fake worker and a fake liveness watcher:
// the three death signals (error event, Web Lock grant, heartbeat loss) in every order,
// back to back and one task apart, over two deaths in a row. Each death restarts exactly
// one worker; in-flight reads are answered by the new worker, in-flight writes reject with
// WORKER_CRASHED, and a late signal about a dead worker never touches the new one.
// (Real workers, Web Locks and ORT are exercised by e2e/engine-wasm.spec.ts and
// e2e/runtime-failures.spec.ts.)
import { expose } from 'comlink';
import { afterEach, describe, expect, it } from 'vitest';
import { Recommender } from './client.ts';
import type { EngineStats, HistoryEvent, ReadyInfo } from './protocol.ts';
import type { WatchWorker } from './worker-liveness.ts';

type Signal = 'error' | 'lock' | 'heartbeat';

/** A Worker whose engine answers over a real MessageChannel; `hold` leaves calls after init unanswered (a dying worker). */
class FakeWorker extends EventTarget {
  readonly received: string[] = [];
  terminated = false;
  hold = false;
  private readonly port: MessagePort;
  private readonly inner: MessagePort;
  private arrivals: Array<() => void> = [];
  private initGate: Promise<void> = Promise.resolve();
  openInit: () => void = () => undefined;

  constructor(readonly index: number, gateInit = false) {
    super();
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.inner = port2;
    if (gateInit) this.initGate = new Promise((r) => { this.openInit = r; });
    const answer = <T>(name: string, value: () => T) => async (): Promise<T> => {
      this.received.push(name);
      for (const a of this.arrivals.splice(0)) a();
      if (name === 'init') await this.initGate;
      if (this.hold && name !== 'init') return new Promise<T>(() => undefined);
      return value();
    };
    const ready = { backend: 'wasm', dtype: 'fp32', items: 3 } as ReadyInfo;
    const stats = { encoderCalls: index } as EngineStats;
    expose({
      init: answer('init', () => ready),
      stats: answer('stats', () => stats),
      recommend: answer('recommend', () => []),
      history: answer('history', () => [] as HistoryEvent[]),
      track: answer('track', () => ({ seq: index, itemId: 'a', type: 'view', at: 0 })),
      dispose: answer('dispose', () => undefined),
      holdLock: async () => false,
      ping: async () => Date.now(),
    }, port2);
    port1.start();
  }

  /** Resolves once calls named `names` have all arrived. */
  async arrived(...names: string[]): Promise<void> {
    while (!names.every((n) => this.received.includes(n))) await new Promise<void>((r) => this.arrivals.push(r));
  }

  postMessage(msg: unknown, transfer: Transferable[] = []): void { this.port.postMessage(msg, transfer as never); }
  override addEventListener(type: string, l: EventListenerOrEventListenerObject | null): void {
    if (type === 'message') this.port.addEventListener('message', l as never);
    else super.addEventListener(type, l);
  }
  override removeEventListener(type: string, l: EventListenerOrEventListenerObject | null): void {
    if (type === 'message') this.port.removeEventListener('message', l as never);
    else super.removeEventListener(type, l);
  }
  terminate(): void {
    this.terminated = true;
    this.port.close();
    this.inner.close();
  }
}

/** Records each worker's watcher; a signal is delivered even after stop(), as a late one would be. */
function fakeLiveness() {
  const watches: Array<{ onDeath: (why: string) => void; stopped: boolean }> = [];
  const watch: WatchWorker = (_remote, _state, onDeath) => {
    const w = { onDeath, stopped: false };
    watches.push(w);
    return () => { w.stopped = true; };
  };
  return { watch, watches };
}

function setup(gateInitFrom = Infinity) {
  const workers: FakeWorker[] = [];
  const live = fakeLiveness();
  const rec = new Recommender({
    model: '/m/', catalog: [],
    createWorker: () => {
      const w = new FakeWorker(workers.length, workers.length >= gateInitFrom);
      workers.push(w);
      return w as unknown as Worker;
    },
  }, { watch: live.watch });
  const signal = (i: number, s: Signal) => {
    if (s === 'error') workers[i]!.dispatchEvent(Object.assign(new Event('error'), { message: 'uncaught RangeError' }));
    else live.watches[i]!.onDeath(s === 'lock' ? 'it ended without an error' : 'no answer to a heartbeat');
  };
  return { rec, workers, watches: live.watches, signal };
}

const nextTask = () => new Promise<void>((r) => setImmediate(r));
const code = (p: Promise<unknown>) => p.then(() => 'resolved', (e: { code?: string }) => e.code ?? String(e));

function permutations<T>(xs: T[]): T[][] {
  return xs.length <= 1 ? [xs] : xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
}

let current: Recommender | undefined;
afterEach(async () => { await current?.dispose(); current = undefined; });

describe('worker death: every order of the three signals, twice', () => {
  const orders = permutations<Signal>(['error', 'lock', 'heartbeat']);
  for (const spacing of ['back to back', 'a task apart'] as const) {
    for (const order of orders) {
      it(`${order.join(' → ')} (${spacing})`, async () => {
        const { rec, workers, watches, signal } = setup();
        current = rec;
        await rec.ready;
        for (let death = 0; death < 2; death++) {
          const dying = workers[death]!;
          dying.hold = true;
          const read = rec.stats();
          const write = code(rec.track('a'));
          await dying.arrived('stats', 'track'); // both provably in flight on the dying worker
          for (const s of order) {
            signal(death, s);
            if (spacing === 'a task apart') await nextTask();
          }
          // exactly one restart for this death, and the late signals did not end the new worker
          expect(workers).toHaveLength(death + 2);
          expect(dying.terminated).toBe(true);
          expect(watches[death]!.stopped).toBe(true);
          expect(await write).toBe('WORKER_CRASHED');
          expect((await read).encoderCalls).toBe(death + 1); // answered by the new worker
          const fresh = workers[death + 1]!;
          expect(fresh.terminated).toBe(false);
          expect(fresh.received).toEqual(['init', 'stats']); // the read once, the write never
          expect(await rec.history()).toEqual([]);
          expect(workers).toHaveLength(death + 2);
        }
        expect((await rec.ready).backend).toBe('wasm');
      });
    }
  }
});

describe('worker death: calls around a restart', () => {
  it('a call made while the restarted worker is starting waits for it and never reaches the dead one', async () => {
    const { rec, workers, signal } = setup(1);
    current = rec;
    await rec.ready;
    signal(0, 'lock');
    expect(workers).toHaveLength(2);
    const stats = rec.stats();
    const track = rec.track('a');
    await workers[1]!.arrived('init');
    workers[1]!.openInit();
    expect((await stats).encoderCalls).toBe(1);
    expect((await track).seq).toBe(1);
    expect(workers[0]!.received).toEqual(['init']);
    expect(workers[1]!.received).toEqual(['init', 'stats', 'track']);
  });

  it('a read is sent again only once: if the new worker dies too, it rejects with WORKER_CRASHED', async () => {
    const { rec, workers, signal } = setup();
    current = rec;
    await rec.ready;
    workers[0]!.hold = true;
    const read = code(rec.recommend());
    await workers[0]!.arrived('recommend');
    signal(0, 'heartbeat');
    workers[1]!.hold = true;
    await workers[1]!.arrived('recommend');
    signal(1, 'error');
    expect(await read).toBe('WORKER_CRASHED');
    expect(workers).toHaveLength(3);
    expect(await rec.recommend()).toEqual([]);
  });

  it('a worker that dies during start-up is replaced and ready resolves from the new one', async () => {
    const { rec, workers, signal } = setup(0);
    current = rec;
    await workers[0]!.arrived('init');
    signal(0, 'error');
    signal(0, 'lock');
    expect(workers).toHaveLength(2);
    await workers[1]!.arrived('init');
    workers[1]!.openInit();
    expect((await rec.ready).backend).toBe('wasm');
    expect((await rec.stats()).encoderCalls).toBe(1);
  });

  it('after dispose(), a death signal restarts nothing and calls reject with DISPOSED', async () => {
    const { rec, workers, signal } = setup();
    await rec.ready;
    await rec.dispose();
    signal(0, 'lock');
    signal(0, 'error');
    expect(workers).toHaveLength(1);
    expect(workers[0]!.terminated).toBe(true);
    expect(await code(rec.stats())).toBe('DISPOSED');
  });
});
