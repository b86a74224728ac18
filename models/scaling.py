"""How quality grows with model size (the HLLM paper's central claim), on one data set.

    /usr/bin/python3 models/scaling.py --data models/data/ml-100k/out --sizes d32/1+1 d64/1+2 d128/2+2

Each size "dD/I+U" is HLLM with hidden size D, I Item LLM layers and U User LLM layers (heads:
D/16, SwiGLU width 3D), trained by train.py with the default recipe, early stopping and the same
step budget, then reported with its parameters, training minutes, test N@10 and the forward
FLOPs per item (Item LLM over the item's mean token count; User LLM per history position). A run
already in --out is reused (--reuse DIR maps one size to an existing run, e.g. compare.py's seed).
Writes scaling.json and prints a markdown table.
"""
import argparse
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import dataset as datasets  # noqa: E402
from compare import HLLM_FLAGS  # noqa: E402


def parse_size(s):
    m = re.fullmatch(r"d(\d+)/(\d+)\+(\d+)", s)
    if not m:
        raise SystemExit(f"size {s!r} is not of the form d64/1+2")
    dim, item_layers, user_layers = map(int, m.groups())
    if dim % 16:
        raise SystemExit(f"size {s!r}: the hidden size must be a multiple of 16 (heads of 16)")
    return {"dim": dim, "item_layers": item_layers, "user_layers": user_layers, "heads": dim // 16,
            "ffn": 3 * dim}


def size_flags(z):
    return ["--m-dim", str(z["dim"]), "--m-item-layers", str(z["item_layers"]), "--m-user-layers",
            str(z["user_layers"]), "--m-n-heads", str(z["heads"]), "--m-n-kv-heads", str(z["heads"]),
            "--m-ffn-dim", str(z["ffn"])]


def layer_flops(dim, ffn, tokens):
    """Forward FLOPs per token of one Llama block over a sequence of `tokens` (multiply-add = 2)."""
    proj = 2 * 4 * dim * dim            # q, k, v, o (no GQA at these sizes)
    mlp = 2 * 3 * dim * ffn             # gate, up, down
    attn = 2 * 2 * tokens * dim         # scores and the weighted sum, over the whole window
    return proj + mlp + attn


def flops(mc, mean_tokens):
    """(Item LLM FLOPs per item, User LLM FLOPs per history position) for a model config dict."""
    item = mean_tokens * mc["item_layers"] * layer_flops(mc["dim"], mc["ffn_dim"], mean_tokens)
    user = mc["user_layers"] * layer_flops(mc["dim"], mc["ffn_dim"], mc["max_history"])
    return item, user


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", required=True)
    p.add_argument("--sizes", nargs="+", default=["d32/1+1", "d64/1+2", "d128/2+2"])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--max-steps", type=int, default=1500)
    p.add_argument("--patience", type=int, default=6)
    p.add_argument("--out", default="models/runs/scaling")
    p.add_argument("--reuse", nargs="*", default=[], metavar="SIZE=DIR",
                   help="use an existing train.py run for a size instead of training it")
    a = p.parse_args(argv)
    reuse = dict(r.split("=", 1) for r in a.reuse)
    rows = []
    for s in a.sizes:
        z = parse_size(s)
        out = reuse.get(s) or os.path.join(a.out, s.replace("/", "-").replace("+", "-"))
        done = os.path.join(out, "train_log.json")
        if not os.path.exists(done):
            cmd = [sys.executable, os.path.join(HERE, "train.py"), "--data", a.data, "--out", out,
                   "--seed", str(a.seed), "--max-steps", str(a.max_steps), "--eval-every", "50",
                   "--patience", str(a.patience), *HLLM_FLAGS, *size_flags(z)]
            print(f"== {s}: {' '.join(cmd[2:])}", flush=True)
            subprocess.run(cmd, check=True)
        else:
            print(f"== {s}: reusing {done}", flush=True)
        with open(done) as f:
            log = json.load(f)
        mc, res = log["model_config"], log["result"]
        for k, v in (("dim", z["dim"]), ("item_layers", z["item_layers"]), ("user_layers", z["user_layers"])):
            if mc[k] != v:
                raise SystemExit(f"{done} is {k}={mc[k]}, not size {s}")
        import torch
        ck = torch.load(os.path.join(out, "checkpoint.pt"), map_location="cpu")
        params = sum(t.numel() for t in ck["state_dict"].values())
        ds = datasets.load(a.data)
        from tokenizer import WordPiece
        tok = WordPiece.load(os.path.join(out, "tokenizer.json"))
        lens = [min(len(tok.encode(datasets.item_text(it, ds.text_fields, ""))) + 1, mc["max_text_tokens"]) + 1
                for it in ds.items[1:]]
        item_f, user_f = flops(mc, sum(lens) / len(lens))
        rows.append({"size": s, "params": params, "train_minutes": res["train_minutes"],
                     "best_step": res["best_step"], "steps_run": res.get("steps_run"),
                     "budget_cut": res.get("budget_cut", True), "test_N@10": res["test"]["N@10"],
                     "test_R@10": res["test"]["R@10"], "valid_N@10": res["valid"]["N@10"],
                     "item_flops_per_item": item_f, "user_flops_per_position": user_f, "run": out})
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "scaling.json"), "w") as f:
        json.dump({"data": a.data, "seed": a.seed, "max_steps": a.max_steps, "patience": a.patience,
                   "recipe": HLLM_FLAGS, "rows": rows}, f, indent=1)
    print("| size | params | test N@10 | test R@10 | best step / run | minutes | Item LLM MFLOPs / item | User LLM MFLOPs / position |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['size']} | {r['params'] / 1e6:.2f}M | {r['test_N@10']:.4f} | {r['test_R@10']:.4f} | "
              f"{r['best_step']} / {r['steps_run']}{' (cut)' if r['budget_cut'] else ''} | {r['train_minutes']:.1f} | "
              f"{r['item_flops_per_item'] / 1e6:.1f} | {r['user_flops_per_position'] / 1e6:.2f} |")


if __name__ == "__main__":
    main()
