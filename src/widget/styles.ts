// The widget's shadow-DOM stylesheet and how it reaches a shadow root.
// Every colour, size and font comes from a `--hllm-*` custom property with a
// neutral default, so a host page can theme the widget without reaching into
// the shadow root; `::part()` names are listed in docs/usage.md. The sheet is a
// constructable stylesheet (adoptedStyleSheets), which a host's strict CSP
// (`style-src 'self'`, no 'unsafe-inline') allows; a <style> element, which
// such a CSP blocks, is only the fallback for browsers without one. Only
// logical properties (inline/block) so `dir="rtl"` mirrors the layout.
/** The `--hllm-*` theme both elements share (their `:host` rule's common declarations). */
export const HOST_THEME = `
  display: block;
  font: var(--hllm-font, inherit);
  color: var(--hllm-color, inherit);
  background: var(--hllm-bg, transparent);
  --_gap: var(--hllm-gap, 0.5rem);
  --_radius: var(--hllm-radius, 0.5rem);
  --_accent: var(--hllm-accent, #2358c4);
  --_muted: var(--hllm-muted, #555);
  --_item-bg: var(--hllm-item-bg, rgba(127, 127, 127, 0.08));
`;

export const WIDGET_CSS = `
:host {${HOST_THEME}  --_item-width: var(--hllm-item-width, 11rem);
}
:host([hidden]) { display: none; }
[part="container"] { display: block; }
[part="heading"] { font-size: var(--hllm-heading-size, 1rem); margin: 0; margin-block-end: var(--_gap); }
[part="heading"]:empty { display: none; }
[part="list"] {
  list-style: none; margin: 0; padding: 0;
  display: flex; flex-direction: column; gap: var(--_gap);
}
[part="list"][data-layout="grid"] {
  display: grid; grid-template-columns: repeat(auto-fill, minmax(var(--_item-width), 1fr));
}
[part="list"][data-layout="row"],
[part="list"][data-layout="carousel"] { flex-direction: row; overflow-x: auto; padding-block-end: 0.25rem; }
[part="list"][data-layout="row"] > [part="item"],
[part="list"][data-layout="carousel"] > [part="item"] { flex: 0 0 var(--_item-width); }
[part="carousel"] { display: flex; align-items: center; gap: var(--_gap); }
[part="list"][data-layout="carousel"] {
  flex: 1 1 auto; min-inline-size: 0; scroll-snap-type: inline mandatory; scroll-behavior: smooth;
  scrollbar-width: thin; overscroll-behavior-inline: contain;
}
[part="list"][data-layout="carousel"] > [part="item"] { scroll-snap-align: start; }
[part~="nav"] {
  flex: none; inline-size: 2rem; block-size: 2rem; border-radius: 50%; cursor: pointer;
  border: 1px solid var(--hllm-item-border, rgba(127, 127, 127, 0.4)); background: var(--_item-bg);
  color: inherit; font: inherit; font-size: 1.25rem; line-height: 1;
}
[part~="nav"]:disabled { opacity: 0.35; cursor: default; }
[part~="nav"]:focus-visible { outline: var(--hllm-focus-ring, 3px solid var(--_accent)); outline-offset: 2px; }
/* The arrows point in reading direction: mirrored right-to-left. */
:host(:dir(rtl)) [part~="nav"] { transform: scaleX(-1); }
[part="item"] { margin: 0; }
[part="button"] {
  all: unset; box-sizing: border-box; cursor: pointer;
  display: flex; gap: var(--_gap); align-items: flex-start; inline-size: 100%; block-size: 100%;
  padding: var(--hllm-item-padding, 0.5rem 0.75rem); text-align: start;
  border-radius: var(--_radius); background: var(--_item-bg);
  border: 1px solid var(--hllm-item-border, transparent);
}
[part="list"][data-layout="grid"] [part="button"],
[part="list"][data-layout="row"] [part="button"],
[part="list"][data-layout="carousel"] [part="button"] { flex-direction: column; }
[part="button"]:hover { border-color: var(--_accent); }
[part="button"]:focus-visible {
  outline: var(--hllm-focus-ring, 3px solid var(--_accent)); outline-offset: 2px;
}
[part="image"] {
  inline-size: var(--hllm-image-size, 3rem); aspect-ratio: 2 / 3; object-fit: cover;
  border-radius: calc(var(--_radius) / 2); flex: none;
}
[part="list"][data-layout="grid"] [part="image"],
[part="list"][data-layout="row"] [part="image"],
[part="list"][data-layout="carousel"] [part="image"] { inline-size: 100%; }
[part="text"] { display: flex; flex-direction: column; gap: 0.15rem; min-inline-size: 0; }
[part="title"] { font-weight: var(--hllm-title-weight, 600); overflow-wrap: anywhere; }
[part="reason"] { color: var(--_muted); font-size: 0.85em; overflow-wrap: anywhere; }
[part="status"] { display: flex; flex-direction: column; gap: 0.35rem; color: var(--_muted); }
[part="progress"] { inline-size: 100%; accent-color: var(--_accent); }
[part="error"] {
  padding: 0.5rem 0.75rem; border-radius: var(--_radius);
  border: 1px solid var(--hllm-error-color, #b3261e); color: var(--hllm-error-color, #b3261e);
}
[part="error-code"] { display: block; margin-block-start: 0.25rem; font-size: 0.8em; opacity: 0.8; }
[part="empty"] { color: var(--_muted); margin: 0; }
[part="notice"] { color: var(--hllm-error-color, #b3261e); font-size: 0.85em; margin: 0; margin-block-start: var(--_gap); }
[part="notice"]:empty { display: none; }
@media (prefers-reduced-motion: reduce) { * { scroll-behavior: auto !important; } }
`;

let shared: CSSStyleSheet | undefined;

/** True where constructable stylesheets can be adopted by shadow roots (not in SSR/Node or old browsers). */
export function canAdoptStyles(): boolean {
  return (
    typeof CSSStyleSheet !== 'undefined' &&
    'replaceSync' in CSSStyleSheet.prototype &&
    typeof ShadowRoot !== 'undefined' &&
    'adoptedStyleSheets' in ShadowRoot.prototype
  );
}

/**
 * Styles `root` with WIDGET_CSS. All widgets on a page adopt one shared
 * CSSStyleSheet (parsed once, created on first use); without adoptedStyleSheets
 * a <style> element is appended instead. Returns which way was taken.
 *
 * @example
 * ```ts
 * const root = host.attachShadow({ mode: 'open' });
 * applyWidgetStyles(root); // 'adopted' in current browsers
 * ```
 */
export function applyWidgetStyles(root: ShadowRoot): 'adopted' | 'style-element' {
  if (canAdoptStyles()) {
    if (!shared) {
      shared = new CSSStyleSheet();
      shared.replaceSync(WIDGET_CSS);
    }
    root.adoptedStyleSheets = [...root.adoptedStyleSheets, shared];
    return 'adopted';
  }
  const style = root.ownerDocument.createElement('style');
  style.textContent = WIDGET_CSS;
  root.prepend(style);
  return 'style-element';
}
