"""The recipe `hllm train` follows, and the plan that fits it into a time budget.

Recipe: what to train, chosen from the catalogue's size. Plan: the runs it makes (the
learning-rate x dropout grids on the first seed, the finalists on every seed), each with an
estimated time from a short timing probe, cut step by step until it fits --hours. Used by
models/pipeline.py; plain functions so the cutting rule is tested on its own.
"""
import argparse
import math
from dataclasses import asdict, dataclass, field, replace


@dataclass
class Recipe:
    full_up_to: int = 5_000        # items up to which HLLM trains with --loss full: it encodes the
                                   # whole catalogue each step (2.8 s a step at 12,000 items on 2
                                   # cores); at ml-latest-small's 3,650 it is affordable and beat
                                   # sampled negatives on validation (docs/quality.md "Levers")
    large_loss: tuple = ("--loss", "sampled", "--n-negatives", "4096")  # above full_up_to: HLLM's
                                   # own InfoNCE with 4,096 shared negatives, a constant cost per
                                   # step. On Amazon Toys (11,924 items) "bank" collapsed (item
                                   # cosine 0.996, validation N@10 0.0023 at best) where this
                                   # trained, and 4,096 beat 1,024 on validation on 3 seeds out of
                                   # 3 (mean N@10 0.0771 vs 0.0742; test 0.0638 vs 0.0627) at about
                                   # twice the step time (docs/quality-amazon.md)
    hllm_flags: tuple = ("--lr", "2e-3", "--m-item-layers", "1")  # the shipped default's recipe
                                   # (compare.py HLLM_FLAGS) without its loss, which the size picks
    hllm_grid: tuple = ("2e-3:0.1", "2e-3:0.3", "1e-3:0.1")  # lr:dropout, most promising first (a cut
                                   # keeps the first): 2e-3/0.1 won HLLM's ml-100k grid, 0.3 and a
                                   # lower lr cover a larger, noisier catalogue
    full_grid: tuple = ("2e-3:0.5", "1e-3:0.5", "2e-3:0.2", "1e-3:0.2")  # the full-softmax SASRec's
                                   # grid of build-default.sh; 2e-3/0.5 won on both MovieLens sets
    sasrec_lrs: tuple = ("1e-3", "2e-3")  # sampled-softmax SASRec; 1e-3 won on ml-100k
    seeds: tuple = (0, 1, 2)       # three seeds: one standard error of N@10 is ~0.006 at 1,000
                                   # test users, so one seed proves nothing
    finalists: int = 1             # configs run on every seed (compare.py --finalists)
    hllm_steps: int = 3000         # step budgets are maxima: patience ends most runs; summary.json
    sasrec_steps: int = 6000       # flags any run the budget ended. The budget is also the cosine
                                   # schedule's length, and HLLM gains when the decay ends near where
                                   # it converges: on Amazon Toys (11,924 items) a 5,000-step budget
                                   # early-stopped at 3,000-4,300 with the learning rate still at
                                   # ~40 %, and 3,000 steps gave validation N@10 0.0751 against
                                   # 0.0733 (0.0708 vs 0.0695 without attribute words; seed 0,
                                   # docs/quality-amazon.md "Levers"). SASRec early-stopped at 3,900-5,700.
                                   # These are floors: step_budgets raises them to the passes below
    hllm_passes: float = 10        # passes over the users (64 a step): Toys' 3,000 steps are 9.9; on
                                   # Amazon Sports (35,598 users) 3,000 steps (5.4 passes) were still
                                   # rising, 5,000 (9.0) plateaued (validation N@10, seeds 0 and 1:
                                   # 0.0368, 0.0376 -> 0.0398, 0.0409)
    sasrec_passes: float = 32      # Sports' SASRec: 12,000 steps (21.6 passes) gave 0.0328, 0.0354
                                   # and 18,000 (32.4) 0.0413, 0.0413; left short, the baseline
                                   # flattered HLLM (test N@10 1.17x / 1.05x, then 0.98x / 0.97x).
                                   # Toys (9,800 steps, 32.3 passes, against 6,000): valid 0.0748,
                                   # 0.0739 -> 0.0764, 0.0766, both early-stopped; test N@10 +2.5 %
    batch_users: int = 64          # train.py's --batch-users (users a step), to count the passes
    eval_every: int = 100          # one validation pass every 100 steps: on 10k-100k items an
                                   # evaluation costs as much as ~10-30 steps
    patience: int = 6              # evaluations without a better validation N@10 (600 steps)
    vector_dtype: str = "int8"     # shards: int8 lost nothing measurable (bench/results/*int8-quality*)

    def to_dict(self):
        return asdict(self)


def step_budgets(recipe, users, extra=()):
    """The recipe with each step budget raised to its passes over `users` training users, in
    whole evaluations; never lowered. Larger data needs more steps to converge (Amazon Sports).
    extra: the flags passed on to train.py, whose --batch-users, if any, sets the users a step."""
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--batch-users", type=int, default=recipe.batch_users)
    batch = p.parse_known_args(list(extra))[0].batch_users

    def budget(steps, passes):
        need = math.ceil(passes * users / batch / recipe.eval_every) * recipe.eval_every
        return max(steps, need)
    return replace(recipe, hllm_steps=budget(recipe.hllm_steps, recipe.hllm_passes),
                   sasrec_steps=budget(recipe.sasrec_steps, recipe.sasrec_passes))


