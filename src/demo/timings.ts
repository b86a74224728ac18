// Measures how long each start-up phase and each engine call took, from
// the page's side (progress events + wall clock around calls), and draws them
// as a small horizontal bar chart with chart.js plus an accessible table.
import { BarController, BarElement, CategoryScale, Chart, LogarithmicScale, Tooltip } from 'chart.js';

Chart.register(BarController, BarElement, CategoryScale, LogarithmicScale, Tooltip);

const PHASES = ['download', 'verify', 'load', 'encode'] as const;

/** Chart labels: what actually happens between the engine's progress events. */
const PHASE_LABEL: Record<(typeof PHASES)[number], string> = {
  download: 'download model',
  verify: 'verify sha256',
  load: 'start ORT + sessions',
  encode: 'embed catalogue',
};

/**
 * Turns a stream of progress events into step durations. The engine reports a
 * step when it has finished a piece of it (a file verified, a session created,
 * a batch encoded), and some phases interleave (downloads and verifications of
 * several files). So a step is timed from the end of the previous step to its
 * own last event: the four bars add up to the whole start-up, and time spent
 * before a step's first report (e.g. compiling ORT's wasm before the first
 * session exists) is charged to that step, not to the one before it.
 */
export class PhaseClock {
  private readonly start: number;
  private readonly last = new Map<string, number>();

  constructor(private readonly now: () => number = () => performance.now()) {
    this.start = now();
  }

  progress(phase: string): void {
    this.last.set(phase, this.now());
  }

  /** Durations in pipeline order, for the phases that were reported. */
  durations(): Map<string, number> {
    const out = new Map<string, number>();
    let prev = this.start;
    for (const phase of PHASES) {
      const t = this.last.get(phase);
      if (t === undefined) continue;
      out.set(phase, Math.max(0, t - prev));
      prev = Math.max(prev, t);
    }
    return out;
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
    for (const [phase, ms] of clock.durations()) this.steps.set(PHASE_LABEL[phase as keyof typeof PHASE_LABEL], ms);
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

function formatMs(ms: number): string {
  return ms >= 100 ? String(Math.round(ms)) : ms.toFixed(1);
}
