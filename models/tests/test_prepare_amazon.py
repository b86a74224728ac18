"""models/data/amazon/prepare.py on tiny files in the 2014 and 2018 formats, written here."""
import csv
import gzip
import json
import subprocess
import sys

from conftest import ROOT, run

SCRIPT = "models/data/amazon/prepare.py"


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def reviews(users, items, t0=1000):
    """Every user reviews every item, user u at time t0 + 10*u + position (chronological per user)."""
    return [{"reviewerID": f"U{u}", "asin": f"A{i}", "unixReviewTime": t0 + 10 * u + k, "overall": 5.0}
            for u in range(users) for k, i in enumerate(items)]


def write_lines(path, rows, dump, gz=False):
    text = "".join(dump(r) + "\n" for r in rows)
    if gz:
        with gzip.open(path, "wt", encoding="utf-8") as f:
            f.write(text)
    else:
        path.write_text(text, encoding="utf-8")


def test_2014_files_gzipped_give_5_core_chronological_clean_text(tmp_path):
    items = [0, 1, 2, 3, 4]
    rev = reviews(5, items)
    # Written newest first: the output must be chronological anyway.
    rev.reverse()
    # A 6th user with 5 reviews of a 6th item that only they review: item A5 has 1 review and
    # goes, then U5 has 4 and goes too (the k-core is repeated until stable).
    rev += [{"reviewerID": "U5", "asin": a, "unixReviewTime": 5000 + j} for j, a in enumerate(["A5", "A0", "A1", "A2", "A3"])]
    write_lines(tmp_path / "reviews.json.gz", rev, json.dumps, gz=True)
    meta = [{"asin": f"A{i}", "title": f"Toy &amp; Game {i}", "brand": "<b>Acme</b>",
             "categories": [["Toys & Games", "Puzzles"], ["Toys & Games", "Jigsaw"]],
             "description": "<p>Fun&nbsp;for&lt;br&gt;all   ages</p>"} for i in range(6)]
    # 2014 metadata is Python literals (single quotes), not JSON.
    write_lines(tmp_path / "meta.json.gz", meta, repr, gz=True)
    out = tmp_path / "out"
    run([sys.executable, SCRIPT, "--reviews", str(tmp_path / "reviews.json.gz"), "--meta", str(tmp_path / "meta.json.gz"), "--out", str(out)])

    inter = read_csv(out / "interactions.csv")
    assert inter[0] == ["item_id", "user_id", "timestamp"]
    assert {r[1] for r in inter[1:]} == {f"U{u}" for u in range(5)}
    assert {r[0] for r in inter[1:]} == {f"A{i}" for i in items}
    for u in range(5):
        seq = [r for r in inter[1:] if r[1] == f"U{u}"]
        assert [r[0] for r in seq] == [f"A{i}" for i in items]
        assert [int(r[2]) for r in seq] == sorted(int(r[2]) for r in seq)
    rows = read_csv(out / "items.csv")
    assert rows[0] == ["item_id", "title", "brand", "categories", "description"]
    assert rows[1] == ["A0", "Toy & Game 0", "Acme", "Toys & Games, Puzzles, Jigsaw", "Fun for all ages"]


def test_2018_plain_files_keep_file_order_on_equal_times(tmp_path):
    # Five users review five items, all at the same instant: the output keeps the file's order.
    order = [3, 0, 4, 1, 2]
    rev = [{"reviewerID": f"U{u}", "asin": f"A{i}", "unixReviewTime": 7, "overall": 4.0, "verified": True}
           for u in range(5) for i in order]
    write_lines(tmp_path / "reviews.json", rev, json.dumps)
    meta = [{"asin": f"A{i}", "title": f"Ball {i}", "brand": "Kicks", "category": ["Sports", "Balls", "Sports"],
             "description": ["Round.", "<i>Bouncy</i> &quot;ball&quot;"]} for i in range(5)]
    write_lines(tmp_path / "meta.json", meta, json.dumps)
    out = tmp_path / "out"
    run([sys.executable, SCRIPT, "--reviews", str(tmp_path / "reviews.json"), "--meta", str(tmp_path / "meta.json"), "--out", str(out)])

    inter = read_csv(out / "interactions.csv")[1:]
    assert [r[0] for r in inter if r[1] == "U2"] == [f"A{i}" for i in order]
    items = {r[0]: r for r in read_csv(out / "items.csv")[1:]}
    assert items["A4"] == ["A4", "Ball 4", "Kicks", "Sports, Balls", 'Round. Bouncy "ball"']


def test_a_review_without_its_fields_names_the_file(tmp_path):
    write_lines(tmp_path / "reviews.json", [{"asin": "A0", "unixReviewTime": 1}], json.dumps)
    write_lines(tmp_path / "meta.json", [{"asin": "A0", "title": "x"}], json.dumps)
    res = subprocess.run([sys.executable, SCRIPT, "--reviews", str(tmp_path / "reviews.json"), "--meta", str(tmp_path / "meta.json"),
                          "--out", str(tmp_path / "out")], capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 1
    assert "reviews.json" in res.stderr and "reviewerID" in res.stderr
    assert not (tmp_path / "out").exists()
