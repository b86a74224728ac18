"""Fast path on real data: prepare a slice, train a few steps, export, quantise, check parity
against PyTorch with ONNX Runtime, and check the manifest and golden.json."""
import hashlib
import json
import os
import sys

import pytest

from conftest import run

TINY = ["--m-dim", "32", "--m-item-layers", "1", "--m-user-layers", "1", "--m-n-heads", "2",
        "--m-n-kv-heads", "2", "--m-ffn-dim", "64", "--m-max-text-tokens", "24", "--m-max-history", "20",
        "--batch-users", "8", "--n-negatives", "64", "--threads", "1"]


@pytest.fixture(scope="module")
def trained(slice_data, tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    log = run([sys.executable, "models/train.py", "--data", str(slice_data), "--out", str(out / "hllm"),
               "--max-steps", "12", "--eval-every", "6", *TINY])
    assert "valid N@10" in log and "items/s" in log and "ETA" in log and "item_cos" in log
    run([sys.executable, "models/train.py", "--model", "sasrec", "--data", str(slice_data),
         "--out", str(out / "sasrec"), "--max-steps", "12", "--eval-every", "6", *TINY])
    return out


def test_training_writes_checkpoint_curve_and_metrics(trained):
    logj = json.load(open(trained / "hllm" / "train_log.json"))
    for part in ("valid", "test"):
        for k in (5, 10, 50, 200):
            assert 0.0 <= logj["result"][part][f"N@{k}"] <= logj["result"][part][f"R@{k}"] <= 1.0
    assert (trained / "hllm" / "train_curve.png").stat().st_size > 1000
    assert (trained / "hllm" / "checkpoint.pt").exists()


def test_compare_tunes_both_sasrecs_on_validation_and_summarises_seeds(slice_data, tmp_path):
    out = tmp_path / "cmp"
    args = [sys.executable, "models/compare.py", "--data", str(slice_data), "--seeds", "0", "1",
            "--hllm-steps", "4", "--sasrec-steps", "4", "--eval-every", "2", "--patience", "0",
            "--full-grid", "1e-3:0.1", "1e-3:0.4", "3e-3:0.4", "--sasrec-lrs", "1e-3", "3e-3",
            "--out", str(out), *TINY]
    log = run(args)
    s = json.load(open(out / "summary.json"))
    full = s["tuning"]["sasrec_full"]
    # --full-grid: exactly the given pairs, not their product
    assert set(full["grid"]) == {"-lr0.001-do0.1", "-lr0.001-do0.4", "-lr0.003-do0.4"}
    # the 2 finalists are the best first-seed VALIDATION N@10s; the kept one has the best mean
    # validation over both seeds; seed 1 was trained with it, in a folder named after it (so
    # --resume after a grid change cannot reuse another config)
    top2 = sorted(full["grid"], key=lambda t: -full["grid"][t]["valid_N@10"])[:2]
    assert set(full["finalists"]) == set(top2)
    for t, f in full["finalists"].items():
        assert len(f["valid_N@10"]) == 2 and f["valid_N@10"][0] == full["grid"][t]["valid_N@10"]
        assert abs(f["mean_valid_N@10"] - sum(f["valid_N@10"]) / 2) < 1e-12
    assert full["chosen"] == max(top2, key=lambda t: full["finalists"][t]["mean_valid_N@10"])
    seed1 = log.split(f"== sasrec_full{full['chosen']} seed 1:")[1].splitlines()[0]
    assert " ".join(full["flags"]) in seed1 and "--loss full" in seed1
    assert f"--out {out}/sasrec_full{full['chosen']}-1 " in seed1
    sampled = s["tuning"]["sasrec"]
    assert sampled["chosen"] == max(sampled["finalists"], key=lambda t: sampled["finalists"][t]["mean_valid_N@10"])
    assert "--loss sampled" in log.split(f"== sasrec{sampled['chosen']} seed 1:")[1].splitlines()[0]
    for name in ("hllm", "sasrec_full", "sasrec", "popular"):
        runs = s["summary"][name]["N@10"]["runs"]
        assert len(runs) == 2 and abs(s["summary"][name]["N@10"]["mean"] - sum(runs) / 2) < 1e-12
    for name in ("hllm", "sasrec_full", "sasrec"):
        assert [r["seed"] for r in s["runs"][name]] == [0, 1]
        assert all(r["steps_run"] == 4 and r["budget_cut"] and r["best_step"] in (2, 4) for r in s["runs"][name])
    # patience 0: the budget ended every run, and the comparison says so
    assert s["budget_cut"] == ["hllm", "sasrec", "sasrec_full"] and "NOTE: the step budget" in log
    assert set(s["relative"]) == {"hllm_vs_sasrec_full", "hllm_vs_sasrec", "hllm_vs_sasrec_full_cold",
                                  "hllm_vs_sasrec_cold"} and "hllm_vs_sasrec_full: " in log
    assert (out / "curves.png").stat().st_size > 1000
    # --resume reuses the finished runs (2 HLLM, 3 + 2 full SASRec, 2 + 2 sampled) instead of training again
    again = run([*args, "--resume"])
    assert again.count("reusing") == 11 and "step 4/4 loss" not in again


def test_compare_tunes_hllm_by_the_same_validation_rule_when_given_a_grid(slice_data, tmp_path):
    out = tmp_path / "cmp"
    base = "--lr 2e-3 --m-item-layers 1 --loss full --aux-weight 0"
    log = run([sys.executable, "models/compare.py", "--data", str(slice_data), "--seeds", "0", "1", "--only", "hllm",
               "--hllm-steps", "4", "--eval-every", "2", "--patience", "0", "--hllm-flags", base,
               "--hllm-grid", "1e-3:0.1", "3e-3:0.4", "--finalists", "1", "--out", str(out), *TINY])
    s = json.load(open(out / "summary.json"))
    h = s["tuning"]["hllm"]
    assert set(h["grid"]) == {"-lr0.001-do0.1", "-lr0.003-do0.4"}
    # one finalist: the first seed's best VALIDATION N@10, which seed 1 then trains with
    assert h["chosen"] == max(h["grid"], key=lambda t: h["grid"][t]["valid_N@10"]) and list(h["finalists"]) == [h["chosen"]]
    seed1 = log.split(f"== hllm{h['chosen']} seed 1:")[1].splitlines()[0]
    # the base recipe comes first and the grid's lr / dropout after it, so the grid's win (argparse keeps the last)
    assert seed1.index(base) < seed1.index(" ".join(h["flags"])) and f"--out {out}/hllm{h['chosen']}-1 " in seed1
    cfg = json.load(open(out / f"hllm{h['chosen']}-1" / "train_log.json"))
    assert cfg["train_config"]["lr"] == float(h["flags"][1]) and cfg["train_config"]["aux_weight"] == 0.0
    assert cfg["model_config"]["dropout"] == float(h["flags"][3])
    assert [r["seed"] for r in s["runs"]["hllm"]] == [0, 1] and "sasrec_full" not in s["summary"]


def test_export_quantise_parity_and_manifest(trained, tmp_path):
    out = tmp_path / "model"
    (tmp_path / "q-run").mkdir()
    bar = tmp_path / "q-run" / "summary.json"  # keyed by its data set, not by this folder
    bar.write_text(json.dumps({"data": "models/data/ml-100k/out", "seeds": [0, 1, 2],
                               "summary": {"hllm": {"N@10": {"mean": 0.1}}, "sasrec": {"N@10": {"mean": 0.09}}}}))
    sel = tmp_path / "selection.json"
    sel.write_text(json.dumps({"rule": "best validation N@10 (test never used)", "chosen": "hllm-1"}))
    log = run([sys.executable, "models/export.py", str(trained / "hllm" / "checkpoint.pt"), str(out),
               "--baseline", str(trained / "sasrec" / "checkpoint.pt"), "--catalog-out", str(tmp_path / "catalog"),
               "--quality-bar", str(bar), "--selection", str(sel)])
    man = json.load(open(out / "hllm.json"))
    assert man["format"] == 1 and man["dim"] == 32 and man["text_fields"] == ["title", "genres", "tags"]
    for key in ("prompt", "field_template", "max_text_tokens", "max_history", "item_token_id",
                "bos_token_id", "pad_token_id", "training", "metrics"):
        assert key in man
    roles = {(f["role"], f["dtype"]) for f in man["files"]}
    for kind in ("item_encoder", "user_encoder"):
        assert {(kind, "fp32"), (kind, "q8"), (kind, "q4")} <= roles
    for f in man["files"]:
        data = open(out / f["path"], "rb").read()
        assert len(data) == f["bytes"] and hashlib.sha256(data).hexdigest() == f["sha256"]
    parity = man["metrics"]["parity"]
    assert parity["fp32"]["item_min_cos"] >= 0.9999 and parity["fp32"]["user_min_cos"] >= 0.9999
    assert parity["q8"]["item_min_cos"] >= 0.99 and parity["q4"]["item_min_cos"] >= 0.95
    # the i8 key/value-cache User LLM (the engine's on WASM for q8 and q4) is shipped and checked
    assert ("user_kv_encoder", "i8") in roles and parity["i8"]["user_kv_min_cos"] >= 0.99
    for dt in ("fp32", "q8", "q4", "sasrec", "popular"):
        assert "N@10" in man["metrics"]["test"][dt]
    assert man["training"]["dataset_sha256"] and man["training"]["config"]["model"] == "hllm"
    assert man["metrics"]["quality_bar"]["ml-100k"]["summary"]["sasrec"]["N@10"]["mean"] == 0.09
    assert man["metrics"]["selection"]["chosen"] == "hllm-1"
    assert man["metrics"]["baseline"]["loss"] == "sampled" and man["training"]["loss"] == "sampled"
    golden = json.load(open(out / "golden.json"))
    assert len(golden["users"]) == 5 and all(len(u["top10"]) == 10 for u in golden["users"])
    assert any(c["text"] == "" and c["ids"] == [] for c in golden["tokenizer_cases"])
    assert all(len(i["input_ids"]) <= 25 and i["input_ids"][-1] == man["item_token_id"] for i in golden["items"])
    assert (tmp_path / "catalog" / "LICENSE.txt").exists()
    assert "item min cos" in log
    # the WebGPU self-check's reference for every dtype, and each encoder's buffer sizes for the fit check
    assert {f["dtype"] for f in man["files"] if f["role"] == "self_check"} == {"fp32", "q8", "q4"}
    assert all(f["max_buffer_bytes"] >= f["max_tensor_bytes"] > 0 for f in man["files"] if f["role"].endswith("_encoder"))


def test_export_rejects_changed_data(trained, tmp_path, slice_data):
    import shutil
    import subprocess
    changed = tmp_path / "data"
    shutil.copytree(slice_data, changed)
    ck = trained / "hllm" / "checkpoint.pt"
    import torch
    state = torch.load(ck)
    state["dataset"]["path"] = str(changed)
    with open(changed / "items.csv", "a") as f:
        f.write("999999,New,,\n")
    torch.save(state, tmp_path / "ck.pt")
    res = subprocess.run([sys.executable, "models/export.py", str(tmp_path / "ck.pt"), str(tmp_path / "m")],
                         capture_output=True, text=True, cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    # SystemExit(message): exit status 1, the message on stderr, and no model folder written
    assert res.returncode == 1 and "sha256 mismatch" in res.stderr
    assert not (tmp_path / "m").exists()
