// The peak resident memory of the Chromium renderer process that hosts the bench page and its
// engine worker (Linux /proc): the worker's JS heap, its WebAssembly memory (ORT's weights and
// activations) and every transient copy while the model loads are in that process's RSS, and
// the kernel's high-water mark (VmHWM) catches a peak no sampling from JavaScript would see.
// The mark is reset before a start by writing 5 to /proc/<pid>/clear_refs (our own processes).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

const read = (path: string): string | null => { try { return readFileSync(path, 'utf8'); } catch { return null; } };

/** Renderer processes descended from the Chromium browser started with this user-data dir. */
export function renderers(profile: string): number[] {
  const procs = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
  const info = new Map<number, { ppid: number; cmd: string }>();
  for (const pid of procs) {
    const stat = read(`/proc/${pid}/stat`);
    const cmd = read(`/proc/${pid}/cmdline`);
    if (!stat || cmd === null) continue;
    info.set(pid, { ppid: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]), cmd: cmd.replace(/\0/g, ' ') });
  }
  const roots = [...info].filter(([, p]) => p.cmd.includes(`--user-data-dir=${profile}`) && !p.cmd.includes('--type=')).map(([pid]) => pid);
  const inTree = (pid: number): boolean => {
    for (let p = pid, i = 0; p > 1 && i < 20; p = info.get(p)?.ppid ?? 0, i++) if (roots.includes(p)) return true;
    return false;
  };
  return [...info].filter(([pid, p]) => p.cmd.includes('--type=renderer') && inTree(pid)).map(([pid]) => pid);
}

/** VmRSS and VmHWM of a process in bytes (null when it is gone). */
export function rss(pid: number): { rss: number; hwm: number } | null {
  const s = read(`/proc/${pid}/status`);
  const kib = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s ?? '')?.[1] ?? NaN) * 1024;
  return s ? { rss: kib('VmRSS'), hwm: kib('VmHWM') } : null;
}

/** Resets the high-water marks and returns each renderer's RSS now (the baseline of the next start). */
export function resetPeaks(profile: string): Map<number, number> {
  const base = new Map<number, number>();
  for (const pid of renderers(profile)) {
    try { writeFileSync(`/proc/${pid}/clear_refs`, '5'); } catch { /* not ours or gone */ }
    const r = rss(pid);
    if (r) base.set(pid, r.rss);
  }
  return base;
}

/** The largest rise of any renderer's high-water mark over its baseline (a new renderer counts from 0). */
export function peakRise(profile: string, base: Map<number, number>): { bytes: number; pid: number } | null {
  let best: { bytes: number; pid: number } | null = null;
  for (const pid of renderers(profile)) {
    const r = rss(pid);
    if (!r) continue;
    const rise = r.hwm - (base.get(pid) ?? 0);
    if (!best || rise > best.bytes) best = { bytes: rise, pid };
  }
  return best;
}
