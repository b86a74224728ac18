"""Prepare MovieLens ml-100k in HLLM's CSV layout.

Item text: title (with year) and genres (from the 19 genre flags). Every rating is an
interaction; users and items with fewer than 5 are dropped. ml-100k's licence has no
redistribution clause, so its raw files are not in this repository: download ml-100k.zip from
GroupLens (https://grouplens.org/datasets/movielens/100k/), unzip it, and pass the folder with
--src or $HLLM_ML100K_RAW (default: models/data/ml-100k/raw, which git ignores). No test and
no step of the default model's build uses ml-100k.
Usage: /usr/bin/python3 models/data/ml-100k/prepare.py [--src DIR] [--out DIR]
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from common import k_core, write_hllm_csv  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
RAW_FILES = ("u.data", "u.item", "u.genre")
DOWNLOAD = "https://grouplens.org/datasets/movielens/100k/"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--src", default=os.environ.get("HLLM_ML100K_RAW", os.path.join(HERE, "raw")),
                   help="folder with the unzipped ml-100k files (u.data, u.item, u.genre); "
                        "default $HLLM_ML100K_RAW or models/data/ml-100k/raw")
    p.add_argument("--out", default=os.path.join(HERE, "out"))
    a = p.parse_args(argv)
    missing = [f for f in RAW_FILES if not os.path.isfile(os.path.join(a.src, f))]
    if missing:
        # Said before reading anything: the one thing to do is fetch the data, which may not ship here.
        p.error(f"ml-100k not found in {a.src} (missing {', '.join(missing)}). Its licence does not allow "
                f"redistribution, so it is not in the repository: download ml-100k.zip from {DOWNLOAD}, "
                f"unzip it, and pass the ml-100k folder with --src DIR (or set HLLM_ML100K_RAW).")

    with open(os.path.join(a.src, "u.genre"), encoding="latin-1") as f:
        genres = [line.split("|")[0] for line in f if line.strip()]
    items = {}
    with open(os.path.join(a.src, "u.item"), encoding="latin-1") as f:
        for line in f:
            cols = line.rstrip("\n").split("|")
            flags = cols[5:5 + len(genres)]
            names = [g for g, on in zip(genres, flags) if on == "1" and g != "unknown"]
            items[cols[0]] = {"title": cols[1].strip(), "genres": ", ".join(names)}
    with open(os.path.join(a.src, "u.data"), encoding="latin-1") as f:
        events = [(c[1], c[0], c[3]) for c in (line.split() for line in f) if len(c) == 4]
    print(f"read {len(events)} ratings, {len(items)} movies")
    write_hllm_csv(a.out, k_core(events, 5), items, ["title", "genres"])


if __name__ == "__main__":
    main()
