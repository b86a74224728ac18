// The ONLY module that imports @huggingface/tokenizers (the transformers.js family's
// tokenizer). It turns item text into the item encoder's token ids exactly as
// docs/model-format.md says: [bos] + encode(text, no special tokens), truncated to
// max_text_tokens, then the item token.
import { Tokenizer } from '@huggingface/tokenizers';
import { HllmError } from '../../errors.ts';
import type { Manifest } from './manifest.ts';

export interface ItemTokenizer {
  /** Raw ids of `text`, no special tokens. */
  encode(text: string): number[];
  /** The item encoder's row for `text`: bos + ids, truncated, + item token. */
  itemIds(text: string): number[];
  readonly vocabSize: number;
}

export function createItemTokenizer(tokenizerJson: unknown, tokenizerConfig: unknown, m: Pick<Manifest, 'bos_token_id' | 'item_token_id' | 'max_text_tokens'>): ItemTokenizer {
  let tok: Tokenizer;
  try {
    tok = new Tokenizer(tokenizerJson as object, (tokenizerConfig ?? {}) as object);
  } catch (e) {
    throw new HllmError('MODEL_FORMAT', `tokenizer.json could not be loaded: ${(e as Error).message}. It must be in Hugging Face tokenizers format.`);
  }
  const vocabSize = tok.get_vocab(true).size;
  const encode = (text: string) => tok.encode(text, { add_special_tokens: false }).ids;
  return {
    vocabSize,
    encode,
    itemIds(text) {
      const ids = [m.bos_token_id, ...encode(text)].slice(0, m.max_text_tokens);
      ids.push(m.item_token_id);
      return ids;
    },
  };
}
