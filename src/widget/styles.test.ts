// @vitest-environment happy-dom
// Unit tests of how the widget's stylesheet reaches a shadow root: one
// shared constructable sheet where adoptedStyleSheets exists, a <style>
// element only where it does not.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { applyWidgetStyles, canAdoptStyles, WIDGET_CSS } from './styles.ts';

const shadow = (): ShadowRoot => document.createElement('div').attachShadow({ mode: 'open' });

afterEach(() => vi.unstubAllGlobals());

describe('applyWidgetStyles', () => {
  it('adopts one shared, parsed CSSStyleSheet and adds no <style> element', () => {
    expect(canAdoptStyles()).toBe(true);
    const a = shadow();
    const b = shadow();
    expect(applyWidgetStyles(a)).toBe('adopted');
    expect(applyWidgetStyles(b)).toBe('adopted');
    expect(a.adoptedStyleSheets.length).toBe(1);
    expect(b.adoptedStyleSheets[0]).toBe(a.adoptedStyleSheets[0]);
    const rules = [...a.adoptedStyleSheets[0]!.cssRules].map((r) => r.cssText).join('\n');
    expect(rules).toContain('[part="list"]');
    expect(a.querySelector('style')).toBeNull();
  });

  it('keeps sheets the root already had', () => {
    const root = shadow();
    const own = new CSSStyleSheet();
    root.adoptedStyleSheets = [own];
    applyWidgetStyles(root);
    expect(root.adoptedStyleSheets.length).toBe(2);
    expect(root.adoptedStyleSheets[0]).toBe(own);
  });

  it('falls back to a <style> element where constructable stylesheets are missing', () => {
    const root = shadow();
    vi.stubGlobal('CSSStyleSheet', undefined);
    expect(canAdoptStyles()).toBe(false);
    expect(applyWidgetStyles(root)).toBe('style-element');
    expect(root.querySelector('style')!.textContent).toBe(WIDGET_CSS);
    expect(root.adoptedStyleSheets.length).toBe(0);
  });
});
