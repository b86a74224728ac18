"""Reference outputs for the engine's WebGPU self-check: self_check_<dtype>.json in the model folder.

Before the engine keeps WebGPU it proves that the adapter computes this model: it runs a few token
rows through the item encoder it opened, and their reference vectors, as one history, through the
user encoder, and needs cosine >= 0.999 with the vectors stored here (src/engine/model/self-check.ts,
docs/model-format.md). Stored references replace a comparison with WASM sessions of the same dtype,
which needs a second full copy of the model in the CPU's memory, one that a model fitting only on the
GPU cannot have (docs/use-hllm-1b.md).

The reference is each dtype's own graphs run by ONNX Runtime's WASM backend in Node (the runtime the
engine runs), so a quantised dtype is compared with itself, not with fp32. A variant too big for that
backend gets PyTorch's outputs when it computes the same thing (fp32, which the parity check holds to
cosine 0.9999 of PyTorch) and no file otherwise.
"""
import json
import os

import numpy as np

import user_step
from ort_check import external_data

DTYPES = ("fp32", "q8", "q4")
N_PROBES = 4
WASM_LIMIT = 3_000_000_000  # as import_checkpoint.py: ORT's WASM backend has a 4 GB heap
HERE = os.path.dirname(os.path.abspath(__file__))


def probe_rows(rows, n=N_PROBES):
    """Up to n token rows: the longest and the shortest (so left padding is exercised), then the first others."""
    order = sorted(range(len(rows)), key=lambda i: (len(rows[i]), i))
    pick = dict.fromkeys([order[-1], order[0], *range(len(rows))])
    return [list(rows[i]) for i in pick][:n]


def pad_left(rows, pad_id):
    """int64 ids and mask [B, T], left-padded as the engine pads (src/engine/model/encoders.ts)."""
    T = max(len(r) for r in rows)
    ids = np.full((len(rows), T), pad_id, np.int64)
    mask = np.zeros((len(rows), T), np.int64)
    for i, r in enumerate(rows):
        ids[i, T - len(r):] = r
        mask[i, T - len(r):] = 1
    return ids, mask


def graph_bytes(path):
    return os.path.getsize(path) + sum(os.path.getsize(e["file"]) for e in external_data(path))


def ort_version():
    with open(os.path.join(HERE, "..", "node_modules", "onnxruntime-web", "package.json")) as f:
        return json.load(f)["version"]


def user_feeds(path, mc, x, mask):
    feeds = {"item_embeddings": x, "attention_mask": mask}
    if os.path.basename(path).startswith(f"{user_step.KIND}_encoder"):
        # the graph with a key/value cache reads a whole history from an empty cache, as the engine runs it
        n_kv, hd = user_step.kv_shape(mc)
        feeds |= {n: np.zeros((x.shape[0], n_kv, 0, hd), np.float32) for n in user_step.kv_names(mc.user_layers, "past")}
    return feeds


def write(out, runner, graphs, mc, rows, pad_id, torch_towers=None):
    """Write self_check_<dtype>.json for each dtype of `graphs` it can reference; returns {dtype: source}.

    graphs: {dtype: (item encoder path, user encoder path)}, the user encoder being the graph the
    engine runs (user_kv_encoder where the folder has one). rows: token rows (probe_rows picks).
    torch_towers: (item_llm, user_llm) callables on numpy arrays, for an fp32 variant too big for WASM."""
    rows = probe_rows(rows)
    ids, mask = pad_left(rows, pad_id)
    fits = [dt for dt in graphs if max(graph_bytes(p) for p in graphs[dt]) <= WASM_LIMIT]
    items = dict(zip(fits, (o[0] for o in runner.run_many(
        [(graphs[dt][0], [{"input_ids": ids, "attention_mask": mask}], "item_embedding") for dt in fits]))))
    one_history = lambda v: (np.asarray(v, np.float32)[None], np.ones((1, len(rows)), np.int64))  # noqa: E731
    users = dict(zip(fits, (o[0][0] for o in runner.run_many(
        [(graphs[dt][1], [user_feeds(graphs[dt][1], mc, *one_history(items[dt]))], "user_embedding") for dt in fits]))))
    sources = {dt: f"onnxruntime-web {ort_version()} (wasm)" for dt in fits}
    if "fp32" in graphs and "fp32" not in fits and torch_towers is not None:
        items["fp32"] = torch_towers[0](ids, mask)
        users["fp32"] = torch_towers[1](*one_history(items["fp32"]))[0]
        sources["fp32"] = "pytorch"
    for dt in DTYPES:
        path = os.path.join(out, f"self_check_{dt}.json")
        if dt not in sources:
            if dt in graphs:
                print(f"  {dt}: no self-check reference (too big for ONNX Runtime's WASM backend)")
            if os.path.exists(path):
                os.remove(path)  # a stale reference of an earlier export would describe other weights
            continue
        ref = {"format": 1, "dtype": dt, "source": sources[dt],
               "items": [{"input_ids": r, "embedding": vec(e)} for r, e in zip(rows, items[dt])],
               "user": {"history": list(range(len(rows))), "embedding": vec(users[dt])}}
        with open(path, "w") as f:
            json.dump(ref, f)
    return sources


def vec(v):
    """Eight significant digits: plenty for a cosine, and half the bytes of a float32's full repr."""
    return [float(f"{x:.8g}") for x in np.asarray(v, np.float32).tolist()]


def manifest_entries(out, files):
    """files[] entries (role self_check) for the references beside dtypes that `files` has encoders of."""
    have = {f["dtype"] for f in files if f["role"] == "item_encoder"}
    return [{"path": f"self_check_{dt}.json", "role": "self_check", "dtype": dt} for dt in DTYPES
            if dt in have and os.path.exists(os.path.join(out, f"self_check_{dt}.json"))]
