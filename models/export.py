"""Export a trained checkpoint to the browser model folder (docs/model-format.md).

    /usr/bin/python3 models/export.py models/runs/hllm/checkpoint.pt public/models/default \
        --baseline models/runs/sasrec/checkpoint.pt --catalog-out public/catalogs/ml-latest-small

Steps, each printed: ONNX export (opset 17, dynamic axes, left padding, positions from the
mask), q8 and q4 variants, a parity check of every variant against PyTorch with ONNX Runtime
(WASM, in Node), test metrics of every variant through ONNX Runtime, golden.json, and the
manifest with sha256 of every file.
"""
import argparse
import csv
import hashlib
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import onnx
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dataset as datasets  # noqa: E402
from evaluate import (metrics_from_ranks, rank_targets, item_tokens, pad_left, pad_left_embs, user_batches,  # noqa: E402
                      standard_error)
from model import HLLM, HLLMConfig  # noqa: E402
from ort_check import OrtRunner  # noqa: E402
from quantize import gpu_buffer_bytes, quantize  # noqa: E402
from record_quality_bar import load_quality_bars  # noqa: E402
import self_check  # noqa: E402
from add_popularity import write_popularity  # noqa: E402
from tokenizer import BOS, ITEM, PAD, WordPiece  # noqa: E402
from user_step import export_user_step, kv_cache_entry, ort_prefill  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DTYPES = ("fp32", "q8", "q4")
TOKENIZER_CASES = [
    "Crème brûlée: Amélie (2001) — Le Fabuleux Destin d'Amélie Poulain",
    "Señor Müller's naïve café, São Paulo & Zürich!!!",
    "title: Léon: The Professional (a.k.a. Léon) (1994) genres: Action, Crime, Drama",
    "\"Quoted\" (parenthetical) [bracketed] {braced} <angled> ... ?!;:,",
    "千と千尋の神隠し (Spirited Away) 2001 — 東京",
    "Emoji 🎬🍿 and ZWJ 👩‍👩‍👧 family, flags 🇫🇷",
    "Control\tchars\nand\r\nnulls\u0000 and \u200bzero width",
    "שלום עולם مرحبا بالعالم RTL text",
    "   leading and trailing spaces   ",
    "",
    "[ITEM] literal special tokens [PAD] inside [UNK] text [BOS]",
    "supercalifragilisticexpialidocious " * 3,
    "word " * 400,
]


class ItemEncoder(torch.nn.Module):
    def __init__(self, core):
        super().__init__()
        self.core = core

    def forward(self, input_ids, attention_mask):
        return self.core.item_llm(input_ids, attention_mask)


class UserEncoder(torch.nn.Module):
    def __init__(self, core):
        super().__init__()
        self.core = core

    def forward(self, item_embeddings, attention_mask):
        return self.core.user_llm(item_embeddings, attention_mask)[:, -1]


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def load_checkpoint(path):
    ck = torch.load(path, map_location="cpu")
    mc = HLLMConfig(**ck["model_config"])
    core = HLLM(mc)
    core.load_state_dict(ck["state_dict"])
    core.eval()
    return ck, mc, core


def export_onnx(core, mc, onnx_dir):
    os.makedirs(onnx_dir, exist_ok=True)
    ids = torch.tensor([[0, 0, 2, 10, 11, 3], [2, 12, 13, 14, 15, 3]])
    mask = (ids != 0).long()
    item_path = os.path.join(onnx_dir, "item_encoder.onnx")
    torch.onnx.export(ItemEncoder(core).eval(), (ids, mask), item_path, opset_version=17,
                      input_names=["input_ids", "attention_mask"], output_names=["item_embedding"],
                      dynamic_axes={"input_ids": {0: "B", 1: "T"}, "attention_mask": {0: "B", 1: "T"},
                                    "item_embedding": {0: "B"}})
    x = torch.randn(2, 5, mc.dim)
    m = torch.tensor([[0, 0, 1, 1, 1], [1, 1, 1, 1, 1]])
    user_path = os.path.join(onnx_dir, "user_encoder.onnx")
    torch.onnx.export(UserEncoder(core).eval(), (x, m), user_path, opset_version=17,
                      input_names=["item_embeddings", "attention_mask"], output_names=["user_embedding"],
                      dynamic_axes={"item_embeddings": {0: "B", 1: "S"}, "attention_mask": {0: "B", 1: "S"},
                                    "user_embedding": {0: "B"}})
    paths = {("item", "fp32"): item_path, ("user", "fp32"): user_path}
    for kind in ("item", "user"):
        for dt in ("q8", "q4"):
            dst = os.path.join(onnx_dir, f"{kind}_encoder_{dt}.onnx")
            onnx.save(quantize(onnx.load(paths[(kind, "fp32")]), dt), dst)
            paths[(kind, dt)] = dst
    # the User LLM again, with its key/value cache: the engine's path for one new event
    paths |= {("user_kv", dt): p for dt, p in export_user_step(core, mc, onnx_dir).items()}
    for (kind, dt), p in sorted(paths.items()):
        print(f"  {kind}_encoder {dt}: {os.path.getsize(p) / 1e6:.2f} MB")
    return paths


