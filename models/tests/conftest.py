"""Shared fixtures: a small slice of real ml-latest-small data, prepared once per session.

The raw files are in the repository (models/data/ml-latest-small/raw), so the tests run from a
plain clone with nothing beside it.
"""
import csv
import os
import shutil
import subprocess
import sys

import pytest

MODELS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(MODELS)
sys.path.insert(0, MODELS)
RAW_MLS = os.path.join(MODELS, "data", "ml-latest-small", "raw")


def run(args, **kw):
    res = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, **kw)
    assert res.returncode == 0, f"{args} failed:\n{res.stdout[-3000:]}\n{res.stderr[-3000:]}"
    return res.stdout


@pytest.fixture(scope="session")
def slice_data(tmp_path_factory):
    """The real prepare script on ml-latest-small, then the first 80 users' interactions."""
    full = tmp_path_factory.mktemp("mls-full")
    run([sys.executable, "models/data/ml-latest-small/prepare.py",
         "--src", RAW_MLS, "--out", str(full)])
    out = tmp_path_factory.mktemp("mls-slice")
    with open(full / "interactions.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    users = list(dict.fromkeys(r["user_id"] for r in rows))[:80]
    keep = [r for r in rows if r["user_id"] in set(users)]
    items = {r["item_id"] for r in keep}
    with open(out / "interactions.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, ["item_id", "user_id", "timestamp"])
        w.writeheader()
        w.writerows(keep)
    with open(full / "items.csv", encoding="utf-8") as f, open(out / "items.csv", "w", newline="", encoding="utf-8") as g:
        r = csv.DictReader(f)
        w = csv.DictWriter(g, r.fieldnames)
        w.writeheader()
        w.writerows(row for row in r if row["item_id"] in items)
    shutil.copyfile(full / "README.txt", out / "README.txt")  # the licence travels with the data
    return out
