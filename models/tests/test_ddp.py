"""DDP: torchrun with 2 processes (gloo on CPU) trains the same model as 1 process."""
import shutil
import subprocess
import sys

import torch

from conftest import ROOT, run
from model import HLLM, HLLMConfig

ARGS = ["--m-dim", "32", "--m-item-layers", "1", "--m-user-layers", "1", "--m-n-heads", "2", "--m-n-kv-heads", "2",
        "--m-ffn-dim", "64", "--m-max-text-tokens", "16", "--m-max-history", "10", "--m-dropout", "0",
        "--batch-users", "8", "--n-negatives", "32", "--max-steps", "4", "--eval-every", "100", "--threads", "1"]


def test_two_processes_match_one(slice_data, tmp_path):
    run([sys.executable, "models/train.py", "--data", str(slice_data), "--out", str(tmp_path / "one"), *ARGS])
    torchrun = shutil.which("torchrun") or "torchrun"
    # --redirects/--tee 1: Debian's torch 1.13 on Python 3.11 cannot parse their default "0"
    res = subprocess.run([torchrun, "--standalone", "--nproc_per_node", "2", "--redirects", "1", "--tee", "1",
                          "models/train.py", "--data",
                          str(slice_data), "--out", str(tmp_path / "two"), *ARGS],
                         capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 0, res.stderr[-3000:]
    assert "world 2" in res.stdout
    one = torch.load(tmp_path / "one" / "checkpoint.pt")["state_dict"]
    two = torch.load(tmp_path / "two" / "checkpoint.pt")["state_dict"]
    for k in one:
        assert torch.allclose(one[k], two[k], atol=2e-5), f"{k} differs between 1 and 2 processes"
    # training moved the weights away from their seeded initialisation, so the match means something
    ck = torch.load(tmp_path / "one" / "checkpoint.pt")
    torch.manual_seed(0)
    init = HLLM(HLLMConfig(**ck["model_config"])).state_dict()
    assert max((one[k] - init[k]).abs().max().item() for k in one) > 1e-3
