"""Data layout, k-core filtering, ordering and the leave-one-out split."""
import csv

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
    # item z has 5 events but one of its users drops below 5, taking z below 5 too
    ev = [(f"i{j}", "a", j) for j in range(5)] + [("z", u, 0) for u in "abcde"] + [("i0", u, 1) for u in "bcde"]
    kept = k_core(ev, 5)
    assert all(e[0] != "z" or len([x for x in kept if x[0] == "z"]) >= 5 for e in kept)
    users = {e[1] for e in kept}
    assert users <= {"a"} and all(sum(1 for x in kept if x[1] == u) >= 5 for u in users)


def test_prepare_scripts_write_hllm_layout(slice_data):
    ds = dataset.load(slice_data)
    assert ds.text_fields == ["title", "genres", "tags"]
    assert ds.n_items > 100 and len(ds.users) == 80
    assert any("(" in it["title"] and it["title"].rstrip().endswith(")") for it in ds.items[1:])
    assert any(it["tags"] for it in ds.items[1:]), "tags must be aggregated into item text"
