// Script of src/demo/widget.html, the smallest page that uses the widget on
// its own. It applies `?model=`/`?catalog=` overrides before the element upgrades
// and logs the element's events as text.
const params = new URLSearchParams(location.search);
const el = document.getElementById('w')!;
for (const name of ['model', 'catalog', 'k', 'layout'] as const) {
  const value = params.get(name);
  if (value !== null) el.setAttribute(name, value);
}
const log = document.getElementById('events')!;
for (const type of ['hllm-ready', 'hllm-click', 'hllm-error']) {
  el.addEventListener(type, (e) => {
    const detail = (e as CustomEvent).detail as Record<string, unknown>;
    const summary = type === 'hllm-error' ? `${detail.code ?? ''} ${detail.message}` : type === 'hllm-click' ? detail.id : detail.backend;
    log.textContent += `${type}: ${String(summary)}\n`;
  });
}
// Import after the overrides so the element upgrades with the final attributes.
await import('../widget/index.ts');

export {}; // a module, so top-level await is allowed
