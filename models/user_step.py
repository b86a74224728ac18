"""The incremental User LLM: the user encoder exported with its key/value cache.

`user_encoder` reads a whole history at once. `user_kv_encoder` reads only the newest positions
and every layer's cached keys and values of the earlier ones (GQA: n_kv heads, keys already
rotated at their positions), and returns the user embedding with the cache grown by those
positions. One event then costs one position instead of the whole history; fed the same
history in any split (all at once with an empty cache, or one event at a time), it gives what
`user_encoder` gives.

Graph contract (opset 17, dynamic B, P = cached positions, S = new positions):
  inputs   item_embeddings float32 [B, S, D]; attention_mask int64 [B, P + S] (left-padded over
           the cached and the new positions); past_key_<i>, past_value_<i> float32 [B, n_kv, P, hd]
  outputs  user_embedding float32 [B, D] (final-norm state of the last position);
           present_key_<i>, present_value_<i> float32 [B, n_kv, P + S, hd]
"""
import os

import numpy as np
import onnx
import torch

from quantize import quantize

KIND = "user_kv"  # files onnx/user_kv_encoder[_q8|_q4|_i8].onnx, manifest role "user_kv_encoder"
# The kv graph also comes in i8 (quantize.py: int8 arithmetic), the engine's choice on WASM for q8
# and q4: a click runs every weight once, and WASM's q8/q4 kernels dequantise each weight per call.
QUANTISED = ("q8", "q4", "i8")


class UserStep(torch.nn.Module):
    def __init__(self, core):
        super().__init__()
        self.core = core
        self.n_layers = len(core.user_llm.model.layers)

    def forward(self, item_embeddings, attention_mask, *past):
        cache = [(past[2 * i], past[2 * i + 1]) for i in range(self.n_layers)]
        states, presents = self.core.user_llm.model.forward_cached(item_embeddings, attention_mask, cache)
        return (states[:, -1], *[t for kv in presents for t in kv])


def kv_names(n_layers, prefix):
    return [f"{prefix}_{kind}_{i}" for i in range(n_layers) for kind in ("key", "value")]


def kv_shape(mc):
    """(n_kv heads, head dim) of one layer's cache."""
    return mc.n_kv_heads, mc.dim // mc.n_heads


def kv_cache_entry(mc):
    """The manifest's `kv_cache` of a user_kv_encoder file: what the engine needs to feed an empty cache."""
    n_kv, hd = kv_shape(mc)
    return {"layers": mc.user_layers, "heads": n_kv, "head_dim": hd}


def trace_spec(core, mc):
    """(module, example args, input names, output names, dynamic axes) for torch.onnx.export.
    Traced with 3 cached and 2 new positions, one row left-padded, so no size is baked in."""
    step = UserStep(core).eval()
    n_kv, hd = kv_shape(mc)
    x = torch.randn(2, 2, mc.dim)
    mask = torch.tensor([[0, 1, 1, 1, 1], [1, 1, 1, 1, 1]])
    past = [torch.randn(2, n_kv, 3, hd) for _ in range(2 * step.n_layers)]
    ins, outs = kv_names(step.n_layers, "past"), kv_names(step.n_layers, "present")
    axes = {"item_embeddings": {0: "B", 1: "S"}, "attention_mask": {0: "B", 1: "PS"}, "user_embedding": {0: "B"}}
    axes |= {n: {0: "B", 2: "P"} for n in ins} | {n: {0: "B", 2: "PS"} for n in outs}
    return step, (x, mask, *past), ["item_embeddings", "attention_mask", *ins], ["user_embedding", *outs], axes


def export_user_step(core, mc, onnx_dir, dtypes=QUANTISED):
    """Writes onnx/user_kv_encoder.onnx and its quantised variants; returns {dtype: path}."""
    module, args, ins, outs, axes = trace_spec(core, mc)
    path = os.path.join(onnx_dir, f"{KIND}_encoder.onnx")
    with torch.no_grad():
        torch.onnx.export(module, args, path, opset_version=17, input_names=ins, output_names=outs, dynamic_axes=axes)
    paths = {"fp32": path}
    for dt in dtypes:
        paths[dt] = os.path.join(onnx_dir, f"{KIND}_encoder_{dt}.onnx")
        onnx.save(quantize(onnx.load(path), dt), paths[dt])
    return paths


def ort_prefill(runner, path, mc, x, mask):
    """User embeddings of left-padded histories x [B, S, D] read at once with an empty cache."""
    n_kv, hd = kv_shape(mc)
    B = x.shape[0]
    empty = {n: np.zeros((B, n_kv, 0, hd), np.float32) for n in kv_names(mc.user_layers, "past")}
    feeds = {"item_embeddings": np.asarray(x, np.float32), "attention_mask": np.asarray(mask, np.int64), **empty}
    return runner.run(path, [feeds], "user_embedding")[0]
