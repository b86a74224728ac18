// Opens the best available store. IndexedDB when present and working; otherwise, or when
// it later fails (quota, private mode, a closed connection), memory — with one warning,
// never a crash (the way transformers.js utils/cache.js degrades).
import type { HistoryEvent } from '../protocol.ts';
import { IdbStore } from './idb-store.ts';
import { MemoryStore } from './memory-store.ts';
import type { CatalogSnapshot, NewEvent, StorageKind, Store, StoredItem, UserStateRecord, WarmIndexRecord } from './types.ts';

export interface OpenStoreOptions {
  dbName: string;
  storage?: 'auto' | 'indexeddb' | 'memory';
  warn?: (message: string) => void;
}

export async function openStore(opts: OpenStoreOptions): Promise<Store> {
  const warn = opts.warn ?? ((m: string) => console.warn(m));
  const mode = opts.storage ?? 'auto';
  if (mode === 'memory') return new MemoryStore();
  if (typeof globalThis.indexedDB === 'undefined' || globalThis.indexedDB === null) {
    if (mode === 'indexeddb') warn('hllm: IndexedDB is not available here; keeping vectors and history in memory for this session.');
    return new MemoryStore();
  }
  let onBlocked!: () => void;
  const blocked = new Promise<never>((_, reject) => {
    onBlocked = () => reject(new DOMException('another tab keeps an older version of the database open', 'BlockedError'));
  });
  const opening = IdbStore.open(opts.dbName, { blocked: onBlocked });
  try {
    return new ResilientStore(await Promise.race([opening, blocked]), warn);
  } catch (e) {
    // If the blocked open succeeds later, nobody uses it: close it so it blocks no one.
    opening.then((s) => s.close(), () => undefined);
    warn(`hllm: IndexedDB could not be opened (${describe(e)}); keeping vectors and history in memory for this session.`);
    return new MemoryStore();
  }
}

function describe(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

/** Delegates to IndexedDB until an operation fails, then moves to memory for good. */
export class ResilientStore implements Store {
  private inner: Store;
  private degraded = false;

  constructor(primary: Store, private readonly warn: (m: string) => void) {
    this.inner = primary;
  }

  get kind(): StorageKind {
    return this.inner.kind;
  }

  private async run<T>(op: (s: Store) => Promise<T>): Promise<T> {
    try {
      return await op(this.inner);
    } catch (e) {
      if (this.degraded) throw e;
      await this.degrade(e);
      return op(this.inner);
    }
  }

  private async degrade(cause: unknown): Promise<void> {
    this.degraded = true;
    this.warn(`hllm: IndexedDB failed (${describe(cause)}); continuing in memory. Changes from now on are not saved.`);
    const old = this.inner;
    const mem = new MemoryStore();
    // Reads usually still work after a quota error: carry what we can.
    try {
      await mem.replaceItems(await old.getItems());
      const cat = await old.getCatalog();
      if (cat) await mem.putCatalog(cat);
      for (const e of await old.getEvents()) await mem.appendEvent(e);
    } catch {
      /* the old store is unreadable too; start empty */
    }
    this.inner = mem;
    old.close().catch(() => undefined);
  }

  getCatalog(): Promise<CatalogSnapshot | null> { return this.run((s) => s.getCatalog()); }
  putCatalog(c: CatalogSnapshot): Promise<void> { return this.run((s) => s.putCatalog(c)); }
  getItems(): Promise<StoredItem[]> { return this.run((s) => s.getItems()); }
  // The warm index is only a cache: failing to read or write it never moves the store to memory.
  async getWarmIndex(): Promise<WarmIndexRecord | undefined> {
    try { return await this.inner.getWarmIndex(); } catch (e) { this.warn(`hllm: the stored catalogue index could not be read (${describe(e)}); rebuilding it.`); return undefined; }
  }
  async putWarmIndex(r: WarmIndexRecord | null): Promise<void> {
    try { await this.inner.putWarmIndex(r); } catch (e) {
      this.warn(`hllm: the catalogue index could not be stored (${describe(e)}); the next start parses the catalogue again.`);
      await this.inner.putWarmIndex(null).catch(() => undefined);
    }
  }
  // The User LLM state is a cache too, but deleting it (forget, import) must not silently fail:
  // its digests name the history's items.
  async getUserState(): Promise<UserStateRecord | undefined> {
    try { return await this.inner.getUserState(); } catch (e) { this.warn(`hllm: the stored user state could not be read (${describe(e)}); the history is read again.`); return undefined; }
  }
  async putUserState(r: UserStateRecord | null): Promise<void> {
    if (!r) return this.run((s) => s.putUserState(null));
    try { await this.inner.putUserState(r); } catch (e) {
      this.warn(`hllm: the user state could not be stored (${describe(e)}); the next start reads the history again.`);
      await this.inner.putUserState(null).catch(() => undefined);
    }
  }
  replaceItems(items: StoredItem[]): Promise<void> { return this.run((s) => s.replaceItems(items)); }
  getVectors(m: string, t: string[]): Promise<Map<string, Float32Array>> { return this.run((s) => s.getVectors(m, t)); }
  putVectors(m: string, e: Array<[string, Float32Array]>): Promise<void> { return this.run((s) => s.putVectors(m, e)); }
  deleteVectors(m: string, t: string[]): Promise<number> { return this.run((s) => s.deleteVectors(m, t)); }
  deleteVectorsExcept(m: string): Promise<number> { return this.run((s) => s.deleteVectorsExcept(m)); }
  countVectors(): Promise<number> { return this.run((s) => s.countVectors()); }
  getShard(m: string, s: string): Promise<Uint8Array | undefined> { return this.run((x) => x.getShard(m, s)); }
  putShard(m: string, s: string, b: Uint8Array): Promise<void> { return this.run((x) => x.putShard(m, s, b)); }
  deleteShardsExcept(m: string, keep: readonly string[]): Promise<number> { return this.run((x) => x.deleteShardsExcept(m, keep)); }
  listShards(): Promise<Array<{ modelKey: string; sha256: string }>> { return this.run((x) => x.listShards()); }
  getVectorManifest(u: string): Promise<string | undefined> { return this.run((x) => x.getVectorManifest(u)); }
  putVectorManifest(u: string, t: string): Promise<void> { return this.run((x) => x.putVectorManifest(u, t)); }
  appendEvent(e: NewEvent): Promise<HistoryEvent> { return this.run((s) => s.appendEvent(e)); }
  appendEvents(e: NewEvent[]): Promise<HistoryEvent[]> { return this.run((s) => s.appendEvents(e)); }
  replaceEvents(e: NewEvent[]): Promise<HistoryEvent[]> { return this.run((s) => s.replaceEvents(e)); }
  getEvents(): Promise<HistoryEvent[]> { return this.run((s) => s.getEvents()); }
  deleteEvents(ids: string[] | 'all'): Promise<number> { return this.run((s) => s.deleteEvents(ids)); }
  close(): Promise<void> { return this.inner.close(); }
}
