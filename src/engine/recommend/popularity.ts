// Popularity of the catalogue rows for popular() and the 'popular' fallback: from a numeric
// catalogue field (EngineOptions.popularityField, wins) or else from the interaction counts a
// model folder ships (hllm.json file of role 'popularity'). Score = value / the catalogue's
// largest value, in [0, 1]; rows are ordered by it, ties lower row first.
// Pure.
import { HllmError } from '../../errors.ts';
import type { CatalogItem } from '../../protocol.ts';
import type { Ranked } from './rules.ts';

export class Popularity {
  constructor(
    /** Normalised popularity per row. */
    readonly scores: Float64Array,
    /** Rows, most popular first. */
    readonly order: Int32Array,
    /** Where the numbers came from, for messages. */
    readonly source: 'field' | 'model',
  ) {}

  /** The best n unmasked rows: the walker's RankSource over popularity. */
  top(n: number, masked?: Uint8Array): Ranked[] {
    const out: Ranked[] = [];
    for (let i = 0; i < this.order.length && out.length < n; i++) {
      const r = this.order[i]!;
      if (!masked || !masked[r]) out.push({ index: r, score: this.scores[r]! });
    }
    return out;
  }
}

const numberOf = (v: unknown): number => {
  const x = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(x) && x > 0 ? x : 0;
};

/**
 * Builds the popularity of `size` rows, or null when there is neither a field nor counts.
 * A field that no item holds as a number rejects with NO_POPULARITY.
 */
function buildPopularity(size: number, itemOf: (row: number) => CatalogItem, idOf: (row: number) => string, field: string | undefined, counts: Record<string, number> | null): Popularity | null {
  if (field === undefined && !counts) return null;
  const raw = new Float64Array(size);
  let max = 0;
  let seen = false;
  for (let r = 0; r < size; r++) {
    if (field !== undefined) {
      const v = itemOf(r)[field];
      if (typeof v === 'number' || (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)))) seen = true;
      raw[r] = numberOf(v);
    } else {
      raw[r] = numberOf(counts![idOf(r)]);
    }
    if (raw[r]! > max) max = raw[r]!;
  }
  if (field !== undefined && !seen && size > 0) {
    throw new HllmError('NO_POPULARITY', `no catalogue item has a number in popularityField '${field}'; set popularityField to a numeric field of the catalogue (e.g. sales counts).`, { field });
  }
  const scores = raw.map((x) => (max > 0 ? x / max : 0));
  const order = Int32Array.from({ length: size }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);
  return new Popularity(scores, order, field !== undefined ? 'field' : 'model');
}

/**
 * The popularity of the current catalogue, built once per catalogue index, and the one warning
 * that the 'popular' fallback has nothing to fill with.
 *
 * @example
 * ```ts
 * const pop = new PopularitySource('plays', null, console.warn);
 * pop.of(index); // Popularity | null
 * ```
 */
export class PopularitySource {
  private last: { index: unknown; pop: Popularity | null } | null = null;
  private warned = false;

  constructor(private readonly field: string | undefined, private readonly counts: Record<string, number> | null, private readonly warn: (m: string) => void) {}

  of(index: { size: number; item(row: number): CatalogItem; id(row: number): string }): Popularity | null {
    if (this.last?.index !== index) this.last = { index, pop: buildPopularity(index.size, (r) => index.item(r), (r) => index.id(r), this.field, this.counts) };
    return this.last.pop;
  }

  warnEmpty(): void {
    if (this.warned) return;
    this.warned = true;
    this.warn("hllm: fallback 'popular' has no popularity to fill with; set popularityField or use a model folder that ships interaction counts. Rows stay short.");
  }
}
