"""Read pretrained Llama-family checkpoints from disk and map them onto our HLLM modules.

Reads a local Hugging Face folder without `transformers` or `safetensors` (Debian has neither):
config.json; model.safetensors, sharded safetensors with model.safetensors.index.json, or
pytorch_model.bin (also sharded with pytorch_model.bin.index.json). Also reads HLLM's released
state dict (ByteDance/HLLM pytorch_model.bin: item_llm.*, user_llm.*, item_emb_tokens,
logit_scale), whose towers are HF LlamaForCausalLM state dicts under those prefixes.

models/model.py names its modules after HF Llama, so mapping is mostly a prefix change:

    model.embed_tokens.weight        -> item_llm.embed_tokens.weight (+ one row: the item token)
    model.layers.{i}.*               -> item_llm.model.layers.{i}.*  and  user_llm.model.layers.{i}.*
    model.norm.weight                -> item_llm.model.norm.weight   and  user_llm.model.norm.weight
    lm_head.weight                   -> dropped (HLLM reads hidden states, never logits)

Used by models/import_checkpoint.py; tested by models/tests/test_import.py.
"""
import json
import math
import os
import struct
from dataclasses import replace

import numpy as np
import torch

from model import HLLM, Block, HLLMConfig

# safetensors dtype names -> numpy dtypes; BF16 has no numpy dtype and is widened by hand
_ST_DTYPES = {"F64": np.float64, "F32": np.float32, "F16": np.float16, "I64": np.int64, "I32": np.int32,
              "I16": np.int16, "I8": np.int8, "U8": np.uint8, "BOOL": np.bool_}
# model_type values whose blocks are exactly HF Llama's (RMSNorm, rotate_half RoPE, SwiGLU, GQA)
SUPPORTED_TYPES = ("llama", "mistral", "qwen2")


# ---------------------------------------------------------------------------------------------
# files
# ---------------------------------------------------------------------------------------------

