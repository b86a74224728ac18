// Entry of the demo page. Start-up sequence: register the service worker
// (offline after the first visit), create one engine (backend 'auto' by default; `?backend=`
// and `?dtype=` override), hand the engine to <hllm-recommendations>, then wire
// the catalogue browser (search and titles come from the engine, which parses the
// catalogue once in its worker), likes/opens, the history dialog (a <hllm-history>
// privacy panel), the timings chart and the licence.
import { createRecommender } from '../index.ts';
import '../widget/index.ts';
import type { HistoryEvent } from '../index.ts';
import type { WidgetRecommender } from '../widget/index.ts';
import { mountCatalogBrowser } from './catalog-browser.ts';
import { registerServiceWorker } from './sw-register.ts';
import { PhaseClock, TimingsView } from './timings.ts';

const BASE = import.meta.env.BASE_URL;
const MODEL = new URL(`${BASE}models/default/`, location.href).href;
const CATALOG = new URL(`${BASE}catalogs/ml-latest-small/items.csv`, location.href).href;
// Built by `hllm embed` (q8 item encoder, the WASM default) at build time: a first visit encodes nothing.
const VECTORS = new URL(`${BASE}catalogs/ml-latest-small/vectors/vectors.json`, location.href).href;
const LICENCE = new URL(`${BASE}catalogs/ml-latest-small/LICENSE.txt`, location.href).href;

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

async function main(): Promise<void> {
  registerServiceWorker($('offline-status'));
  const status = $('engine-status');
  const widget = $('recs') as HTMLElementTagNameMap['hllm-recommendations'];
  const timings = new TimingsView($('timings-chart') as HTMLCanvasElement, $('timings-table') as HTMLTableElement);
  const params = new URLSearchParams(location.search);
  // 'auto': the engine refuses software adapters (SwiftShader) by itself, and on a real GPU
  // it times both backends and keeps the faster; ReadyInfo.reason says what it measured.
  const backend = (params.get('backend') ?? 'auto') as 'auto' | 'webgpu' | 'wasm';
  const dtype = (params.get('dtype') ?? 'auto') as 'auto' | 'fp32' | 'q8' | 'q4';

  const t0 = performance.now();
  const clock = new PhaseClock();
  let rec: Awaited<ReturnType<typeof createRecommender>>;
  try {
    rec = await createRecommender({
      model: MODEL,
      catalog: CATALOG,
      vectors: VECTORS,
      // A device that picks another item encoder (q4 on WebGPU, or ?dtype=) encodes on the device.
      vectorsMismatch: 'encode',
      backend,
      dtype,
      onProgress: (p) => {
        clock.progress(p.phase);
        const pct = p.total > 0 ? ` ${Math.round((100 * p.done) / p.total)}%` : '';
        status.textContent = `Starting the engine: ${p.phase}${pct}…`;
      },
    });
  } catch (error) {
    status.textContent = `The engine could not start: ${(error as Error).message}`;
    widget.showError(error);
    return;
  }

  // The widget gets the engine through a thin wrapper that times each call.
  const timed: WidgetRecommender = {
    ready: rec.ready,
    on: (event, cb) => rec.on(event, cb),
    recommend: async (options) => {
      const t = performance.now();
      const out = await rec.recommend(options);
      timings.set('recommend (last)', performance.now() - t);
      return out;
    },
    track: (id, options) => track(id, options?.type ?? 'click'),
  };
  widget.recommender = timed;

  const liked = new Set<string>();
  const historyCount = $('history-count');

  async function syncHistory(): Promise<void> {
    const events = await rec.history();
    liked.clear();
    for (const e of events) if (e.type === 'like') liked.add(e.itemId);
    historyCount.textContent = String(events.length);
  }

  async function track(id: string, type: string): Promise<HistoryEvent> {
    const t = performance.now();
    const event = await rec.track(id, { type });
    timings.set('track (last)', performance.now() - t);
    await syncHistory();
    return event;
  }

  let info: Awaited<typeof rec.ready>;
  try {
    info = await rec.ready;
  } catch (error) {
    status.textContent = `The engine could not start: ${(error as Error).message}`;
    return; // the widget shows the error itself
  }
  timings.setPhases(clock);
  timings.set('start-up (total)', performance.now() - t0);
  status.textContent =
    `Running on ${info.backend.toUpperCase()} (${info.dtype}, ${info.threads} thread${info.threads === 1 ? '' : 's'}) · ` +
    `${info.items} movies (${info.fromShards} from precomputed vectors, ${info.encoded} embedded now, ${info.cached} from this browser's cache) · ` +
    `history in ${info.storage === 'indexeddb' ? 'IndexedDB' : 'memory only'}`;
  status.dataset.backend = info.backend;
  status.dataset.dtype = info.dtype;
  $('runtime').textContent = `Why this backend: ${info.reason}`;
  await syncHistory();

  const browser = mountCatalogBrowser({
    search: async (query, options) => {
      const t = performance.now();
      const out = await rec.search(query, options);
      timings.set('search (last)', performance.now() - t);
      return out;
    },
    input: $('search'),
    list: $('catalog-list'),
    more: $('catalog-more'),
    count: $('catalog-count'),
    isLiked: (id) => liked.has(id),
    onLike: (item, like) => {
      const done = like ? track(item.id, 'like') : rec.forget([item.id]).then(syncHistory);
      void done.then(
        () => widget.refresh(),
        // Storage refused the change: show the truth (the stored state), not the click.
        (error: unknown) => syncHistory().then(() => browser.rerender(), () => widget.showError(error)),
      );
    },
    onOpen: (item) => {
      void track(item.id, 'click').then(() => widget.refresh(), (error: unknown) => widget.showError(error));
    },
  });
  await browser.ready;
  // "/" jumps to search from anywhere but a text field (as on many sites).
  document.addEventListener('keydown', (e) => {
    const t = e.target as HTMLElement;
    if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey || t.closest('input, textarea, [contenteditable]')) return;
    e.preventDefault();
    ($('search') as HTMLInputElement).focus();
  });
  document.body.dataset.ready = 'true';

  // The privacy panel reads the history itself; the page keeps its own views in step.
  const dialog = $('history-dialog') as HTMLDialogElement;
  const openButton = $('history-open');
  const panel = $('history') as HTMLElementTagNameMap['hllm-history'];
  panel.labels = {
    heading: 'Newest first',
    empty: 'Nothing yet. Like or open a movie and it shows up here.',
    exportButton: 'Export JSON',
    importButton: 'Import JSON…',
    forgetAll: 'Wipe history…',
    confirmYes: 'Yes, wipe everything',
  };
  panel.recommender = rec;
  panel.addEventListener('hllm-history-change', () => {
    void syncHistory().then(() => { browser.rerender(); return widget.refresh(); }, (error: unknown) => widget.showError(error));
  });
  openButton.addEventListener('click', async () => {
    await panel.refresh();
    dialog.showModal();
  });
  $('history-close').addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => openButton.focus());

  const licence = $('licence') as HTMLDetailsElement;
  licence.addEventListener('toggle', async () => {
    if (!licence.open || licence.dataset.loaded) return;
    licence.dataset.loaded = 'true';
    const text = $('licence-text');
    try {
      const response = await fetch(LICENCE);
      text.textContent = response.ok ? await response.text() : `Could not load the licence (${response.status}).`;
    } catch {
      text.textContent = 'Could not load the licence (offline and not cached yet).';
    }
  });
}

void main();