def cos(a, b):
    return F.cosine_similarity(torch.as_tensor(a), torch.as_tensor(b), dim=-1)


def ort_items(runner, path, tokens, pad_id, batch=256):
    """Embed token rows with ONNX Runtime, bucketed by length like the engine."""
    order = sorted(range(len(tokens)), key=lambda i: len(tokens[i]))
    batches = []
    for s in range(0, len(order), batch):
        ids, mask = pad_left([tokens[i] for i in order[s:s + batch]], pad_id)
        batches.append({"input_ids": ids.numpy(), "attention_mask": mask.numpy()})
    outs = runner.run(path, batches, "item_embedding")
    embs = np.zeros((len(tokens), outs[0].shape[1]), np.float32)
    for s, out in zip(range(0, len(order), batch), outs):
        embs[order[s:s + batch]] = out
    return embs


def ort_users(runner, path, item_embs, hists):
    batches = []
    for s in range(0, len(hists), 128):
        chunk = hists[s:s + 128]
        L = max(len(h) for h in chunk)
        x = np.zeros((len(chunk), L, item_embs.shape[1]), np.float32)
        m = np.zeros((len(chunk), L), np.int64)
        for i, h in enumerate(chunk):
            x[i, L - len(h):] = item_embs[h]
            m[i, L - len(h):] = 1
        batches.append({"item_embeddings": x, "attention_mask": m})
    return np.concatenate(runner.run(path, batches, "user_embedding"))


def ort_metrics(runner, paths, dt, tokens, pad_id, pairs, mc):
    embs = ort_items(runner, paths[("item", dt)], tokens[1:], pad_id)
    embs = np.concatenate([np.zeros((1, embs.shape[1]), np.float32), embs])
    ranks = []
    for chunk, hists in user_batches(pairs, mc.max_history, batch=len(pairs)):
        users = ort_users(runner, paths[("user", dt)], embs, hists)
        scores = F.normalize(torch.from_numpy(users), dim=-1) @ F.normalize(torch.from_numpy(embs), dim=-1).T
        ranks += rank_targets(scores, chunk)
    m = metrics_from_ranks(ranks)
    m["N@10_se"] = standard_error(ranks)
    return m, embs


def parser():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("checkpoint", help="train.py's checkpoint.pt; its data set must be unchanged (sha256 checked)")
    p.add_argument("out", help="browser model folder to write: ONNX fp32/q8/q4, tokenizer, golden.json, hllm.json")
    p.add_argument("--baseline", help="SASRec checkpoint.pt of the same split, its metrics recorded too (default: none)")
    p.add_argument("--catalog-out", help="also publish items.csv (+ licence) here for the engine (default: not published)")
    p.add_argument("--id", default=None, help="model id in hllm.json and golden.json (default: hllm-<data set name>)")
    p.add_argument("--golden-users", type=int, default=5,
                   help="test users whose embedding and top 10 go into golden.json (default: %(default)s)")
    p.add_argument("--quality-bar", nargs="*", default=[], metavar="SUMMARY_JSON",
                   help="models/compare.py summary.json files (multi-seed HLLM vs SASRec vs popular) to record, "
                        "keyed by the data set's name (models/data/ml-100k/out -> ml-100k) (default: none)")
    p.add_argument("--selection", help="pick_best.py's record of how this checkpoint was chosen (default: none)")
    return p


