"""One command from a shop's data to a shipped model: `hllm train --data DIR --out DIR`.

    /usr/bin/python3 models/pipeline.py --data DIR --out DIR [--hours 6]

1. check     items.csv and interactions.csv (models/check_data.py): a bad row stops the run
             with its file, line and column;
2. plan      the recipe from the catalogue's size (pipeline_plan.Recipe), a short timing probe,
             and the cuts that fit --hours;
3. train     models/compare.py: HLLM's and the full-softmax SASRec's learning rate x dropout
             tuned on validation, the sampled SASRec's learning rate, every finalist on every
             seed, most-popular beside them (OUT/runs);
4. select    the HLLM seed with the best validation N@10 (models/pick_best.py);
5. export    fp32, q8 and q4 with their parity checks (models/export.py) to OUT/model, the
             catalogue to OUT/catalog;
6. embed     the vector shards (models/embed_catalog.py) to OUT/vectors;
7. report    OUT/report.md and OUT/report.html (models/report.py).

Progress is one line per run with the time left, estimated from the probe and corrected by the
runs already done; each run's full output goes to OUT/logs. Run the same command again after an
interruption: finished runs and stages are reused (OUT/plan.json keeps the plan, so a resumed
run makes the same runs). Options after the known ones go to every train.py run (for example
--m-dim 128 --threads 2).
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import asdict, replace

from check_data import DataError, check
from pick_best import select
from pipeline_plan import Estimate, Recipe, fit, grid_flags, hllm_loss, planned_runs, step_budgets
import report

HERE = os.path.dirname(os.path.abspath(__file__))
PY = sys.executable
MODELS = ("hllm", "sasrec_full", "sasrec")


def say(*a):
    print("[hllm train]", *a, flush=True)


def hms(seconds):
    s = int(max(0, seconds))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"


def run_logged(cmd, log_path, on_line=None):
    """Run cmd with its output appended to log_path; on_line sees every line. Fails loudly."""
    os.makedirs(os.path.dirname(log_path), exist_ok=True)
    with open(log_path, "a", encoding="utf-8") as log:
        log.write(f"$ {' '.join(cmd)}\n")
        # its own process group, so an interruption stops compare.py and the train.py it runs
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=HERE,
                             start_new_session=True)
        try:
            for line in p.stdout:
                log.write(line)
                log.flush()
                if on_line:
                    on_line(line.rstrip("\n"))
        except BaseException:
            # interrupted (Ctrl-C, SIGTERM): stop the child too, so a resumed run never races it
            os.killpg(p.pid, signal.SIGTERM)
            p.wait()
            raise
        if p.wait() != 0:
            raise SystemExit(f"{os.path.basename(cmd[1])} failed (exit {p.returncode}); its output: {log_path}")


class Board:
    """Runs done out of the plan's, and the time left: the estimate of the runs not yet done,
    scaled by how the finished runs compared with their own estimates."""

    def __init__(self, runs, t0):
        self.runs, self.t0, self.done, self.spent, self.estimated = runs, t0, 0, 0.0, 0.0
        self.current, self.started = None, None

    def start(self, label, reused):
        self.finish()
        if reused:
            self.done += 1
            say(f"run {self.done}/{len(self.runs)} {label}: finished before, reused")
            return
        self.current, self.started = label, time.time()
        say(f"run {self.done + 1}/{len(self.runs)} {label}: training · {hms(time.time() - self.t0)} elapsed"
            f" · about {hms(self.left())} left")

    def finish(self):
        if self.current is None:
            return
        i = min(self.done, len(self.runs) - 1)
        self.spent += time.time() - self.started
        self.estimated += self.runs[i]["seconds"]
        self.done += 1
        say(f"run {self.done}/{len(self.runs)} {self.current}: done in {hms(time.time() - self.started)}")
        self.current = None

    def left(self):
        ratio = self.spent / self.estimated if self.estimated else 1.0
        return sum(r["seconds"] for r in self.runs[self.done:]) * ratio

    def on_line(self, line):
        if line.startswith("== "):  # compare.py: "== hllm-lr2e-3-do0.1 seed 0: ..." / ": reusing ..."
            head = line[3:].split(":", 1)[0]
            self.start(head, ": reusing " in line)


def probe(data, out, loss, extra):
    """Time 5 steps and the evaluations of each kind of model; Estimate per model."""
    est = {}
    flags = {"hllm": [*Recipe.hllm_flags, *loss], "sasrec_full": ["--model", "sasrec", "--loss", "full"]}
    for model, f in flags.items():
        run_out = os.path.join(out, "probe", model)
        t = time.time()
        run_logged([PY, os.path.join(HERE, "train.py"), "--data", data, "--out", run_out, "--max-steps", "5",
                    "--eval-every", "5", *f, *extra], os.path.join(out, "logs", f"probe-{model}.log"))
        wall = time.time() - t
        with open(os.path.join(run_out, "train_log.json")) as fh:
            r = json.load(fh)["result"]
        train_s = r["train_minutes"] * 60
        step = r["step_seconds_median"]
        # inside train_minutes: 5 steps, the evaluation at step 5, then valid + test of the best
        est[model] = Estimate(setup=max(0.0, wall - train_s), step=step, evaluation=max(0.0, (train_s - 5 * step) / 2))
        say(f"probe {model}: {step:.2f} s a step, {est[model].evaluation:.1f} s an evaluation, "
            f"{est[model].setup:.1f} s to start")
    est["sasrec"] = est["sasrec_full"]  # its sampled loss is cheaper: an upper bound
    return est


def make_plan(a, summary, extra):
    """The plan of OUT/plan.json when the same options made it; otherwise a new one."""
    path = os.path.join(a.out, "plan.json")
    options = {"data": os.path.abspath(a.data), "hours": a.hours, "seeds": a.seeds, "steps": a.steps,
               "extra": extra, "recipe": Recipe().to_dict()}
    options = json.loads(json.dumps(options))  # as plan.json holds them: tuples become lists
    if os.path.exists(path):
        with open(path) as f:
            saved = json.load(f)
        if saved["options"] == options:
            say(f"resuming with the plan in {path}")
            recipe = Recipe(**{k: tuple(v) if isinstance(v, list) else v for k, v in saved["recipe"].items()})
            return recipe, saved["cuts"], saved["estimates"]
        raise SystemExit(f"{path} was planned with other options; run with those, or choose a new --out")
    recipe = Recipe()
    if a.seeds:
        recipe = replace(recipe, seeds=tuple(a.seeds))
    if a.steps:
        recipe = replace(recipe, hllm_steps=a.steps[0], sasrec_steps=a.steps[1])
    else:
        recipe = step_budgets(recipe, summary.users_kept, extra)
        say(f"step budgets: {recipe.hllm_steps} (HLLM) and {recipe.sasrec_steps} (SASRec), at least "
            f"{recipe.hllm_passes:g} and {recipe.sasrec_passes:g} passes over the {summary.users_kept} users")
    loss = hllm_loss(summary.items, recipe)
    say(f"recipe: HLLM with {' '.join(loss)} ({summary.items} items; --loss full up to {recipe.full_up_to})")
    est = probe(a.data, a.out, loss, extra)
    plan = fit(recipe, est, a.hours * 3600)
    for c in plan.cuts:
        say(f"to fit --hours {a.hours}: {c}")
    say(f"plan: {len(plan.runs)} runs, at most about {hms(plan.seconds)} (patience usually ends runs sooner)")
    with open(path, "w") as f:
        json.dump({"options": options, "recipe": plan.recipe.to_dict(), "cuts": plan.cuts, "runs": plan.runs,
                   "estimates": {k: asdict(v) for k, v in est.items()}, "loss": loss}, f, indent=1)
    return plan.recipe, plan.cuts, {k: asdict(v) for k, v in est.items()}


def stage_done(out, name):
    return os.path.exists(os.path.join(out, "stages", name))


def mark(out, name, info=None):
    os.makedirs(os.path.join(out, "stages"), exist_ok=True)
    with open(os.path.join(out, "stages", name), "w") as f:
        json.dump(info or {}, f)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                epilog="Options not listed here go to every train.py run.")
    p.add_argument("--data", required=True, help="folder with items.csv and interactions.csv (HLLM's layout)")
    p.add_argument("--out", required=True, help="folder for runs, model, vectors and report (reused to resume)")
    p.add_argument("--hours", type=float, default=0.0,
                   help="time budget; the plan is cut to fit it and says what it cut (default: %(default)s, no budget)")
    p.add_argument("--seeds", type=int, nargs="+", default=None,
                   help=f"training seeds (default: {' '.join(map(str, Recipe.seeds))})")
    p.add_argument("--steps", type=int, nargs=2, metavar=("HLLM", "SASREC"), default=None,
                   help=f"maximum steps per run (default: {Recipe.hllm_steps} {Recipe.sasrec_steps}, raised to "
                        f"{Recipe.hllm_passes:g} and {Recipe.sasrec_passes:g} passes over the users)")
    p.add_argument("--id", default=None, help="the model id in hllm.json (default: hllm-<data folder name>)")
    a, extra = p.parse_known_args(argv)
    t0 = time.time()
    os.makedirs(a.out, exist_ok=True)

    try:
        summary = check(a.data)
    except DataError as e:
        print(f"[hllm train] error: {e}", file=sys.stderr)
        return 2
    say(f"data: {summary}")
    data = os.path.abspath(a.data)
    recipe, cuts, est = make_plan(a, summary, extra)
    runs_dir = os.path.join(a.out, "runs")
    board = Board(planned_runs(recipe, {k: Estimate(**v) for k, v in est.items()}), t0)
    base = [PY, os.path.join(HERE, "compare.py"), "--data", data, "--out", runs_dir, "--resume",
            *grid_flags(recipe, summary.items), *extra]
    for model in MODELS:
        run_logged([*base, "--only", model], os.path.join(a.out, "logs", f"train-{model}.log"), board.on_line)
        board.finish()
    # every run is finished: this call only gathers them into summary.json and curves.png
    run_logged(base, os.path.join(a.out, "logs", "summary.log"))
    with open(os.path.join(runs_dir, "summary.json")) as f:
        comparison = json.load(f)

    selection = os.path.join(a.out, "selection.json")
    best = select([r["out"] for r in comparison["runs"]["hllm"]], write=selection)
    baseline = select([r["out"] for r in comparison["runs"]["sasrec_full"]])
    say(f"ship: {os.path.basename(best)} (best validation N@10 of the kept HLLM config)")

    model_dir, catalog_dir, vectors_dir = (os.path.join(a.out, d) for d in ("model", "catalog", "vectors"))
    if not stage_done(a.out, "export") or json.load(open(os.path.join(a.out, "stages", "export")))["run"] != best:
        say("export: fp32, q8 and q4, each checked against PyTorch")
        run_logged([PY, os.path.join(HERE, "export.py"), os.path.join(best, "checkpoint.pt"), model_dir,
                    "--id", a.id or f"hllm-{os.path.basename(os.path.normpath(a.data))}",
                    "--baseline", os.path.join(baseline, "checkpoint.pt"), "--selection", selection,
                    "--quality-bar", os.path.join(runs_dir, "summary.json"), "--catalog-out", catalog_dir],
                   os.path.join(a.out, "logs", "export.log"))
        mark(a.out, "export", {"run": best})
        if stage_done(a.out, "embed"):
            os.remove(os.path.join(a.out, "stages", "embed"))
    else:
        say("export: finished before, reused")
    if not stage_done(a.out, "embed"):
        say(f"embed: {summary.items} items to {recipe.vector_dtype} vector shards")
        run_logged([PY, os.path.join(HERE, "embed_catalog.py"), "--checkpoint", os.path.join(best, "checkpoint.pt"),
                    "--model", model_dir, "--catalog", os.path.join(catalog_dir, "items.csv"), "--out", vectors_dir,
                    "--dtype", recipe.vector_dtype], os.path.join(a.out, "logs", "embed.log"))
        mark(a.out, "embed")
    else:
        say("embed: finished before, reused")

    md, html = report.write(a.out, summary=summary, recipe=recipe, cuts=cuts, comparison=comparison,
                            model_dir=model_dir, vectors_dir=vectors_dir, elapsed=time.time() - t0,
                            hours=a.hours)
    say(f"done in {hms(time.time() - t0)}: {model_dir}, {vectors_dir}, {md}, {html}")
    return 0


if __name__ == "__main__":
    # SIGTERM ends the run as Ctrl-C does: children stopped, the resume hint printed
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\n[hllm train] interrupted: run the same command again to resume", file=sys.stderr)
        sys.exit(130)
