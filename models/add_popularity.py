"""Add popularity.json (training-split interaction counts per item id) to an exported model folder.

Does not retrain or touch the encoders, so the model key (item encoder + tokenizer) is unchanged.
The data must be the one the model was trained on (hllm.json training.dataset_sha256 is checked).
Usage: /usr/bin/python3 models/add_popularity.py MODEL_DIR DATA_DIR
"""
import hashlib
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dataset as datasets  # noqa: E402


def write_popularity(ds, out):
    """Writes out/popularity.json; returns its files[] entry (role 'popularity')."""
    path = os.path.join(out, "popularity.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(datasets.training_counts(ds), f, separators=(",", ":"))
    with open(path, "rb") as f:
        data = f.read()
    return {"path": "popularity.json", "role": "popularity", "dtype": None,
            "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def main(argv=None):
    model_dir, data_dir = (argv or sys.argv[1:])[:2]
    with open(os.path.join(model_dir, "hllm.json")) as f:
        manifest = json.load(f)
    ds = datasets.load(data_dir)
    want = manifest.get("training", {}).get("dataset_sha256")
    if want and ds.sha256 != want:
        raise SystemExit(f"{data_dir} is not the data this model was trained on (sha256 {ds.sha256} != {want})")
    entry = write_popularity(ds, model_dir)
    manifest["files"] = [f for f in manifest["files"] if f["role"] != "popularity"] + [entry]
    with open(os.path.join(model_dir, "hllm.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    print(f"wrote {model_dir}/popularity.json: {entry['bytes']} bytes")


if __name__ == "__main__":
    main()
