// Builds an item's text exactly as docs/model-format.md specifies, byte for byte the
// same as the Python pipeline: prompt + separator.join(template(key, value)) over the
// manifest's text_fields, skipping empty values.
// Imports: protocol and manifest types. Pure.
import type { CatalogItem, FieldValue } from '../protocol.ts';
import type { Manifest } from './manifest.ts';

/** Python's str.strip() whitespace set (str.isspace), which differs from JS trim(). */
const PY_WS = '\t\n\u000b\u000c\r\u001c\u001d\u001e\u001f \u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000';
const WS = new Set(PY_WS);

/** Python's str.strip(): no \uFEFF, but the \x1c–\x1f separators and \x85. */
export function pyStrip(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && WS.has(s[a]!)) a++;
  while (b > a && WS.has(s[b - 1]!)) b--;
  return s.slice(a, b);
}

/** A field value as a string: numbers via String(n), arrays joined with ", ". */
export function fieldString(v: FieldValue): string {
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return v.map((x) => String(x)).join(', ');
  return String(v);
}

export type TextSpec = Pick<Manifest, 'prompt' | 'text_fields' | 'field_template' | 'field_separator'>;

export function buildItemText(item: CatalogItem, spec: TextSpec): string {
  const parts: string[] = [];
  for (const key of spec.text_fields) {
    const value = pyStrip(fieldString(item[key]));
    if (value === '') continue;
    // split/join, not replace(): a '$' in a value must not act as a replacement pattern.
    parts.push(spec.field_template.split('{key}').join(key).split('{value}').join(value));
  }
  return spec.prompt + parts.join(spec.field_separator);
}
