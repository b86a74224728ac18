"""Precompute item vectors for a catalogue, in the engine's vector-shard format (docs/vector-format.md).

One process (CPU or one GPU):

    /usr/bin/python3 models/embed_catalog.py --checkpoint models/runs/hllm/checkpoint.pt \
        --model public/models/default --catalog public/catalogs/ml-latest-small/items.csv \
        --out public/vectors/ml-latest-small --dtype int8

Many processes (gloo on CPU, NCCL on GPUs), for catalogues that outgrow one machine:

    torchrun --standalone --nproc_per_node 8 models/embed_catalog.py ...same arguments...

--checkpoint is what models/train.py saved (the PyTorch weights); --model is the folder that
models/export.py made from it: its hllm.json gives the text rules and token ids, its
tokenizer.json the tokenizer, its fp32 item encoder's sha256 the model key. The output is what
`hllm embed --dtype D --model-dtype fp32 --shard-size <--shard-mib>MiB` (src/cli/hllm.ts, src/vectors/writer.ts)
writes for a fresh folder: vectors.json + shard-<first 16 hex of the shard's sha256>.bin, the same
rows per shard, the same bytes for the same vectors, the same vectors.json but for `generator` and
the time in `created` (models/tests/test_embed_catalog.py checks it file by file).

How the work is split: rank r encodes the contiguous slice [r*N/W, (r+1)*N/W) of the catalogue
(catalogue order, so the split is deterministic), then rank 0 gathers every slice's float32
vectors (dist.gather_object) and writes all shards and the manifest. Gathering to one writer keeps
the shard boundaries a function of the catalogue alone, so the output files are the same whatever
the world size; the vectors are small next to the encoder's work (1M x 64 fp32 = 256 MB).
"""
import argparse
import csv
import datetime
import hashlib
import json
import math
import os
import re
import sys
import time
from dataclasses import dataclass

import numpy as np
import torch
import torch.distributed as dist

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from evaluate import encode_items  # noqa: E402
from model import HLLM, HLLMConfig  # noqa: E402
from tokenizer import WordPiece  # noqa: E402

GENERATOR = "models/embed_catalog.py"


@dataclass
class EmbedConfig:
    dtype: str = "int8"        # int8: 4x smaller than fp32 and ranks the same within a quantisation step
    shard_mib: float = 16.0    # the TS writer's default: small enough for one fetch, few enough files for 1M items
    budget: int = 16384        # items x tokens per forward pass: bounds activation memory on CPU and GPU
    log_every: int = 10        # progress lines per rank (a line every ~10% of its slice)


# -- text rules: src/engine/catalog/text-builder.ts, line for line -----------------------------------
# Python's str.strip() whitespace is what the TS pyStrip mirrors, so plain .strip() is the rule.

def js_string(v):
    """String(v) as JavaScript writes it, for the value types a catalogue holds."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if v.is_integer() and abs(v) < 1e21:
            return str(int(v))
        return repr(v)  # same digits as JS for ordinary values (shortest round-trip)
    return str(v)


def field_string(v):
    if v is None:
        return ""
    if isinstance(v, list):
        return ", ".join(js_string(x) for x in v)
    return js_string(v)


def build_item_text(item, m):
    parts = []
    for key in m["text_fields"]:
        value = field_string(item.get(key)).strip()
        if value == "":
            continue
        parts.append(m["field_template"].replace("{key}", key).replace("{value}", value))
    return m["prompt"] + m["field_separator"].join(parts)


def model_key(m, item_sha, tok_sha):
    """The engine's modelKey (src/engine/model/model-loader.ts): sha256 of JSON.stringify of these keys, in this order."""
    obj = {"item_encoder": item_sha, "tokenizer": tok_sha, "prompt": m["prompt"], "text_fields": m["text_fields"],
           "field_template": m["field_template"], "field_separator": m["field_separator"],
           "max_text_tokens": m["max_text_tokens"], "bos": m["bos_token_id"], "item_token": m["item_token_id"],
           "pad": m["pad_token_id"]}
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_catalog(path):
    """[{id, field: value}] from a CSV (item_id or id column) or a JSON array, like src/engine/catalog/catalog.ts."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        text = f.read()
    if text.lstrip().startswith(("[", "{")):
        raw = json.loads(text)
    else:
        rows = list(csv.DictReader(text.splitlines(keepends=True)))
        if rows and "item_id" not in rows[0] and "id" not in rows[0]:
            raise SystemExit(f"{path}: the CSV catalogue needs an 'item_id' or 'id' column")
        raw = [r for r in rows if any(v for v in r.values())]  # papaparse skipEmptyLines
    items, seen = [], set()
    for i, r in enumerate(raw):
        key = "id" if r.get("id") is not None else "item_id"
        if r.get(key) is None or js_string(r[key]).strip() == "":
            raise SystemExit(f"{path}: catalogue entry {i} has no id; give every item a non-empty id")
        iid = js_string(r[key]).strip()
        if iid in seen:
            raise SystemExit(f"{path}: duplicate item id {iid!r}")
        if "\n" in iid:
            raise SystemExit(f"{path}: item id {iid!r} contains a newline, which vector shards cannot store")
        seen.add(iid)
        items.append({**{k: v for k, v in r.items() if v is not None}, "id": iid})
    if not items:
        raise SystemExit(f"{path}: the catalogue is empty")
    return items


# -- quantisation and shard layout: src/vectors/format.ts --------------------------------------

def js_round(x):
    """Math.round: halves go up (-2.5 -> -2), exactly, without floor(x + 0.5)'s rounding slip."""
    r = np.floor(x)
    return r + ((x - r) >= 0.5)


