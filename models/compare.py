"""HLLM vs SASRec vs most-popular over several seeds, with standard errors: the quality bar.

    /usr/bin/python3 models/compare.py --data models/data/ml-100k/out --seeds 0 1 2 --minutes 10

Each model gets the same wall-time budget per seed (its own tuned learning rate), is chosen by
validation NDCG@10 and reported on test. With about 1,000 test users one standard error of
NDCG@10 is about 0.006, so a single seed proves nothing; the summary gives the mean over seeds and
the standard error of that mean, and writes a JSON report.
"""
import argparse
import json
import math
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = {"hllm": ["--lr", "1e-3"], "sasrec": ["--model", "sasrec", "--lr", "1e-3"]}


def mean_se(xs):
    m = sum(xs) / len(xs)
    se = math.sqrt(sum((x - m) ** 2 for x in xs) / (len(xs) - 1) / len(xs)) if len(xs) > 1 else float("nan")
    return m, se


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", required=True)
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--minutes", type=float, default=10.0, help="wall-time budget per model and seed")
    p.add_argument("--out", default="models/runs/compare")
    p.add_argument("extra", nargs=argparse.REMAINDER, help="passed to train.py")
    a = p.parse_args(argv)
    results = {m: [] for m in MODELS}
    results["popular"] = []
    for seed in a.seeds:
        for name, flags in MODELS.items():
            out = os.path.join(a.out, f"{name}-{seed}")
            cmd = [sys.executable, os.path.join(HERE, "train.py"), "--data", a.data, "--out", out, "--seed", str(seed),
                   "--max-steps", "1000000", "--max-minutes", str(a.minutes), "--eval-every", "50", *flags, *a.extra]
            print(f"== {name} seed {seed}: {' '.join(cmd[2:])}", flush=True)
            subprocess.run(cmd, check=True)
            with open(os.path.join(out, "train_log.json")) as f:
                res = json.load(f)["result"]
            results[name].append(res["test"])
            if name == "hllm":
                results["popular"].append(res["test_popular"])
    summary = {}
    for name, runs in results.items():
        summary[name] = {}
        for k in ("N@10", "R@10", "N@50", "R@50"):
            m, se = mean_se([r[k] for r in runs])
            summary[name][k] = {"mean": m, "se": se, "runs": [r[k] for r in runs]}
    print(f"{'model':8} {'N@10':>16} {'R@10':>16}")
    for name, s in summary.items():
        print(f"{name:8} {s['N@10']['mean']:.4f} ± {s['N@10']['se']:.4f} {s['R@10']['mean']:.4f} ± {s['R@10']['se']:.4f}")
    h, b = summary["hllm"]["N@10"]["mean"], summary["sasrec"]["N@10"]["mean"]
    print(f"HLLM vs SASRec NDCG@10: {100 * (h / b - 1):+.1f}%")
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "summary.json"), "w") as f:
        json.dump({"data": a.data, "seeds": a.seeds, "minutes": a.minutes, "summary": summary}, f, indent=1)


if __name__ == "__main__":
    main()
