// Model files kept in Cache Storage, content-addressed by sha256 (two URLs or dtypes that share
// a file share one entry), and the record of which model folder uses which files. Exists only
// where `caches` does (browser pages and workers in a secure context); elsewhere
// openModelFiles() gives null and the engine downloads every visit, as Node reads files.
// Bytes are returned as stored: the caller checks their size and sha256 before use.
// Clean-up policy (claim()): each model folder URL names the files of the dtype it loads last;
// a file no folder names is deleted, and a folder not loaded for 60 days stops naming any.

/** The Cache Storage cache holding model files (tests open it to damage an entry). */
export const MODEL_FILES_CACHE = 'hllm-model-files-v1';
/** Cache keys must be http(s) URLs; this origin is never fetched. */
const KEY_ORIGIN = 'https://hllm-model-files.invalid';
const FILE_PREFIX = `${KEY_ORIGIN}/sha256/`;
const OWNER_PREFIX = `${KEY_ORIGIN}/folder/`;
const OWNER_MAX_AGE_MS = 60 * 24 * 3600 * 1000;

/** The cache key of a file's bytes (e2e specs damage an entry through it). */
export const modelFileKey = (sha256: string): string => `${FILE_PREFIX}${sha256}`;

interface OwnerRecord { shas: string[]; usedAt: number }

export interface ModelFileStore {
  /** The stored bytes of a file, or null when none is stored (or the read failed). */
  get(sha256: string): Promise<Uint8Array | null>;
  /** Whether a file is stored, without reading it. */
  has(sha256: string): Promise<boolean>;
  /** Stores a verified file; rejects (e.g. QuotaExceededError) when the browser refuses. */
  put(sha256: string, bytes: Uint8Array): Promise<void>;
  delete(sha256: string): Promise<void>;
  /**
   * Records that model folder `folder` uses `shas` (replacing what it used before), forgets
   * folders unused for 60 days, and deletes every stored file no folder uses; returns how many.
   * Called before downloading, so a second tab's clean-up never deletes files being fetched.
   */
  claim(folder: string, shas: readonly string[], now?: number): Promise<number>;
  /** quota − usage of this origin (navigator.storage.estimate()), or null when unknown. */
  spaceLeft(): Promise<number | null>;
}

/**
 * Opens the model-file cache, or null without Cache Storage (Node, insecure http pages, a
 * sandboxed frame that refuses it).
 *
 * @example
 * ```ts
 * const kept = await openModelFiles();
 * const bytes = await kept?.get(file.sha256); // check size + sha256 before use
 * ```
 */
export async function openModelFiles(): Promise<ModelFileStore | null> {
  const storage = (globalThis as { caches?: CacheStorage }).caches;
  if (!storage) return null;
  let cache: Cache;
  try {
    cache = await storage.open(MODEL_FILES_CACHE);
  } catch {
    return null;
  }
  const owners = async (): Promise<Map<string, OwnerRecord>> => {
    const out = new Map<string, OwnerRecord>();
    for (const req of await cache.keys()) {
      if (!req.url.startsWith(OWNER_PREFIX)) continue;
      const res = await cache.match(req);
      try {
        const r = (await res?.json()) as OwnerRecord;
        if (Array.isArray(r.shas) && typeof r.usedAt === 'number') out.set(req.url, r);
      } catch {
        out.set(req.url, { shas: [], usedAt: 0 }); // unreadable: names nothing, and is dropped below
      }
    }
    return out;
  };
  return {
    async get(sha256) {
      try {
        const res = await cache.match(modelFileKey(sha256));
        return res ? new Uint8Array(await res.arrayBuffer()) : null;
      } catch {
        return null;
      }
    },
    async has(sha256) {
      return (await cache.match(modelFileKey(sha256))) !== undefined;
    },
    async put(sha256, bytes) {
      await cache.put(modelFileKey(sha256), new Response(bytes as BlobPart, { headers: { 'content-type': 'application/octet-stream' } }));
    },
    async delete(sha256) {
      await cache.delete(modelFileKey(sha256));
    },
    async claim(folder, shas, now = Date.now()) {
      const key = `${OWNER_PREFIX}${encodeURIComponent(folder)}`;
      await cache.put(key, new Response(JSON.stringify({ shas: [...shas], usedAt: now } satisfies OwnerRecord), { headers: { 'content-type': 'application/json' } }));
      const used = new Set<string>();
      for (const [k, r] of await owners()) {
        if (k !== key && now - r.usedAt > OWNER_MAX_AGE_MS) await cache.delete(k);
        else for (const s of r.shas) used.add(s);
      }
      let deleted = 0;
      for (const req of await cache.keys()) {
        if (req.url.startsWith(FILE_PREFIX) && !used.has(req.url.slice(FILE_PREFIX.length))) {
          if (await cache.delete(req)) deleted++;
        }
      }
      return deleted;
    },
    async spaceLeft() {
      const s = (globalThis as { navigator?: { storage?: StorageManager } }).navigator?.storage;
      if (!s?.estimate) return null;
      try {
        const { quota, usage } = await s.estimate();
        return quota === undefined ? null : Math.max(0, quota - (usage ?? 0));
      } catch {
        return null;
      }
    },
  };
}