def quantize_rows(x):
    """quantizeRow per row: scale = float32(max|x| / 127), code = Math.round(x / scale) clamped to ±127."""
    x = x.astype(np.float64)  # JS does this arithmetic in doubles on float32 inputs
    scale = (np.abs(x).max(axis=1) / 127).astype(np.float32)
    s = scale.astype(np.float64)[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        codes = np.where(s > 0, np.clip(js_round(x / np.where(s > 0, s, 1)), -127, 127), 0)
    return codes.astype(np.int8), scale


def encode_shard(dtype, vectors, shas, ids):
    """Shard bytes: values, int8 scales, 32-byte text sha256s, ids each + '\\n' (little-endian)."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if dtype == "int8":
        codes, scales = quantize_rows(vectors)
        body = codes.tobytes() + scales.astype("<f4").tobytes()
    elif dtype == "fp16":
        body = vectors.astype("<f2").tobytes()  # numpy rounds to nearest even, like toHalf
    else:
        body = vectors.astype("<f4").tobytes()
    return body + b"".join(bytes.fromhex(s) for s in shas) + "".join(i + "\n" for i in ids).encode("utf-8")


def row_bytes(dtype, dim, iid):
    return dim * {"int8": 1, "fp16": 2, "fp32": 4}[dtype] + (4 if dtype == "int8" else 0) + 32 + len(iid.encode()) + 1


def shard_ranges(dtype, dim, ids, limit):
    """Consecutive [start, end) row ranges, each as many rows as fit in `limit` bytes (at least one):
    chunkRows in src/vectors/shard-plan.ts, so both writers cut the same shards."""
    out, start, size = [], 0, 0
    for r, iid in enumerate(ids):
        b = row_bytes(dtype, dim, iid)
        if r > start and size + b > limit:
            out.append((start, r))
            start, size = r, 0
        size += b
    if len(ids) > start:
        out.append((start, len(ids)))
    return out


SHARD_FILE = re.compile(r"^shard-[0-9a-f]{16}\.bin$")


def write_atomic(path, data):
    """temp file + fsync + rename, like the TS writer: a reader sees the old file or the whole new one."""
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def write_vectors(out, dtype, vectors, shas, ids, m, key, limit):
    """The files src/vectors/writer.ts writes into a fresh folder: shards named by their sha256, in
    catalogue order, then vectors.json (JSON.stringify(manifest, null, 1) + '\\n'), then shard files it
    does not name are removed."""
    os.makedirs(out, exist_ok=True)
    shards = []
    for a, b in shard_ranges(dtype, vectors.shape[1], ids, limit):
        data = encode_shard(dtype, vectors[a:b], shas[a:b], ids[a:b])
        sha = hashlib.sha256(data).hexdigest()
        path = f"shard-{sha[:16]}.bin"
        write_atomic(os.path.join(out, path), data)
        shards.append({"path": path, "rows": b - a, "bytes": len(data), "sha256": sha})
        print(f"  wrote {path}: {b - a} rows, {len(data) / 2**20:.2f} MiB")
    now = datetime.datetime.now(datetime.timezone.utc)
    manifest = {"format": "hllm-vectors", "version": 1, "model": {"id": m["id"], "key": key},
                "dim": int(vectors.shape[1]), "dtype": dtype, "rows": len(ids), "shards": shards,
                "generator": GENERATOR,
                "created": now.isoformat(timespec="milliseconds").replace("+00:00", "Z")}  # Date.toISOString()
    text = json.dumps(manifest, indent=1, ensure_ascii=False) + "\n"
    write_atomic(os.path.join(out, "vectors.json"), text.encode("utf-8"))
    named = {s["path"] for s in shards}
    for f in os.listdir(out):
        if (SHARD_FILE.match(f) and f not in named) or f.endswith(".tmp"):
            os.remove(os.path.join(out, f))
    return manifest


# -- main ---------------------------------------------------------------------------------------

def file_sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def load_model_dir(model_dir):
    """hllm.json, the tokenizer and the model key (of the fp32 item encoder) of an exported model folder."""
    with open(os.path.join(model_dir, "hllm.json"), encoding="utf-8") as f:
        m = json.load(f)
    files = {(f["role"], f["dtype"]): f for f in m["files"]}
    key = model_key(m, files[("item_encoder", "fp32")]["sha256"], files[("tokenizer", None)]["sha256"])
    tok = WordPiece.load(os.path.join(model_dir, files[("tokenizer", None)]["path"]))
    return m, tok, key


def item_rows(items, m):
    """Each item's text (the engine's text rules) and its sha256, as the shards store it."""
    texts = [build_item_text(it, m) for it in items]
    return texts, [hashlib.sha256(t.encode("utf-8")).hexdigest() for t in texts]


def load_model(checkpoint, model_dir):
    m, tok, key = load_model_dir(model_dir)
    ck = torch.load(checkpoint, map_location="cpu")
    mc = HLLMConfig(**ck["model_config"])
    if mc.dim != m["dim"] or mc.max_text_tokens != m["max_text_tokens"]:
        raise SystemExit(f"{checkpoint} (dim {mc.dim}, max_text_tokens {mc.max_text_tokens}) is not the model "
                         f"exported to {model_dir} (dim {m['dim']}, max_text_tokens {m['max_text_tokens']})")
    core = HLLM(mc)
    core.load_state_dict(ck["state_dict"])
    core.eval()
    return core, m, tok, key


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--checkpoint", required=True, help="checkpoint.pt from models/train.py")
    p.add_argument("--model", required=True, help="the model folder models/export.py made from it (hllm.json)")
    p.add_argument("--catalog", required=True, help="items.csv (item_id or id column) or a JSON array")
    p.add_argument("--out", required=True, help="folder for vectors.json and the shards")
    p.add_argument("--dtype", choices=("int8", "fp16", "fp32"), default=EmbedConfig.dtype)
    p.add_argument("--shard-mib", type=float, default=EmbedConfig.shard_mib)
    p.add_argument("--threads", type=int, default=0, help="torch CPU threads per process (0: torch's default)")
    a = p.parse_args(argv)
    cfg = EmbedConfig(dtype=a.dtype, shard_mib=a.shard_mib)
    if a.threads:
        torch.set_num_threads(a.threads)

    world, rank = int(os.environ.get("WORLD_SIZE", "1")), int(os.environ.get("RANK", "0"))
    device = "cuda" if torch.cuda.is_available() else "cpu"
    if world > 1:
        if device == "cuda":
            device = f"cuda:{int(os.environ.get('LOCAL_RANK', '0'))}"
            torch.cuda.set_device(device)  # NCCL's gather_object sends through the current device
        dist.init_process_group("nccl" if device.startswith("cuda") else "gloo")
    tag = f"[rank {rank}/{world}]"

    core, m, tok, key = load_model(a.checkpoint, a.model)
    core.to(device)
    items = read_catalog(a.catalog)
    n = len(items)
    lo, hi = rank * n // world, (rank + 1) * n // world
    print(f"{tag} {n} items, encoding rows {lo}..{hi - 1} on {device}, world {world}", flush=True)

    mine = items[lo:hi]
    texts, shas = item_rows(mine, m)
    tokens = [([m["bos_token_id"]] + tok.encode(t))[: m["max_text_tokens"]] + [m["item_token_id"]] for t in texts]
    vecs = np.zeros((len(mine), m["dim"]), np.float32)
    step = max(1, math.ceil(len(mine) / cfg.log_every))
    t0 = time.time()
    with torch.no_grad():
        for s in range(0, len(mine), step):
            idx = list(range(s, min(s + step, len(mine))))
            vecs[s:idx[-1] + 1] = encode_items(core, tokens, idx, m["pad_token_id"], cfg.budget, device).float().cpu().numpy()
            done = idx[-1] + 1
            rate = done / max(time.time() - t0, 1e-9)
            print(f"{tag} {done}/{len(mine)} items, {rate:.0f} items/s, ETA {(len(mine) - done) / rate:.0f}s", flush=True)

    part = (vecs, shas, [it["id"] for it in mine])
    if world > 1:
        parts = [None] * world if rank == 0 else None
        dist.gather_object(part, parts, dst=0)
    else:
        parts = [part]
    if rank == 0:
        vectors = np.concatenate([p[0] for p in parts])
        all_shas = [s for p in parts for s in p[1]]
        ids = [i for p in parts for i in p[2]]
        man = write_vectors(a.out, cfg.dtype, vectors, all_shas, ids, m, key, int(cfg.shard_mib * 2**20))
        print(f"{tag} wrote {a.out}/vectors.json: {man['rows']} {cfg.dtype} rows of dim {man['dim']} "
              f"in {len(man['shards'])} shards, model key {key[:12]}…", flush=True)
    if world > 1:
        dist.barrier()
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
