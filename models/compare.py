"""HLLM vs both SASRec variants vs most-popular over several seeds, with standard errors: the quality bar.

    /usr/bin/python3 models/compare.py --data models/data/ml-100k/out --seeds 0 1 2 \
        --hllm-steps 1200 --sasrec-steps 4000 --patience 6

Three models, each trained per seed on the same split by the same script, each keeping its best
checkpoint by validation NDCG@10 and reported on test:
- hllm: the default model's recipe (HLLM_FLAGS; --hllm-flags replaces it); with --hllm-grid its
  learning rate x dropout is tuned on VALIDATION by the same rule as sasrec_full's, so neither
  model gets more tuning than the other;
- sasrec_full: SASRec with a cross-entropy over the whole catalogue at every position (the
  strong baseline of Klenitskiy & Vasilev, RecSys 2023), learning rate x dropout tuned on the
  VALIDATION N@10 over --full-lrs x --full-dropouts (or the --full-grid pairs, to extend a grid
  past an edge without training its whole product): the grid runs on the first seed, the
  --finalists best configs on every seed, and the best mean validation over seeds is kept;
- sasrec: SASRec with HLLM's own loss (256 sampled negatives), lr tuned the same way over --sasrec-lrs.
Every run stops early after --patience evaluations without a better validation N@10, within a
maximum step budget (reproducible on a shared machine). The summary records each run's best
step, minutes and whether its budget cut it; a comparison in which any run was cut says so.
With about 1,000 test users one standard error of NDCG@10 is about 0.006, so a single seed
proves nothing: the summary gives the mean over seeds and the standard error of that mean, and
writes summary.json. --resume reuses finished runs.
"""
import argparse
import json
import math
import os
import subprocess
import sys

from curves import plot_curves

HERE = os.path.dirname(os.path.abspath(__file__))
# The default model's recipe (build-default.sh). A 1-layer Item LLM trains ~2x more steps per CPU
# minute than 2 layers; "full" scores every catalogue item at every position, which beat 256
# sampled negatives on validation (docs/quality.md "Levers").
HLLM_FLAGS = ["--lr", "2e-3", "--m-item-layers", "1", "--loss", "full"]
MODELS = ("hllm", "sasrec_full", "sasrec")


def mean_se(xs):
    m = sum(xs) / len(xs)
    se = math.sqrt(sum((x - m) ** 2 for x in xs) / (len(xs) - 1) / len(xs)) if len(xs) > 1 else float("nan")
    return m, se


def parser():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                epilog="Any other option (e.g. --m-dim 32) is passed to train.py for every model.")
    p.add_argument("--data", required=True, help="prepared data folder, passed to train.py for every run (required)")
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2],
                   help="seeds; each model is trained on every one (default: %(default)s)")
    p.add_argument("--hllm-steps", type=int, default=1200, help="maximum step budget for HLLM (default: %(default)s)")
    p.add_argument("--sasrec-steps", type=int, default=4000,
                   help="maximum step budget for both SASRec variants (default: %(default)s)")
    p.add_argument("--patience", type=int, default=6,
                   help="evaluations (every --eval-every steps) without a better valid N@10 before a run stops "
                        "(default: %(default)s)")
    p.add_argument("--eval-every", type=int, default=50,
                   help="steps between validation evaluations in every run (default: %(default)s)")
    p.add_argument("--hllm-flags", default=" ".join(HLLM_FLAGS), help="train.py flags for HLLM (default: %(default)s)")
    p.add_argument("--hllm-grid", nargs="+", metavar="LR:DROPOUT", default=None,
                   help="tune HLLM over these pairs on top of --hllm-flags, like --full-grid (default: no tuning)")
    p.add_argument("--sasrec-lrs", type=float, nargs="+", default=[5e-4, 1e-3, 2e-3],
                   help="learning rates for the sampled-softmax SASRec, tried on the first seed (default: %(default)s)")
    p.add_argument("--full-lrs", type=float, nargs="+", default=[5e-4, 1e-3, 2e-3],
                   help="learning rates for the full-softmax SASRec, tried on the first seed (default: %(default)s)")
    p.add_argument("--full-dropouts", type=float, nargs="+", default=[0.1, 0.3, 0.5],
                   help="dropouts for the full-softmax SASRec, tried on the first seed (default: %(default)s)")
    p.add_argument("--full-grid", nargs="+", metavar="LR:DROPOUT", default=None,
                   help="full-softmax SASRec grid as explicit pairs, replacing --full-lrs x --full-dropouts "
                        "(default: their product)")
    p.add_argument("--finalists", type=int, default=2,
                   help="configs (best first-seed validation) run on every seed; the best mean validation is kept "
                        "(default: %(default)s)")
    p.add_argument("--only", nargs="+", choices=MODELS, default=list(MODELS),
                   help="train only these models (default: %(default)s)")
    p.add_argument("--out", default="models/runs/compare",
                   help="folder for every run (one per model, config and seed) and summary.json (default: %(default)s)")
    p.add_argument("--resume", action="store_true",
                   help="reuse a run whose train_log.json already exists in --out (same command, e.g. after an "
                        "interruption) (default: %(default)s)")
    return p


