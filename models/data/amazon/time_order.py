"""Put an Amazon data set made from IDGenRec's files back in time order, from S3-Rec's files.

    /usr/bin/python3 models/data/amazon/time_order.py --csv DIR --s3rec Toys_and_Games.txt --out DIR

IDGenRec's Sports and Toys `user_sequence.txt` list each user's items sorted by ASIN, not by
time (agiresearch/IDGenRec#7): every one of the 19,412 Toys and 35,598 Sports sequences is in
ASIN order, so "the next item" of a leave-one-out split is the next ASIN, not the next purchase.
S3-Rec's `data/<Category>.txt` (RUCAIBox/CIKM2020-S3Rec; its data_process.py sorts each user's
reviews by unixReviewTime) holds the same users on the same lines, with integer item ids in time
order. This script recovers the integer -> ASIN map from the two (each integer's ASIN is the one
in every set of the users who have it) and writes DIR's interactions with the timestamp set to
each event's position in time order; items.csv is copied. Integers whose users never tell two
ASINs apart (they always occur together) are mapped in sorted order, and counted in the output.

--attributes adds S3-Rec's `<Category>_item2attributes.json` to items.csv as a column
"attributes": each item's brand and categories (those on at least a few items), as S3-Rec's
data_process.py kept them. The file gives their ids, not their names, so they go in as opaque
words ("attr12 attr25"): to a from-scratch tokenizer a word is a word, and two items of the same
brand or category share it.

--csv is a folder in HLLM's layout whose interactions.csv lists users in IDGenRec's line order
(as ../amazon-<category> in the measurement data does); both files are for measurement only
(the Amazon data's licence: research use, never in the repository).
"""
import argparse
import csv
import json
import os
import shutil
import sys


def read_csv_sequences(folder):
    """Users in first-appearance order, each with its items in the file's timestamp order."""
    per_user = {}
    with open(os.path.join(folder, "interactions.csv"), newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            per_user.setdefault(row["user_id"], []).append((float(row["timestamp"]), row["item_id"]))
    return [(u, [i for _, i in sorted(s, key=lambda e: e[0])]) for u, s in per_user.items()]


def read_s3rec(path):
    with open(path) as f:
        return [line.split()[1:] for line in f if line.strip()]


def item_map(asin_seqs, int_seqs):
    """integer id -> ASIN, and how many were only fixed by sorted order (ambiguous)."""
    if len(asin_seqs) != len(int_seqs):
        raise SystemExit(f"{len(asin_seqs)} users in the CSV but {len(int_seqs)} lines in the S3-Rec file")
    cand = {}
    for n, (a, i) in enumerate(zip(asin_seqs, int_seqs)):
        if len(a) != len(i) or len(set(a)) != len(set(i)):
            raise SystemExit(f"user {n + 1}: {len(a)} items in the CSV, {len(i)} in the S3-Rec file: not the same data")
        sa = set(a)
        for x in set(i):
            cand[x] = cand[x] & sa if x in cand else set(sa)
    fixed, changed = {}, True
    while changed:
        changed = False
        taken = set(fixed.values())
        for x, c in cand.items():
            if x in fixed:
                continue
            c -= taken
            if not c:
                raise SystemExit(f"item {x}: no ASIN is in the sets of all its users: not the same data")
            if len(c) == 1:
                fixed[x] = next(iter(c))
                taken.add(fixed[x])
                changed = True
    # the rest: groups of integers sharing one candidate set, mapped in sorted order
    ambiguous = 0
    groups = {}
    for x, c in cand.items():
        if x not in fixed:
            groups.setdefault(frozenset(c), []).append(x)
    for c, xs in groups.items():
        free = sorted(c - set(fixed.values()))
        for x, a in zip(sorted(xs, key=int), free):
            fixed[x] = a
            ambiguous += 1
    return fixed, ambiguous


def write_items(src, out, int_to_asin, attributes_file):
    """items.csv as it is, or with an "attributes" column of opaque attribute words."""
    if not attributes_file:
        shutil.copyfile(os.path.join(src, "items.csv"), os.path.join(out, "items.csv"))
        return
    with open(os.path.join(src, "items.csv"), newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        fields, rows = list(reader.fieldnames), list(reader)
    with open(attributes_file, encoding="utf-8") as f:
        attrs = {int_to_asin[k]: v for k, v in json.load(f).items() if k in int_to_asin}
    fields.append("attributes")
    for r in rows:
        r["attributes"] = " ".join(f"attr{n}" for n in attrs.get(r["item_id"], []))
    with open(os.path.join(out, "items.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--csv", required=True, help="folder with interactions.csv and items.csv made from IDGenRec's files")
    p.add_argument("--s3rec", required=True, help="S3-Rec's data/<Category>.txt for the same category")
    p.add_argument("--attributes", default="",
                   help="S3-Rec's data/<Category>_item2attributes.json: adds each item's brand and category ids "
                        "as an 'attributes' text column (default: none, items.csv is copied as it is)")
    p.add_argument("--out", required=True, help="folder for the time-ordered interactions.csv and items.csv")
    a = p.parse_args(argv)
    users = read_csv_sequences(a.csv)
    ints = read_s3rec(a.s3rec)
    m, ambiguous = item_map([s for _, s in users], ints)
    os.makedirs(a.out, exist_ok=True)
    moved = 0
    with open(os.path.join(a.out, "interactions.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["item_id", "user_id", "timestamp"])
        for (user, asins), seq in zip(users, ints):
            ordered = [m[x] for x in seq]
            if sorted(ordered) != sorted(asins):
                raise SystemExit(f"user {user}: the mapped items differ from the CSV's")
            moved += ordered[-1] != asins[-1]
            for t, asin in enumerate(ordered):
                w.writerow([asin, user, t])
    write_items(a.csv, a.out, m, a.attributes)
    print(f"wrote {a.out}: {len(users)} users, {sum(len(s) for s in ints)} interactions in time order; "
          f"{len(m)} items mapped ({ambiguous} only by sorted order); the last item changed for "
          f"{moved} users ({moved / max(len(users), 1):.0%})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
