// Entry of `hllm-embed.js`, the one-line script-tag embed (built as an
// IIFE by ./build-plugin.ts). Start-up: read the <script>'s own URL and data-*
// attributes synchronously (document.currentScript is gone after the first
// await), resolve model/catalogue URLs against the script (so they default to
// the embed's origin), start the engine worker through a same-origin blob (the
// page may be on another origin), mount <hllm-recommendations> in data-target,
// and expose `window.HLLM`. Single-threaded WASM unless the page is
// cross-origin isolated.
//
// @example
// ```html
// <div id="recs"></div>
// <script src="https://cdn.example/hllm/embed/hllm-embed.js" data-target="#recs"
//   data-model="../models/default/" data-catalog="../catalogs/ml-latest-small/items.csv"
//   data-vectors="../vectors/" data-mode="similar" data-item="79132"></script>
// <script>HLLM.ready.then(() => HLLM.track('1'));</script>
// ```
import workerUrl from '../../workers/engine.worker.ts?worker&url';
import { createRecommender, type Recommender } from '../client.ts';
import type { HistoryEvent, ReadyInfo, Recommendation, RecommendOptions, TrackOptions } from '../protocol.ts';
import { defineHllmRecommendations, type HllmRecommendationsElement } from '../widget/index.ts';
import { startWorker } from './cross-origin-worker.ts';

/** The global the embed installs as `window.HLLM`. */
export interface HllmGlobal {
  /** Resolves when the model is loaded and the catalogue embedded. */
  ready: Promise<ReadyInfo>;
  /** Records an interaction and re-ranks the widget. */
  track(itemId: string, options?: TrackOptions): Promise<HistoryEvent>;
  /** This visitor's top-k (default 10), computed on the device. */
  recommend(options?: RecommendOptions): Promise<Recommendation[]>;
  /** The locally stored history, oldest first. */
  history(): Promise<HistoryEvent[]>;
  /** Deletes history for these items, or all of it; re-ranks the widget. */
  forget(itemIds: string[] | 'all'): Promise<number>;
  /** The mounted widget, or null when there is no target. */
  element: HllmRecommendationsElement | null;
}

declare global {
  interface Window {
    HLLM?: HllmGlobal;
  }
}

const script = document.currentScript as HTMLScriptElement | null;
const scriptUrl = script?.src || document.baseURI;
const data = script?.dataset ?? {};
const resolveUrl = (value: string | undefined, fallback: string): string => new URL(value || fallback, scriptUrl).href;

function mountWidget(): HllmRecommendationsElement | null {
  defineHllmRecommendations();
  const selector = data.target;
  let host: Element | null = null;
  if (selector) {
    try {
      host = document.querySelector(selector);
    } catch {
      console.warn(`hllm-embed: data-target ${JSON.stringify(selector)} is not a valid selector`);
    }
    if (!host) console.warn(`hllm-embed: no element matches data-target ${JSON.stringify(selector)}`);
  }
  if (!host && !selector && script?.parentNode) {
    host = document.createElement('div');
    script.after(host);
  }
  if (!host) return null;
  const element =
    host instanceof HTMLElement && host.localName === 'hllm-recommendations'
      ? (host as HllmRecommendationsElement)
      : host.appendChild(document.createElement('hllm-recommendations'));
  // data-mode / data-item / data-items / data-fallback choose the row (docs/usage.md §3).
  for (const attr of ['k', 'layout', 'heading', 'mode', 'item', 'items', 'fallback'] as const) {
    const value = data[attr];
    if (value !== undefined && !element.hasAttribute(attr)) element.setAttribute(attr, value);
  }
  return element;
}

function install(): HllmGlobal {
  const catalog = resolveUrl(data.catalog, '../catalogs/ml-latest-small/items.csv');
  const engine: Promise<Recommender> = createRecommender({
    model: resolveUrl(data.model, '../models/default/'),
    catalog,
    backend: (data.backend as 'auto' | 'webgpu' | 'wasm' | undefined) ?? 'auto',
    dtype: (data.dtype as 'auto' | 'fp32' | 'q8' | 'q4' | undefined) ?? 'auto',
    dbName: data.dbName || 'hllm-embed',
    // data-vectors: precomputed item vectors (hllm embed); data-vectors-mismatch="encode" encodes on the device when they do not fit.
    ...(data.vectors ? { vectors: resolveUrl(data.vectors, '') } : {}),
    ...(data.vectorsMismatch ? { vectorsMismatch: data.vectorsMismatch as 'error' | 'encode' } : {}),
    createWorker: () => startWorker(workerUrl),
  });
  const element = document.readyState === 'loading' ? null : mountWidget();
  const api: HllmGlobal = {
    ready: engine.then((rec) => rec.ready),
    element,
    track: async (id, options) => {
      const event = await (await engine).track(id, options);
      void api.element?.refresh();
      return event;
    },
    recommend: async (options) => (await engine).recommend({ k: 10, ...options }),
    history: async () => (await engine).history(),
    forget: async (ids) => {
      const n = await (await engine).forget(ids);
      void api.element?.refresh();
      return n;
    },
  };
  api.ready.catch(() => undefined); // reported through the widget and to callers of ready
  const attach = (el: HllmRecommendationsElement | null): void => {
    api.element = el;
    if (!el) return;
    engine.then(
      (rec) => (el.recommender = rec),
      (error: unknown) => el.showError(error),
    );
  };
  if (element) attach(element);
  else document.addEventListener('DOMContentLoaded', () => attach(mountWidget()), { once: true });
  return api;
}

// A page that pastes the tag twice gets one engine, not two competing for IndexedDB.
if (!window.HLLM) window.HLLM = install();
