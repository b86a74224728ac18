"""Importing pretrained checkpoints (models/import_checkpoint.py) against the original architecture.

Each case writes a small checkpoint in an exact real-world layout with random weights, imports
it with the one command, and compares the exported ONNX files, run by ONNX Runtime (the engine's
runtime), with an independent reference written here from the raw HF state dict: plain HF Llama
math (RMSNorm, rotate_half RoPE, repeat_kv GQA, SwiGLU, q/k/v biases), float64, one unpadded
sequence at a time, HF's own position ids. fp32 must agree at cosine ≥ 0.9999, q8 and q4 at ≥ 0.99.
"""
import contextlib
import csv
import hashlib
import io
import json
import math
import os
import subprocess
import sys

import numpy as np
import onnx
import pytest
import torch

import hf_fixtures as hf
import import_checkpoint
from conftest import ROOT
from ort_check import OrtRunner

PY = sys.executable
LLAMA = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 64, "num_hidden_layers": 2,
         "num_attention_heads": 4, "num_key_value_heads": 2, "intermediate_size": 96, "rms_norm_eps": 1e-5,
         "rope_theta": 10000.0, "hidden_act": "silu", "tie_word_embeddings": False, "bos_token_id": 1,
         "eos_token_id": 2, "pad_token_id": None, "max_position_embeddings": 2048, "torch_dtype": "float32"}
SMOLLM = {**LLAMA, "hidden_size": 48, "num_attention_heads": 3, "num_key_value_heads": 1, "intermediate_size": 64,
          "tie_word_embeddings": True, "bos_token_id": 1, "eos_token_id": 2, "rope_theta": 100000.0,
          "torch_dtype": "bfloat16"}
QWEN2 = {"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "hidden_size": 64, "num_hidden_layers": 2,
         "num_attention_heads": 4, "num_key_value_heads": 2, "intermediate_size": 128, "rms_norm_eps": 1e-6,
         "rope_theta": 1000000.0, "hidden_act": "silu", "tie_word_embeddings": True, "bos_token_id": None,
         "eos_token_id": None, "use_sliding_window": False, "sliding_window": 32768, "torch_dtype": "float16"}
MAX_TEXT = 40  # small, so the long golden item is truncated


# ---------------------------------------------------------------------------------------------
# independent reference: Hugging Face Llama, from the raw state dict
# ---------------------------------------------------------------------------------------------

def rms_norm(x, w, eps):
    return w * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps))


