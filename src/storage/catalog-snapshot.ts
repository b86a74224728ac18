// Reading a stored CatalogSnapshot (types.ts) back as plain arrays: for tests, tools and the
// schema migration's inverse. The engine itself diffs the packed form directly.
import type { CatalogSnapshot } from './types.ts';

/**
 * The snapshot's ids, in catalogue order.
 * @example
 * snapshotIds({ ids: 'ab', idEnds: new Uint32Array([1, 2]), textShas: new Uint8Array(64) }); // ['a', 'b']
 */
export function snapshotIds(s: CatalogSnapshot): string[] {
  const out = new Array<string>(s.idEnds.length);
  let a = 0;
  s.idEnds.forEach((b, i) => { out[i] = s.ids.slice(a, b); a = b; });
  return out;
}

/** The snapshot's text sha256s as lowercase hex, in catalogue order. */
export function snapshotShas(s: CatalogSnapshot): string[] {
  const out = new Array<string>(s.idEnds.length);
  for (let i = 0; i < out.length; i++) {
    let h = '';
    for (let b = 0; b < 32; b++) h += s.textShas[i * 32 + b]!.toString(16).padStart(2, '0');
    out[i] = h;
  }
  return out;
}