def parse(argv):
    # Any other option (e.g. --m-dim 32) is passed to train.py for every model.
    a, extra = parser().parse_known_args(argv)
    a.extra = extra
    return a


def main(argv=None):
    a = parse(argv)
    runs = {name: [] for name in a.only}
    tuning = {}

    def train(name, seed, flags, tag=""):
        out = os.path.join(a.out, f"{name}{tag}-{seed}")
        steps = a.hllm_steps if name == "hllm" else a.sasrec_steps
        cmd = [sys.executable, os.path.join(HERE, "train.py"), "--data", a.data, "--out", out, "--seed", str(seed),
               "--max-steps", str(steps), "--eval-every", str(a.eval_every), "--patience", str(a.patience),
               *flags, *a.extra]
        done = os.path.join(out, "train_log.json")
        if a.resume and os.path.exists(done):
            print(f"== {name}{tag} seed {seed}: reusing {done}", flush=True)
        else:
            print(f"== {name}{tag} seed {seed}: {' '.join(cmd[2:])}", flush=True)
            subprocess.run(cmd, check=True)
        with open(done) as f:
            res = json.load(f)["result"]
        res["out"], res["seed"], res["flags"] = out, seed, flags
        return res

    def tuned(name, grid, base):
        """Train the grid on the first seed; run the --finalists best configs by VALIDATION N@10 on
        every seed and keep the one with the best mean validation N@10 over seeds."""
        first = {tag: train(name, a.seeds[0], [*base, *flags], tag) for tag, flags in grid.items()}
        ranked = sorted(first, key=lambda t: -first[t]["valid"]["N@10"])[:max(1, a.finalists)]
        # The other seeds' folders carry the config's tag, so --resume after a grid change never
        # reuses a seed trained with another config.
        seeds = {t: [first[t]] + [train(name, s, [*base, *grid[t]], t) for s in a.seeds[1:]] for t in ranked}
        mean_valid = {t: sum(r["valid"]["N@10"] for r in rs) / len(rs) for t, rs in seeds.items()}
        best = max(ranked, key=lambda t: mean_valid[t])
        tuning[name] = {"grid": {t: {"valid_N@10": r["valid"]["N@10"], "test_N@10": r["test"]["N@10"],
                                     "best_step": r["best_step"], "budget_cut": r["budget_cut"]}
                                 for t, r in first.items()},
                        "finalists": {t: {"mean_valid_N@10": mean_valid[t],
                                          "valid_N@10": [r["valid"]["N@10"] for r in seeds[t]],
                                          "test_N@10": [r["test"]["N@10"] for r in seeds[t]]} for t in ranked},
                        "chosen": best, "flags": grid[best]}
        print(f"{name}: chosen by mean validation N@10 over seeds: {best} "
              f"({', '.join(f'{t} {v:.4f}' for t, v in mean_valid.items())})", flush=True)
        return seeds[best]

    def lr_dropout_grid(pairs):
        # train.py keeps the last of a repeated flag, so these override --hllm-flags' --lr
        return {f"-lr{lr:g}-do{do:g}": ["--lr", str(lr), "--m-dropout", str(do)] for lr, do in pairs}

    def parse_pairs(specs):
        return [tuple(map(float, g.split(":"))) for g in specs]

    if "hllm" in a.only:
        if a.hllm_grid:
            runs["hllm"] = tuned("hllm", lr_dropout_grid(parse_pairs(a.hllm_grid)), a.hllm_flags.split())
        else:
            runs["hllm"] = [train("hllm", s, a.hllm_flags.split()) for s in a.seeds]
    if "sasrec_full" in a.only:
        pairs = (parse_pairs(a.full_grid) if a.full_grid
                 else [(lr, do) for lr in a.full_lrs for do in a.full_dropouts])
        runs["sasrec_full"] = tuned("sasrec_full", lr_dropout_grid(pairs), ["--model", "sasrec", "--loss", "full"])
    if "sasrec" in a.only:
        grid = {f"-lr{lr:g}": ["--lr", str(lr)] for lr in a.sasrec_lrs}
        runs["sasrec"] = tuned("sasrec", grid, ["--model", "sasrec", "--loss", "sampled"])
    summary = summarise(runs)
    report(summary)
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "summary.json"), "w") as f:
        json.dump({"data": a.data, "seeds": a.seeds, "hllm_steps": a.hllm_steps, "sasrec_steps": a.sasrec_steps,
                   "patience": a.patience, "eval_every": a.eval_every, "hllm_flags": a.hllm_flags.split() + a.extra,
                   "extra_flags": a.extra, "tuning": tuning, **summary}, f, indent=1)
    plot_curves(summary["runs"], os.path.join(a.out, "curves.png"), f"{a.data}: validation N@10 per seed")