def rotate_half(x):
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def hf_decoder(sd, prefix, cfg, h, position_ids):
    """LlamaModel.forward on inputs_embeds h [T, D] (no padding); returns the final-norm states."""
    sd = {k: v.double() for k, v in sd.items() if k.startswith(prefix)}
    D, H = cfg["hidden_size"], cfg["num_attention_heads"]
    KV, hd, eps = cfg.get("num_key_value_heads") or H, D // H, cfg["rms_norm_eps"]
    n_layers = len({k[len(prefix):].split(".")[2] for k in sd if k.startswith(prefix + "model.layers.")})
    inv_freq = 1.0 / (cfg["rope_theta"] ** (torch.arange(0, hd, 2, dtype=torch.float64) / hd))
    freqs = position_ids.double()[:, None] * inv_freq[None, :]
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos(), emb.sin()
    T = h.shape[0]
    causal = torch.full((T, T), float("-inf"), dtype=torch.float64).triu(1)
    h = h.double()
    lin = lambda x, name: x @ sd[name + ".weight"].T + (sd[name + ".bias"] if name + ".bias" in sd else 0)
    for i in range(n_layers):
        p = f"{prefix}model.layers.{i}."
        x = rms_norm(h, sd[p + "input_layernorm.weight"], eps)
        q = lin(x, p + "self_attn.q_proj").view(T, H, hd).transpose(0, 1)
        k = lin(x, p + "self_attn.k_proj").view(T, KV, hd).transpose(0, 1)
        v = lin(x, p + "self_attn.v_proj").view(T, KV, hd).transpose(0, 1)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        # repeat_kv: query head j reads key/value head j // (H / KV)
        k = k[:, None].expand(KV, H // KV, T, hd).reshape(H, T, hd)
        v = v[:, None].expand(KV, H // KV, T, hd).reshape(H, T, hd)
        att = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(hd) + causal, dim=-1)
        h = h + lin((att @ v).transpose(0, 1).reshape(T, H * hd), p + "self_attn.o_proj")
        x = rms_norm(h, sd[p + "post_attention_layernorm.weight"], eps)
        h = h + lin(torch.nn.functional.silu(lin(x, p + "mlp.gate_proj")) * lin(x, p + "mlp.up_proj"), p + "mlp.down_proj")
    return rms_norm(h, sd[prefix + "model.norm.weight"], eps)


def ref_item(sd, prefix, cfg, ids, item_vec, hllm_positions=False):
    """HLLM's forward_item_emb: word embeddings of the text ids, the item token's vector written over
    the last position, the hidden state there. HLLM right-aligns positions at MAX_TEXT_LENGTH
    (batchset.py); RoPE is relative, so the result must not depend on that shift."""
    h = sd[prefix + "model.embed_tokens.weight"][torch.tensor(ids[:-1])]
    h = torch.cat([h, item_vec.reshape(1, -1)])
    pos = torch.arange(len(ids)) + ((MAX_TEXT - (len(ids) - 1)) if hllm_positions else 0)
    return hf_decoder(sd, prefix, cfg, h, pos)[-1]


def ref_user(sd, prefix, cfg, item_embs):
    return hf_decoder(sd, prefix, cfg, item_embs, torch.arange(len(item_embs)))[-1]


def cosines(a, b):
    a, b = torch.as_tensor(np.asarray(a), dtype=torch.float64), torch.as_tensor(np.asarray(b), dtype=torch.float64)
    return torch.nn.functional.cosine_similarity(a, b, dim=-1)


# ---------------------------------------------------------------------------------------------
# cases: each writes a folder, returns what the reference needs
# ---------------------------------------------------------------------------------------------

def case_llama_gqa_untied(tmp):
    tok = hf.llama_tokenizer()
    rows = len(tok[0]["model"]["vocab"])
    sd = hf.llama_weights(LLAMA, 1, rows)
    sd["model.layers.0.self_attn.rotary_emb.inv_freq"] = torch.ones(8)  # older checkpoints carry these
    hf.write_folder(tmp / "base", LLAMA, tok, sd, dtype="F32")
    return dict(base=tmp / "base", cfg=LLAMA, tok=tok, sd=sd, rows=rows, bos=1, pad=2, args=[])


def case_smollm_tied(tmp):
    tok = hf.byte_level_tokenizer("smollm")
    rows = len(tok[0]["model"]["vocab"])
    sd = {k: hf.round_to(v, "BF16") for k, v in hf.llama_weights(SMOLLM, 2, rows, lm_head=False).items()}
    hf.write_folder(tmp / "base", SMOLLM, tok, sd, dtype="BF16")
    # pad: config has none, so tokenizer_config's pad_token (<|endoftext|>, id 0) is looked up
    return dict(base=tmp / "base", cfg=SMOLLM, tok=tok, sd=sd, rows=rows, bos=1, pad=0, args=[])


def case_qwen2_bias(tmp):
    tok = hf.byte_level_tokenizer("qwen2")
    rows = len(tok[0]["model"]["vocab"]) + 7  # Qwen2 pads its embedding table past the tokenizer
    cfg = {**QWEN2, "vocab_size": rows, "bos_token_id": rows - 7 - 3, "eos_token_id": rows - 7 - 3}
    sd = {k: hf.round_to(v, "F16") for k, v in hf.llama_weights(cfg, 3, rows, lm_head=False).items()}
    hf.write_folder(tmp / "base", cfg, tok, sd, dtype="F16")
    return dict(base=tmp / "base", cfg=cfg, tok=tok, sd=sd, rows=rows, bos=cfg["bos_token_id"],
                pad=cfg["bos_token_id"], args=["--dtypes", "fp32,q8,q4"])


def case_sharded_external(tmp):
    tok = hf.llama_tokenizer()
    rows = len(tok[0]["model"]["vocab"])
    cfg = {**LLAMA, "num_hidden_layers": 3}
    sd = hf.llama_weights(cfg, 4, rows)
    hf.write_folder(tmp / "base", cfg, tok, sd, dtype="F32", shards=3)
    # every file over 0 bytes goes to external data, as a >2 GB model would
    return dict(base=tmp / "base", cfg=cfg, tok=tok, sd=sd, rows=rows, bos=1, pad=2,
                args=["--external-data-over", "0"])


def case_hllm_release(tmp):
    tok = hf.llama_tokenizer()
    rows = len(tok[0]["model"]["vocab"])
    # the base folder's own weights must be ignored: the release holds both towers
    hf.write_folder(tmp / "base", LLAMA, tok, hf.llama_weights(LLAMA, 99, rows), dtype="F32")
    sd = {**hf.llama_weights(LLAMA, 5, rows, prefix="item_llm."),
          **hf.llama_weights(LLAMA, 6, rows, prefix="user_llm.", n_layers=1),  # a shallower user tower
          "item_emb_tokens": torch.randn(1, 1, LLAMA["hidden_size"], generator=torch.Generator().manual_seed(7)),
          "logit_scale": torch.tensor(3.2)}
    sd = {k: hf.round_to(v, "BF16") for k, v in sd.items()}
    torch.save({k: v.to(torch.bfloat16) for k, v in sd.items()}, tmp / "pytorch_model.bin")  # HLLM ships bf16
    return dict(base=tmp / "base", cfg=LLAMA, tok=tok, sd=sd, rows=rows, bos=1, pad=2, release=True,
                args=["--hllm-weights", str(tmp / "pytorch_model.bin")])


CASES = {"llama-gqa-untied": case_llama_gqa_untied, "smollm-tied-bf16": case_smollm_tied,
         "qwen2-bias-f16": case_qwen2_bias, "sharded-external-data": case_sharded_external,
         "hllm-release-bin": case_hllm_release}


def run_import(c, out, extra=(), subprocess_cli=False):
    """The importer's output; in-process (a Python start with torch costs seconds on a busy
    machine) unless `subprocess_cli`, which runs the command exactly as a user would."""
    args = ["--base", str(c["base"]), "--out", str(out), "--max-text-tokens", str(MAX_TEXT),
            "--text-fields", "title,tag,description", *c["args"], *extra]
    if subprocess_cli:
        res = subprocess.run([PY, "models/import_checkpoint.py", *args], capture_output=True, text=True, cwd=ROOT)
        assert res.returncode == 0, f"import failed:\n{res.stdout[-3000:]}\n{res.stderr[-3000:]}"
        return res.stdout
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        import_checkpoint.main(args)
    return buf.getvalue()


@pytest.fixture(scope="module", params=list(CASES))
def imported(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(request.param)
    c = CASES[request.param](tmp)
    c["log"] = run_import(c, tmp / "model", subprocess_cli=request.param == "llama-gqa-untied")
    c["out"] = tmp / "model"
    c["name"] = request.param
    return c


# ---------------------------------------------------------------------------------------------
# tests
# ---------------------------------------------------------------------------------------------

def test_manifest_files_and_ids(imported):
    c, out = imported, imported["out"]
    man = json.load(open(out / "hllm.json"))
    assert man["item_token_id"] == c["rows"], "the item token is the row after the checkpoint's table"
    assert (man["bos_token_id"], man["pad_token_id"]) == (c["bos"], c["pad"])
    assert man["prompt"] == "Compress the following sentence into embedding: "
    assert man["dim"] == c["cfg"]["hidden_size"] and man["max_text_tokens"] == MAX_TEXT
    assert man["field_separator"] == ("" if c.get("release") else " ")
    for f in man["files"]:
        data = open(out / f["path"], "rb").read()
        assert len(data) == f["bytes"] and hashlib.sha256(data).hexdigest() == f["sha256"], f["path"]
    enc = [f for f in man["files"] if f["role"] in ("item_encoder", "user_encoder", "user_kv_encoder")]
    ext = [f for f in man["files"] if f["role"] == "external_data"]
    if c["name"] == "sharded-external-data":
        assert all(f["external_data"] == [os.path.basename(f["path"]) + "_data"] for f in enc)
        assert {x["external_data_of"] for x in ext} == {f["path"] for f in enc}
        # every weight lives in the data file, none in the graph file
        for f in enc:
            graph = onnx.load(str(out / f["path"]), load_external_data=False)
            assert graph.graph.initializer and all(
                i.data_location == onnx.TensorProto.EXTERNAL for i in graph.graph.initializer)
    else:
        assert not ext and all(f["external_data"] == [] for f in enc)
    assert all(f["max_tensor_bytes"] > 0 for f in enc)
    assert man["training"]["source"]["kind"] == ("hllm-release" if c.get("release") else "hf-checkpoint")
    assert "1/6" in c["log"] and "6/6 manifest" in c["log"] and "item min cos" in c["log"]
    # with a quantised dtype comes the i8 key/value-cache User LLM (WASM's), checked like the others
    if any(f["dtype"] in ("q8", "q4") for f in enc):
        assert [f["role"] for f in enc if f["dtype"] == "i8"] == ["user_kv_encoder"]
        assert man["metrics"]["parity"]["i8"]["user_kv_min_cos"] >= 0.99


def test_self_check_references_and_buffer_sizes(imported):
    """Each dtype ships its WebGPU self-check reference: golden rows through that dtype's graphs
    (fp32: PyTorch's vectors, cosine >= 0.9999); a q4 item encoder's largest GPU buffer is its
    embedding table dequantised to fp32, 4 bytes a weight (vocab + the item token row)."""
    man, out = json.load(open(imported["out"] / "hllm.json")), imported["out"]
    golden = {tuple(g["input_ids"]): g["embedding"] for g in json.load(open(out / "golden.json"))["items"]}
    for f in (f for f in man["files"] if f["role"] == "item_encoder"):
        ref = json.load(open(out / f"self_check_{f['dtype']}.json"))
        assert any(x["path"] == f"self_check_{f['dtype']}.json" and x["role"] == "self_check" for x in man["files"])
        assert ref["source"].startswith("onnxruntime-web") and len(ref["items"]) == 4 and len(ref["user"]["embedding"]) == man["dim"]
        cos = [float(np.dot(r["embedding"], golden[tuple(r["input_ids"])]) / np.linalg.norm(r["embedding"])
                     / np.linalg.norm(golden[tuple(r["input_ids"])])) for r in ref["items"]]
        assert min(cos) >= (0.9999 if f["dtype"] == "fp32" else 0.99), (f["dtype"], cos)
        if f["dtype"] == "q4":
            assert f["max_buffer_bytes"] == 4 * (man["item_token_id"] + 1) * man["dim"] > f["max_tensor_bytes"]


def test_golden_ids_come_from_the_checkpoint_tokenizer(imported):
    """Node's ids (through @huggingface/tokenizers) decode back to the item text by vocabulary alone."""
    golden = json.load(open(imported["out"] / "golden.json"))
    man = json.load(open(imported["out"] / "hllm.json"))
    byte_fallback = imported["tok"][0]["model"].get("byte_fallback")
    for g in golden["items"]:
        ids = g["input_ids"]
        assert ids[0] == man["bos_token_id"] and ids[-1] == man["item_token_id"]
        assert len(ids) <= MAX_TEXT + 1
        text = hf.decode(imported["tok"][0], ids[1:-1])
        want = (" " + g["text"]) if byte_fallback else g["text"]  # Llama prepends '▁'
        if len(ids) < MAX_TEXT + 1:
            assert text == want
        else:
            assert want.startswith(text[:-2])  # truncated, possibly inside a multi-byte character
    assert any(len(g["input_ids"]) == MAX_TEXT + 1 for g in golden["items"]), "one item must be truncated"


def reference_items(c, golden, wrong_item_token=False):
    """`wrong_item_token` swaps in a plausible wrong vector, to show the comparison can fail."""
    sd, cfg = c["sd"], c["cfg"]
    prefix = "item_llm." if c.get("release") else ""
    mean = sd[prefix + "model.embed_tokens.weight"].double().mean(0)  # the importer's initialisation
    if c.get("release"):
        vec = mean if wrong_item_token else sd["item_emb_tokens"].reshape(-1)
    else:
        vec = sd["model.embed_tokens.weight"][0] if wrong_item_token else mean
    return torch.stack([ref_item(sd, prefix, cfg, g["input_ids"], vec, hllm_positions=c.get("release", False))
                        for g in golden["items"]])


def reference_users(c, item_embs, hists):
    prefix = "user_llm." if c.get("release") else ""
    return torch.stack([ref_user(c["sd"], prefix, c["cfg"], item_embs[h]) for h in hists])


def left_pad(rows, pad):
    T = max(len(r) for r in rows)
    ids = np.full((len(rows), T), pad, np.int64)
    mask = np.zeros((len(rows), T), np.int64)
    for i, r in enumerate(rows):
        ids[i, T - len(r):], mask[i, T - len(r):] = r, 1
    return ids, mask


def test_onnx_matches_reference_architecture(imported):
    c, out = imported, imported["out"]
    golden = json.load(open(out / "golden.json"))
    man = json.load(open(out / "hllm.json"))
    ref = reference_items(c, golden)
    # PyTorch (models/model.py) after import already agrees with the reference ...
    assert cosines([g["embedding"] for g in golden["items"]], ref).min() >= 0.9999
    # ... and the comparison can fail: the wrong item-token vector is far off
    assert cosines([g["embedding"] for g in golden["items"]], reference_items(c, golden, True)).min() < 0.99
    runner = OrtRunner()
    rows = [g["input_ids"] for g in golden["items"]]
    hists = [[0, 1, 2, 3, 4, 5], [7], [2, 9], list(range(len(rows)))[::-1][:10]]
    ref_u = reference_users(c, ref, hists)
    dtypes = sorted({f["dtype"] for f in man["files"] if f["role"] == "item_encoder"})
    # one left-padded batch of every length (padding must change nothing), and left-padded users
    ids, mask = left_pad(rows, man["pad_token_id"])
    S = max(len(h) for h in hists)
    x = np.zeros((len(hists), S, man["dim"]), np.float32)
    m = np.zeros((len(hists), S), np.int64)
    for i, h in enumerate(hists):
        x[i, S - len(h):], m[i, S - len(h):] = ref[h].float().numpy(), 1
    path = lambda role, dt: str(out / next(f["path"] for f in man["files"] if f["role"] == role and f["dtype"] == dt))
    jobs = []
    for dt in dtypes:
        jobs += [(path("item_encoder", dt), [{"input_ids": ids, "attention_mask": mask}], "item_embedding"),
                 (path("user_encoder", dt), [{"item_embeddings": x, "attention_mask": m}], "user_embedding")]
    outs = runner.run_many(jobs)
    measured = {dt: (float(cosines(outs[2 * k][0], ref).min()), float(cosines(outs[2 * k + 1][0], ref_u).min()))
                for k, dt in enumerate(dtypes)}
    print(f"{c['name']}: min cosine (item, user) vs reference: {measured}")
    want = {"fp32": 0.9999, "q8": 0.99, "q4": 0.99}
    for dt, (ci, cu) in measured.items():
        assert ci >= want[dt] and cu >= want[dt], f"{dt}: item {ci:.6f}, user {cu:.6f} < {want[dt]}"
    assert {"fp32", "q4"} <= set(measured)


# ---------------------------------------------------------------------------------------------
# refusals and fine-tuning
# ---------------------------------------------------------------------------------------------

def refusal(base, out):
    with pytest.raises(SystemExit) as e, contextlib.redirect_stdout(io.StringIO()):
        import_checkpoint.main(["--base", str(base), "--out", str(out)])
    return str(e.value)


def test_refuses_what_it_cannot_represent(tmp_path):
    tok = hf.llama_tokenizer()
    rows = len(tok[0]["model"]["vocab"])
    for name, cfg, needle in (("gemma", {**LLAMA, "model_type": "gemma"}, "model_type 'gemma' is not supported"),
                              ("scaled", {**LLAMA, "rope_scaling": {"type": "llama3", "factor": 8.0}}, "rope_scaling"),
                              ("gelu", {**LLAMA, "hidden_act": "gelu"}, "hidden_act")):
        hf.write_folder(tmp_path / name, cfg, tok, hf.llama_weights(LLAMA, 1, rows))
        assert needle in refusal(tmp_path / name, tmp_path / (name + "-out"))
    # an o_proj bias (Llama's attention_bias=true) has no place in the model: named, not dropped
    sd = hf.llama_weights(LLAMA, 1, rows)
    sd["model.layers.0.self_attn.o_proj.bias"] = torch.zeros(LLAMA["hidden_size"])
    hf.write_folder(tmp_path / "obias", LLAMA, tok, sd)
    assert "o_proj.bias" in refusal(tmp_path / "obias", tmp_path / "obias-out")
    hf.write_folder(tmp_path / "empty", LLAMA, tok)
    assert "no model.safetensors" in refusal(tmp_path / "empty", tmp_path / "empty-out")


def test_finetune_then_export(tmp_path):
    """--finetune-data runs the pipeline's trainer on the imported weights, then exports that."""
    tok = hf.llama_tokenizer()
    rows = len(tok[0]["model"]["vocab"])
    cfg = {**LLAMA, "hidden_size": 32, "num_attention_heads": 2, "num_key_value_heads": 1, "intermediate_size": 64,
           "num_hidden_layers": 1}
    # isotropic embeddings: at this toy size a shared direction makes every item a near-duplicate
    # of every other (cosine > 0.99), and HLLM's loss drops near-duplicate negatives, i.e. all of them
    sd = hf.llama_weights(cfg, 8, rows, anisotropy=0.0)
    hf.write_folder(tmp_path / "base", cfg, tok, sd)
    data = tmp_path / "data"
    data.mkdir()
    g = np.random.default_rng(0)
    words = ["hope", "story", "toy", "prison", "friend", "quiet", "life", "drama", "comedy", "title"]
    with open(data / "items.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["item_id", "title", "tag"])
        for i in range(30):
            w.writerow([f"i{i}", " ".join(g.choice(words, 3)), g.choice(words)])
    with open(data / "interactions.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["item_id", "user_id", "timestamp"])
        for u in range(24):
            for t, i in enumerate(g.choice(30, 7, replace=False)):
                w.writerow([f"i{i}", f"u{u}", t])
    c = dict(base=tmp_path / "base", args=["--finetune-data", str(data), "--max-steps", "4", "--eval-every", "2",
                                           "--batch-users", "8", "--n-negatives", "16", "--lr", "1e-2",
                                           "--run-dir", str(tmp_path / "run")])
    log = run_import(c, tmp_path / "model")
    assert "3/6 fine-tune" in log and "valid N@10" in log and "loss 0.0000" not in log
    man = json.load(open(tmp_path / "model" / "hllm.json"))
    assert man["training"]["finetune"]["dataset_sha256"] and "N@10" in man["metrics"]["test"]["pytorch"]
    assert man["text_fields"] == ["title", "tag"] and man["field_separator"] == " "
    assert min(man["metrics"]["parity"]["fp32"].values()) >= 0.9999
    golden = json.load(open(tmp_path / "model" / "golden.json"))
    vec = sd["model.embed_tokens.weight"].double().mean(0)
    before = torch.stack([ref_item(sd, "", cfg, x["input_ids"], vec) for x in golden["items"]])
    # fp32 export agrees with PyTorch to ~1e-6, so a change of 1e-3 is the trainer's doing
    diff = (torch.tensor([x["embedding"] for x in golden["items"]], dtype=torch.float64) - before).abs().max()
    assert diff > 1e-3, "fine-tuning changed nothing"

