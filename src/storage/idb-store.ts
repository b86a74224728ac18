// Store backed by IndexedDB through idb (typed schema in schema.ts).
// Must not import ONNX or engine code.
import type { IDBPDatabase } from 'idb';
import type { HistoryEvent } from '../protocol.ts';
import { onBlocking, openHllmDB, type HllmDB, type WarmIndexRow } from './schema.ts';
import type { CatalogSnapshot, NewEvent, Store, StoredItem, UserStateRecord, WarmIndexRecord } from './types.ts';

/** The meta-store key of the User LLM state (one per database: the history is one too). */
const USER_STATE = 'user-state';

export class IdbStore implements Store {
  readonly kind = 'indexeddb' as const;
  private constructor(private readonly db: IDBPDatabase<HllmDB>) {}

  static async open(name: string, hooks: { blocked?: () => void } = {}): Promise<IdbStore> {
    const db = await openHllmDB(name, undefined, hooks);
    onBlocking(name, () => db.close());
    return new IdbStore(db);
  }

  async getCatalog(): Promise<CatalogSnapshot | null> {
    const row = await this.db.get('catalog', 'current');
    return row ? { ids: row.ids, idEnds: row.idEnds, textShas: row.textShas } : null;
  }

  async getWarmIndex(): Promise<WarmIndexRecord | undefined> {
    const row = await this.db.get('catalog', 'warm');
    if (!row || row.key !== 'warm') return undefined;
    const { key: _key, ...record } = row as WarmIndexRow;
    return record;
  }

  async putWarmIndex(record: WarmIndexRecord | null): Promise<void> {
    // Its own transaction: a quota error here loses only the cache, never the snapshot or history.
    if (record) await this.db.put('catalog', { ...record, key: 'warm' });
    else await this.db.delete('catalog', 'warm');
  }

  async putCatalog(s: CatalogSnapshot): Promise<void> {
    await this.db.put('catalog', { key: 'current', ids: s.ids, idEnds: s.idEnds, textShas: s.textShas });
  }

  async getItems(): Promise<StoredItem[]> {
    const rows = await this.db.getAll('items');
    return rows.sort((a, b) => a.order - b.order);
  }

  async replaceItems(items: StoredItem[]): Promise<void> {
    const tx = this.db.transaction('items', 'readwrite');
    const keep = new Set(items.map((i) => i.id));
    const existing = await tx.store.getAllKeys();
    await Promise.all([
      ...existing.filter((k) => !keep.has(k)).map((k) => tx.store.delete(k)),
      ...items.map((i) => tx.store.put({ id: i.id, item: i.item, textSha256: i.textSha256, order: i.order })),
    ]);
    await tx.done;
  }

