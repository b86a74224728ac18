"""`hllm train` (models/pipeline.py) on a tiny generated data set: the model folder,
shards and report; an interruption (SIGINT to the process group, as Ctrl-C) and a resume that
reuses the finished runs; a bad CSV row named by file, line and column; the budget's cuts."""
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.dirname(HERE)
sys.path.insert(0, MODELS)

from check_data import DataError, check  # noqa: E402
from pipeline_plan import Estimate, Recipe, fit, hllm_loss, planned_runs, step_budgets  # noqa: E402

PY = sys.executable
TINY = ["--m-dim", "16", "--m-ffn-dim", "32", "--m-n-heads", "2", "--m-n-kv-heads", "2", "--m-item-layers", "1",
        "--m-user-layers", "1", "--batch-users", "16", "--threads", "1"]


def write(folder, items, interactions):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "items.csv"), "w") as f:
        f.write(items)
    with open(os.path.join(folder, "interactions.csv"), "w") as f:
        f.write(interactions)
    return folder


GOOD_ITEMS = 'item_id,title\na,red shoe\nb,"a title\nover two lines"\nc,blue hat\n'
GOOD_INTER = "item_id,user_id,timestamp\na,u1,1\nb,u1,2\nc,u1,3\n"


@pytest.mark.parametrize("items,inter,where", [
    (GOOD_ITEMS + "a,again\n", GOOD_INTER, "items.csv line 6, column item_id"),  # line 3 spans two lines
    (GOOD_ITEMS + "d,\n", GOOD_INTER, "items.csv line 6, column title"),
    (GOOD_ITEMS + "d,x,extra\n", GOOD_INTER, "items.csv line 6"),
    ("id,title\na,x\n", GOOD_INTER, "items.csv line 1, column 1"),
    (GOOD_ITEMS, GOOD_INTER + "zz,u1,4\n", "interactions.csv line 5, column item_id"),
    (GOOD_ITEMS, GOOD_INTER + "a,u2,yesterday\n", "interactions.csv line 5, column timestamp"),
    (GOOD_ITEMS, GOOD_INTER + "a,,5\n", "interactions.csv line 5, column user_id"),
    (GOOD_ITEMS, "item_id,user,timestamp\na,u1,1\n", "interactions.csv line 1"),
])
def test_a_bad_row_is_named_by_file_line_and_column(tmp_path, items, inter, where):
    d = write(str(tmp_path / "d"), items, inter)
    with pytest.raises(DataError) as e:
        check(d)
    assert e.value.where == os.path.join(d, where.split(" ", 1)[0]) + " " + where.split(" ", 1)[1]


def test_good_files_are_summarised(tmp_path):
    s = check(write(str(tmp_path / "d"), GOOD_ITEMS, GOOD_INTER + "a,u2,9\n"))
    assert (s.items, s.users, s.interactions, s.text_fields, s.users_kept) == (3, 2, 4, ["title"], 1)


def test_the_loss_follows_the_catalogue_size():
    assert hllm_loss(5_000, Recipe()) == ["--loss", "full"]
    assert hllm_loss(5_001, Recipe()) == ["--loss", "sampled", "--n-negatives", "4096"]


def test_step_budgets_grow_with_the_users():
    r = Recipe()
    assert step_budgets(r, 610) == r  # ml-latest-small: the floors
    sports = step_budgets(r, 35_598)  # 10 and 32 passes of 64 users a step, in whole evaluations
    assert (sports.hllm_steps, sports.sasrec_steps) == (5_600, 17_800)
    assert step_budgets(replace(r, hllm_steps=9_000), 35_598).hllm_steps == 9_000  # never lowered
    wide = step_budgets(r, 35_598, ["--m-dim", "32", "--batch-users=128"])  # train.py's own batch counts
    assert (wide.hllm_steps, wide.sasrec_steps) == (3_000, 8_900)


def test_the_budget_cuts_in_order_and_says_so():
    est = {m: Estimate(setup=10, step=1.0, evaluation=5) for m in ("hllm", "sasrec_full", "sasrec")}
    full = fit(Recipe(), est, 0)
    assert full.cuts == [] and len(full.runs) == 3 + 4 + 2 + 3 * 2  # grids + one finalist on 2 more seeds
    # just below the whole plan: the first cut (finalists is already 1) is the HLLM grid
    one = fit(Recipe(), est, full.seconds - 1)
    assert one.cuts == ["HLLM grid cut to its first 2 points"] and one.seconds <= full.seconds - 1
    tiny = fit(Recipe(), est, 60)
    assert tiny.cuts[-2].startswith("step budgets cut to 1000 (HLLM) and 1000 (SASRec)")
    assert "over the 1.0 min budget: it runs anyway" in tiny.cuts[-1]
    assert [r["model"] for r in tiny.runs] == ["hllm", "sasrec_full", "sasrec"]
    assert tiny.recipe.seeds == (0,)
    assert len(planned_runs(tiny.recipe, est)) == 3


def wait_for(path, proc, timeout=300):
    t = time.time()
    while not os.path.exists(path):
        assert proc.poll() is None, "the pipeline ended before the first run finished"
        assert time.time() - t < timeout, f"{path} never appeared"
        time.sleep(0.1)


