/**
 * Role: public entry of the widget (`hllm-web/widget`). Importing it registers
 * `<hllm-recommendations>` once; registering twice (two bundles on one page)
 * is a no-op instead of a DOMException; in Node (SSR) importing it registers
 * nothing and throws nothing. May import: ./hllm-recommendations, ./labels,
 * ./widget-types.
 */
import { HllmRecommendationsElement } from './hllm-recommendations';

export { HllmRecommendationsElement } from './hllm-recommendations';
export { DEFAULT_LABELS } from './labels';
export type {
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
} from './widget-types';

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

if (typeof customElements !== 'undefined') defineHllmRecommendations();

declare global {
  interface HTMLElementTagNameMap {
    'hllm-recommendations': HllmRecommendationsElement;
  }
}