  async getVectors(modelSha: string, textShas: string[]): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    const tx = this.db.transaction('vectors', 'readonly');
    const rows = await Promise.all(textShas.map((t) => tx.store.get([modelSha, t])));
    await tx.done;
    rows.forEach((r, i) => {
      if (r) out.set(textShas[i]!, r.vector);
    });
    return out;
  }

  async putVectors(modelSha: string, entries: Array<[string, Float32Array]>): Promise<void> {
    if (entries.length === 0) return;
    const tx = this.db.transaction('vectors', 'readwrite');
    await Promise.all(entries.map(([t, v]) => tx.store.put({ modelSha256: modelSha, textSha256: t, vector: v })));
    await tx.done;
  }

  async deleteVectors(modelSha: string, textShas: string[]): Promise<number> {
    if (textShas.length === 0) return 0;
    const tx = this.db.transaction('vectors', 'readwrite');
    const present = await Promise.all(textShas.map((t) => tx.store.count([modelSha, t])));
    await Promise.all(textShas.map((t) => tx.store.delete([modelSha, t])));
    await tx.done;
    return present.reduce((a, b) => a + b, 0);
  }

  async deleteVectorsExcept(modelSha: string): Promise<number> {
    // The byModel index holds model keys in order: the two open ranges on either side of
    // modelSha cover every other model without reading a single vector.
    const tx = this.db.transaction('vectors', 'readwrite');
    const byModel = tx.store.index('byModel');
    let n = 0;
    for (const range of [IDBKeyRange.upperBound(modelSha, true), IDBKeyRange.lowerBound(modelSha, true)]) {
      for (let c = await byModel.openKeyCursor(range); c; c = await c.continue()) {
        await tx.store.delete(c.primaryKey);
        n++;
      }
    }
    await tx.done;
    return n;
  }

  countVectors(): Promise<number> {
    return this.db.count('vectors');
  }

  async getShard(modelKey: string, sha256: string): Promise<Uint8Array | undefined> {
    const row = await this.db.get('shards', [modelKey, sha256]);
    return row ? new Uint8Array(row.bytes) : undefined;
  }

  async putShard(modelKey: string, sha256: string, bytes: Uint8Array): Promise<void> {
    // One transaction per shard: a quota error loses only that shard, never a stored one.
    const copy = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes.buffer as ArrayBuffer : bytes.slice().buffer;
    const tx = this.db.transaction('shards', 'readwrite');
    await tx.store.put({ modelKey, sha256, bytes: copy });
    await tx.done;
  }

  async deleteShardsExcept(modelKey: string, keep: readonly string[]): Promise<number> {
    const keepSet = new Set(keep);
    const tx = this.db.transaction('shards', 'readwrite');
    let n = 0;
    // Keys only: a shard's bytes are never read to be deleted.
    for (let c = await tx.store.openKeyCursor(); c; c = await c.continue()) {
      const [m, s] = c.primaryKey;
      if (m !== modelKey || !keepSet.has(s)) { await tx.store.delete(c.primaryKey); n++; }
    }
    await tx.done;
    return n;
  }

  async listShards(): Promise<Array<{ modelKey: string; sha256: string }>> {
    return (await this.db.getAllKeys('shards')).map(([modelKey, sha256]) => ({ modelKey, sha256 }));
  }

  async getVectorManifest(url: string): Promise<string | undefined> {
    const row = await this.db.get('meta', `vectors.json ${url}`);
    return typeof row?.value === 'string' ? row.value : undefined;
  }

  async putVectorManifest(url: string, text: string): Promise<void> {
    await this.db.put('meta', { key: `vectors.json ${url}`, value: text });
  }

  async getUserState(): Promise<UserStateRecord | undefined> {
    const row = await this.db.get('meta', USER_STATE);
    return (row?.value as UserStateRecord | undefined) ?? undefined;
  }

  async putUserState(record: UserStateRecord | null): Promise<void> {
    if (record) await this.db.put('meta', { key: USER_STATE, value: record });
    else await this.db.delete('meta', USER_STATE);
  }

  async appendEvent(event: NewEvent): Promise<HistoryEvent> {
    // Resolve only once the transaction has committed: a request's success comes before
    // the commit, and a tab closed in between would lose an event track() acknowledged.
    // 'strict' asks the browser to flush it to disk before reporting completion.
    const tx = this.db.transaction('events', 'readwrite', { durability: 'strict' });
    const seq = await tx.store.add({ itemId: event.itemId, type: event.type, at: event.at });
    await tx.done;
    return { seq, ...event };
  }

  async appendEvents(events: NewEvent[]): Promise<HistoryEvent[]> {
    return this.writeEvents(events, false);
  }

  async replaceEvents(events: NewEvent[]): Promise<HistoryEvent[]> {
    return this.writeEvents(events, true);
  }

  /** One transaction: a failed add aborts it, and with it the clear() before (nothing lost). */
  private async writeEvents(events: NewEvent[], clear: boolean): Promise<HistoryEvent[]> {
    const tx = this.db.transaction('events', 'readwrite', { durability: 'strict' });
    const adds: Promise<number>[] = [];
    const cleared = clear ? tx.store.clear() : Promise.resolve();
    try {
      for (const e of events) adds.push(tx.store.add({ itemId: e.itemId, type: e.type, at: e.at }));
    } catch (e) {
      // A request that throws when it is made (DataCloneError) does not abort the
      // transaction by itself: without this the clear() would commit and the history be gone.
      tx.abort();
      await Promise.allSettled([cleared, ...adds, tx.done]);
      throw e;
    }
    await cleared;
    const seqs = await Promise.all(adds);
    await tx.done;
    return events.map((e, i) => ({ seq: seqs[i]!, itemId: e.itemId, type: e.type, at: e.at }));
  }

  async getEvents(): Promise<HistoryEvent[]> {
    const rows = await this.db.getAll('events');
    return rows.map((r) => ({ seq: r.seq!, itemId: r.itemId, type: r.type, at: r.at }));
  }

  async deleteEvents(itemIds: string[] | 'all'): Promise<number> {
    const tx = this.db.transaction('events', 'readwrite');
    let n = 0;
    if (itemIds === 'all') {
      n = await tx.store.count();
      await tx.store.clear();
    } else {
      for (const id of new Set(itemIds)) {
        const keys = await tx.store.index('byItem').getAllKeys(id);
        n += keys.length;
        await Promise.all(keys.map((k) => tx.store.delete(k)));
      }
    }
    await tx.done;
    return n;
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