def summarise(runs):
    """Mean ± standard error per model and metric, each run's step/minutes/budget, and the bar."""
    summary, per_run = {}, {}
    first = next(iter(runs.values()))
    if first:
        runs = {**runs, "popular": [{"test": r["test_popular"], "test_cold": r.get("test_popular_cold")}
                                    for r in first]}
    for name, rs in runs.items():
        if not rs:
            continue
        summary[name] = {}
        for k in ("N@10", "R@10", "N@50", "R@50"):
            m, se = mean_se([r["test"][k] for r in rs])
            summary[name][k] = {"mean": m, "se": se, "runs": [r["test"][k] for r in rs]}
        # the test users whose target is a cold item (train.py's test_cold; older runs lack it)
        if all(r.get("test_cold") for r in rs):
            summary[name]["cold"] = {"users": rs[0]["test_cold"]["users"]}
            for k in ("N@10", "R@10"):
                m, se = mean_se([r["test_cold"][k] for r in rs])
                summary[name]["cold"][k] = {"mean": m, "se": se, "runs": [r["test_cold"][k] for r in rs]}
        if name != "popular":
            per_run[name] = [{"seed": r["seed"], "out": r["out"], "best_step": r["best_step"],
                              "steps_run": r.get("steps_run"), "max_steps": r.get("max_steps"),
                              "minutes": r["train_minutes"], "budget_cut": r.get("budget_cut", True),
                              "valid_N@10": r["valid"]["N@10"], "test_N@10": r["test"]["N@10"]} for r in rs]
    cut = sorted({n for n, rs in per_run.items() for r in rs if r["budget_cut"]})
    bar = {}
    if "hllm" in summary:
        for base in ("sasrec_full", "sasrec"):
            if base in summary:
                bar[f"hllm_vs_{base}"] = {k: summary["hllm"][k]["mean"] / summary[base][k]["mean"] - 1
                                          for k in ("N@10", "R@10") if summary[base][k]["mean"] > 0}
                if "cold" in summary["hllm"] and "cold" in summary[base]:
                    h, b = summary["hllm"]["cold"], summary[base]["cold"]
                    bar[f"hllm_vs_{base}_cold"] = {k: h[k]["mean"] / b[k]["mean"] - 1
                                                   for k in ("N@10", "R@10") if b[k]["mean"] > 0}
    return {"summary": summary, "runs": per_run, "relative": bar, "budget_cut": cut}


def report(s):
    for name, rs in s["runs"].items():
        print(f"{name}: " + "; ".join(f"seed {r['seed']} best step {r['best_step']}/{r['steps_run']} "
                                      f"{r['minutes']:.1f} min{' (budget cut)' if r['budget_cut'] else ''}"
                                      for r in rs))
    print(f"{'model':12} {'N@10':>16} {'R@10':>16}")
    for name, m in s["summary"].items():
        print(f"{name:12} {m['N@10']['mean']:.4f} ± {m['N@10']['se']:.4f} {m['R@10']['mean']:.4f} ± {m['R@10']['se']:.4f}")
    for key, rel in s["relative"].items():
        print(f"{key}: " + ("  ".join(f"{k} {100 * v:+.1f}%" for k, v in rel.items()) or "n/a (baseline at 0)"))
    if s["budget_cut"]:
        print(f"NOTE: the step budget, not early stopping, ended runs of: {', '.join(s['budget_cut'])}; "
              "a longer budget might change this comparison")


if __name__ == "__main__":
    main()
