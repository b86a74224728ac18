// Store kept in memory: Node without IndexedDB, storage: 'memory', or the fallback when
// IndexedDB is unavailable (private mode, quota). Same semantics as IdbStore.
import type { HistoryEvent } from '../protocol.ts';
import type { CatalogSnapshot, NewEvent, Store, StoredItem, UserStateRecord, WarmIndexRecord } from './types.ts';

export class MemoryStore implements Store {
  private userState: UserStateRecord | undefined;
  readonly kind = 'memory' as const;
  private items: StoredItem[] = [];
  private catalog: CatalogSnapshot | null = null;
  private warm: WarmIndexRecord | null = null;
  private readonly vectors = new Map<string, Float32Array>();
  private readonly shards = new Map<string, { modelKey: string; sha256: string; bytes: Uint8Array }>();
  private readonly manifests = new Map<string, string>();
  private events: HistoryEvent[] = [];
  private nextSeq = 1;

  async getCatalog(): Promise<CatalogSnapshot | null> {
    const c = this.catalog;
    // Copies, as IndexedDB's structured clone gives: a caller cannot change what is stored.
    return c ? { ids: c.ids, idEnds: c.idEnds.slice(), textShas: c.textShas.slice() } : null;
  }
  async putCatalog(s: CatalogSnapshot): Promise<void> {
    this.catalog = { ids: s.ids, idEnds: s.idEnds.slice(), textShas: s.textShas.slice() };
  }
  async getWarmIndex(): Promise<WarmIndexRecord | undefined> {
    // By reference: the engine never mutates a record, and a 1M-row copy would double its memory.
    return this.warm ?? undefined;
  }
  async putWarmIndex(record: WarmIndexRecord | null): Promise<void> {
    this.warm = record;
  }
  async getItems(): Promise<StoredItem[]> {
    return [...this.items].sort((a, b) => a.order - b.order);
  }
  async replaceItems(items: StoredItem[]): Promise<void> {
    this.items = items.map((i) => ({ ...i }));
  }
  async getVectors(modelSha: string, textShas: string[]): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    for (const t of textShas) {
      const v = this.vectors.get(`${modelSha}\u0000${t}`);
      if (v) out.set(t, v.slice());
    }
    return out;
  }
  async putVectors(modelSha: string, entries: Array<[string, Float32Array]>): Promise<void> {
    for (const [t, v] of entries) this.vectors.set(`${modelSha}\u0000${t}`, v.slice());
  }
  async deleteVectors(modelSha: string, textShas: string[]): Promise<number> {
    let n = 0;
    for (const t of textShas) if (this.vectors.delete(`${modelSha}\u0000${t}`)) n++;
    return n;
  }
  async deleteVectorsExcept(modelSha: string): Promise<number> {
    let n = 0;
    for (const k of [...this.vectors.keys()]) {
      if (!k.startsWith(`${modelSha}\u0000`) && this.vectors.delete(k)) n++;
    }
    return n;
  }
  async countVectors(): Promise<number> {
    return this.vectors.size;
  }
  async getShard(modelKey: string, sha256: string): Promise<Uint8Array | undefined> {
    return this.shards.get(`${modelKey}\u0000${sha256}`)?.bytes;
  }
  async putShard(modelKey: string, sha256: string, bytes: Uint8Array): Promise<void> {
    // Kept by reference, not copied: shards are never mutated, and a copy would double a big set's memory.
    this.shards.set(`${modelKey}\u0000${sha256}`, { modelKey, sha256, bytes });
  }
  async deleteShardsExcept(modelKey: string, keep: readonly string[]): Promise<number> {
    const keepSet = new Set(keep);
    let n = 0;
    for (const [k, s] of [...this.shards]) if (s.modelKey !== modelKey || !keepSet.has(s.sha256)) { this.shards.delete(k); n++; }
    return n;
  }
  async listShards(): Promise<Array<{ modelKey: string; sha256: string }>> {
    return [...this.shards.values()].map(({ modelKey, sha256 }) => ({ modelKey, sha256 }));
  }
  async getVectorManifest(url: string): Promise<string | undefined> {
    return this.manifests.get(url);
  }
  async putVectorManifest(url: string, text: string): Promise<void> {
    this.manifests.set(url, text);
  }
  async getUserState(): Promise<UserStateRecord | undefined> {
    return this.userState;
  }
  async putUserState(record: UserStateRecord | null): Promise<void> {
    this.userState = record ?? undefined;
  }
  async appendEvent(event: NewEvent): Promise<HistoryEvent> {
    const e = { seq: this.nextSeq++, ...event };
    this.events.push(e);
    return { ...e };
  }
  async appendEvents(events: NewEvent[]): Promise<HistoryEvent[]> {
    const added = events.map((e) => ({ seq: this.nextSeq++, itemId: e.itemId, type: e.type, at: e.at }));
    this.events = [...this.events, ...added];
    return added.map((e) => ({ ...e }));
  }
  async replaceEvents(events: NewEvent[]): Promise<HistoryEvent[]> {
    // Built aside and swapped in: nothing in between can leave a half-written history.
    const next = events.map((e) => ({ seq: this.nextSeq++, itemId: e.itemId, type: e.type, at: e.at }));
    this.events = next;
    return next.map((e) => ({ ...e }));
  }
  async getEvents(): Promise<HistoryEvent[]> {
    return this.events.map((e) => ({ ...e }));
  }
  async deleteEvents(itemIds: string[] | 'all'): Promise<number> {
    const before = this.events.length;
    if (itemIds === 'all') this.events = [];
    else {
      const drop = new Set(itemIds);
      this.events = this.events.filter((e) => !drop.has(e.itemId));
    }
    return before - this.events.length;
  }
  async close(): Promise<void> {}
}
