// The CLI progress reporter off a terminal (CI logs, pipes): cli-progress's noTTYOutput lines,
// on fake timers: one at the start, one per NOT_TTY_EVERY_MS, the final state at stop(), none
// after; a disabled reporter prints nothing.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { NOT_TTY_EVERY_MS, progressReporter } from './progress.ts';

beforeEach(() => { vi.useFakeTimers(); });
afterEach(() => { vi.useRealTimers(); });

describe('progressReporter, not a TTY', () => {
  it('prints a plain line at the start, on its schedule and at stop, and nothing after', () => {
    const lines: string[] = [];
    const bar = progressReporter(true, 'encode', (l) => lines.push(l), false);
    bar.update(0, 200);
    expect(lines).toEqual(['encode 0/200 | 0% | ETA 0s']);
    vi.advanceTimersByTime(NOT_TTY_EVERY_MS / 2);
    bar.update(50, 200);
    expect(lines).toHaveLength(1); // updates between lines print nothing
    vi.advanceTimersByTime(NOT_TTY_EVERY_MS / 2);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^encode 50\/200 \| 25% \| ETA \d+s$/);
    bar.update(200, 200);
    bar.stop();
    expect(lines.at(-1)).toBe('encode 200/200 | 100% | ETA 0s');
    const n = lines.length;
    vi.advanceTimersByTime(10 * NOT_TTY_EVERY_MS);
    expect(lines).toHaveLength(n);
    expect(lines.every((l) => !l.includes('\u2588') && !l.includes('\n'))).toBe(true); // no bar glyphs in logs
  });

  it('prints a due line from update() when the event loop is too busy for the timer', () => {
    const lines: string[] = [];
    const bar = progressReporter(true, 'encode', (l) => lines.push(l), false);
    bar.update(0, 100);
    // The clock moves, no timer runs (a busy loop of microtasks).
    vi.setSystemTime(Date.now() + NOT_TTY_EVERY_MS / 2);
    bar.update(10, 100);
    expect(lines).toHaveLength(1);
    vi.setSystemTime(Date.now() + NOT_TTY_EVERY_MS / 2);
    bar.update(20, 100);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^encode 20\/100 \| 20% \| ETA \d+s$/);
    bar.stop();
  });

  it('follows a changed total (the engine reports 0/0 steps before the encode knows its size)', () => {
    const lines: string[] = [];
    const bar = progressReporter(true, 'items', (l) => lines.push(l), false);
    bar.update(0, 0);
    bar.update(3650, 3650);
    bar.stop();
    expect(lines.at(-1)).toBe('items 3650/3650 | 100% | ETA 0s');
  });

  it('disabled: nothing, whatever is reported', () => {
    const lines: string[] = [];
    const bar = progressReporter(false, 'encode', (l) => lines.push(l), false);
    bar.update(0, 10);
    vi.advanceTimersByTime(10 * NOT_TTY_EVERY_MS);
    bar.update(10, 10);
    bar.stop();
    expect(lines).toEqual([]);
  });

  it('stop() before any update prints nothing', () => {
    const lines: string[] = [];
    progressReporter(true, 'users', (l) => lines.push(l), false).stop();
    expect(lines).toEqual([]);
  });
});
