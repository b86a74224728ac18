"""Reference evaluation for the TypeScript eval CLI's parity check (src/eval/).

    /usr/bin/python3 models/eval_slice.py --model public/models/default \
        --data models/data/ml-latest-small/out [--limit-users 80] [--checkpoint ckpt.pt] --out py.json

Everything up to the embeddings is the Python pipeline's own code: dataset.load (split,
stable timestamp sort), dataset.item_text + evaluate.item_tokens with the WordPiece tokenizer
in tokenizer.py, and evaluate.rank_targets / metrics_from_ranks / popularity_ranks. The
embeddings come from PyTorch when --checkpoint is given (full parity after training), else
from the model folder's ONNX files through ONNX Runtime (ort_check.py; the shipped folder has
no PyTorch weights). Prints and writes metrics and the per-user ranks of the test split.
"""
import argparse
import json
import os
import sys
from types import SimpleNamespace

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dataset as datasets  # noqa: E402
from evaluate import (catalogue_embeddings, evaluate, item_tokens, metrics_from_ranks,  # noqa: E402
                      popularity_ranks, rank_targets, standard_error)
from tokenizer import WordPiece  # noqa: E402


def onnx_ranks(model_dir, files, tokens, pad_id, pairs, max_history):
    from export import ort_items, ort_users  # needs onnx only through export's imports
    from ort_check import OrtRunner
    runner = OrtRunner()
    embs = ort_items(runner, os.path.join(model_dir, files["item_encoder"]), tokens[1:], pad_id)
    embs = np.concatenate([np.zeros((1, embs.shape[1]), np.float32), embs])
    hists = [h[-max_history:] for h, _ in pairs]
    users = ort_users(runner, os.path.join(model_dir, files["user_encoder"]), embs, hists)
    scores = F.normalize(torch.from_numpy(users), dim=-1) @ F.normalize(torch.from_numpy(embs), dim=-1).T
    return rank_targets(scores, pairs)


def torch_ranks(checkpoint, tokens, pad_id, pairs, max_history):
    from export import load_checkpoint
    _, _, core = load_checkpoint(checkpoint)
    embs = catalogue_embeddings(core, tokens, pad_id)
    return evaluate(core, embs, pairs, max_history)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", required=True, help="model folder (hllm.json, tokenizer.json, onnx/)")
    p.add_argument("--data", required=True, help="folder with interactions.csv and items.csv")
    p.add_argument("--limit-users", type=int, default=0, help="first N test users only (0: all)")
    p.add_argument("--dtype", default="fp32", help="ONNX variant when no --checkpoint")
    p.add_argument("--checkpoint", help="PyTorch checkpoint.pt: embeddings from PyTorch instead of ONNX")
    p.add_argument("--out")
    a = p.parse_args(argv)
    torch.set_num_threads(1)

    with open(os.path.join(a.model, "hllm.json")) as f:
        m = json.load(f)
    tok = WordPiece.load(os.path.join(a.model, "tokenizer.json"))
    ds = datasets.load(a.data)
    texts = [datasets.item_text(it, m["text_fields"], m["prompt"], m["field_template"], m["field_separator"])
             for it in ds.items]
    c = SimpleNamespace(max_text_tokens=m["max_text_tokens"])
    tokens = [[]] + [item_tokens(tok, t, c, m["bos_token_id"], m["item_token_id"]) for t in texts[1:]]
    pairs = ds.split("test")
    if a.limit_users > 0:
        pairs = pairs[: a.limit_users]
    # dataset.split() drops users with < 3 events; recover their ids in the same order.
    user_ids = [u for u, s in zip(ds.users, ds.seqs) if len(s) >= 3][: len(pairs)]

    if a.checkpoint:
        ranks, source = torch_ranks(a.checkpoint, tokens, m["pad_token_id"], pairs, m["max_history"]), "pytorch"
    else:
        files = {f["role"]: f["path"] for f in m["files"] if f.get("dtype") in (a.dtype, None)}
        ranks, source = onnx_ranks(a.model, files, tokens, m["pad_token_id"], pairs, m["max_history"]), f"onnx-{a.dtype}"
    metrics = metrics_from_ranks(ranks)
    metrics["N@10_se"] = standard_error(ranks)
    popular = metrics_from_ranks(popularity_ranks(ds, "test")[: len(pairs)])
    out = {"source": source, "model": a.model, "data": a.data, "items": ds.n_items, "metrics": metrics,
           "popular": popular, "ranks": [{"user": u, "rank": r} for u, r in zip(user_ids, ranks)]}
    print(json.dumps({k: out[k] for k in ("source", "items", "metrics", "popular")}, indent=1))
    if a.out:
        with open(a.out, "w") as f:
            json.dump(out, f)


if __name__ == "__main__":
    main()
