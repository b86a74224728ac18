"""Check a data set in HLLM's CSV layout before any training, naming the file, line and column of
the first bad row.

    /usr/bin/python3 models/check_data.py DIR

DIR holds `items.csv` (item_id, then one or more text columns) and `interactions.csv`
(item_id,user_id,timestamp), the layout models/dataset.py reads. Lines are counted as an editor
counts them (the header is line 1), also when a quoted field spans lines. Prints a one-line
summary; a bad row exits with status 2 and one line "FILE line N, column C: what is wrong".
"""
import argparse
import csv
import math
import os
import sys
from dataclasses import dataclass

INTERACTION_COLUMNS = ("item_id", "user_id", "timestamp")


class DataError(ValueError):
    """A bad file or row: `where` is "FILE line N, column C" (or less, when no row is at fault)."""

    def __init__(self, where, what):
        super().__init__(f"{where}: {what}")
        self.where, self.what = where, what


@dataclass
class DataSummary:
    items: int
    users: int
    interactions: int
    text_fields: list
    users_kept: int          # users with >= 3 interactions: the ones with a validation and a test item

    def __str__(self):
        return (f"{self.items} items (text: {', '.join(self.text_fields)}), {self.users} users ({self.users_kept} "
                f"with 3 or more interactions), {self.interactions} interactions")


def _rows(path):
    """(line number, row dict) for each data row, with the header's columns; strict CSV."""
    if not os.path.exists(path):
        raise DataError(path, "file not found")
    f = open(path, newline="", encoding="utf-8")
    try:
        reader = csv.reader(f, strict=True)
        try:
            header = next(reader)
        except StopIteration:
            raise DataError(f"{path} line 1", "the file is empty; it needs a header row") from None
        except UnicodeDecodeError as e:
            raise DataError(f"{path} line 1", f"not UTF-8 ({e.reason})") from None
        header = [h.strip().lstrip("\ufeff") for h in header]
        yield header, None
        while True:
            start = reader.line_num + 1
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as e:
                raise DataError(f"{path} line {reader.line_num}", f"malformed CSV ({e})") from None
            except UnicodeDecodeError as e:
                raise DataError(f"{path} line {start}", f"not UTF-8 ({e.reason})") from None
            line = start
            if not row or all(c.strip() == "" for c in row):
                continue  # a blank line, as csv.DictReader skips it
            if len(row) != len(header):
                raise DataError(f"{path} line {line}",
                                f"{len(row)} fields where the header has {len(header)} ({', '.join(header)})")
            yield line, dict(zip(header, row))
    finally:
        f.close()


def check(folder):
    """Check DIR/items.csv and DIR/interactions.csv; return a DataSummary or raise DataError."""
    items_csv = os.path.join(folder, "items.csv")
    inter_csv = os.path.join(folder, "interactions.csv")
    rows = _rows(items_csv)
    header, _ = next(rows)
    if not header or header[0] != "item_id":
        raise DataError(f"{items_csv} line 1, column 1", f"the first column must be item_id, not {header[:1]}")
    text_fields = header[1:]
    if not text_fields:
        raise DataError(f"{items_csv} line 1", "no text column after item_id (for example title)")
    seen = {}
    for line, row in rows:
        iid = row["item_id"].strip()
        if not iid:
            raise DataError(f"{items_csv} line {line}, column item_id", "empty item_id")
        if iid in seen:
            raise DataError(f"{items_csv} line {line}, column item_id",
                            f"item_id {iid!r} repeats line {seen[iid]}")
        if not any(row[k].strip() for k in text_fields):
            raise DataError(f"{items_csv} line {line}, column {text_fields[0]}",
                            f"item {iid!r} has no text in any of {', '.join(text_fields)}")
        seen[iid] = line
    if not seen:
        raise DataError(items_csv, "no items")

    rows = _rows(inter_csv)
    header, _ = next(rows)
    missing = [c for c in INTERACTION_COLUMNS if c not in header]
    if missing:
        raise DataError(f"{inter_csv} line 1", f"missing column(s) {', '.join(missing)}; "
                                               f"the header must have {','.join(INTERACTION_COLUMNS)}")
    per_user, n = {}, 0
    for line, row in rows:
        iid, uid, ts = row["item_id"].strip(), row["user_id"].strip(), row["timestamp"].strip()
        if not uid:
            raise DataError(f"{inter_csv} line {line}, column user_id", "empty user_id")
        if iid not in seen:
            raise DataError(f"{inter_csv} line {line}, column item_id",
                            f"item_id {iid!r} is not in items.csv")
        try:
            t = float(ts)
        except ValueError:
            t = math.nan
        if not math.isfinite(t):
            raise DataError(f"{inter_csv} line {line}, column timestamp",
                            f"{ts!r} is not a number (seconds, or any increasing number)")
        per_user[uid] = per_user.get(uid, 0) + 1
        n += 1
    if not n:
        raise DataError(inter_csv, "no interactions")
    kept = sum(1 for c in per_user.values() if c >= 3)
    if kept == 0:
        raise DataError(inter_csv, "no user has 3 or more interactions: a leave-one-out split needs "
                                   "a training part, a validation item and a test item per user")
    return DataSummary(len(seen), len(per_user), n, text_fields, kept)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("data", help="folder with items.csv and interactions.csv")
    a = p.parse_args(argv)
    try:
        s = check(a.data)
    except DataError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"{a.data}: {s}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
