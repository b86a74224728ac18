// Start-up profiling: reports how long each step of init()/setCatalog() took as progress
// events (`detail: 'step <name> <ms> ms'`), so a slow start can be broken down from outside
// the worker (bench/scale-bench.ts prints them). The phase/done/total repeat the last
// event of that phase, so listeners that read "the last encode event" see no change.
import type { Progress, ProgressCallback, ProgressPhase } from '../protocol.ts';

export interface StepTimer {
  /** Progress callback to hand on: remembers the last event of each phase. */
  readonly onProgress: ProgressCallback | undefined;
  /** Reports the time since the previous mark (or creation) under `name`. */
  mark(phase: ProgressPhase, name: string): void;
}

/**
 * Wraps `onProgress` with step timing.
 * @example
 * const t = stepTimer(onProgress);
 * parse(); t.mark('encode', 'catalog-parse'); // → { phase: 'encode', done: 0, total: 0, detail: 'step catalog-parse 12 ms' }
 */
export function stepTimer(onProgress?: ProgressCallback): StepTimer {
  const last = new Map<ProgressPhase, Progress>();
  let t = performance.now();
  const forward: ProgressCallback | undefined = onProgress && ((p) => { last.set(p.phase, p); onProgress(p); });
  return {
    onProgress: forward,
    mark(phase, name) {
      const now = performance.now();
      const ms = Math.round(now - t);
      t = now;
      if (!onProgress) return;
      const prev = last.get(phase);
      const p: Progress = { phase, done: prev?.done ?? 0, total: prev?.total ?? 0, detail: `step ${name} ${ms} ms` };
      if (prev?.etaMs !== undefined) p.etaMs = prev.etaMs;
      onProgress(p);
    },
  };
}
