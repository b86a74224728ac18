"""Write small pretrained-style checkpoints to disk, in the exact layouts real ones use.

For tests of models/import_checkpoint.py: a Hugging Face folder (config.json, weights,
tokenizer.json, tokenizer_config.json) with random weights under HF Llama's key names, in each
storage format the importer reads (safetensors F32/F16/BF16, sharded safetensors with an index,
pytorch_model.bin), and HLLM's released state dict (item_llm.*, user_llm.*, item_emb_tokens,
logit_scale). The safetensors writer here is independent of the reader in models/checkpoints.py,
so a mistake in one does not hide in the other.

Two tokenizer families, hand-built and tiny: the SentencePiece-style BPE with byte fallback of
Llama 2 / TinyLlama, and GPT-2-style byte-level BPE of SmolLM and Qwen2.
"""
import json
import os
import struct
from collections import Counter

import numpy as np
import torch

CORPUS = ("Compress the following sentence into embedding: title: The Shawshank Redemption tag: drama "
          "description: a quiet story about hope and friendship in the prison. title: Toy Story tag: "
          "animation comedy description: the toys come to life when nobody is there. the the the "
          "story stories title tag description embedding sentence following into").split()


# ---------------------------------------------------------------------------------------------
# weights
# ---------------------------------------------------------------------------------------------

def round_to(t, dtype):
    """The float32 values a tensor has after a round trip through a storage dtype."""
    return t.to(getattr(torch, {"F32": "float32", "F16": "float16", "BF16": "bfloat16"}[dtype])).float()


def write_safetensors(path, tensors, dtype="F32"):
    """Minimal safetensors writer: u64 LE header length, JSON header, raw little-endian data."""
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous()
        if dtype == "BF16":
            # bfloat16 = the top 16 bits of float32, rounded to nearest even (as torch does)
            raw = t.to(torch.bfloat16).view(torch.int16).numpy().astype("<i2").tobytes()
        elif dtype == "F16":
            raw = t.to(torch.float16).numpy().astype("<f2").tobytes()
        else:
            raw = t.float().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)  # the format pads the header to 8 bytes with spaces
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def llama_weights(cfg, seed, vocab_rows, prefix="", n_layers=None, lm_head=True, anisotropy=1.0):
    """A random HF LlamaForCausalLM state dict (float32) under `prefix`."""
    g = torch.Generator().manual_seed(seed)
    D, H, KV = cfg["hidden_size"], cfg["num_attention_heads"], cfg.get("num_key_value_heads", cfg["num_attention_heads"])
    hd, F = D // H, cfg["intermediate_size"]
    bias = cfg.get("attention_bias", False) or cfg.get("model_type") == "qwen2"
    r = lambda *s, std=0.08: torch.randn(*s, generator=g) * std
    # Pretrained embedding tables are anisotropic: rows share a common direction. Without it the
    # mean embedding (the item token's initial vector) would be ~0, and every bit of the item
    # embedding would come through 4-bit matmuls, a regime no trained model is in (q4 cosine 0.84
    # instead of 0.998 at these shapes).
    sd = {prefix + "model.embed_tokens.weight": r(vocab_rows, D, std=1.0) + r(D, std=anisotropy)}
    for i in range(n_layers or cfg["num_hidden_layers"]):
        p = f"{prefix}model.layers.{i}."
        sd[p + "input_layernorm.weight"] = 1 + r(D, std=0.1)
        sd[p + "post_attention_layernorm.weight"] = 1 + r(D, std=0.1)
        sd[p + "self_attn.q_proj.weight"] = r(H * hd, D, std=0.15)
        sd[p + "self_attn.k_proj.weight"] = r(KV * hd, D, std=0.15)
        sd[p + "self_attn.v_proj.weight"] = r(KV * hd, D)
        sd[p + "self_attn.o_proj.weight"] = r(D, H * hd)
        if bias:
            sd[p + "self_attn.q_proj.bias"] = r(H * hd, std=0.3)
            sd[p + "self_attn.k_proj.bias"] = r(KV * hd, std=0.3)
            sd[p + "self_attn.v_proj.bias"] = r(KV * hd, std=0.3)
        sd[p + "mlp.gate_proj.weight"] = r(F, D)
        sd[p + "mlp.up_proj.weight"] = r(F, D)
        sd[p + "mlp.down_proj.weight"] = r(D, F)
    sd[prefix + "model.norm.weight"] = 1 + r(D, std=0.1)
    if lm_head:
        sd[prefix + "lm_head.weight"] = r(vocab_rows, D)
    return sd


