"""popularity.json counts: the training portion of the leave-one-out split only."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import dataset as datasets  # noqa: E402
from add_popularity import write_popularity  # noqa: E402


def tiny():
    # u1: a b c d e -> train a b c (d valid, e test); u2: a c b -> fewer than 4, not trained on.
    # u3: b a d c -> train b a.
    return datasets.Dataset("tiny", ["", "a", "b", "c", "d", "e"], [{}] * 6, ["title"], ["u1", "u2", "u3"],
                            [[1, 2, 3, 4, 5], [1, 3, 2], [2, 1, 4, 3]])


def test_counts_leave_out_valid_and_test_items(tmp_path):
    assert datasets.training_counts(tiny()) == {"a": 2, "b": 2, "c": 1}
    entry = write_popularity(tiny(), str(tmp_path))
    data = (tmp_path / "popularity.json").read_bytes()
    assert json.loads(data) == {"a": 2, "b": 2, "c": 1}
    assert entry["role"] == "popularity" and entry["bytes"] == len(data)
