// The `carousel` layout's chrome: previous/next buttons around the
// horizontally scrolling list, their enabled state, and paging that follows the
// writing direction (in RTL "next" scrolls towards the left). The list itself
// scroll-snaps by CSS (./styles).
import type { WidgetLabels } from './widget-types.ts';

/** True when `node` lays out right-to-left (its own or an inherited `dir`). */
export function isRtl(node: Element): boolean {
  const view = node.ownerDocument.defaultView;
  return view ? view.getComputedStyle(node).direction === 'rtl' : false;
}

/** Scrolls the list by about one visible width, forwards (1) or backwards (-1) in reading order. */
function scrollPage(list: HTMLElement, direction: 1 | -1): void {
  const step = Math.max(list.clientWidth * 0.9, 1);
  // Chromium, Firefox and Safari all use negative scrollLeft in RTL, so forwards is -x there.
  const reduced = list.ownerDocument.defaultView?.matchMedia?.('(prefers-reduced-motion: reduce)').matches;
  list.scrollBy({ left: direction * step * (isRtl(list) ? -1 : 1), behavior: reduced ? 'auto' : 'smooth' });
}

function syncNav(list: HTMLElement, prev: HTMLButtonElement, next: HTMLButtonElement): void {
  const max = list.scrollWidth - list.clientWidth;
  const pos = Math.abs(list.scrollLeft);
  prev.disabled = pos <= 1;
  next.disabled = pos >= max - 1;
}

/** Wraps `list` as `[previous] list [next]` (a flex row, so RTL puts "previous" on the right). */
export function buildCarousel(list: HTMLElement, labels: WidgetLabels): HTMLElement {
  const doc = list.ownerDocument;
  const wrap = doc.createElement('div');
  wrap.setAttribute('part', 'carousel');
  const nav = (which: 'prev' | 'next'): HTMLButtonElement => {
    const b = doc.createElement('button');
    b.type = 'button';
    b.setAttribute('part', `nav ${which}`);
    b.dataset.nav = which;
    b.setAttribute('aria-label', which === 'prev' ? labels.previous : labels.next);
    b.textContent = which === 'prev' ? '‹' : '›'; // mirrored by CSS in RTL
    b.addEventListener('click', () => scrollPage(list, which === 'prev' ? -1 : 1));
    return b;
  };
  const prev = nav('prev');
  const next = nav('next');
  const sync = (): void => syncNav(list, prev, next);
  list.addEventListener('scroll', sync, { passive: true });
  // The widths are only known once the row is laid out (and change with the viewport).
  if (typeof ResizeObserver !== 'undefined') new ResizeObserver(sync).observe(list);
  wrap.append(prev, list, next);
  return wrap;
}
