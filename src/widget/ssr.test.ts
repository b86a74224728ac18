// The widget module imported where there is no DOM (Node, as a server
// renderer does): the import must not throw and must not register anything.
// Runs in vitest's node environment on purpose.
import { describe, expect, it } from 'vitest';

describe('widget in Node (SSR)', () => {
  it('imports without HTMLElement or customElements, registers nothing and adds no globals; the elements register once a registry exists', async () => {
    expect(typeof globalThis.HTMLElement).toBe('undefined');
    expect(typeof globalThis.customElements).toBe('undefined');
    const before = new Set(Object.getOwnPropertyNames(globalThis));
    const mod = await import('./index.ts');
    expect(Object.getOwnPropertyNames(globalThis).filter((k) => !before.has(k))).toEqual([]);
    expect(typeof globalThis.customElements).toBe('undefined');

    // Hydration later, on a page: a real registry (happy-dom's) gets both tags the pages use, once.
    const { Window } = await import('happy-dom');
    const registry = new Window().customElements as unknown as CustomElementRegistry;
    for (let i = 0; i < 2; i++) {
      mod.defineHllmRecommendations(registry);
      mod.defineHllmHistory(registry);
    }
    expect(registry.get('hllm-recommendations')).toBe(mod.HllmRecommendationsElement);
    expect(registry.get('hllm-history')).toBe(mod.HllmHistoryElement);
  });
});