def hllm_loss(n_items, recipe):
    """train.py's loss flags for HLLM on a catalogue of n_items."""
    return ["--loss", "full"] if n_items <= recipe.full_up_to else list(recipe.large_loss)


@dataclass
class Estimate:
    """Seconds for one run, from the probe: setup + steps * step + evaluations * evaluation."""
    setup: float
    step: float
    evaluation: float

    def run(self, steps, eval_every):
        return self.setup + steps * self.step + (math.ceil(steps / eval_every) + 1) * self.evaluation


@dataclass
class Plan:
    recipe: Recipe
    runs: list = field(default_factory=list)   # [{"model", "tag", "seed", "steps", "seconds"}]
    cuts: list = field(default_factory=list)   # what was cut to fit the budget, in words

    @property
    def seconds(self):
        return sum(r["seconds"] for r in self.runs)


def planned_runs(recipe, estimates):
    """Every run compare.py will make for this recipe, first seed's grid then the finalists."""
    runs = []
    groups = (("hllm", recipe.hllm_grid, recipe.hllm_steps), ("sasrec_full", recipe.full_grid, recipe.sasrec_steps),
              ("sasrec", recipe.sasrec_lrs, recipe.sasrec_steps))
    for model, grid, steps in groups:
        secs = estimates[model].run(steps, recipe.eval_every)
        for g in grid:
            runs.append({"model": model, "tag": g, "seed": recipe.seeds[0], "steps": steps, "seconds": secs})
        for k in range(min(recipe.finalists, len(grid))):
            for s in recipe.seeds[1:]:
                runs.append({"model": model, "tag": f"finalist {k + 1}", "seed": s, "steps": steps,
                             "seconds": secs})
    return runs


def fit(recipe, estimates, budget_seconds):
    """The recipe cut until its estimated time fits budget_seconds (0: no budget), and the cuts.

    Cuts in order of what they cost the comparison least: finalists to 1; each grid to its first
    two points, then one; seeds to 2, then 1; then step budgets by a quarter at a time, down to
    10 evaluations. Estimates are upper bounds (patience usually ends a run sooner), so a plan
    that fits rarely overruns; one that cannot fit is run at its smallest, and says so.
    """
    plan = Plan(recipe, planned_runs(recipe, estimates))
    if budget_seconds <= 0:
        return plan
    steps = [
        ("finalists cut to 1", lambda r: replace(r, finalists=1)),
        ("HLLM grid cut to its first 2 points", lambda r: replace(r, hllm_grid=r.hllm_grid[:2])),
        ("full-softmax SASRec grid cut to its first 2 points", lambda r: replace(r, full_grid=r.full_grid[:2])),
        ("sampled SASRec learning rates cut to 1", lambda r: replace(r, sasrec_lrs=r.sasrec_lrs[:1])),
        ("HLLM grid cut to 1 point", lambda r: replace(r, hllm_grid=r.hllm_grid[:1])),
        ("full-softmax SASRec grid cut to 1 point", lambda r: replace(r, full_grid=r.full_grid[:1])),
        ("seeds cut to 2", lambda r: replace(r, seeds=r.seeds[:2])),
        ("seeds cut to 1", lambda r: replace(r, seeds=r.seeds[:1])),
    ]
    cuts, r = [], recipe
    for what, cut in steps:
        if Plan(r, planned_runs(r, estimates)).seconds <= budget_seconds:
            break
        new = cut(r)
        if new != r:
            r = new
            cuts.append(what)
    floor = 10 * r.eval_every
    while Plan(r, planned_runs(r, estimates)).seconds > budget_seconds and max(r.hllm_steps, r.sasrec_steps) > floor:
        r = replace(r, hllm_steps=max(floor, int(r.hllm_steps * 0.75)), sasrec_steps=max(floor, int(r.sasrec_steps * 0.75)))
    if (r.hllm_steps, r.sasrec_steps) != (recipe.hllm_steps, recipe.sasrec_steps):
        cuts.append(f"step budgets cut to {r.hllm_steps} (HLLM) and {r.sasrec_steps} (SASRec): a run the budget "
                    "ends is flagged in report.md")
    plan = Plan(r, planned_runs(r, estimates), cuts)
    if plan.seconds > budget_seconds:
        plan.cuts.append(f"the smallest plan is estimated at {plan.seconds / 60:.1f} min, over the "
                         f"{budget_seconds / 60:.1f} min budget: it runs anyway")
    return plan


def grid_flags(recipe, n_items):
    """compare.py's arguments for this recipe."""
    return ["--seeds", *map(str, recipe.seeds), "--hllm-steps", str(recipe.hllm_steps),
            "--sasrec-steps", str(recipe.sasrec_steps), "--eval-every", str(recipe.eval_every),
            "--patience", str(recipe.patience), "--finalists", str(recipe.finalists),
            "--hllm-flags", " ".join([*recipe.hllm_flags, *hllm_loss(n_items, recipe)]),
            "--hllm-grid", *recipe.hllm_grid, "--full-grid", *recipe.full_grid,
            "--sasrec-lrs", *recipe.sasrec_lrs]
