"""The quality protocol's parts, at tiny shapes: the full-softmax loss against a hand computation,
early stopping on a scripted validation curve (inside the real training loop), and the shipped
seed chosen by validation, never by test."""
import json
import math
import sys

import pytest
import torch
import torch.nn.functional as F

import train
from conftest import run
from model import full_softmax
from pick_best import best_by_validation

TINY = ["--m-dim", "16", "--m-item-layers", "1", "--m-user-layers", "1", "--m-n-heads", "2",
        "--m-n-kv-heads", "2", "--m-ffn-dim", "32", "--m-max-text-tokens", "12", "--m-max-history", "10",
        "--batch-users", "4", "--n-negatives", "16", "--aux-items", "8", "--threads", "1"]


def test_full_softmax_matches_a_hand_computed_cross_entropy():
    g = torch.Generator().manual_seed(0)
    pred, items = torch.randn(5, 4, generator=g), torch.randn(7, 4, generator=g)
    targets = torch.tensor([1, 7, 3, 3, 0])     # item ids; row 4 is padding (target 0)
    valid = torch.tensor([1.0, 1.0, 1.0, 1.0, 0.0])
    scale = torch.tensor(12.5)
    total, count = full_softmax(pred, items, targets, scale, valid)
    expected = 0.0
    for r in range(4):
        p = pred[r] / pred[r].norm()
        logits = [scale.item() * float(p @ (items[j] / items[j].norm())) for j in range(7)]
        expected += math.log(sum(math.exp(x) for x in logits)) - logits[int(targets[r]) - 1]
    assert count.item() == 4
    assert total.item() == pytest.approx(expected, rel=1e-5)
    # every item is a negative: moving a non-target item towards the prediction raises the loss
    closer = items.clone()
    closer[1] = pred[0] * 3
    assert full_softmax(pred[:1], closer, targets[:1], scale, valid[:1])[0] > full_softmax(
        pred[:1], items, targets[:1], scale, valid[:1])[0]


def test_full_softmax_gradients_reach_every_item():
    pred = torch.randn(3, 4, requires_grad=True)
    items = torch.randn(6, 4, requires_grad=True)
    loss, n = full_softmax(pred, items, torch.tensor([2, 2, 5]), torch.tensor(5.0), torch.ones(3))
    (loss / n).backward()
    assert (items.grad.abs().sum(-1) > 0).all()


def test_loss_kind_falls_back_to_sampled_above_the_item_limit():
    cfg = train.TrainConfig(loss="full", full_max_items=100)
    assert train.loss_kind(cfg, 100) == "full"
    assert train.loss_kind(cfg, 101) == "sampled"
    with pytest.raises(SystemExit, match="sampled, mixed, full or bank"):
        train.loss_kind(train.TrainConfig(loss="bpr"), 10)


def test_early_stopping_rule_on_a_scripted_curve():
    stop = train.EarlyStopping(patience=3)
    seen = []
    for step, v in [(10, .10), (20, .20), (30, .19), (40, .20), (50, .25), (60, .24), (70, .24), (80, .23), (90, .30)]:
        stop.update(step, v)
        seen.append(stop.stop)
        if stop.stop:
            break
    # equal is not better: .20 at step 40 counts as a miss; three misses after step 50 stop at 80
    assert seen == [False] * 7 + [True] and stop.best_step == 50 and stop.best == .25
    never = train.EarlyStopping(0)
    for s in range(20):
        never.update(s, -s)
    assert not never.stop


@pytest.mark.parametrize("model", ["hllm", "sasrec"])
def test_training_stops_at_the_expected_step_on_a_scripted_validation_curve(slice_data, tmp_path, monkeypatch, model):
    curve = iter([0.10, 0.30, 0.20, 0.25])  # best at the 2nd evaluation, then two misses
    real = train.metrics_from_ranks
    calls = {"n": 0}

    def scripted(ranks):
        m = real(ranks)
        calls["n"] += 1
        if calls["n"] <= 4:          # the training loop's validation evaluations only
            m["N@10"] = next(curve)
        return m

    monkeypatch.setattr(train, "metrics_from_ranks", scripted)
    cfg, mc = train.parse(["--data", str(slice_data), "--out", str(tmp_path / model), "--model", model,
                           "--loss", "full", "--max-steps", "40", "--eval-every", "2", "--patience", "2", *TINY])
    _, result = train.train(cfg, mc)
    # evaluations at steps 2, 4, 6, 8: best at 4, misses at 6 and 8 -> stop at step 8, not 40
    assert result["best_step"] == 4 and result["steps_run"] == 8
    assert result["stopped_early"] and not result["budget_cut"] and result["loss"] == "full"
    saved = json.load(open(tmp_path / model / "train_log.json"))["result"]
    assert saved["steps_run"] == 8 and saved["budget_cut"] is False


def test_a_run_without_patience_is_marked_as_cut_by_its_budget(slice_data, tmp_path):
    out = tmp_path / "cut"
    run([sys.executable, "models/train.py", "--data", str(slice_data), "--out", str(out), "--model", "sasrec",
         "--max-steps", "6", "--eval-every", "3", *TINY])
    res = json.load(open(out / "train_log.json"))["result"]
    assert res["steps_run"] == 6 and res["budget_cut"] is True and res["stopped_early"] is False


def test_best_seed_is_chosen_by_validation_never_by_test():
    runs = [("seed0", {"valid": {"N@10": 0.050}, "test": {"N@10": 0.090}}),
            ("seed1", {"valid": {"N@10": 0.070}, "test": {"N@10": 0.040}}),
            ("seed2", {"valid": {"N@10": 0.060}, "test": {"N@10": 0.099}})]
    assert best_by_validation(runs) == "seed1"
    # a tie keeps the earlier run; test values are never consulted
    tie = [("a", {"valid": {"N@10": 0.07}}), ("b", {"valid": {"N@10": 0.07}})]
    assert best_by_validation(tie) == "a"
    with pytest.raises(ValueError):
        best_by_validation([])


