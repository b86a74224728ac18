"""Pick the run to ship: the one with the best VALIDATION N@10 (never test), and say why.

    /usr/bin/python3 models/pick_best.py models/runs/default/compare/hllm-0 ... --write selection.json

Prints the chosen run folder on stdout (for build-default.sh) and, with --write, records every
candidate's validation and test N@10 and the choice, which export.py copies into hllm.json.
"""
import argparse
import json
import os
import sys


def best_by_validation(runs):
    """runs: [(folder, result)] with result["valid"]["N@10"]. Returns the chosen folder.

    Test metrics are not read at all, so a run that is better on test but worse on validation
    is never chosen; ties go to the first run (the lowest seed in build-default.sh's order).
    """
    if not runs:
        raise ValueError("no runs to choose from")
    best = runs[0]
    for run in runs[1:]:
        if run[1]["valid"]["N@10"] > best[1]["valid"]["N@10"]:
            best = run
    return best[0]


def select(folders, write=None):
    """The folder to ship among train.py output folders, by validation N@10; each candidate is
    printed on stderr, and with `write` the selection record (JSON) goes there."""
    runs = []
    for d in folders:
        with open(os.path.join(d, "train_log.json")) as f:
            log = json.load(f)
        runs.append((d, log["result"] | {"seed": log["train_config"]["seed"]}))
    chosen = best_by_validation(runs)
    for d, r in runs:
        print(f"{'*' if d == chosen else ' '} {d}: seed {r['seed']} valid N@10 {r['valid']['N@10']:.4f} "
              f"(test N@10 {r['test']['N@10']:.4f}, not used)", file=sys.stderr)
    if write:
        with open(write, "w") as f:
            json.dump({"rule": "best validation N@10 (test never used)", "chosen": os.path.basename(chosen),
                       "candidates": [{"run": os.path.basename(d), "seed": r["seed"], "valid_N@10": r["valid"]["N@10"],
                                       "test_N@10": r["test"]["N@10"], "best_step": r["best_step"]}
                                      for d, r in runs]}, f, indent=1)
    return chosen


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("runs", nargs="+", help="train.py output folders (each with train_log.json)")
    p.add_argument("--write", help="write the selection record (JSON) here")
    a = p.parse_args(argv)
    print(select(a.runs, a.write))


if __name__ == "__main__":
    main()
