// Encodes texts with a Hugging Face tokenizer.json for the Python pipeline, which cannot: Debian
// has no `tokenizers` package. It uses @huggingface/tokenizers exactly as the engine does
// (src/engine/model/tokenizer.ts: new Tokenizer(json, config), encode without special tokens), so the
// ids Python trains on and writes to golden.json are the ids the browser computes.
// Usage: node models/hf_tokenize.mjs job.json  (job: {tokenizer, config?, texts}; prints {ids, vocab_size})
import { readFileSync } from 'node:fs';
import { Tokenizer } from '@huggingface/tokenizers';

const job = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const json = JSON.parse(readFileSync(job.tokenizer, 'utf8'));
const config = job.config ? JSON.parse(readFileSync(job.config, 'utf8')) : {};
const tok = new Tokenizer(json, config);
const ids = job.texts.map((t) => tok.encode(t, { add_special_tokens: false }).ids);
process.stdout.write(JSON.stringify({ ids, vocab_size: tok.get_vocab(true).size }));