def main(argv=None):
    a = parser().parse_args(argv)

    ck, mc, core = load_checkpoint(a.checkpoint)
    run_dir = os.path.dirname(os.path.abspath(a.checkpoint))
    tcfg = ck["train_config"]
    ds = datasets.load(ck["dataset"]["path"])
    if ds.sha256 != ck["dataset"]["sha256"]:
        raise SystemExit(f"data at {ck['dataset']['path']} changed since training (sha256 mismatch)")
    tok = WordPiece.load(os.path.join(run_dir, "tokenizer.json"))
    os.makedirs(a.out, exist_ok=True)
    bos, item_id, pad_id = tok.vocab[BOS], tok.vocab[ITEM], tok.vocab[PAD]
    texts = [datasets.item_text(it, ds.text_fields, tcfg["prompt"]) for it in ds.items]
    tokens = [[]] + [item_tokens(tok, t, mc, bos, item_id) for t in texts[1:]]

    print("1/5 export ONNX (opset 17) and quantise")
    paths = export_onnx(core, mc, os.path.join(a.out, "onnx"))
    runner = OrtRunner()

    print("2/5 parity: ONNX Runtime vs PyTorch")
    golden_idx = pick_golden_items(ds)
    extra = synthetic_items(ds.text_fields)
    g_items = [ds.items[i] | {"id": ds.item_ids[i]} for i in golden_idx] + extra
    g_tokens = [item_tokens(tok, datasets.item_text(it, ds.text_fields, tcfg["prompt"]), mc, bos, item_id)
                for it in g_items]
    with torch.no_grad():
        ids, mask = pad_left(g_tokens, pad_id)
        torch_items = core.item_llm(ids, mask).numpy()
        all_items = np.concatenate([np.zeros((1, mc.dim), np.float32),
                                    core.item_llm(*pad_left(tokens[1:], pad_id)).numpy()])
    test = ds.split("test")
    g_users = test[:: max(1, len(test) // a.golden_users)][: a.golden_users]
    hists = [h[-mc.max_history:] for h, _ in g_users]
    with torch.no_grad():
        x, m = pad_left_embs(all_items, hists)
        torch_users = core.user_llm(x, m)[:, -1].numpy()
    parity = {}
    for dt in DTYPES:
        oi = ort_items(runner, paths[("item", dt)], g_tokens, pad_id)
        ou = ort_users(runner, paths[("user", dt)], all_items, hists)
        ok = ort_prefill(runner, paths[("user_kv", dt)], mc, *pad_left_embs(all_items, hists))
        parity[dt] = {"item_min_cos": float(cos(oi, torch_items).min()),
                      "user_min_cos": float(cos(ou, torch_users).min()),
                      "user_kv_min_cos": float(cos(ok, torch_users).min())}
        print(f"  {dt}: item min cos {parity[dt]['item_min_cos']:.6f}, user min cos {parity[dt]['user_min_cos']:.6f}, "
              f"user (kv graph) min cos {parity[dt]['user_kv_min_cos']:.6f}")
    # i8 exists for the kv graph alone (the engine's User LLM on WASM for q8 and q4)
    ok = ort_prefill(runner, paths[("user_kv", "i8")], mc, *pad_left_embs(all_items, hists))
    parity["i8"] = {"user_kv_min_cos": float(cos(ok, torch_users).min())}
    print(f"  i8: user (kv graph) min cos {parity['i8']['user_kv_min_cos']:.6f}")
    if min(parity["fp32"].values()) < 0.9999:
        raise SystemExit("fp32 ONNX does not match PyTorch (cosine < 0.9999)")

    print("3/5 test metrics of every variant through ONNX Runtime")
    metrics = {"test": {}}
    for dt in DTYPES:
        metrics["test"][dt], _ = ort_metrics(runner, paths, dt, tokens, pad_id, test, mc)
        print(f"  {dt}: N@10 {metrics['test'][dt]['N@10']:.4f} R@10 {metrics['test'][dt]['R@10']:.4f}")
    metrics["test"]["pytorch"] = ck["result"]["test"]
    metrics["valid"] = {"pytorch": ck["result"]["valid"]}
    metrics["test"]["popular"] = ck["result"]["test_popular"]
    if a.baseline:
        bl = torch.load(a.baseline, map_location="cpu")
        if bl["dataset"]["sha256"] != ds.sha256:
            raise SystemExit("baseline was trained on different data")
        metrics["test"]["sasrec"] = bl["result"]["test"]
        metrics["valid"]["sasrec"] = bl["result"]["valid"]
        # which SASRec: "full" (cross-entropy over the catalogue) or "sampled" (HLLM's InfoNCE)
        metrics["baseline"] = {"model": "sasrec", "loss": bl["train_config"].get("loss", "sampled"),
                               "seed": bl["train_config"]["seed"], "lr": bl["train_config"]["lr"],
                               "dropout": bl["model_config"]["dropout"]}
    metrics["parity"] = parity
    if a.selection:
        with open(a.selection) as fh:
            metrics["selection"] = json.load(fh)
    if a.quality_bar:
        metrics["quality_bar"] = load_quality_bars(a.quality_bar)

    print("4/5 golden.json and side files")
    catalog = None
    if a.catalog_out:
        catalog = publish_catalog(ck["dataset"]["path"], a.catalog_out, a.out)
    top10 = []
    normed = F.normalize(torch.from_numpy(all_items), dim=-1)
    scores = F.normalize(torch.from_numpy(torch_users), dim=-1) @ normed.T
    for row, (h, _) in zip(scores, g_users):
        row[0] = -float("inf")
        row[torch.tensor(h)] = -float("inf")
        top10.append([ds.item_ids[int(i)] for i in torch.topk(row, 10).indices])
    golden = {
        "model_id": a.id or f"hllm-{ds.name}",
        "catalog": catalog,
        "tokenizer_cases": [{"text": t, "ids": tok.encode(t)} for t in TOKENIZER_CASES],
        "items": [{"item": it, "text": datasets.item_text(it, ds.text_fields, tcfg["prompt"]),
                   "input_ids": tk, "embedding": e.tolist()} for it, tk, e in zip(g_items, g_tokens, torch_items)],
        "users": [{"history": [ds.item_ids[i] for i in h], "embedding": e.tolist(), "top10": t}
                  for (h, _), e, t in zip(g_users, torch_users, top10)],
    }
    with open(os.path.join(a.out, "golden.json"), "w", encoding="utf-8") as f:
        json.dump(golden, f, ensure_ascii=False)
    tok.save(a.out)
    write_hf_config(mc, a.out)
    write_popularity(ds, a.out)  # training-split counts for popular() and the 'popular' fallback
    self_check.write(a.out, runner, {dt: (paths[("item", dt)], paths[("user_kv", dt)]) for dt in DTYPES}, mc, g_tokens, pad_id)
    for name in ("train_curve.png",):
        if os.path.exists(os.path.join(run_dir, name)):
            shutil.copy(os.path.join(run_dir, name), os.path.join(a.out, name))

    print("5/5 manifest")
    manifest = build_manifest(a, mc, tok, ds, ck, metrics, paths)
    with open(os.path.join(a.out, "hllm.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    q4 = sum(os.path.getsize(paths[(k, "q4")]) for k in ("item", "user"))
    print(f"wrote {a.out}: q4 item+user {q4 / 1e6:.2f} MB")




def pick_golden_items(ds, n=8):
    """Real items with accents or punctuation first, then the longest texts, then the first ones."""
    def score(i):
        t = " ".join(ds.items[i].values())
        return (any(ord(c) > 127 for c in t), len(t))
    idx = sorted(range(1, ds.n_items + 1), key=score, reverse=True)[: n - 2]
    return idx + [1, 2]


def synthetic_items(fields):
    long = "A very long description that goes on and on. " * 40
    base = {k: "" for k in fields}
    return [
        base | {"id": "golden-empty-fields", fields[0]: "Only a title, every other field empty"},
        base | {"id": "golden-long", **{k: long for k in fields}},
        base | {"id": "golden-accents", fields[0]: "Amélie, Señor, Zürich & Crème Brûlée — naïve?! (2001)"},
        base | {"id": "golden-emoji-rtl", fields[0]: "🎬 שלום עולם مرحبا 千と千尋\u200b\u0007"},
    ]


def publish_catalog(data_dir, out_dir, model_dir):
    os.makedirs(out_dir, exist_ok=True)
    src = os.path.join(data_dir, "items.csv")
    dst = os.path.join(out_dir, "items.csv")
    shutil.copy(src, dst)
    lic = os.path.join(data_dir, "README.txt")
    if os.path.exists(lic):
        shutil.copyfile(lic, os.path.join(out_dir, "LICENSE.txt"))
    with open(dst, newline="", encoding="utf-8") as f:
        n = sum(1 for _ in csv.DictReader(f))
    return {"path": os.path.relpath(dst, model_dir), "sha256": sha256(dst), "items": n}


def write_hf_config(mc, out):
    cfg = {"architectures": ["HLLMForRecommendation"], "model_type": "llama", "hidden_size": mc.dim,
           "num_hidden_layers": mc.item_layers, "user_num_hidden_layers": mc.user_layers,
           "num_attention_heads": mc.n_heads, "num_key_value_heads": mc.n_kv_heads,
           "intermediate_size": mc.ffn_dim, "rms_norm_eps": mc.norm_eps, "rope_theta": mc.rope_theta,
           "vocab_size": mc.vocab_size, "hidden_act": "silu", "attention_bias": mc.qkv_bias,
           "tie_word_embeddings": False, "torch_dtype": "float32"}
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(cfg, f, indent=1)


def git_commit():
    try:
        return subprocess.check_output(["git", "rev-parse", "HEAD"], cwd=HERE, stderr=subprocess.DEVNULL).decode().strip()
    except (subprocess.CalledProcessError, FileNotFoundError):
        return "uncommitted"


def finish_file_list(out, files):
    """Add the side files every model folder has (and popularity.json where the folder has
    one: export.py writes it from the training data, an imported checkpoint has none; and the
    self-check references), then the size and sha256 of every file, and each encoder's buffer sizes."""
    for name, role in (("tokenizer.json", "tokenizer"), ("tokenizer_config.json", "tokenizer_config"),
                       ("config.json", "config"), ("golden.json", "golden")):
        files.append({"path": name, "role": role, "dtype": None})
    if os.path.exists(os.path.join(out, "popularity.json")):
        files.append({"path": "popularity.json", "role": "popularity", "dtype": None})
    files += self_check.manifest_entries(out, files)
    for f in files:
        full = os.path.join(out, f["path"])
        f["bytes"], f["sha256"] = os.path.getsize(full), sha256(full)
        if f["role"].endswith("_encoder") and "max_buffer_bytes" not in f:  # for the WebGPU fit check
            f["max_tensor_bytes"], f["max_buffer_bytes"] = gpu_buffer_bytes(onnx.load(full, load_external_data=False))
    return files


def build_manifest(a, mc, tok, ds, ck, metrics, paths):
    files = []
    for (kind, dt), path in sorted(paths.items()):
        files.append({"path": os.path.relpath(path, a.out), "role": f"{kind}_encoder", "dtype": dt})
        if kind == "user_kv":
            files[-1]["kv_cache"] = kv_cache_entry(mc)
    finish_file_list(a.out, files)
    tc = ck["train_config"]
    return {
        "format": 1, "id": a.id or f"hllm-{ds.name}", "dim": mc.dim, "prompt": tc["prompt"],
        "text_fields": ds.text_fields, "field_template": "{key}: {value}", "field_separator": " ",
        "max_text_tokens": mc.max_text_tokens, "max_history": mc.max_history,
        "item_token_id": tok.vocab[ITEM], "bos_token_id": tok.vocab[BOS], "pad_token_id": tok.vocab[PAD],
        "files": files,
        "training": {"dataset": ds.name, "dataset_sha256": ds.sha256, "config": tc,
                     "model_config": ck["model_config"], "git_commit": git_commit(),
                     "best_step": ck["result"]["best_step"], "train_minutes": ck["result"]["train_minutes"],
                     "auxiliary_loss": {"weight": tc["aux_weight"], "token_drop": tc["aux_drop"]},
                     # the next-item loss used (train.py --loss; "full" = every catalogue item a negative)
                     "loss": ck["result"].get("loss", tc.get("loss", "sampled")),
                     "early_stopping": {"patience": tc.get("patience", 0), "steps_run": ck["result"].get("steps_run"),
                                        "budget_cut": ck["result"].get("budget_cut", True)}},
        "metrics": metrics,
    }


if __name__ == "__main__":
    main()
