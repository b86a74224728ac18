"""Write a random-weight Hugging Face Llama-family checkpoint at the exact shape of a real model.

Speed and memory depend on a model's shape, not on its weights, and no pretrained weights can be
downloaded here: this folder stands in for the real one in the importer, `hllm embed` and the
benchmarks. Weights are drawn as the real models initialise them (normal with std
`initializer_range`, RMSNorm weights 1), so quantisation error per MatMul is that of a trained
model's scale, not of an arbitrary one. Written as bf16 safetensors, one tensor at a time (the
1.1B shape never holds more than its largest tensor in memory), with a tokenizer.json of the
family's kind: byte-level BPE for SmolLM2, Llama's BPE for TinyLlama (small vocabularies; the
embedding table has the real number of rows).
Usage: /usr/bin/python3 models/make_shaped_checkpoint.py --shape tinyllama-1.1b --out DIR [--layers N]
"""
import argparse
import json
import os
import struct
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "tests"))
import hf_fixtures as hf  # noqa: E402

LLAMA = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_act": "silu",
         "initializer_range": 0.02, "rms_norm_eps": 1e-5, "attention_bias": False, "torch_dtype": "bfloat16"}
# The shapes of the published config.json files.
SHAPES = {
    "smollm2-135m": {**LLAMA, "hidden_size": 576, "num_hidden_layers": 30, "num_attention_heads": 9,
                     "num_key_value_heads": 3, "intermediate_size": 1536, "vocab_size": 49152, "rope_theta": 100000.0,
                     "max_position_embeddings": 8192, "tie_word_embeddings": True, "bos_token_id": 0, "eos_token_id": 0},
    "smollm2-360m": {**LLAMA, "hidden_size": 960, "num_hidden_layers": 32, "num_attention_heads": 15,
                     "num_key_value_heads": 5, "intermediate_size": 2560, "vocab_size": 49152, "rope_theta": 100000.0,
                     "max_position_embeddings": 8192, "tie_word_embeddings": True, "bos_token_id": 0, "eos_token_id": 0},
    "tinyllama-1.1b": {**LLAMA, "hidden_size": 2048, "num_hidden_layers": 22, "num_attention_heads": 32,
                       "num_key_value_heads": 4, "intermediate_size": 5632, "vocab_size": 32000, "rope_theta": 10000.0,
                       "max_position_embeddings": 2048, "tie_word_embeddings": False, "bos_token_id": 1, "eos_token_id": 2},
}


def tensor_shapes(cfg):
    """{name: shape} of a LlamaForCausalLM state dict, in the order it is written."""
    D, H, KV, F = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["intermediate_size"]
    hd = D // H
    shapes = {"model.embed_tokens.weight": (cfg["vocab_size"], D)}
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        shapes |= {p + "input_layernorm.weight": (D,), p + "post_attention_layernorm.weight": (D,),
                   p + "self_attn.q_proj.weight": (H * hd, D), p + "self_attn.k_proj.weight": (KV * hd, D),
                   p + "self_attn.v_proj.weight": (KV * hd, D), p + "self_attn.o_proj.weight": (D, H * hd),
                   p + "mlp.gate_proj.weight": (F, D), p + "mlp.up_proj.weight": (F, D), p + "mlp.down_proj.weight": (D, F)}
    shapes["model.norm.weight"] = (D,)
    if not cfg["tie_word_embeddings"]:
        shapes["lm_head.weight"] = (cfg["vocab_size"], D)
    return shapes


def write_bf16_safetensors(path, shapes, make):
    """Header first (offsets follow from the shapes), then each tensor as it is made: bf16 LE."""
    header, offset = {"__metadata__": {"format": "pt"}}, 0
    for name, shape in shapes.items():
        n = 2 * int(torch.tensor(shape).prod()) if shape else 2
        header[name] = {"dtype": "BF16", "shape": list(shape), "data_offsets": [offset, offset + n]}
        offset += n
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for name, shape in shapes.items():
            f.write(make(name, shape).to(torch.bfloat16).view(torch.int16).numpy().astype("<i2").tobytes())
    return offset


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--shape", required=True, choices=sorted(SHAPES), help="which published model's shape")
    p.add_argument("--out", required=True, help="folder to write (config.json, model.safetensors, tokenizer files)")
    p.add_argument("--layers", type=int, default=None, help="fewer layers than the real model, for tests (default: all)")
    p.add_argument("--seed", type=int, default=0, help="random seed of the weights (default 0)")
    a = p.parse_args(argv)
    cfg = dict(SHAPES[a.shape])
    if a.layers is not None:
        cfg["num_hidden_layers"] = a.layers
    tok = hf.llama_tokenizer() if a.shape.startswith("tinyllama") else hf.byte_level_tokenizer("smollm")
    hf.write_folder(a.out, cfg, tok)
    g = torch.Generator().manual_seed(a.seed)
    std = cfg["initializer_range"]

    def make(name, shape):
        return torch.ones(shape) if name.endswith("norm.weight") else torch.randn(*shape, generator=g) * std

    shapes = tensor_shapes(cfg)
    t0 = time.time()
    size = write_bf16_safetensors(os.path.join(a.out, "model.safetensors"), shapes, make)
    params = size // 2
    print(f"wrote {a.out}: {a.shape}, {cfg['num_hidden_layers']} layers, {params / 1e6:.1f}M parameters "
          f"({size / 1e9:.2f} GB bf16) in {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