def test_pick_best_command_prints_the_validation_winner_and_records_why(tmp_path):
    dirs = []
    for seed, (v, t) in enumerate([(0.05, 0.09), (0.07, 0.04), (0.06, 0.10)]):
        d = tmp_path / f"hllm-{seed}"
        d.mkdir()
        (d / "train_log.json").write_text(json.dumps({
            "train_config": {"seed": seed},
            "result": {"valid": {"N@10": v}, "test": {"N@10": t}, "best_step": 100 * (seed + 1)}}))
        dirs.append(str(d))
    rec = tmp_path / "selection.json"
    out = run([sys.executable, "models/pick_best.py", *dirs, "--write", str(rec)])
    assert out.strip() == dirs[1]
    sel = json.load(open(rec))
    assert sel["chosen"] == "hllm-1" and [c["seed"] for c in sel["candidates"]] == [0, 1, 2]
    assert "validation" in sel["rule"]


def test_full_softmax_and_sampled_agree_when_every_item_is_a_negative():
    """With every other item as a negative and no near-duplicates, InfoNCE equals the full softmax."""
    from model import info_nce
    g = torch.Generator().manual_seed(1)
    items = F.normalize(torch.randn(6, 8, generator=g), dim=-1)
    pred = torch.randn(4, 8, generator=g)
    targets = torch.tensor([1, 2, 5, 6])
    full, _ = full_softmax(pred, items, targets, torch.tensor(3.0), torch.ones(4))
    ids = torch.arange(1, 7)
    sampled, _ = info_nce(pred, items[targets - 1], items, targets, ids, torch.tensor(3.0), torch.ones(4))
    assert full.item() == pytest.approx(sampled.item(), rel=1e-5)


def test_scaling_table_trains_each_size_and_counts_params_and_flops(slice_data, tmp_path):
    import scaling
    assert scaling.parse_size("d128/2+2") == {"dim": 128, "item_layers": 2, "user_layers": 2, "heads": 8, "ffn": 384}
    with pytest.raises(SystemExit):
        scaling.parse_size("128x2")
    # FLOPs per token: 2*(4*d*d + 3*d*ffn) + 4*T*d; doubling d (and ffn) quadruples the matmul part
    assert scaling.layer_flops(64, 192, 10) == 2 * (4 * 64 * 64 + 3 * 64 * 192) + 4 * 10 * 64
    out = tmp_path / "scaling"
    log = run([sys.executable, "models/scaling.py", "--data", str(slice_data), "--sizes", "d16/1+1", "d32/1+2",
               "--max-steps", "4", "--out", str(out)])
    rows = json.load(open(out / "scaling.json"))["rows"]
    assert [r["size"] for r in rows] == ["d16/1+1", "d32/1+2"]
    assert rows[0]["params"] < rows[1]["params"]
    assert rows[0]["item_flops_per_item"] < rows[1]["item_flops_per_item"]
    assert rows[0]["user_flops_per_position"] * 2 < rows[1]["user_flops_per_position"]
    assert "| d32/1+2 |" in log
    # a finished size is reused, not trained again
    again = run([sys.executable, "models/scaling.py", "--data", str(slice_data), "--sizes", "d16/1+1",
                 "--max-steps", "4", "--out", str(out)])
    assert "reusing" in again and "step 4/4" not in again


def test_a_data_set_is_named_after_its_folder_not_out():
    import dataset
    assert dataset.data_name("models/data/ml-100k/out") == "ml-100k"
    assert dataset.data_name("models/data/ml-100k/out/") == "ml-100k"
    assert dataset.data_name("/tmp/shop-items") == "shop-items"


def test_recording_a_rerun_comparison_replaces_only_its_entry_in_the_shipped_manifest(tmp_path):
    import subprocess
    shipped = open("public/models/default/hllm.json").read()
    man_path = tmp_path / "hllm.json"
    man_path.write_text(shipped)
    new = tmp_path / "q" / "summary.json"
    new.parent.mkdir()
    new.write_text(json.dumps({"data": "models/data/ml-100k/out", "seeds": [0, 1, 2],
                               "summary": {"hllm": {"N@10": {"mean": 0.5}}}}))
    out = run([sys.executable, "models/record_quality_bar.py", str(man_path), str(new)])
    assert "recorded the ml-100k comparison" in out
    before, after = json.loads(shipped), json.load(open(man_path))
    assert after["metrics"]["quality_bar"]["ml-100k"]["summary"]["hllm"]["N@10"]["mean"] == 0.5
    assert after["metrics"]["quality_bar"]["ml-latest-small"] == before["metrics"]["quality_bar"]["ml-latest-small"]
    del after["metrics"]["quality_bar"]["ml-100k"], before["metrics"]["quality_bar"]["ml-100k"]
    assert after == before  # files, sha256, test and selection metrics untouched
    # the model's own data set is refused: its test metrics would then describe another run
    own = tmp_path / "own" / "summary.json"
    own.parent.mkdir()
    own.write_text(json.dumps({"data": "models/data/ml-latest-small/out", "summary": {}}))
    kept = man_path.read_text()
    r = subprocess.run([sys.executable, "models/record_quality_bar.py", str(man_path), str(own)],
                       capture_output=True, text=True)
    assert r.returncode != 0 and "own data set" in r.stderr and man_path.read_text() == kept
