// Unit tests of PhaseClock, which turns the engine's progress events into
// the step durations the demo charts.
import { describe, expect, it } from 'vitest';
import { PhaseClock } from './timings.ts';

describe('PhaseClock', () => {
  it('times each step from the end of the previous one to its own last event', () => {
    let t = 1000;
    const clock = new PhaseClock(() => t);
    for (const [phase, at] of [['download', 1010], ['verify', 1020], ['download', 1030], ['verify', 1040],
      ['load', 1500], ['load', 1600], ['encode', 1700], ['encode', 2600]] as const) {
      t = at;
      clock.progress(phase);
    }
    expect(Object.fromEntries(clock.durations())).toEqual({ download: 30, verify: 10, load: 560, encode: 1000 });
  });

  it('skips phases that never reported and never goes negative', () => {
    let t = 0;
    const clock = new PhaseClock(() => t);
    t = 50;
    clock.progress('verify');
    t = 40; // a late, out-of-order report must not produce a negative bar
    clock.progress('encode');
    expect(Object.fromEntries(clock.durations())).toEqual({ verify: 50, encode: 0 });
  });
});
