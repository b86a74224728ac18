"""Prepare MovieLens ml-latest-small in HLLM's CSV layout.

Item text: title (with year), genres, and the user tags aggregated per movie (most frequent
first). Every rating is an interaction; users and items with fewer than 5 are dropped.
The raw GroupLens files are in the repository (raw/, with their licence in raw/README.txt), so
this needs no download.
Usage: /usr/bin/python3 models/data/ml-latest-small/prepare.py [--src DIR] [--out DIR]
"""
import argparse
import csv
import os
import shutil
import sys
from collections import Counter, defaultdict

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from common import k_core, write_hllm_csv  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--src", default=os.path.join(HERE, "raw"),
                   help="folder with the raw ml-latest-small files (default: the copy in raw/)")
    p.add_argument("--out", default=os.path.join(HERE, "out"))
    p.add_argument("--max-tags", type=int, default=8, help="most frequent tags kept per movie")
    a = p.parse_args(argv)

    tags = defaultdict(Counter)
    with open(os.path.join(a.src, "tags.csv"), encoding="utf-8") as f:
        for row in csv.DictReader(f):
            tag = " ".join(row["tag"].split())
            if tag:
                tags[row["movieId"]][tag.lower()] += 1
    n_tagged = len(tags)
    items = {}
    with open(os.path.join(a.src, "movies.csv"), encoding="utf-8") as f:
        for row in csv.DictReader(f):
            genres = "" if row["genres"] == "(no genres listed)" else row["genres"].replace("|", ", ")
            top = sorted(tags[row["movieId"]].items(), key=lambda kv: (-kv[1], kv[0]))[: a.max_tags]
            items[row["movieId"]] = {"title": row["title"].strip(), "genres": genres,
                                     "tags": ", ".join(t for t, _ in top)}
    with open(os.path.join(a.src, "ratings.csv"), encoding="utf-8") as f:
        events = [(r["movieId"], r["userId"], r["timestamp"]) for r in csv.DictReader(f)]
    print(f"read {len(events)} ratings, {len(items)} movies, tags for {n_tagged} movies")
    write_hllm_csv(a.out, k_core(events, 5), items, ["title", "genres", "tags"])
    # GroupLens licence terms travel with any copy of the data
    shutil.copy(os.path.join(a.src, "README.txt"), os.path.join(a.out, "README.txt"))


if __name__ == "__main__":
    main()
