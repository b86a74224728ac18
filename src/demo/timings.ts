/**
 * Role: measures how long each start-up phase and each engine call took, from
 * the page's side (progress events + wall clock around calls), and draws them
 * as a small horizontal bar chart with chart.js plus an accessible table.
 * May import: chart.js (tree-shaken parts only).
 */
import { BarController, BarElement, CategoryScale, Chart, LogarithmicScale, Tooltip } from 'chart.js';

Chart.register(BarController, BarElement, CategoryScale, LogarithmicScale, Tooltip);

const PHASES = ['download', 'verify', 'load', 'encode'] as const;

/**
 * Turns a stream of progress events into phase durations: a phase lasts from
 * its first event until the next phase's first event (or until `finish()`).
 */
export class PhaseClock {
  private current: string | undefined;
  private since = 0;
  readonly durations = new Map<string, number>();

  constructor(private readonly now: () => number = () => performance.now()) {}

  progress(phase: string): void {
    if (phase === this.current) return;
    const t = this.now();
    if (this.current) this.add(this.current, t - this.since);
    this.current = phase;
    this.since = t;
  }

  finish(): void {
    if (this.current) this.add(this.current, this.now() - this.since);
    this.current = undefined;
  }

  private add(phase: string, ms: number): void {
    this.durations.set(phase, (this.durations.get(phase) ?? 0) + ms);
  }
}

/** The chart and table; `set()` records a step's latest duration and redraws. */
export class TimingsView {
  private readonly steps = new Map<string, number>();
  private readonly chart: Chart<'bar'>;
  private readonly tbody: HTMLTableSectionElement;
  private pending = false;

  constructor(canvas: HTMLCanvasElement, table: HTMLTableElement) {
    this.tbody = table.tBodies[0] ?? table.createTBody();
    const styles = getComputedStyle(document.documentElement);
    const accent = styles.getPropertyValue('--accent').trim() || '#1d4fb8';
    const fg = styles.getPropertyValue('--muted').trim() || '#555';
    this.chart = new Chart(canvas, {
      type: 'bar',
      data: { labels: [], datasets: [{ label: 'ms', data: [], backgroundColor: accent }] },
      options: {
        indexAxis: 'y',
        animation: false, // redraws on every ranking; animating them is noise
        responsive: true,
        maintainAspectRatio: false,
        plugins: { tooltip: { callbacks: { label: (c) => `${Math.round(Number(c.raw))} ms` } } },
        scales: {
          x: { type: 'logarithmic', title: { display: true, text: 'ms (log scale)', color: fg }, ticks: { color: fg } },
          y: { ticks: { color: fg } },
        },
      },
    });
  }

  /** Records phase durations from a finished PhaseClock, in a fixed order. */
  setPhases(clock: PhaseClock): void {
    for (const phase of PHASES) {
      const ms = clock.durations.get(phase);
      if (ms !== undefined) this.steps.set(phase, ms);
    }
    this.schedule();
  }

  set(step: string, ms: number): void {
    this.steps.set(step, ms);
    this.schedule();
  }

  /** Steps recorded so far (for tests and the status line). */
  snapshot(): Record<string, number> {
    return Object.fromEntries(this.steps);
  }

  private schedule(): void {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.draw();
    });
  }

  private draw(): void {
    const labels = [...this.steps.keys()];
    // A log axis cannot show 0 ms; sub-millisecond steps are drawn at 0.1 ms.
    const values = labels.map((l) => Math.max(0.1, this.steps.get(l)!));
    this.chart.data.labels = labels;
    this.chart.data.datasets[0]!.data = values;
    this.chart.update();
    this.tbody.replaceChildren(
      ...labels.map((label) => {
        const tr = document.createElement('tr');
        const name = document.createElement('td');
        name.textContent = label;
        const ms = document.createElement('td');
        ms.textContent = formatMs(this.steps.get(label)!);
        tr.append(name, ms);
        return tr;
      }),
    );
  }
}

export function formatMs(ms: number): string {
  return ms >= 100 ? String(Math.round(ms)) : ms.toFixed(1);
}
