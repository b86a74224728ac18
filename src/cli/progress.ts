// Progress for every CLI command (`hllm embed`, `hllm eval`): one cli-progress bar. On a TTY it
// redraws in place with an ETA; elsewhere (CI logs, pipes) cli-progress's noTTYOutput prints the
// same figures as plain lines (at the start, every 5 s, at the end) through `log`; nothing when
// disabled.
import { Writable } from 'node:stream';
import { Presets, SingleBar } from 'cli-progress';

export interface Reporter {
  /** Starts the bar on the first call; a new total replaces the old one (the engine reports 0/0 steps before it knows). */
  update(done: number, total: number): void;
  /** Draws the final state and ends the bar (and its timer). */
  stop(): void;
}

/** How often a non-TTY bar prints a line. */
export const NOT_TTY_EVERY_MS = 5000;

/** A stream that hands `log` each complete non-empty line written to it. */
function lineStream(log: (line: string) => void): Writable {
  let pending = '';
  return new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      const lines = (pending + String(chunk)).split('\n');
      pending = lines.pop()!;
      for (const line of lines) if (line.trim()) log(line);
      done();
    },
  });
}

/**
 * A progress reporter labelled `label`. `tty` (default: whether stderr is a terminal) picks the
 * redrawn bar on stderr or the plain lines to `log` (default: stderr).
 *
 * @example
 * ```ts
 * const bar = progressReporter(true, 'encode');
 * for (let i = 1; i <= n; i++) { work(i); bar.update(i, n); }
 * bar.stop();
 * ```
 */
export function progressReporter(enabled: boolean, label: string, log: (line: string) => void = (l) => console.error(l), tty = process.stderr.isTTY === true): Reporter {
  if (!enabled) return { update() {}, stop() {} };
  const figures = '{value}/{total} | {percentage}% | ETA {eta_formatted}';
  const bar = new SingleBar({
    format: tty ? `${label} [{bar}] ${figures}` : `${label} ${figures}`,
    etaBuffer: 50,
    stream: tty ? process.stderr : lineStream(log),
    noTTYOutput: true,
    notTTYSchedule: NOT_TTY_EVERY_MS,
  }, Presets.shades_classic);
  let started = false;
  // Off a TTY cli-progress prints from a timer, which cannot fire while the work keeps the event
  // loop busy (ORT's WASM encoder in Node resolves batch after batch as microtasks): a line that
  // is due is also printed from update().
  let lastLine = 0;
  bar.on('redraw-post', () => { lastLine = Date.now(); });
  return {
    update(done, total) {
      if (!started) { bar.start(total, done); started = true; return; }
      if (total !== bar.getTotal()) bar.setTotal(total);
      bar.update(done);
      if (!tty && done < total && Date.now() - lastLine >= NOT_TTY_EVERY_MS) bar.render(); // stop() prints the end
    },
    stop() { if (started) bar.stop(); },
  };
}