# ---------------------------------------------------------------------------------------------
# tokenizers
# ---------------------------------------------------------------------------------------------

def _bpe_merges(words, n_merges):
    """Plain BPE training on symbol lists; ties break on the pair, so the result is fixed."""
    words = Counter(tuple(w) for w in words)
    merges = []
    for _ in range(n_merges):
        pairs = Counter()
        for w, c in words.items():
            for a, b in zip(w, w[1:]):
                pairs[(a, b)] += c
        if not pairs:
            break
        best = max(pairs.items(), key=lambda kv: (kv[1], kv[0]))[0]
        merges.append(best)
        new = Counter()
        for w, c in words.items():
            out, i = [], 0
            while i < len(w):
                if i + 1 < len(w) and (w[i], w[i + 1]) == best:
                    out.append(w[i] + w[i + 1]); i += 2
                else:
                    out.append(w[i]); i += 1
            new[tuple(out)] += c
        words = new
    return merges


def _added(i, content):
    return {"id": i, "content": content, "single_word": False, "lstrip": False, "rstrip": False,
            "normalized": False, "special": True}


def llama_tokenizer(n_merges=60):
    """TinyLlama/Llama 2 layout: <unk> <s> </s>, 256 byte tokens, characters, merges; '▁' for spaces."""
    vocab = {"<unk>": 0, "<s>": 1, "</s>": 2}
    for b in range(256):
        vocab[f"<0x{b:02X}>"] = len(vocab)
    chars = sorted(set("▁" + "".join(CORPUS) + "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                       ".,:;!?'\"()-&éèüñçà"))
    for c in chars:
        vocab.setdefault(c, len(vocab))
    merges = _bpe_merges(["▁" + w for w in CORPUS], n_merges)
    for a, b in merges:
        vocab.setdefault(a + b, len(vocab))
    tj = {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [_added(0, "<unk>"), _added(1, "<s>"), _added(2, "</s>")],
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "Prepend", "prepend": "▁"}, {"type": "Replace", "pattern": {"String": " "}, "content": "▁"}]},
        "pre_tokenizer": None,
        "post_processor": {"type": "TemplateProcessing",
                           "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
                           "pair": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                                    {"SpecialToken": {"id": "<s>", "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
                           "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}}},
        "decoder": {"type": "Sequence", "decoders": [
            {"type": "Replace", "pattern": {"String": "▁"}, "content": " "}, {"type": "ByteFallback"},
            {"type": "Fuse"}, {"type": "Strip", "content": " ", "start": 1, "stop": 0}]},
        "model": {"type": "BPE", "dropout": None, "unk_token": "<unk>", "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": True, "byte_fallback": True, "vocab": vocab,
                  "merges": [f"{a} {b}" for a, b in merges]},
    }
    config = {"add_bos_token": True, "add_eos_token": False, "bos_token": "<s>", "eos_token": "</s>",
              "unk_token": "<unk>", "pad_token": None, "model_max_length": 2048, "tokenizer_class": "LlamaTokenizer",
              "legacy": False, "clean_up_tokenization_spaces": False}
    return tj, config


def bytes_to_unicode():
    """GPT-2's map from bytes to printable characters (byte-level BPE's alphabet)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b); cs.append(256 + n); n += 1
    return dict(zip(bs, map(chr, cs)))


QWEN_SPLIT = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|"
              r"\s*[\r\n]+|\s+(?!\S)|\s+")


def byte_level_tokenizer(style, n_merges=60):
    """style 'smollm': <|endoftext|> <|im_start|> <|im_end|> first, ByteLevel pre-tokenizer.
    style 'qwen2': NFC normaliser, Qwen2's Split regex then ByteLevel, specials after the vocabulary."""
    b2u = bytes_to_unicode()
    words = ["Ġ" + w for w in CORPUS] + CORPUS
    merges = _bpe_merges(["".join(b2u[b] for b in w.replace("Ġ", " ").encode()) for w in words], n_merges)
    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    vocab = {}
    if style == "smollm":
        for s in specials:
            vocab[s] = len(vocab)
    for b in range(256):
        vocab[b2u[b]] = len(vocab)
    for a, b in merges:
        vocab.setdefault(a + b, len(vocab))
    if style == "qwen2":
        for s in specials:
            vocab[s] = len(vocab)
    added = [_added(vocab[s], s) for s in specials]
    tj = {"version": "1.0", "truncation": None, "padding": None, "added_tokens": added,
          "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
          "post_processor": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True},
          "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
                    "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False, "vocab": vocab,
                    # newer tokenizer.json files store merges as pairs, older ones as "a b" strings
                    "merges": [[a, b] for a, b in merges] if style == "qwen2" else [f"{a} {b}" for a, b in merges]}}
    if style == "qwen2":
        tj["normalizer"] = {"type": "NFC"}
        tj["pre_tokenizer"] = {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": QWEN_SPLIT}, "behavior": "Isolated", "invert": False},
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False}]}
        config = {"bos_token": None, "eos_token": "<|endoftext|>", "pad_token": "<|endoftext|>",
                  "tokenizer_class": "Qwen2Tokenizer", "model_max_length": 32768}
    else:
        tj["normalizer"] = None
        tj["pre_tokenizer"] = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}
        config = {"bos_token": "<|im_start|>", "eos_token": "<|im_end|>", "pad_token": "<|endoftext|>",
                  "unk_token": "<|endoftext|>", "tokenizer_class": "GPT2Tokenizer", "model_max_length": 8192}
    return tj, config


