// @vitest-environment node
// SSR: importing <hllm-history>'s module where there is no DOM (a server render) must not throw.
import { describe, expect, it } from 'vitest';

describe('<hllm-history> in Node (no DOM)', () => {
  it('imports without HTMLElement or customElements', async () => {
    expect(typeof (globalThis as { HTMLElement?: unknown }).HTMLElement).toBe('undefined');
    const mod = await import('./hllm-history.ts');
    expect(typeof mod.HllmHistoryElement).toBe('function');
    const labels = await import('./history-render.ts');
    expect(labels.DEFAULT_HISTORY_LABELS.forgetItem('Heat')).toBe('Forget Heat');
  });
});
