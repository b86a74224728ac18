// Builds an item's text exactly as docs/model-format.md specifies, byte for byte the
// same as the Python pipeline: prompt + separator.join(template(key, value)) over the
// manifest's text_fields, skipping empty values.
// Pure.
import type { CatalogItem, FieldValue } from '../../protocol.ts';
import type { Manifest } from '../model/manifest.ts';

/** Python's str.strip() whitespace set (str.isspace), which differs from JS trim(). */
const PY_WS = '\t\n\u000b\u000c\r\u001c\u001d\u001e\u001f \u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000';
const WS = new Set(PY_WS);

/** Python's str.strip(): no \uFEFF, but the \x1c–\x1f separators and \x85. */
export function pyStrip(s: string): string {
  const n = s.length;
  // Most values start and end with a visible ASCII character: nothing to strip.
  if (n === 0 || (isPlain(s.charCodeAt(0)) && isPlain(s.charCodeAt(n - 1)))) return s;
  let a = 0;
  let b = n;
  while (a < b && WS.has(s[a]!)) a++;
  while (b > a && WS.has(s[b - 1]!)) b--;
  return s.slice(a, b);
}

/** A code unit that is never Python whitespace: visible ASCII (0x21–0x7e). */
const isPlain = (c: number): boolean => c > 0x20 && c < 0x7f;

/** A field value as a string: numbers via String(n), arrays joined with ", ". */
export function fieldString(v: FieldValue): string {
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return v.map((x) => String(x)).join(', ');
  return String(v);
}

export type TextSpec = Pick<Manifest, 'prompt' | 'text_fields' | 'field_template' | 'field_separator'>;

/** Per text field: the template with its key filled in, split at '{value}' (filled in per item). */
type Compiled = Array<{ key: string; pieces: string[] }>;
const compiled = new WeakMap<TextSpec, Compiled>();

function compile(spec: TextSpec): Compiled {
  let c = compiled.get(spec);
  if (!c) {
    // Keys first, then values, as the Python pipeline's str.replace order; split/join, not
    // replace(): a '$' must not act as a replacement pattern.
    c = spec.text_fields.map((key) => ({ key, pieces: spec.field_template.split('{key}').join(key).split('{value}') }));
    compiled.set(spec, c);
  }
  return c;
}

export function buildItemText(item: CatalogItem, spec: TextSpec): string {
  let out = '';
  let first = true;
  for (const { key, pieces } of compile(spec)) {
    const value = pyStrip(fieldString(item[key]));
    if (value === '') continue;
    if (!first) out += spec.field_separator;
    first = false;
    out += pieces.length === 2 ? pieces[0]! + value + pieces[1]! : pieces.join(value);
  }
  return spec.prompt + out;
}