def decode(tj, ids):
    """Text back from ids by the vocabulary alone, to check Node's ids independently."""
    inv = {v: k for k, v in tj["model"]["vocab"].items()}
    if tj["model"].get("byte_fallback"):
        out = b""
        for i in ids:
            t = inv[i]
            out += bytes([int(t[3:5], 16)]) if t.startswith("<0x") and len(t) == 6 else t.encode()
        return out.decode("utf-8", errors="replace").replace("▁", " ")
    u2b = {c: b for b, c in bytes_to_unicode().items()}
    return bytes(u2b[c] for i in ids for c in inv[i]).decode("utf-8", errors="replace")


# ---------------------------------------------------------------------------------------------
# folders
# ---------------------------------------------------------------------------------------------

def write_folder(folder, config, tokenizer, weights=None, fmt="safetensors", dtype="F32", shards=1):
    """A HF model folder. fmt: 'safetensors' (shards > 1 adds model.safetensors.index.json) or 'bin'."""
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    tj, tc = tokenizer
    with open(os.path.join(folder, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tj, f, ensure_ascii=False)
    with open(os.path.join(folder, "tokenizer_config.json"), "w") as f:
        json.dump(tc, f, indent=2)
    if weights is None:
        return
    if fmt == "bin":
        torch.save(weights, os.path.join(folder, "pytorch_model.bin"))
    elif shards == 1:
        write_safetensors(os.path.join(folder, "model.safetensors"), weights, dtype)
    else:
        names = sorted(weights)
        parts = np.array_split(np.arange(len(names)), shards)
        weight_map = {}
        for s, idx in enumerate(parts):
            fname = f"model-{s + 1:05d}-of-{shards:05d}.safetensors"
            write_safetensors(os.path.join(folder, fname), {names[i]: weights[names[i]] for i in idx}, dtype)
            weight_map.update({names[i]: fname for i in idx})
        with open(os.path.join(folder, "model.safetensors.index.json"), "w") as f:
            json.dump({"metadata": {"total_size": sum(w.numel() * 4 for w in weights.values())},
                       "weight_map": weight_map}, f, indent=2)
