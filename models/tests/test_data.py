"""Data layout, k-core filtering, ordering and the leave-one-out split."""
import csv
import os
import subprocess
import sys

from conftest import ROOT, run
from data.common import k_core  # noqa: F401  (path set by conftest)
import dataset


def write(tmp, inter, items, fields=("title",)):
    with open(tmp / "interactions.csv", "w", newline="") as f:
        w = csv.writer(f); w.writerow(["item_id", "user_id", "timestamp"]); w.writerows(inter)
    with open(tmp / "items.csv", "w", newline="") as f:
        w = csv.writer(f); w.writerow(["item_id", *fields]); w.writerows(items)


def test_ties_keep_file_order_not_item_id(tmp_path):
    # same timestamp for all: order must be the file's (30, 10, 20), not sorted by id
    write(tmp_path, [("30", "u", 5), ("10", "u", 5), ("20", "u", 5), ("40", "u", 1)],
          [("10", "a"), ("20", "b"), ("30", "c"), ("40", "d")])
    ds = dataset.load(tmp_path)
    assert [ds.item_ids[i] for i in ds.seqs[0]] == ["40", "30", "10", "20"]


def test_leave_one_out_split(tmp_path):
    write(tmp_path, [(str(i), "u", i) for i in range(1, 7)], [(str(i), f"t{i}") for i in range(1, 7)])
    ds = dataset.load(tmp_path)
    ids = lambda xs: [ds.item_ids[i] for i in xs]
    assert ids(ds.split("train")[0]) == ["1", "2", "3", "4"]
    (vh, vt), = ds.split("valid")
    (th, tt), = ds.split("test")
    assert ids(vh) == ["1", "2", "3", "4"] and ds.item_ids[vt] == "5"
    assert ids(th) == ["1", "2", "3", "4", "5"] and ds.item_ids[tt] == "6"


def test_any_csv_layout_with_other_fields(tmp_path):
    # e.g. HLLM's Amazon Books layout: different text fields, string ids, float timestamps
    write(tmp_path, [("B01", "A9", "1.5"), ("B02", "A9", "0.5")], [("B01", "Dune", "Herbert"), ("B02", "", "x")],
          fields=("title", "author"))
    ds = dataset.load(tmp_path)
    assert ds.text_fields == ["title", "author"]
    assert [ds.item_ids[i] for i in ds.seqs[0]] == ["B02", "B01"]
    assert dataset.item_text(ds.items[ds.index["B02"]], ds.text_fields) == "author: x"
    assert dataset.item_text(ds.items[ds.index["B01"]], ds.text_fields, "P: ") == "P: title: Dune author: Herbert"


def test_k_core_is_iterative():
    # A 5x5 core survives. Item z has 5 events, one of them from user v, whose other 4 items
    # have 1 event each: pass 1 drops those 4, pass 2 drops v (1 event left), pass 3 drops z
    # (4 left). One or two passes would keep z; only the stable fixed point is the core.
    core = [(f"c{j}", f"u{u}", u * 10 + j) for u in range(5) for j in range(5)]
    cascade = [("z", f"u{u}", 100 + u) for u in range(4)] + [("z", "v", 200)]
    cascade += [(f"w{j}", "v", 201 + j) for j in range(4)]
    ev = core[:12] + cascade + core[12:]  # interleaved: the file order must be kept, not regrouped
    kept = k_core(ev, 5)
    assert kept == core and len(kept) == 25


def test_k_core_keeps_a_set_that_is_already_stable():
    ev = [(f"c{j}", f"u{u}", u * 10 + j) for u in range(5) for j in range(5)]
    assert k_core(ev, 5) == ev
    assert k_core(ev, 6) == []  # no user reaches 6: everything goes


def test_ml_100k_prepare_reads_the_raw_files_it_is_given(tmp_path):
    # ml-100k may not be redistributed, so this is a synthetic folder in its format
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "u.genre").write_text("unknown|0\nAction|1\nComedy|2\n\n", encoding="latin-1")
    items = [f"{i}|Film {i} (1995)|01-Jan-1995||http://x|0|{i % 2}|{1 - i % 2}\n" for i in range(1, 6)]
    (raw / "u.item").write_text("".join(items), encoding="latin-1")
    (raw / "u.data").write_text("".join(f"{u}\t{i}\t4\t{100 * u + i}\n" for u in range(1, 6) for i in range(1, 6)),
                                encoding="latin-1")
    out = tmp_path / "out"
    run([sys.executable, "models/data/ml-100k/prepare.py", "--src", str(raw), "--out", str(out)])
    ds = dataset.load(out)
    assert ds.text_fields == ["title", "genres"] and ds.n_items == 5 and len(ds.users) == 5
    assert dataset.item_text(ds.items[ds.index["1"]], ds.text_fields) == "title: Film 1 (1995) genres: Action"


def test_ml_100k_prepare_without_raw_files_says_where_to_download(tmp_path):
    res = subprocess.run([sys.executable, "models/data/ml-100k/prepare.py", "--src", str(tmp_path / "none"),
                          "--out", str(tmp_path / "out")], capture_output=True, text=True, cwd=ROOT,
                         env={**os.environ, "HLLM_ML100K_RAW": ""})
    assert res.returncode == 2
    assert "https://grouplens.org/datasets/movielens/100k/" in res.stderr and "--src" in res.stderr
    assert not (tmp_path / "out").exists()


def test_prepare_scripts_write_hllm_layout(slice_data):
    ds = dataset.load(slice_data)
    assert ds.text_fields == ["title", "genres", "tags"]
    assert ds.n_items > 100 and len(ds.users) == 80
    assert any("(" in it["title"] and it["title"].rstrip().endswith(")") for it in ds.items[1:])
    assert any(it["tags"] for it in ds.items[1:]), "tags must be aggregated into item text"
