// Public entry of the widget (`hllm-web/widget`). Importing it registers
// `<hllm-recommendations>` and `<hllm-history>` once; registering twice (two bundles on
// one page) is a no-op instead of a DOMException; in Node (SSR) importing it registers
// nothing and throws nothing.
import { HllmHistoryElement } from './hllm-history.ts';
import { HllmRecommendationsElement } from './hllm-recommendations.ts';

export { HllmHistoryElement } from './hllm-history.ts';
export type { HllmHistoryChangeDetail } from './hllm-history.ts';
export { DEFAULT_HISTORY_LABELS } from './history-render.ts';
export type { HistoryLabels } from './history-render.ts';

export { HllmRecommendationsElement } from './hllm-recommendations.ts';
export { DEFAULT_LABELS } from './labels.ts';
export type {
  HistoryRecommender,
  HllmClickDetail,
  HllmErrorDetail,
  HllmItemDetail,
  HllmRecommendationsEventMap,
  HllmViewDetail,
  WidgetItem,
  WidgetLabels,
  WidgetLayout,
  WidgetMode,
  WidgetProgress,
  WidgetRecommendation,
  WidgetRecommender,
  WidgetRules,
} from './widget-types.ts';

/** The tag name the widget registers under. */
export const TAG_NAME = 'hllm-recommendations';

/**
 * Registers the custom element if the page has not already done so.
 *
 * @example
 * ```ts
 * import { defineHllmRecommendations } from 'hllm-web/widget';
 * defineHllmRecommendations();
 * ```
 */
export function defineHllmRecommendations(registry: CustomElementRegistry = customElements): void {
  if (!registry.get(TAG_NAME)) registry.define(TAG_NAME, HllmRecommendationsElement);
}

/** The tag name of the privacy panel. */
export const HISTORY_TAG_NAME = 'hllm-history';

/**
 * Registers `<hllm-history>` if the page has not already done so.
 *
 * @example
 * ```ts
 * import { defineHllmHistory } from 'hllm-web/widget';
 * defineHllmHistory();
 * ```
 */
export function defineHllmHistory(registry: CustomElementRegistry = customElements): void {
  if (!registry.get(HISTORY_TAG_NAME)) registry.define(HISTORY_TAG_NAME, HllmHistoryElement);
}

if (typeof customElements !== 'undefined') {
  defineHllmRecommendations();
  defineHllmHistory();
}

declare global {
  interface HTMLElementTagNameMap {
    'hllm-recommendations': HllmRecommendationsElement;
    'hllm-history': HllmHistoryElement;
  }
}
