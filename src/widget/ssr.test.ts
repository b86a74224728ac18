// The widget module imported where there is no DOM (Node, as a server
// renderer does): the import must not throw and must not register anything.
// Runs in vitest's node environment on purpose.
import { describe, expect, it } from 'vitest';

describe('widget in Node (SSR)', () => {
  it('imports without HTMLElement or customElements, and defines the class without registering it', async () => {
    expect(typeof globalThis.HTMLElement).toBe('undefined');
    expect(typeof globalThis.customElements).toBe('undefined');
    const mod = await import('./index.ts');
    expect(mod.TAG_NAME).toBe('hllm-recommendations');
    expect(typeof mod.HllmRecommendationsElement).toBe('function');
    expect(mod.HllmRecommendationsElement.observedAttributes).toContain('mode');
    expect(mod.DEFAULT_LABELS.popular).toBe('Popular');
  });
});
