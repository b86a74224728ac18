// Entry of `hllm-embed.js`, the one-line script-tag embed (built as an IIFE by
// ./build-plugin.ts). One engine per page, one row per tag: the first run starts
// the engine worker (through a same-origin blob, as the page may be on another
// origin) from the first tag's engine attributes, installs `window.HLLM` and a
// registry; every run, including those of tags pasted twice or added later, claims
// the embed tags not yet claimed and mounts each one's <hllm-recommendations> row
// (its own data-target, data-mode, data-item, data-k…) on that engine. A tag that
// names other engine options gets a console error and no row. Tags are read
// synchronously (document.currentScript is gone after the first await); URLs
// resolve against each tag's own src, so they default to the embed's origin.
// Single-threaded WASM unless the page is cross-origin isolated.
//
// @example
// ```html
// <div id="similar"></div> <div id="for-you"></div>
// <script src="https://cdn.example/hllm/embed/hllm-embed.js" data-target="#similar"
//   data-model="../models/default/" data-catalog="../catalogs/ml-latest-small/items.csv"
//   data-vectors="../vectors/" data-mode="similar" data-item="79132"></script>
// <script src="https://cdn.example/hllm/embed/hllm-embed.js" data-target="#for-you" data-k="5"></script>
// <script>HLLM.ready.then(() => HLLM.track('1'));</script>
// ```
import workerUrl from '../../workers/engine.worker.ts?worker&url';
import { createRecommender, type Recommender } from '../client.ts';
import type { HistoryEvent, ReadyInfo, Recommendation, RecommendOptions, TrackOptions } from '../protocol.ts';
import { defineHllmRecommendations, type HllmRecommendationsElement, type WidgetRecommender } from '../widget/index.ts';
import { startWorker } from './cross-origin-worker.ts';
import {
  conflictMessage, describeTag, engineConfig, engineConflicts, explicitEngineConfig, isEmbedSrc, ROW_ATTRS,
  type EmbedEngineConfig, type TagData,
} from './embed-config.ts';

/** The global the embed installs as `window.HLLM`: one per page, however many tags. */
export interface HllmGlobal {
  /** Resolves when the model is loaded and the catalogue embedded. */
  ready: Promise<ReadyInfo>;
  /** Records an interaction and re-ranks every row. */
  track(itemId: string, options?: TrackOptions): Promise<HistoryEvent>;
  /** This visitor's top-k (default 10), computed on the device. */
  recommend(options?: RecommendOptions): Promise<Recommendation[]>;
  /** The locally stored history, oldest first. */
  history(): Promise<HistoryEvent[]>;
  /** Deletes history for these items, or all of it; re-ranks every row. */
  forget(itemIds: string[] | 'all'): Promise<number>;
  /** The first mounted row, or null while there is none. */
  readonly element: HllmRecommendationsElement | null;
  /** Every mounted row, one per embed tag, in mount order. */
  readonly elements: readonly HllmRecommendationsElement[];
}

/** Shared by every run of the bundle on this page (each tag runs the IIFE anew). */
interface Registry {
  /** Mounts the rows of the embed tags not yet claimed; `running` is the tag now executing, if known. */
  claim(running: HTMLScriptElement | null): void;
}

declare global {
  interface Window {
    HLLM?: HllmGlobal;
  }
}

const REGISTRY = Symbol.for('hllm-embed.registry');
type WithRegistry = { [REGISTRY]?: Registry };

/** Embed tags in document order: `running` and every script whose src is the embed. */
function embedTags(running: HTMLScriptElement | null): HTMLScriptElement[] {
  const runningSrc = running?.src || null;
  const tags = [...document.querySelectorAll<HTMLScriptElement>('script[src]')].filter((s) => s === running || isEmbedSrc(s.src, runningSrc));
  if (running && !tags.includes(running)) tags.push(running);
  return tags;
}

