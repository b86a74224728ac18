"""Prepare an Amazon Reviews category (the 2014 or the 2018 release) in HLLM's CSV layout.

Input: the category's reviews file and its product-metadata file, JSON lines, gzipped or not.
The 2018 release writes strict JSON; the 2014 metadata files are Python literals, one per line
(single quotes), which `ast.literal_eval` reads safely. Every review is an interaction; users and
items with fewer than 5 are dropped, repeatedly (5-core). Interactions are ordered by time, ties
kept in file order (a stable sort): an item-id tie-break would leak order to ID models.
Item text: title, brand, categories and description, with HTML tags and entities removed.
Neither release may be redistributed here: pass your own download.
Usage: /usr/bin/python3 models/data/amazon/prepare.py --reviews FILE --meta FILE --out DIR [--k 5]
"""
import argparse
import ast
import gzip
import html
import json
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from common import k_core, write_hllm_csv  # noqa: E402

FIELDS = ["title", "brand", "categories", "description"]
# Descriptions run to thousands of words; the Item LLM reads max_text_tokens of the text anyway.
MAX_DESCRIPTION_CHARS = 1000
TAG = re.compile(r"<[^>]*>")
SPACE = re.compile(r"\s+")


def open_text(path):
    """A text stream of `path`, gunzipped when it starts with gzip's magic bytes (not by name)."""
    with open(path, "rb") as f:
        gz = f.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rt", encoding="utf-8") if gz else open(path, encoding="utf-8")


def records(path):
    """Each line of a JSON-lines file as a dict; 2014 metadata lines are Python literals."""
    with open_text(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                try:
                    yield ast.literal_eval(line)
                except (ValueError, SyntaxError) as e:
                    raise SystemExit(f"{path}:{n}: neither JSON nor a Python literal ({e}); is this an Amazon Reviews file?")


def clean(text):
    """Plain text: HTML entities decoded, tags removed, whitespace collapsed."""
    if text is None:
        return ""
    if isinstance(text, list):
        text = " ".join(clean(t) for t in text)
    text = html.unescape(str(text))
    # Entities can encode tags ("&lt;br&gt;"), so tags go after unescaping, then once more.
    text = html.unescape(TAG.sub(" ", text))
    return SPACE.sub(" ", TAG.sub(" ", text)).strip()


def categories(meta):
    """2014: `categories` is a list of paths (lists); 2018: `category` is one path. Unique, in order."""
    paths = meta.get("categories")
    flat = [c for path in paths for c in path] if paths else list(meta.get("category") or [])
    return ", ".join(dict.fromkeys(c for c in (clean(x) for x in flat) if c))


def item_text(meta):
    return {
        "title": clean(meta.get("title")),
        "brand": clean(meta.get("brand")),
        "categories": categories(meta),
        "description": clean(meta.get("description"))[:MAX_DESCRIPTION_CHARS],
    }


def read_reviews(path):
    """(item_id, user_id, unix time) per review, in file order."""
    events = []
    for r in records(path):
        try:
            events.append((str(r["asin"]), str(r["reviewerID"]), int(r["unixReviewTime"])))
        except (KeyError, TypeError, ValueError) as e:
            raise SystemExit(f"{path}: a review without asin, reviewerID or unixReviewTime ({e!r}): {str(r)[:200]}")
    return events


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--reviews", required=True, help="reviews JSON lines (.json or .json.gz), 2014 or 2018 release")
    p.add_argument("--meta", required=True, help="product metadata JSON lines (.json or .json.gz) of the same category")
    p.add_argument("--out", required=True, help="folder for interactions.csv and items.csv")
    p.add_argument("--k", type=int, default=5, help="k-core: drop users and items with fewer interactions (default 5)")
    a = p.parse_args(argv)
    events = read_reviews(a.reviews)
    print(f"read {len(events)} reviews from {a.reviews}")
    # Stable: reviews with the same time keep their file order.
    events.sort(key=lambda e: e[2])
    events = k_core(events, a.k)
    wanted = {e[0] for e in events}
    items = {}
    for m in records(a.meta):
        asin = str(m.get("asin", ""))
        if asin in wanted and asin not in items:
            items[asin] = item_text(m)
    missing = len(wanted) - len(items)
    if missing:
        print(f"warning: {missing} of {len(wanted)} items have no metadata; their text is empty")
    write_hllm_csv(a.out, events, items, FIELDS)


if __name__ == "__main__":
    main()
