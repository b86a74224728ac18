"""models/data/amazon/time_order.py: ASIN-sorted sequences (IDGenRec's Sports/Toys files) put back
in time order from S3-Rec's integer-id file, written by the test in both layouts."""
import csv
import json
import os
import random
import subprocess
import sys

import pytest

SCRIPT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data", "amazon", "time_order.py")


def make(tmp_path, users=40, items=30, seed=0):
    """True time-ordered ASIN sequences; the CSV in ASIN order; the S3-Rec file with integer ids
    numbered in order of first appearance (as S3-Rec's data_process.py numbers them)."""
    rng = random.Random(seed)
    asins = [f"B{rng.randrange(10**8):08d}" for _ in range(items)]
    truth = [rng.sample(asins, rng.randint(5, 9)) for _ in range(users)]
    ids = {}
    for s in truth:
        for a in s:
            ids.setdefault(a, str(len(ids) + 1))
    d = tmp_path / "idgenrec"
    d.mkdir()
    with open(d / "interactions.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["item_id", "user_id", "timestamp"])
        for u, s in enumerate(truth):
            for t, a in enumerate(sorted(s)):
                w.writerow([a, f"U{u}", t])
    with open(d / "items.csv", "w") as f:
        f.write("item_id,title\n" + "".join(f"{a},thing {a}\n" for a in asins))
    s3 = tmp_path / "s3rec.txt"
    s3.write_text("".join(f"{u + 1} {' '.join(ids[a] for a in s)}\n" for u, s in enumerate(truth)))
    return d, s3, truth


def read(folder):
    seqs = {}
    with open(os.path.join(folder, "interactions.csv"), newline="") as f:
        for r in csv.DictReader(f):
            seqs.setdefault(r["user_id"], []).append((int(r["timestamp"]), r["item_id"]))
    return [[a for _, a in sorted(s)] for s in seqs.values()]


def test_recovers_the_time_order(tmp_path):
    d, s3, truth = make(tmp_path)
    out = tmp_path / "out"
    r = subprocess.run([sys.executable, SCRIPT, "--csv", str(d), "--s3rec", str(s3), "--out", str(out)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert read(out) == truth
    assert read(d) != truth  # the input really was out of order
    assert (out / "items.csv").read_text() == (d / "items.csv").read_text()
    moved = sum(s[-1] != sorted(s)[-1] for s in truth)
    assert f"the last item changed for {moved} users" in r.stdout


def test_other_data_is_refused(tmp_path):
    d, s3, _ = make(tmp_path)
    lines = s3.read_text().splitlines()
    s3.write_text("\n".join(lines[:-1]) + "\n")
    r = subprocess.run([sys.executable, SCRIPT, "--csv", str(d), "--s3rec", str(s3), "--out", str(tmp_path / "o")],
                       capture_output=True, text=True)
    assert r.returncode == 1
    assert "40 users in the CSV but 39 lines in the S3-Rec file" in r.stderr


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_recovers_other_random_catalogues(tmp_path, seed):
    d, s3, truth = make(tmp_path, users=60, items=25, seed=seed)
    subprocess.run([sys.executable, SCRIPT, "--csv", str(d), "--s3rec", str(s3), "--out", str(tmp_path / "o")],
                   check=True, capture_output=True)
    assert read(tmp_path / "o") == truth


def test_attributes_become_a_text_column(tmp_path):
    d, s3, truth = make(tmp_path)
    ids = {}
    for line in s3.read_text().splitlines():
        for x in line.split()[1:]:
            ids.setdefault(x, None)
    # S3-Rec's item2attributes.json: integer item id -> attribute ids (brand, categories)
    attrs = {x: [int(x) % 3 + 1, 7] for x in list(ids)[:-1]}  # the last item has none
    path = tmp_path / "attrs.json"
    path.write_text(json.dumps(attrs))
    out = tmp_path / "out"
    subprocess.run([sys.executable, SCRIPT, "--csv", str(d), "--s3rec", str(s3), "--attributes", str(path),
                    "--out", str(out)], check=True, capture_output=True)
    assert read(out) == truth
    # the integer ids were numbered by first appearance in time order
    int_of = {}
    for s in truth:
        for a in s:
            int_of.setdefault(a, str(len(int_of) + 1))
    asin_of = {x: a for a, x in int_of.items()}
    with open(out / "items.csv", newline="") as f:
        rows = {r["item_id"]: r for r in csv.DictReader(f)}
    assert len(rows) == 30
    for x, a in asin_of.items():
        assert rows[a]["title"] == f"thing {a}"
        want = f"attr{int(x) % 3 + 1} attr7" if x in attrs else ""
        assert rows[a]["attributes"] == want, (x, a)
