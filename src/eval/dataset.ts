// Loads a data set in HLLM's CSV layout and splits it leave-one-out, exactly as
// models/dataset.py does (the reference): item index 0 is padding, catalogue items are
// 1..N in items.csv order, each user's events are stably sorted by timestamp (ties keep
// file order), users keep their order of first appearance.
// Used by the eval CLI and its parity test only.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Papa from 'papaparse';
import { pyStrip } from '../engine/catalog/text-builder.ts';

export interface EvalDataset {
  /** index → external item id; '' at index 0 (padding). */
  itemIds: string[];
  /** index → { field: stripped text }; {} at index 0. */
  items: Record<string, string>[];
  /** items.csv columns except item_id, in header order. */
  fields: string[];
  users: string[];
  /** Per user: item indices, oldest first. */
  seqs: number[][];
  /** Interactions naming an item missing from items.csv (skipped, as in Python). */
  missing: number;
}

export interface Pair {
  user: number;
  history: number[];
  target: number;
}

function parse(path: string): { fields: string[]; rows: Record<string, string>[] } {
  const text = readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
  const res = Papa.parse<Record<string, string>>(text, { header: true, skipEmptyLines: true });
  const bad = res.errors.find((e) => e.type !== 'FieldMismatch');
  if (bad) throw new Error(`${path} row ${bad.row ?? '?'}: ${bad.message}`);
  return { fields: res.meta.fields ?? [], rows: res.data };
}

const strip = (s: string | undefined) => pyStrip(s ?? '');

export function loadDataset(folder: string): EvalDataset {
  const itemsCsv = parse(join(folder, 'items.csv'));
  if (!itemsCsv.fields.includes('item_id')) throw new Error(`${folder}/items.csv has no item_id column`);
  const fields = itemsCsv.fields.filter((f) => f !== 'item_id');
  const itemIds = [''];
  const items: Record<string, string>[] = [{}];
  for (const row of itemsCsv.rows) {
    itemIds.push(row.item_id ?? '');
    items.push(Object.fromEntries(fields.map((k) => [k, strip(row[k])])));
  }
  const index = new Map<string, number>();
  itemIds.forEach((id, i) => { if (i > 0) index.set(id, i); });
  if (index.size !== itemIds.length - 1) throw new Error(`${folder}/items.csv: duplicate item_id values`);

  const inter = parse(join(folder, 'interactions.csv'));
  for (const c of ['item_id', 'user_id', 'timestamp']) if (!inter.fields.includes(c)) throw new Error(`${folder}/interactions.csv has no ${c} column`);
  const perUser = new Map<string, Array<[number, number]>>();
  let missing = 0;
  for (const row of inter.rows) {
    const i = index.get(row.item_id ?? '');
    if (i === undefined) { missing++; continue; }
    const u = row.user_id ?? '';
    let list = perUser.get(u);
    if (!list) perUser.set(u, (list = []));
    list.push([Number(row.timestamp), i]);
  }
  const users = [...perUser.keys()];
  // Array.prototype.sort is stable (ES2019), like Python's sorted(): ties keep file order.
  const seqs = users.map((u) => perUser.get(u)!.slice().sort((a, b) => a[0] - b[0]).map((e) => e[1]));
  return { itemIds, items, fields, users, seqs, missing };
}

/** Training sequences: all but the last two items, users with ≥ 4 events (dataset.py). */
export function trainSplit(ds: EvalDataset): number[][] {
  return ds.seqs.filter((s) => s.length >= 4).map((s) => s.slice(0, -2));
}

/**
 * Pair sets: test = (all but the last item → the last), valid = (all but the last two → the
 * second to last), users with ≥ 3 events (dataset.py); last10 = each user's last 10
 * positions as targets (history = everything before, ≥ 2 items), user-major. last10's earlier
 * targets were training targets, so its absolute metrics are optimistic; it exists to compare
 * two variants of one model on 10× the pairs (bench/int8-quality.ts).
 */
export type PairSet = 'test' | 'valid' | 'last10';
export const PAIR_SETS: readonly PairSet[] = ['test', 'valid', 'last10'];

export function pairsFor(ds: EvalDataset, part: PairSet): Pair[] {
  const out: Pair[] = [];
  ds.seqs.forEach((s, user) => {
    if (part !== 'last10') {
      const off = part === 'valid' ? 2 : 1;
      if (s.length >= 3) out.push({ user, history: s.slice(0, -off), target: s[s.length - off]! });
    } else {
      for (let off = 1; off <= 10 && s.length - off >= 2; off++) out.push({ user, history: s.slice(0, -off), target: s[s.length - off]! });
    }
  });
  return out;
}
