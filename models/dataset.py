"""Load a data set in HLLM's CSV layout and split it leave-one-out.

`interactions.csv` (item_id,user_id,timestamp) and `items.csv` (item_id + text fields, in
header order). Each user's events are sorted by timestamp with ties kept in file order (a
stable sort): an item-id tie-break would leak order to ID-based models. Item index 0 is
padding; catalogue items are 1..N in items.csv order.
"""
import csv
import hashlib
import os
from dataclasses import dataclass, field


@dataclass
class Dataset:
    name: str
    item_ids: list              # index -> external id ("" at index 0, the padding row)
    items: list                 # index -> {field: text} ({} at index 0)
    text_fields: list
    users: list                 # external user ids
    seqs: list                  # per user: item indices, oldest first
    sha256: str = ""
    index: dict = field(default_factory=dict)

    @property
    def n_items(self):
        return len(self.item_ids) - 1

    def split(self, part):
        """Leave-one-out: (history, target) pairs for 'valid' or 'test'; train returns sequences.

        train: all but the last two items; valid: target is the second to last; test: the last.
        """
        if part == "train":
            return [s[:-2] for s in self.seqs if len(s) >= 4]
        off = 2 if part == "valid" else 1
        return [(s[:-off], s[-off]) for s in self.seqs if len(s) >= 3]


def file_sha256(paths):
    h = hashlib.sha256()
    for p in paths:
        with open(p, "rb") as f:
            h.update(f.read())
    return h.hexdigest()


def data_name(folder):
    """The data set's name: models/data/ml-100k/out -> "ml-100k" (prepare.py writes to <name>/out)."""
    folder = os.path.normpath(os.path.abspath(folder))
    base = os.path.basename(folder)
    return os.path.basename(os.path.dirname(folder)) if base == "out" else base


def load(folder, name=None):
    items_csv = os.path.join(folder, "items.csv")
    inter_csv = os.path.join(folder, "interactions.csv")
    with open(items_csv, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        fields = [c for c in reader.fieldnames if c != "item_id"]
        item_ids, items = [""], [{}]
        for row in reader:
            item_ids.append(row["item_id"])
            items.append({k: (row.get(k) or "").strip() for k in fields})
    index = {iid: i for i, iid in enumerate(item_ids) if i > 0}
    if len(index) != len(item_ids) - 1:
        raise ValueError(f"{items_csv}: duplicate item_id values")
    per_user = {}
    missing = 0
    with open(inter_csv, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            i = index.get(row["item_id"])
            if i is None:
                missing += 1
                continue
            per_user.setdefault(row["user_id"], []).append((float(row["timestamp"]), i))
    if missing:
        print(f"warning: {missing} interactions name items missing from items.csv; skipped")
    users = list(per_user)
    # sorted() is stable: equal timestamps keep their file order
    seqs = [[i for _, i in sorted(per_user[u], key=lambda e: e[0])] for u in users]
    return Dataset(name or data_name(folder), item_ids, items, fields,
                   users, seqs, file_sha256([inter_csv, items_csv]), index)


def item_text(item, fields, prompt="", template="{key}: {value}", sep=" "):
    """The Item LLM's input text; docs/model-format.md gives the same rule for TypeScript."""
    parts = [template.replace("{key}", k).replace("{value}", item[k].strip())
             for k in fields if item.get(k, "").strip()]
    return prompt + sep.join(parts)


def training_counts(ds):
    """Interactions per item id in the training portion of the leave-one-out split (each user's
    valid/test items left out, as train.py and the popularity baseline see it): popularity.json."""
    counts = {}
    for s in ds.split("train"):
        for i in s:
            counts[ds.item_ids[i]] = counts.get(ds.item_ids[i], 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
