"""HLLM vs SASRec vs most-popular over several seeds, with standard errors: the quality bar.

    /usr/bin/python3 models/compare.py --data models/data/ml-100k/out --seeds 0 1 2 \
        --hllm-steps 600 --sasrec-steps 2000

Each model is trained per seed on the same split with the same loss and evaluation, keeps its
best checkpoint by validation NDCG@10, and is reported on test. HLLM uses the default model's
recipe (HLLM_FLAGS). SASRec's learning rate is chosen on the first seed's VALIDATION NDCG@10
over --sasrec-lrs, then used for every seed. Budgets are fixed step counts (reproducible on a
shared machine; pick them to take comparable time: the summary records each run's minutes) or,
without them, --minutes of wall time per run. With about 1,000 test users one standard error of
NDCG@10 is about 0.006, so a single seed proves nothing; the summary gives the mean over seeds
and the standard error of that mean, and writes a JSON report. --resume reuses finished runs.
"""
import argparse
import json
import math
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
# The default model's recipe (build-default.sh): a 1-layer Item LLM trains ~2x more steps per minute
# on CPU than 2 layers, and at these budgets steps matter more than depth.
HLLM_FLAGS = ["--lr", "2e-3", "--m-item-layers", "1"]
SASREC_FLAGS = ["--model", "sasrec"]


def mean_se(xs):
    m = sum(xs) / len(xs)
    se = math.sqrt(sum((x - m) ** 2 for x in xs) / (len(xs) - 1) / len(xs)) if len(xs) > 1 else float("nan")
    return m, se


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", required=True)
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--minutes", type=float, default=10.0, help="wall-time budget per model and seed")
    p.add_argument("--hllm-steps", type=int, default=0,
                   help="fixed step budget for HLLM instead of --minutes (reproducible on a shared machine)")
    p.add_argument("--sasrec-steps", type=int, default=0, help="fixed step budget for SASRec instead of --minutes")
    p.add_argument("--out", default="models/runs/compare")
    p.add_argument("--resume", action="store_true",
                   help="reuse a run whose train_log.json already exists in --out (same command, e.g. after an interruption)")
    p.add_argument("--sasrec-lrs", type=float, nargs="+", default=[5e-4, 1e-3, 2e-3],
                   help="SASRec learning rates tried on the first seed; the best by validation N@10 is kept")
    # Any other option (e.g. --m-dim 32) is passed to train.py for both models.
    a, extra = p.parse_known_args(argv)
    a.extra = extra
    results = {"hllm": [], "sasrec": [], "popular": []}
    tuning = {}
    minutes = {"hllm": [], "sasrec": []}

    def train(name, seed, flags, tag=""):
        out = os.path.join(a.out, f"{name}{tag}-{seed}")
        steps = a.hllm_steps if name == "hllm" else a.sasrec_steps
        budget = ["--max-steps", str(steps)] if steps else ["--max-steps", "1000000", "--max-minutes", str(a.minutes)]
        cmd = [sys.executable, os.path.join(HERE, "train.py"), "--data", a.data, "--out", out, "--seed", str(seed),
               *budget, "--eval-every", "50", *flags, *a.extra]
        done = os.path.join(out, "train_log.json")
        if a.resume and os.path.exists(done):
            print(f"== {name}{tag} seed {seed}: reusing {done}", flush=True)
        else:
            print(f"== {name}{tag} seed {seed}: {' '.join(cmd[2:])}", flush=True)
            subprocess.run(cmd, check=True)
        with open(os.path.join(out, "train_log.json")) as f:
            res = json.load(f)["result"]
        minutes[name].append(res["train_minutes"])
        return res

    sasrec_lr = a.sasrec_lrs[0]
    for i, seed in enumerate(a.seeds):
        res = train("hllm", seed, HLLM_FLAGS)
        results["hllm"].append(res["test"])
        results["popular"].append(res["test_popular"])
        if i == 0 and len(a.sasrec_lrs) > 1:
            runs = {lr: train("sasrec", seed, [*SASREC_FLAGS, "--lr", str(lr)], f"-lr{lr:g}") for lr in a.sasrec_lrs}
            tuning = {f"{lr:g}": {"valid_N@10": r["valid"]["N@10"], "test_N@10": r["test"]["N@10"]} for lr, r in runs.items()}
            sasrec_lr = max(runs, key=lambda lr: runs[lr]["valid"]["N@10"])
            print(f"SASRec lr by validation N@10: {sasrec_lr:g} ({tuning})", flush=True)
            results["sasrec"].append(runs[sasrec_lr]["test"])
        else:
            results["sasrec"].append(train("sasrec", seed, [*SASREC_FLAGS, "--lr", str(sasrec_lr)])["test"])
    summary = {}
    for name, runs in results.items():
        summary[name] = {}
        for k in ("N@10", "R@10", "N@50", "R@50"):
            m, se = mean_se([r[k] for r in runs])
            summary[name][k] = {"mean": m, "se": se, "runs": [r[k] for r in runs]}
    for name, ms in minutes.items():
        print(f"{name} training minutes per run: {', '.join(f'{m:.1f}' for m in ms)}")
    print(f"{'model':8} {'N@10':>16} {'R@10':>16}")
    for name, s in summary.items():
        print(f"{name:8} {s['N@10']['mean']:.4f} ± {s['N@10']['se']:.4f} {s['R@10']['mean']:.4f} ± {s['R@10']['se']:.4f}")
    h, b = summary["hllm"]["N@10"]["mean"], summary["sasrec"]["N@10"]["mean"]
    hr, br = summary["hllm"]["R@10"]["mean"], summary["sasrec"]["R@10"]["mean"]
    rel = lambda x, y: f"{100 * (x / y - 1):+.1f}%" if y > 0 else "n/a (SASRec at 0)"
    print(f"HLLM vs SASRec NDCG@10: {rel(h, b)}  Recall@10: {rel(hr, br)}")
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "summary.json"), "w") as f:
        json.dump({"data": a.data, "seeds": a.seeds, "minutes": a.minutes, "hllm_steps": a.hllm_steps,
                   "sasrec_steps": a.sasrec_steps, "train_minutes": minutes, "hllm_flags": HLLM_FLAGS + a.extra,
                   "sasrec_lr": sasrec_lr, "sasrec_lr_tuning": tuning, "summary": summary}, f, indent=1)


if __name__ == "__main__":
    main()