def read_safetensors(path):
    """name -> float32 (or integer) torch tensor. Format: u64 LE header size, JSON header, raw data."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
    # a memory map keeps peak memory near the converted tensors, not the file plus tensors
    raw = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + n)
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        buf = raw[begin:end]
        shape = info["shape"]
        if info["dtype"] == "BF16":
            # bfloat16 is the top half of a float32
            arr = (np.frombuffer(buf, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        elif info["dtype"] in _ST_DTYPES:
            arr = np.frombuffer(buf, dtype=np.dtype(_ST_DTYPES[info["dtype"]]).newbyteorder("<"))
        else:
            raise ValueError(f"{path}: tensor {name} has dtype {info['dtype']}, which this reader does not know "
                             f"(known: BF16, {', '.join(_ST_DTYPES)})")
        if arr.dtype.kind == "f":
            arr = arr.astype(np.float32)
        else:
            arr = arr.copy()
        out[name] = torch.from_numpy(arr.reshape(shape))
    return out


def _float32(sd):
    return {k: (v.float() if v.is_floating_point() else v) for k, v in sd.items()}


def read_torch_bin(path):
    """A pytorch_model.bin state dict, floats widened to float32 (HLLM ships bf16)."""
    sd = torch.load(path, map_location="cpu")
    if isinstance(sd, dict) and "state_dict" in sd and isinstance(sd["state_dict"], dict):
        sd = sd["state_dict"]
    if isinstance(sd, dict) and "module" in sd and isinstance(sd["module"], dict):
        sd = sd["module"]  # DeepSpeed's model-states file
    # DataParallel/DeepSpeed wrappers prefix every key with "module."
    sd = {k[len("module."):] if k.startswith("module.") else k: v for k, v in sd.items()}
    return _float32(sd)


def read_weights(folder):
    """The state dict of a HF folder, whichever of the four layouts it uses."""
    for index, reader in (("model.safetensors.index.json", read_safetensors),
                          ("pytorch_model.bin.index.json", read_torch_bin)):
        p = os.path.join(folder, index)
        if os.path.exists(p):
            with open(p) as f:
                weight_map = json.load(f)["weight_map"]
            sd = {}
            for shard in sorted(set(weight_map.values())):
                print(f"  reading {shard}", flush=True)
                sd.update(reader(os.path.join(folder, shard)))
            missing = set(weight_map) - set(sd)
            if missing:
                raise ValueError(f"{index} names tensors no shard holds: {sorted(missing)[:5]}")
            return sd
    for name, reader in (("model.safetensors", read_safetensors), ("pytorch_model.bin", read_torch_bin)):
        p = os.path.join(folder, name)
        if os.path.exists(p):
            print(f"  reading {name}", flush=True)
            return reader(p)
    raise FileNotFoundError(f"{folder} has no model.safetensors, model.safetensors.index.json, "
                            f"pytorch_model.bin or pytorch_model.bin.index.json")


def read_config(folder):
    p = os.path.join(folder, "config.json")
    if not os.path.exists(p):
        raise FileNotFoundError(f"{folder} has no config.json")
    with open(p) as f:
        return json.load(f)


# ---------------------------------------------------------------------------------------------
# config
# ---------------------------------------------------------------------------------------------

def hllm_config(hf, n_vocab_rows, max_text_tokens=256, max_history=10):
    """HLLMConfig from a HF config.json. Refuses what models/model.py would compute differently."""
    mt = hf.get("model_type", "llama")
    if mt not in SUPPORTED_TYPES:
        raise ValueError(f"model_type {mt!r} is not supported: this importer reads {', '.join(SUPPORTED_TYPES)} "
                         f"(TinyLlama, SmolLM/SmolLM2, Llama 2, Mistral, Qwen2/2.5)")
    act = hf.get("hidden_act", "silu")
    if act != "silu":
        raise ValueError(f"hidden_act {act!r}: the model's MLP is SwiGLU with silu only")
    if hf.get("rope_scaling"):
        raise ValueError(f"rope_scaling {hf['rope_scaling']} is not supported (plain RoPE only); item texts are "
                         f"short, so a checkpoint without scaling of the same family works as well")
    if hf.get("mlp_bias"):
        raise ValueError("mlp_bias=true is not supported")
    dim, heads = hf["hidden_size"], hf["num_attention_heads"]
    if hf.get("head_dim") not in (None, dim // heads) or dim % heads:
        raise ValueError(f"head_dim {hf.get('head_dim')} != hidden_size / num_attention_heads ({dim}/{heads})")
    n_layers = hf["num_hidden_layers"]
    return HLLMConfig(
        vocab_size=n_vocab_rows + 1,  # the item token is one extra embedding row
        dim=dim, item_layers=n_layers, user_layers=n_layers, n_heads=heads,
        n_kv_heads=hf.get("num_key_value_heads") or heads, ffn_dim=hf["intermediate_size"],
        rope_theta=float(hf.get("rope_theta", 10000.0)), norm_eps=float(hf.get("rms_norm_eps", 1e-6)),
        # Qwen2's config has no attention_bias key, but its q/k/v projections always carry biases
        qkv_bias=bool(hf.get("attention_bias", False)) or mt == "qwen2",
        dropout=0.0, item_dropout=0.0,  # HF Llama trains without dropout, and HLLM keeps its config
        max_text_tokens=max_text_tokens, max_history=max_history)


def special_ids(hf, folder, item_token_id):
    """bos and pad ids. Llama has no pad token: any id works, since padding is masked."""
    bos = hf.get("bos_token_id")
    if isinstance(bos, list):
        bos = bos[0]
    pad = hf.get("pad_token_id")
    if pad is None:
        pad = _token_id(folder, "pad_token")
    eos = hf.get("eos_token_id")
    if isinstance(eos, list):
        eos = eos[0]
    if pad is None:
        pad = eos if eos is not None else 0
    if bos is None:
        bos = _token_id(folder, "bos_token")
    if bos is None:
        raise ValueError("config.json has no bos_token_id and tokenizer_config.json names no bos_token")
    if max(bos, pad) >= item_token_id:
        raise ValueError(f"bos {bos} / pad {pad} are outside the embedding table ({item_token_id} rows)")
    return bos, pad


def _token_id(folder, key):
    """Look a special token named in tokenizer_config.json up in tokenizer.json."""
    try:
        with open(os.path.join(folder, "tokenizer_config.json")) as f:
            name = json.load(f).get(key)
        with open(os.path.join(folder, "tokenizer.json"), encoding="utf-8") as f:
            tj = json.load(f)
    except FileNotFoundError:
        return None
    if isinstance(name, dict):
        name = name.get("content")
    if not name:
        return None
    for t in tj.get("added_tokens", []):
        if t["content"] == name:
            return t["id"]
    vocab = tj.get("model", {}).get("vocab")
    return vocab.get(name) if isinstance(vocab, dict) else None


# ---------------------------------------------------------------------------------------------
# state dict mapping
# ---------------------------------------------------------------------------------------------

def _tower(sd, src_prefix, dst_prefix, with_embeddings):
    """HF LlamaForCausalLM keys under src_prefix -> our ItemLLM/UserLLM keys under dst_prefix."""
    out = {}
    for k, v in sd.items():
        if not k.startswith(src_prefix):
            continue
        k = k[len(src_prefix):]
        if k == "lm_head.weight" or k.endswith("rotary_emb.inv_freq"):
            continue  # no logits; RoPE frequencies are recomputed from rope_theta
        if k == "model.embed_tokens.weight":
            if with_embeddings:
                out[dst_prefix + "embed_tokens.weight"] = v
            continue
        if k.startswith("model."):
            out[dst_prefix + k] = v  # model.layers.{i}.* and model.norm.weight keep their names
        else:
            raise ValueError(f"unexpected tensor {src_prefix}{k}: not part of a Llama-family decoder")
    return out


def is_hllm_release(sd):
    return "item_emb_tokens" in sd and any(k.startswith("item_llm.") for k in sd)


def hllm_state_dict(sd, mc, init_logit_scale):
    """Our HLLM state dict from a HF decoder state dict, or from HLLM's released one.

    HF checkpoint: both towers start from the same LLM (HLLM's user_llm_init / item_llm_init),
    and the item token starts as the mean word embedding, a point inside the space the
    pretrained layers already read. HLLM release: each tower from its own prefix, the item
    token from item_emb_tokens (HLLM writes it over the placeholder at the last position).
    """
    if is_hllm_release(sd):
        item = _tower(sd, "item_llm.", "item_llm.", True)
        user = _tower(sd, "user_llm.", "user_llm.", False)
        item_tok = sd["item_emb_tokens"].reshape(-1, mc.dim)
        if item_tok.shape[0] != 1:
            raise ValueError(f"item_emb_tokens holds {item_tok.shape[0]} tokens; HLLM (and this engine) use one")
        scale = sd.get("logit_scale", torch.tensor(init_logit_scale)).reshape(())
    else:
        item = _tower(sd, "", "item_llm.", True)
        user = _tower(sd, "", "user_llm.", False)
        item_tok = None
        scale = torch.tensor(init_logit_scale)
    emb = item.get("item_llm.embed_tokens.weight")
    if emb is None:
        raise ValueError("no model.embed_tokens.weight: the Item LLM needs word embeddings")
    if item_tok is None:
        item_tok = emb.mean(0, keepdim=True)
    item["item_llm.embed_tokens.weight"] = torch.cat([emb, item_tok.to(emb.dtype)], 0)
    out = {**item, **user, "logit_scale": scale.float()}
    return out


def build_hllm(sd, hf, max_text_tokens=256, max_history=10):
    """(HLLM core in eval mode, its config) from a HF or HLLM-release state dict and config.json."""
    prefix = "item_llm." if is_hllm_release(sd) else ""
    emb = sd.get(prefix + "model.embed_tokens.weight")
    if emb is None:
        raise ValueError(f"no {prefix}model.embed_tokens.weight in the checkpoint")
    mc = hllm_config(hf, emb.shape[0], max_text_tokens, max_history)
    if is_hllm_release(sd):
        # the user tower may be a different depth than the item tower (it is its own LLM)
        mc.user_layers = 1 + max(int(k.split(".")[3]) for k in sd if k.startswith("user_llm.model.layers."))
        mc.item_layers = 1 + max(int(k.split(".")[3]) for k in sd if k.startswith("item_llm.model.layers."))
    if emb.shape[1] != mc.dim:
        raise ValueError(f"embed_tokens is {tuple(emb.shape)} but hidden_size is {mc.dim}")
    mapped = hllm_state_dict(sd, mc, math.log(1 / 0.07))
    torch.manual_seed(0)
    # Built a layer at a time, each parameter taking the checkpoint's tensor itself, not a copy:
    # the towers of a HF checkpoint then share one copy of its layers (fine-tuning copies them
    # into its own model), and a TinyLlama-1.1B import holds 4.4 GB of fp32 weights, not the
    # checkpoint plus two towers (13 GB).
    core = HLLM(replace(mc, item_layers=0, user_layers=0))
    core.config = mc
    problems = []
    _take(core, "", mapped, problems)
    for prefix, tower, n, dropout in (("item_llm", core.item_llm, mc.item_layers, mc.item_dropout),
                                      ("user_llm", core.user_llm, mc.user_layers, mc.dropout)):
        for i in range(n):
            block = Block(mc, dropout)
            _take(block, f"{prefix}.model.layers.{i}.", mapped, problems)
            tower.model.layers.append(block)
    missing = sorted(k for k, _ in problems if k not in mapped)
    unexpected = sorted(set(mapped) - set(core.state_dict()))
    if missing or unexpected:
        raise ValueError(f"checkpoint does not fit a Llama-family decoder of this config: missing {missing[:6]}, "
                         f"unexpected {unexpected[:6]}")
    bad = [(k, tuple(mapped[k].shape), shape) for k, shape in problems]
    if bad:
        raise ValueError(f"shape mismatch (tensor, checkpoint, config): {bad[:4]}")
    core.eval()
    return core, mc


def _take(module, prefix, mapped, problems):
    """Points each parameter of `module` at mapped[prefix + name], without a copy; a missing or
    misshapen tensor goes to `problems` as (key, the config's shape)."""
    for name, p in module.named_parameters():
        key = prefix + name
        v = mapped.get(key)
        if v is None or v.shape != p.shape:
            problems.append((key, tuple(p.shape)))
        else:
            p.data = v.float().contiguous()