def test_end_to_end_with_an_interruption_and_a_resume(tmp_path):
    data, out = str(tmp_path / "data"), str(tmp_path / "out")
    subprocess.run([PY, os.path.join(MODELS, "data", "synthetic", "prepare.py"), "--items", "60", "--users", "80",
                    "--per-user", "8", "--vocab", "200", "--topics", "5", "--out", data], check=True, capture_output=True)
    cmd = [PY, os.path.join(MODELS, "pipeline.py"), "--data", data, "--out", out, "--seeds", "0", "--steps", "20", "20",
           *TINY]
    # SIGINT back to its default: a shell's background job (`pytest &`) starts with it ignored, and a
    # Python started so never turns Ctrl-C into KeyboardInterrupt
    first = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
                             preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    done = os.path.join(out, "runs", "hllm-lr0.002-do0.1-0", "train_log.json")
    wait_for(done, first)
    os.killpg(first.pid, signal.SIGINT)  # Ctrl-C
    said = first.communicate(timeout=120)[0]
    assert first.returncode == 130, said
    assert "interrupted: run the same command again to resume" in said
    assert not os.path.exists(os.path.join(out, "report.md"))
    stamp = os.path.getmtime(done)

    second = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "resuming with the plan in" in second.stdout
    assert "run 1/9 hllm-lr0.002-do0.1 seed 0: finished before, reused" in second.stdout
    assert "run 9/9" in second.stdout and "left" in second.stdout
    assert os.path.getmtime(done) == stamp  # not trained again

    with open(os.path.join(out, "model", "hllm.json")) as f:
        manifest = json.load(f)
    with open(os.path.join(out, "runs", "summary.json")) as f:
        kept = json.load(f)["tuning"]["hllm"]["chosen"]  # the HLLM config tuned on validation
    assert manifest["metrics"]["selection"]["chosen"] == f"hllm{kept}-0"  # its one seed ships
    with open(os.path.join(out, "vectors", "vectors.json")) as f:
        vectors = json.load(f)
    assert (vectors["rows"], vectors["dtype"], vectors["dim"]) == (60, "int8", 16)
    with open(os.path.join(out, "report.md")) as f:
        md = f.read()
    for model in ("most popular", "SASRec, sampled softmax", "SASRec, full softmax", "HLLM"):
        assert f"| {model}" in md
    assert "Cut to fit the budget: nothing." in md
    # cold-item users: test target seen at most twice in the training part (all but each user's
    # last two items), counted here from the CSV itself
    seqs = {}
    with open(os.path.join(data, "interactions.csv")) as f:
        for line in f.read().splitlines()[1:]:
            item, user, ts = line.split(",")
            seqs.setdefault(user, []).append((int(ts), item))
    seqs = [[i for _, i in sorted(s)] for s in seqs.values()]
    seen = {}
    for s in seqs:
        for i in s[:-2]:
            seen[i] = seen.get(i, 0) + 1
    cold_users = sum(1 for s in seqs if seen.get(s[-1], 0) <= 2)
    with open(os.path.join(out, "runs", "summary.json")) as f:
        summary = json.load(f)["summary"]
    assert cold_users > 0
    assert [summary[m]["cold"]["users"] for m in ("popular", "sasrec", "sasrec_full", "hllm")] == [cold_users] * 4
    assert f'"cold": the {cold_users} test users' in md
    with open(os.path.join(out, "report.html")) as f:
        assert '<img alt="validation N@10 per step, every run" src="data:image/png;base64,' in f.read()


def test_a_bad_row_stops_the_pipeline_before_any_training(tmp_path):
    d = write(str(tmp_path / "d"), GOOD_ITEMS, GOOD_INTER + "a,u2,yesterday\n")
    r = subprocess.run([PY, os.path.join(MODELS, "pipeline.py"), "--data", d, "--out", str(tmp_path / "o")],
                       capture_output=True, text=True)
    assert r.returncode == 2
    assert f"{os.path.join(d, 'interactions.csv')} line 5, column timestamp: 'yesterday' is not a number" in r.stderr
    assert not os.path.exists(tmp_path / "o" / "plan.json")


def test_the_report_warns_when_hllm_loses_to_an_id_baseline_on_validation(tmp_path):
    import report
    from check_data import DataSummary
    model, vectors = tmp_path / "model", tmp_path / "vectors"
    (model / "onnx").mkdir(parents=True)
    vectors.mkdir()
    (model / "hllm.json").write_text(json.dumps({"metrics": {}}))
    (vectors / "vectors.json").write_text(json.dumps({"rows": 3, "dtype": "int8", "dim": 4, "shards": [{}]}))
    m = {k: {"mean": 0.1, "se": 0.01} for k in ("N@10", "R@10", "N@50", "R@50")}

    def comparison(hllm_valid):
        run = {"seed": 0, "best_step": 10, "steps_run": 20, "minutes": 1.0, "test_N@10": 0.1, "budget_cut": False}
        return {"summary": {"hllm": m, "sasrec_full": m}, "tuning": {},
                "runs": {"hllm": [run | {"valid_N@10": hllm_valid}], "sasrec_full": [run | {"valid_N@10": 0.05}]}}

    def warnings(c):
        secs = report.sections(str(tmp_path), DataSummary(3, 2, 9, ["title"], 2), Recipe(), [], c, str(model),
                               str(vectors), 60, 0)
        return [p for _, parts in secs for p in parts if isinstance(p, str) and "below an ID baseline" in p]

    assert warnings(comparison(0.04)) == ["**Warning:** HLLM's mean validation N@10 (0.0400) is below an ID "
                                          "baseline's (0.0500): the shipped model is expected to recommend worse "
                                          "than SASRec would on this data."]
    assert warnings(comparison(0.06)) == []
