// Progress for the CLI: a cli-progress bar with ETA on a TTY, plain "done/total (pct) ETA"
// lines at most every 5 s otherwise (CI logs, pipes), nothing when disabled.
import { Presets, SingleBar } from 'cli-progress';

export interface Reporter {
  update(done: number, total: number): void;
  stop(): void;
}

export function progressReporter(enabled: boolean, label: string, log: (line: string) => void): Reporter {
  if (!enabled) return { update() {}, stop() {} };
  if (process.stderr.isTTY) {
    const bar = new SingleBar({ format: `${label} [{bar}] {value}/{total} | {percentage}% | ETA {eta_formatted}`, etaBuffer: 50, stream: process.stderr }, Presets.shades_classic);
    let started = false;
    return {
      update(done, total) {
        if (!started) { bar.start(total, done); started = true; } else bar.update(done);
      },
      stop() { if (started) bar.stop(); },
    };
  }
  const t0 = performance.now();
  let last = -Infinity;
  return {
    update(done, total) {
      const now = performance.now();
      if (done !== total && now - last < 5000) return;
      last = now;
      const eta = done > 0 ? ((now - t0) / done) * (total - done) / 1000 : NaN;
      log(`${label} ${done}/${total} (${total ? ((100 * done) / total).toFixed(0) : 100}%)${Number.isFinite(eta) ? ` ETA ${eta.toFixed(0)} s` : ''}`);
    },
    stop() {},
  };
}
