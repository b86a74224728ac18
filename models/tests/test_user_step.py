"""The incremental User LLM (models/user_step.py): the same user embedding whether a history is
read at once or one event at a time against the cached keys and values, in PyTorch and through
ONNX Runtime (fp32 and q4), with grouped-query attention and left padding."""
import numpy as np
import onnx
import torch
import torch.nn.functional as F

from export import UserEncoder
from model import HLLM, HLLMConfig
from ort_check import OrtRunner
from quantize import quantize
from user_step import export_user_step, kv_names, kv_shape, ort_prefill

C = HLLMConfig(vocab_size=50, dim=32, item_layers=1, user_layers=3, n_heads=4, n_kv_heads=2, ffn_dim=64, dropout=0.0)


def model():
    torch.manual_seed(0)
    m = HLLM(C).eval()
    # Trained-model scale (initializer_range 0.02 is too quiet to tell positions apart at d32).
    with torch.no_grad():
        for p in m.user_llm.parameters():
            if p.dim() == 2:
                p.normal_(0, 0.2)
    return m


def full(m, x, mask):
    with torch.no_grad():
        return m.user_llm(x, mask)[:, -1]


def test_one_event_at_a_time_equals_the_whole_history_in_pytorch():
    m = model()
    x = torch.randn(2, 6, C.dim)
    mask = torch.tensor([[0, 0, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1]])
    want = full(m, x, mask)
    dec = m.user_llm.model
    with torch.no_grad():
        # the padded columns and the first real event as the prefill, then one event a step
        states, past = dec.forward_cached(x[:, :3], mask[:, :3])
        for t in range(3, 6):
            states, past = dec.forward_cached(x[:, t:t + 1], mask[:, :t + 1], past)
    assert torch.allclose(states[:, -1], want, atol=1e-5)
    n_kv, hd = kv_shape(C)
    assert past[0][0].shape == (2, n_kv, 6, hd)
    # and the cache matters: without it the last event alone gives another vector
    with torch.no_grad():
        alone = dec.forward_cached(x[:, 5:], mask[:, 5:])[0][:, -1]
    assert F.cosine_similarity(alone, want).max() < 0.99


def run_steps(runner, path, x, start):
    """ONNX Runtime: x[:, :start] as the prefill (empty cache), then one position per run."""
    B, S, _ = x.shape
    n_kv, hd = kv_shape(C)
    past = {n: np.zeros((B, n_kv, 0, hd), np.float32) for n in kv_names(C.user_layers, "past")}
    names = ["user_embedding", *kv_names(C.user_layers, "present")]
    lo = 0
    for hi in [start, *range(start + 1, S + 1)]:
        feeds = {"item_embeddings": x[:, lo:hi], "attention_mask": np.ones((B, hi), np.int64), **past}
        out = runner.run(path, [feeds], names)[0]
        past = {n.replace("present", "past"): out[n].reshape(B, n_kv, hi, hd) for n in names[1:]}
        lo = hi
    return out["user_embedding"].reshape(B, C.dim)


def whole_history_graph(m, tmp_path):
    """user_encoder.onnx and its q4 variant, as models/export.py writes them."""
    path = str(tmp_path / "user_encoder.onnx")
    x, mask = torch.randn(2, 5, C.dim), torch.tensor([[0, 0, 1, 1, 1], [1, 1, 1, 1, 1]])
    torch.onnx.export(UserEncoder(m).eval(), (x, mask), path, opset_version=17,
                      input_names=["item_embeddings", "attention_mask"], output_names=["user_embedding"],
                      dynamic_axes={"item_embeddings": {0: "B", 1: "S"}, "attention_mask": {0: "B", 1: "S"}, "user_embedding": {0: "B"}})
    q4 = str(tmp_path / "user_encoder_q4.onnx")
    onnx.save(quantize(onnx.load(path), "q4"), q4)
    return {"fp32": path, "q4": q4}


def test_the_exported_kv_graph_matches_the_whole_history_graph(tmp_path):
    m = model()
    paths = export_user_step(m, C, str(tmp_path), dtypes=("q4",))
    whole = whole_history_graph(m, tmp_path)
    runner = OrtRunner()
    torch.manual_seed(1)
    x = torch.randn(1, 7, C.dim)
    want = full(m, x, torch.ones(1, 7, dtype=torch.long))
    feeds = [{"item_embeddings": x.numpy(), "attention_mask": np.ones((1, 7), np.int64)}]
    for dt, bar in (("fp32", 0.9999), ("q4", 0.99)):
        # each dtype against the whole-history graph of the same dtype (the engine's other path)
        ref = torch.from_numpy(runner.run(whole[dt], feeds, "user_embedding")[0])
        got = torch.from_numpy(run_steps(runner, paths[dt], x.numpy(), start=1))
        cos = F.cosine_similarity(got, ref).item()
        assert cos >= bar, f"{dt}: cosine {cos:.6f} < {bar}"
    assert F.cosine_similarity(ref, want).item() < 0.9999  # q4 is not fp32: the dtypes were really compared apart
    # the prefill alone (all seven positions against an empty cache) gives the same vector,
    # and so does a left-padded batch read at once
    got = torch.from_numpy(run_steps(runner, paths["fp32"], x.numpy(), start=7))
    assert F.cosine_similarity(got, want).item() >= 0.9999
    xb = torch.cat([torch.cat([torch.zeros(1, 2, C.dim), x[:, :5]], 1), x], 0)
    mb = torch.tensor([[0, 0, 1, 1, 1, 1, 1], [1] * 7])
    got = torch.from_numpy(ort_prefill(runner, paths["fp32"], C, xb.numpy(), mb.numpy()))
    assert F.cosine_similarity(got, full(m, xb, mb)).min().item() >= 0.9999


def test_the_i8_kv_graph_computes_in_integers_and_matches_fp32(tmp_path):
    m = model()
    paths = export_user_step(m, C, str(tmp_path), dtypes=("i8",))
    g = onnx.load(paths["i8"]).graph
    ops, weights = [n.op_type for n in g.node], {i.name for i in g.initializer}
    # every weight product in int8 (WASM's fast kernel: q, k, v, o, gate, up, down per layer),
    # none dequantised back to fp32 and no fp32 weight left
    assert ops.count("MatMulInteger") == 7 * C.user_layers and "DequantizeLinear" not in ops
    assert not any(n.op_type == "MatMul" and n.input[1] in weights for n in g.node)
    runner = OrtRunner()
    torch.manual_seed(2)
    x = torch.randn(1, 7, C.dim)
    want = full(m, x, torch.ones(1, 7, dtype=torch.long))
    got = torch.from_numpy(run_steps(runner, paths["i8"], x.numpy(), start=1))
    cos = F.cosine_similarity(got, want).item()
    assert 0.99 <= cos < 0.99999, f"i8 one event at a time: cosine {cos:.6f} against fp32 PyTorch"
