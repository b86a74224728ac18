// startModel() hands the engine its sessions and the model's metadata, not the weight bytes:
// ONNX Runtime has its own copy, and the engine keeps what startModel returns for its life.
import { describe, expect, it } from 'vitest';
import { defaultFetcher } from '../../io/fetcher.ts';
import { stepTimer } from '../step-timer.ts';
import { encodeItemRows } from './encoders.ts';
import { startModel } from './model-start.ts';

describe('startModel', () => {
  it('returns open sessions and drops the encoder bytes it read', async () => {
    const started = await startModel({ model: 'public/models/default', catalog: [], backend: 'wasm', dtype: 'q4' }, defaultFetcher, stepTimer());
    try {
      const { files, sessions, tok, manifest } = started;
      expect([files.itemEncoder.byteLength, files.userEncoder.byteLength, files.itemExternalData.length, files.userExternalData.length]).toEqual([0, 0, 0, 0]);
      // what the engine reads from `files` afterwards is all there
      expect(files.modelKey).toMatch(/^[0-9a-f]{64}$/);
      expect(files.dtype).toBe('q4');
      expect(files.userEncoderSha256).toBe(manifest.files.find((f) => f.path === 'onnx/user_encoder_q4.onnx')!.sha256);
      const v = await encodeItemRows(sessions.item, [tok.itemIds('title: Toy Story')], { dim: manifest.dim, padId: manifest.pad_token_id, batchSize: 1 });
      expect(v).toHaveLength(manifest.dim);
      expect(Math.hypot(...v)).toBeGreaterThan(0);
    } finally {
      await Promise.all([started.sessions.item.release(), started.sessions.user.release()]);
    }
  }, 60_000);
});
