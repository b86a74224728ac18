// Starts the engine's module worker when its script lives on another
// origin than the page (the embed served from a CDN or the model host).
// Browsers refuse `new Worker(crossOriginUrl)`, so the page creates a tiny
// same-origin blob module whose only statement imports the real worker (fetched
// with CORS). Inside, `import.meta.url` is still the real URL, so the worker's
// chunks and ORT's wasm load from the embed's origin, never from the page or a
// CDN.

/** A module worker running `url`, wherever it is hosted. */
export function startWorker(url: string, name = 'hllm-engine'): Worker {
  const target = new URL(url, document.baseURI);
  if (target.origin === location.origin) return new Worker(target, { type: 'module', name });
  const blob = new Blob([`import ${JSON.stringify(target.href)};\n`], { type: 'text/javascript' });
  const blobUrl = URL.createObjectURL(blob);
  const worker = new Worker(blobUrl, { type: 'module', name });
  // The worker fetches the blob asynchronously; revoke only once it surely has.
  setTimeout(() => URL.revokeObjectURL(blobUrl), 60_000);
  return worker;
}
