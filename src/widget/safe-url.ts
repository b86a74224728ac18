// The one URL check for everything the widget hands the browser as an
// image source (built-in rows and host templates alike).

/**
 * Only http(s), same-document relative and data:image URLs are used as image
 * sources: anything else (javascript:, file:, blob: from elsewhere) is dropped
 * rather than handed to the browser.
 *
 * @example
 * ```ts
 * safeImageUrl('javascript:alert(1)', document.baseURI); // undefined
 * safeImageUrl('/posters/1.jpg', 'https://shop.example/'); // 'https://shop.example/posters/1.jpg'
 * ```
 */
export function safeImageUrl(raw: unknown, base: string): string | undefined {
  if (typeof raw !== 'string' || raw.trim() === '') return undefined;
  const value = raw.trim();
  if (/^data:image\/(png|jpe?g|gif|webp|avif);/i.test(value)) return value;
  try {
    const url = new URL(value, base);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}
