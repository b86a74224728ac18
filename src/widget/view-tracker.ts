// The `hllm-view` bookkeeping: an IntersectionObserver (threshold 0.5)
// over the rendered items that reports each item once per render when at least
// half of it is visible. Hidden items (display:none, scrolled out, clipped by
// the carousel) never intersect, so they never report. It only observes: it
// sends nothing anywhere.

export class ViewTracker {
  private observer: IntersectionObserver | undefined;
  private pending: HTMLElement[] = [];
  private seen = new WeakSet<Element>();

  constructor(private readonly onView: (item: HTMLElement) => void) {}

  /** Starts a new render: forgets what was seen and watches `items`. */
  watch(items: HTMLElement[]): void {
    this.seen = new WeakSet();
    this.pending = items;
    this.resume();
  }

  /** Watches the items of the current render that have not reported yet (after a reconnect). */
  resume(): void {
    this.stop();
    if (typeof IntersectionObserver === 'undefined') return; // SSR and old browsers: no views
    const observer = new IntersectionObserver(
      (entries) => {
        for (const entry of entries) {
          // A hair under 0.5: the ratio of an exactly half-visible item can round below it.
          if (!entry.isIntersecting || entry.intersectionRatio < 0.499 || this.seen.has(entry.target)) continue;
          this.seen.add(entry.target);
          observer.unobserve(entry.target);
          this.onView(entry.target as HTMLElement);
        }
      },
      { threshold: 0.5 },
    );
    this.observer = observer;
    for (const item of this.pending) if (!this.seen.has(item)) observer.observe(item);
  }

  /** Stops observing (element disconnected, or a new render follows). */
  stop(): void {
    this.observer?.disconnect();
    this.observer = undefined;
  }
}
