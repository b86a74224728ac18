// The shadow-DOM stylesheet of `<hllm-history>`. Same theming as the
// recommendations widget (`--hllm-*` custom properties, `::part()` names listed in
// docs/usage.md) and the same CSP-friendly delivery (adoptedStyleSheets, a <style>
// element only as the fallback). Logical properties only, so `dir="rtl"` mirrors it.
import { canAdoptStyles, HOST_THEME } from './styles.ts';

const HISTORY_CSS = `
:host {${HOST_THEME}  --_danger: var(--hllm-error-color, #b3261e);
}
:host([hidden]) { display: none; }
[part="heading"] { font-size: var(--hllm-heading-size, 1rem); margin: 0 0 var(--_gap); }
[part="summary"], [part="empty"] { color: var(--_muted); margin: 0 0 var(--_gap); }
[part="list"] { list-style: none; margin: 0 0 var(--_gap); padding: 0; display: flex; flex-direction: column; gap: 0.25rem; }
[part="item"] {
  display: flex; flex-wrap: wrap; align-items: baseline; gap: 0 var(--_gap);
  padding-block: 0.35rem; padding-inline: 0.6rem; border-radius: var(--_radius); background: var(--_item-bg);
}
[part="title"] { flex: 1 1 12rem; font-weight: 600; overflow-wrap: anywhere; }
[part="type"], [part="date"] { color: var(--_muted); font-size: 0.875em; }
button {
  font: inherit; cursor: pointer; border-radius: var(--_radius); padding-block: 0.3rem; padding-inline: 0.7rem;
  border: 1px solid currentColor; background: transparent; color: inherit;
}
button:focus-visible { outline: 3px solid var(--_accent); outline-offset: 2px; }
button:disabled { opacity: 0.6; cursor: progress; }
[part="forget"] { margin-inline-start: auto; font-size: 0.875em; }
[part="actions"], [part="confirm"] { display: flex; flex-wrap: wrap; align-items: center; gap: var(--_gap); }
[part="confirm"][hidden], [part="actions"] [hidden] { display: none; }
[part="forget-all"], [part="confirm-yes"] { color: var(--_danger); }
[part="status"] { margin: var(--_gap) 0 0; color: var(--_muted); }
[part="status"]:empty { display: none; }
[part="status"][data-kind="error"] { color: var(--_danger); }
`;

let shared: CSSStyleSheet | undefined;

/** Styles `root` with HISTORY_CSS: one shared adopted sheet, or a <style> element. */
export function applyHistoryStyles(root: ShadowRoot): void {
  if (canAdoptStyles()) {
    if (!shared) {
      shared = new CSSStyleSheet();
      shared.replaceSync(HISTORY_CSS);
    }
    root.adoptedStyleSheets = [...root.adoptedStyleSheets, shared];
    return;
  }
  const style = root.ownerDocument.createElement('style');
  style.textContent = HISTORY_CSS;
  root.prepend(style);
}