function createRegistry(first: HTMLScriptElement | null): { registry: Registry; api: HllmGlobal } {
  const firstData: TagData = first?.dataset ?? {};
  const config: EmbedEngineConfig = engineConfig(firstData, first?.src || document.baseURI);
  const engine: Promise<Recommender> = createRecommender({ ...config, createWorker: () => startWorker(workerUrl) });
  const claimed = new WeakSet<HTMLScriptElement>();
  const hosts = new WeakSet<Element>(); // elements that already hold (or are) a row
  const rows: HllmRecommendationsElement[] = [];
  let count = 0;
  const refreshAll = (except?: HllmRecommendationsElement): void => {
    for (const row of rows) if (row !== except) void row.refresh();
  };

  // Each row sees the engine through a view whose track() (a click in that row)
  // also re-ranks the other rows; the clicked row re-ranks itself.
  const attach = (row: HllmRecommendationsElement): void => {
    rows.push(row);
    engine.then(
      (rec) => {
        const view: WidgetRecommender = {
          ready: rec.ready,
          recommend: (o) => rec.recommend(o),
          similar: (id, o) => rec.similar(id, o),
          popular: (o) => rec.popular(o),
          on: (event, cb) => rec.on(event, cb),
          track: async (id, o) => {
            const event = await rec.track(id, o);
            refreshAll(row);
            return event;
          },
        };
        row.recommender = view;
      },
      (error: unknown) => row.showError(error),
    );
  };

  const mount = (script: HTMLScriptElement, where: string): void => {
    const data = script.dataset;
    const row = findHost(script, data, where, hosts);
    if (!row) return;
    for (const attr of ROW_ATTRS) {
      const value = data[attr];
      if (value !== undefined && !row.hasAttribute(attr)) row.setAttribute(attr, value);
    }
    attach(row);
  };

  const claimOne = (script: HTMLScriptElement): void => {
    claimed.add(script);
    const where = describeTag(script.dataset, count++);
    if (script !== first) {
      let conflicts: string[];
      try {
        conflicts = engineConflicts(config, explicitEngineConfig(script.dataset, script.src || document.baseURI));
      } catch (error) {
        conflicts = [(error as Error).message];
      }
      if (conflicts.length > 0) return console.error(conflictMessage(where, conflicts));
    }
    defineHllmRecommendations();
    // Before DOMContentLoaded the target may still be ahead in the document.
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', () => mount(script, where), { once: true });
    else mount(script, where);
  };

  const registry: Registry = {
    claim(running) {
      for (const tag of embedTags(running)) if (!claimed.has(tag)) claimOne(tag);
    },
  };
  const api: HllmGlobal = {
    ready: engine.then((rec) => rec.ready),
    get element() {
      return rows[0] ?? null;
    },
    get elements() {
      return [...rows];
    },
    track: async (id, options) => {
      const event = await (await engine).track(id, options);
      refreshAll();
      return event;
    },
    recommend: async (options) => (await engine).recommend({ k: 10, ...options }),
    history: async () => (await engine).history(),
    forget: async (ids) => {
      const n = await (await engine).forget(ids);
      refreshAll();
      return n;
    },
  };
  api.ready.catch(() => undefined); // reported through the rows and to callers of ready
  return { registry, api };
}

/**
 * The <hllm-recommendations> a tag's row goes into: the element data-target names (or
 * one appended to it), or a new one right after the script when there is no data-target.
 * Null, with a console message, when the target is missing, invalid or already holds a row.
 */
function findHost(script: HTMLScriptElement, data: TagData, where: string, hosts: WeakSet<Element>): HllmRecommendationsElement | null {
  const selector = data.target;
  let host: Element | null = null;
  if (selector) {
    try {
      host = document.querySelector(selector);
    } catch {
      console.warn(`hllm-embed: data-target ${JSON.stringify(selector)} is not a valid selector`);
      return null;
    }
    if (!host) {
      console.warn(`hllm-embed: no element matches data-target ${JSON.stringify(selector)}`);
      return null;
    }
  } else {
    if (!script.parentNode) return null;
    host = document.createElement('div');
    script.after(host);
  }
  if (hosts.has(host)) {
    console.error(`hllm-embed: ${where} names an element that already holds the row of an earlier hllm-embed tag; give each tag its own data-target. This tag's row was not mounted.`);
    return null;
  }
  hosts.add(host);
  if (host instanceof HTMLElement && host.localName === 'hllm-recommendations') return host as HllmRecommendationsElement;
  return host.appendChild(document.createElement('hllm-recommendations'));
}

const running = document.currentScript instanceof HTMLScriptElement ? document.currentScript : null;
const shared = window as unknown as WithRegistry;
if (!shared[REGISTRY]) {
  if (window.HLLM) {
    console.error('hllm-embed: window.HLLM is already taken by something else on this page; hllm-embed starts no engine and mounts no row.');
  } else {
    const first = running ?? embedTags(null)[0] ?? null;
    const { registry, api } = createRegistry(first);
    Object.defineProperty(window, REGISTRY, { value: registry });
    window.HLLM = api;
  }
}
shared[REGISTRY]?.claim(running);
