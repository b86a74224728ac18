"""Write a synthetic catalogue in HLLM's CSV layout, for timing training at sizes the real data
sets in the repository do not reach (docs/quality.md "What each loss costs per step").

Items get a title and a genre list of made-up words: each item belongs to one of --topics topics
and draws most of its words from that topic's share of the vocabulary. Each user follows one
topic most of the time, so the sequences carry some signal, but the data is for step times, not
for quality numbers. Every item occurs at least once (the catalogue is dealt out round-robin
first), so items.csv holds exactly --items items. No k-core filter.
Usage: /usr/bin/python3 models/data/synthetic/prepare.py --items 100000 --out models/data/synthetic/out
"""
import argparse
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from common import write_hllm_csv  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]


def make_words(n, rng):
    words = set()
    while len(words) < n:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(words)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--items", type=int, default=100_000, help="catalogue size (default: %(default)s)")
    p.add_argument("--users", type=int, default=5_000, help="users (default: %(default)s)")
    p.add_argument("--per-user", type=int, default=40, help="interactions per user; users x per-user must "
                   "reach --items so every item occurs (default: %(default)s)")
    p.add_argument("--vocab", type=int, default=4_000, help="made-up words (default: %(default)s)")
    p.add_argument("--topics", type=int, default=50, help="topics; each has its own words (default: %(default)s)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=os.path.join(HERE, "out"))
    a = p.parse_args(argv)
    if a.users * a.per_user < a.items:
        raise SystemExit("--users x --per-user must be at least --items")
    rng = random.Random(a.seed)
    words = make_words(a.vocab, rng)
    genres = words[:40]
    per_topic = (len(words) - 40) // a.topics
    topic_words = [words[40 + t * per_topic: 40 + (t + 1) * per_topic] for t in range(a.topics)]
    topic_of, items, by_topic = {}, {}, [[] for _ in range(a.topics)]
    for i in range(1, a.items + 1):
        iid, t = f"s{i}", rng.randrange(a.topics)
        n = rng.randint(3, 8)
        title = " ".join(rng.choice(topic_words[t]) if rng.random() < 0.8 else rng.choice(words) for _ in range(n))
        items[iid] = {"title": title.capitalize(), "genres": ", ".join(rng.sample(genres, rng.randint(1, 3)))}
        topic_of[iid] = t
        by_topic[t].append(iid)
    # every item once, dealt round-robin, then topic-following picks up to --per-user each
    order = list(items)
    rng.shuffle(order)
    seqs = [order[u::a.users] for u in range(a.users)]
    for u, s in enumerate(seqs):
        t = rng.randrange(a.topics)
        pool = by_topic[t] or order  # a small catalogue can leave a topic without items
        while len(s) < a.per_user:
            s.append(rng.choice(pool) if rng.random() < 0.7 else rng.choice(order))
        rng.shuffle(s)
    events = [(iid, f"u{u}", 1_000_000 + k) for u, s in enumerate(seqs) for k, iid in enumerate(s)]
    write_hllm_csv(a.out, events, items, ["title", "genres"])
    with open(os.path.join(a.out, "README.txt"), "w") as f:
        f.write(f"Synthetic data from models/data/synthetic/prepare.py {' '.join(argv or sys.argv[1:])}\n"
                "Made-up words, for timing only; no licence restrictions.\n")


if __name__ == "__main__":
    main()
