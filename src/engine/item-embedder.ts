// Item encoding without an engine: loads and verifies a model folder on ONNX Runtime's WASM
// backend and encodes batches of catalogue items with the engine's own code (model-loader,
// tokenizer, sessions, encoders, catalog-index.prepareItems), so a vector built here equals
// the one the browser engine would compute and store. Used by `hllm embed` and `hllm eval`.
// Never ORT directly.
import { detectCapabilities } from '../env.ts';
import { HllmError } from '../errors.ts';
import type { CatalogItem, Dtype, DtypeOption, Progress } from '../protocol.ts';
import { planBackend } from './model/backend-policy.ts';
import { prepareItems, type PreparedItem } from './index/catalog-index.ts';
import { encodeItemRows, encodeUsers, lengthBuckets } from './model/encoders.ts';
import { defaultFetcher, type Fetcher } from '../io/fetcher.ts';
import type { Manifest } from './model/manifest.ts';
import { fetchManifest, fetchModelFiles, type ModelFiles } from './model/model-loader.ts';
import type { OnnxModel } from './model/ort-backend.ts';
import { openOn } from './model/sessions.ts';
import { createItemTokenizer, type ItemTokenizer } from './model/tokenizer.ts';

export interface ItemEmbedderOptions {
  /** Model folder (path or URL) holding hllm.json. */
  model: string;
  /** Item-encoder variant; 'auto' picks what the engine picks on WASM (backend-policy.ts). */
  dtype?: DtypeOption;
  threads?: number;
  batchSize?: number;
  fetcher?: Fetcher;
  onProgress?: (p: Progress) => void;
}

/**
 * A verified model folder's item and user encoders on WASM.
 *
 * @example
 * ```ts
 * const emb = await ItemEmbedder.open({ model: 'public/models/default' });
 * const prepared = await emb.prepare(items);
 * const vectors = await emb.encode(prepared.slice(0, 64)); // 64 × emb.dim
 * await emb.release();
 * ```
 */
export class ItemEmbedder {
  /** item_encoder runs and items encoded since open(). */
  readonly counters = { encoderCalls: 0, itemsEncoded: 0 };

  private constructor(
    readonly manifest: Manifest,
    readonly dtype: Dtype,
    /** The engine's vector cache key for this model and dtype (model-loader.ts). */
    readonly modelKey: string,
    /** Why this dtype, as the engine would say it. */
    readonly reason: string,
    private readonly tok: ItemTokenizer,
    private files: ModelFiles | null,
    private readonly threads: number,
    private readonly batchSize: number,
  ) {}

  /** Sessions open on first use: an up-to-date shard set (nothing to encode) never loads ORT. */
  private sessions: Promise<{ item: OnnxModel; user: OnnxModel }> | null = null;
  private models(): Promise<{ item: OnnxModel; user: OnnxModel }> {
    if (!this.sessions) {
      // ORT copies the graph bytes into its heap: drop ours so a big model is not held twice.
      const files = this.files!;
      this.files = null;
      this.sessions = openOn(files, 'wasm', this.threads);
    }
    return this.sessions;
  }

  static async open(o: ItemEmbedderOptions): Promise<ItemEmbedder> {
    const fetcher = o.fetcher ?? defaultFetcher;
    const manifest = await fetchManifest(o.model, fetcher);
    const plan = planBackend(manifest, await detectCapabilities(), 'wasm', o.dtype ?? 'auto');
    const files = await fetchModelFiles(o.model, manifest, plan.dtype, fetcher, o.onProgress, plan.backend);
    const tok = createItemTokenizer(files.tokenizerJson, files.tokenizerConfig, manifest);
    const threads = Math.max(1, Math.floor(o.threads ?? 1));
    return new ItemEmbedder(manifest, plan.dtype, files.modelKey, plan.reason, tok, files, threads, Math.max(1, o.batchSize ?? 32));
  }

  get dim(): number {
    return this.manifest.dim;
  }

  /** Each item's text and text sha256, exactly as the engine builds them. */
  prepare(items: CatalogItem[]): Promise<PreparedItem[]> {
    return prepareItems(items, this.manifest);
  }

  /**
   * The batches encode() runs for `items` (indices into it; one item_encoder call each, in
   * that order). Encoding each batch alone, in another embedder of the same model, dtype and
   * batch size, gives the same bytes: the same padded tensor (src/cli/encode-pool.ts).
   */
  batches(items: readonly PreparedItem[]): number[][] {
    return lengthBuckets(items.map((p) => this.tok.itemIds(p.text)), this.batchSize);
  }

  /** Raw item vectors (rows × dim, in the order of `items`). */
  async encode(items: readonly PreparedItem[], onProgress?: (p: Progress) => void, signal?: AbortSignal): Promise<Float32Array> {
    if (items.length === 0) return new Float32Array(0);
    const rows = items.map((p) => this.tok.itemIds(p.text));
    const { item } = await this.models();
    return encodeItemRows(item, rows, {
      dim: this.dim, padId: this.manifest.pad_token_id, batchSize: this.batchSize, signal, onProgress,
      onCall: (n) => { this.counters.encoderCalls++; this.counters.itemsEncoded += n; },
    });
  }

  /** Raw user vector of a history of raw item vectors (oldest first), as engine.embedUser() computes it. */
  async embedUser(history: Float32Array[]): Promise<Float32Array> {
    if (history.length === 0) throw new HllmError('INVALID_OPTIONS', 'embedUser() needs at least one item vector.');
    const { user } = await this.models();
    return encodeUsers(user, [history], this.dim, this.manifest.max_history);
  }

  async release(): Promise<void> {
    const s = await this.sessions?.catch(() => null);
    if (s) await Promise.allSettled([s.item.release(), s.user.release()]);
  }
}
