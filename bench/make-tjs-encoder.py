"""Writes the transformers.js baseline of `npm run bench`: a BERT-architecture encoder of the
same size as the default model's Item LLM (hidden size, layers, heads, FFN width, vocabulary and
sequence length from its config.json / hllm.json), laid out as transformers.js loads a local
model: config.json (model_type bert), tokenizer.json + tokenizer_config.json (the default
model's WordPiece tokenizer), onnx/model.onnx with input_ids, attention_mask, token_type_ids ->
last_hidden_state. Weights are random: the figure is throughput, not quality.

    /usr/bin/python3 bench/make-tjs-encoder.py OUT_DIR [--model public/models/default]

Uses torch (Debian's python3-torch) for the export, opset 17 like the models.
"""
import argparse
import json
import math
import os
import shutil

import torch
import torch.nn as nn

p = argparse.ArgumentParser()
p.add_argument("out")
p.add_argument("--model", default="public/models/default")
a = p.parse_args()
cfg = json.load(open(os.path.join(a.model, "config.json")))
manifest = json.load(open(os.path.join(a.model, "hllm.json")))
H, L, NH, FF, V = cfg["hidden_size"], cfg["num_hidden_layers"], cfg["num_attention_heads"], cfg["intermediate_size"], cfg["vocab_size"]
T = manifest["max_text_tokens"] + 1  # the Item LLM's longest row: text tokens + the item token


class Layer(nn.Module):
    def __init__(self):
        super().__init__()
        self.q, self.k, self.v, self.o = (nn.Linear(H, H) for _ in range(4))
        self.ln1, self.ln2 = nn.LayerNorm(H), nn.LayerNorm(H)
        self.up, self.down = nn.Linear(H, FF), nn.Linear(FF, H)

    def forward(self, x, bias):
        B, S, _ = x.shape
        split = lambda t: t.view(B, S, NH, H // NH).transpose(1, 2)
        att = split(self.q(x)) @ split(self.k(x)).transpose(-1, -2) / math.sqrt(H // NH) + bias
        ctx = (att.softmax(-1) @ split(self.v(x))).transpose(1, 2).reshape(B, S, H)
        x = self.ln1(x + self.o(ctx))
        return self.ln2(x + self.down(nn.functional.gelu(self.up(x))))


class Bert(nn.Module):
    def __init__(self):
        super().__init__()
        self.word, self.pos, self.typ = nn.Embedding(V, H), nn.Embedding(T, H), nn.Embedding(1, H)
        self.ln = nn.LayerNorm(H)
        self.layers = nn.ModuleList(Layer() for _ in range(L))

    def forward(self, input_ids, attention_mask, token_type_ids):
        pos = torch.arange(input_ids.shape[1]).unsqueeze(0)
        x = self.ln(self.word(input_ids) + self.pos(pos) + self.typ(token_type_ids))
        bias = (1.0 - attention_mask[:, None, None, :].float()) * -1e4
        for layer in self.layers:
            x = layer(x, bias)
        return x


torch.manual_seed(0)
model = Bert().eval()
os.makedirs(os.path.join(a.out, "onnx"), exist_ok=True)
ids = torch.randint(0, V, (2, 8))
ones = torch.ones_like(ids)
axes = {"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"},
        "token_type_ids": {0: "batch", 1: "seq"}, "last_hidden_state": {0: "batch", 1: "seq"}}
torch.onnx.export(model, (ids, ones, torch.zeros_like(ids)), os.path.join(a.out, "onnx", "model.onnx"),
                  input_names=["input_ids", "attention_mask", "token_type_ids"], output_names=["last_hidden_state"],
                  dynamic_axes=axes, opset_version=17)
json.dump({"model_type": "bert", "architectures": ["BertModel"], "hidden_size": H, "num_hidden_layers": L,
           "num_attention_heads": NH, "intermediate_size": FF, "vocab_size": V, "max_position_embeddings": T,
           "type_vocab_size": 1, "hidden_act": "gelu", "layer_norm_eps": 1e-5},
          open(os.path.join(a.out, "config.json"), "w"), indent=1)
shutil.copy(os.path.join(a.model, "tokenizer.json"), os.path.join(a.out, "tokenizer.json"))
tok_cfg = json.load(open(os.path.join(a.model, "tokenizer_config.json")))
tok_cfg["model_max_length"] = T
json.dump(tok_cfg, open(os.path.join(a.out, "tokenizer_config.json"), "w"), indent=1)
print(f"wrote {a.out}: BERT-shaped encoder H={H} L={L} heads={NH} ffn={FF} vocab={V} max_len={T}")
