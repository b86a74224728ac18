"""Record newer multi-seed comparisons in an exported model's hllm.json, without re-exporting.

    /usr/bin/python3 models/record_quality_bar.py public/models/default/hllm.json \
        models/runs/q-ml100k/summary.json

The quality bar of a shipped model includes comparisons on other data sets (ml-100k beside the
model's own ml-latest-small). When only such a comparison is re-run, this replaces its entry in
metrics.quality_bar, keyed by data set as export.py keys it, and leaves every other field,
the model files and their sha256 untouched. A summary for the model's own data set is refused:
the test and selection metrics beside it would then describe another run.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dataset as datasets  # noqa: E402


def load_quality_bars(files):
    """The multi-seed comparisons behind the quality bar, as compare.py wrote them (summary.json),
    keyed by data set (models/data/ml-100k/out -> "ml-100k") whatever folder holds each summary."""
    bars = {}
    for f in files:
        with open(f) as fh:
            bar = json.load(fh)
        bars[datasets.data_name(bar.get("data", os.path.dirname(os.path.abspath(f))))] = bar
    return bars


def record(manifest_path, summaries):
    with open(manifest_path) as f:
        man = json.load(f)
    own = man["training"]["dataset"]
    bars = load_quality_bars(summaries)
    if own in bars:
        raise SystemExit(f"{own} is this model's own data set: re-export it with models/build-default.sh instead")
    man["metrics"].setdefault("quality_bar", {}).update(bars)
    with open(manifest_path, "w") as f:
        json.dump(man, f, indent=1)
    return sorted(bars)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("manifest", help="an exported hllm.json")
    p.add_argument("summaries", nargs="+", help="compare.py summary.json files")
    a = p.parse_args(argv)
    for name in record(a.manifest, a.summaries):
        print(f"recorded the {name} comparison in {a.manifest}")


if __name__ == "__main__":
    main()
