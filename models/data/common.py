"""Shared helpers for the prepare scripts: k-core filtering and writing HLLM's CSV layout.

Every prepare script reads one raw data set and calls `write_hllm_csv`, so any data set that is
already in this layout (HLLM's Amazon Books / PixelRec releases) needs no prepare step at all.
"""
import csv
import os
from collections import Counter


def k_core(events, k=5):
    """Drop users and items with fewer than k interactions, repeatedly, until stable.

    `events` is a list of (item_id, user_id, timestamp) in file order; the order is kept.
    """
    while True:
        users = Counter(e[1] for e in events)
        items = Counter(e[0] for e in events)
        kept = [e for e in events if users[e[1]] >= k and items[e[0]] >= k]
        if len(kept) == len(events):
            return kept
        events = kept


def write_hllm_csv(out_dir, events, items, fields):
    """Write interactions.csv (item_id,user_id,timestamp; file order kept) and items.csv.

    `items` maps item_id -> {field: text}; only items that occur in `events` are written, in
    order of first appearance, so the catalogue matches the interactions exactly.
    """
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "interactions.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["item_id", "user_id", "timestamp"])
        w.writerows(events)
    seen = list(dict.fromkeys(e[0] for e in events))
    with open(os.path.join(out_dir, "items.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["item_id"] + fields)
        for item_id in seen:
            w.writerow([item_id] + [items.get(item_id, {}).get(k, "") for k in fields])
    n_users = len({e[1] for e in events})
    print(f"wrote {out_dir}: {len(events)} interactions, {n_users} users, {len(seen)} items")
