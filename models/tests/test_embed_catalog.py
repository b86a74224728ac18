"""embed_catalog.py: the same vectors under torchrun with 2 processes as with 1, the same vectors as
ONNX Runtime's fp32 item encoder (and as `hllm embed`), the TS engine's text hashes and shard layout,
and for the same vectors the same files as `hllm embed` (shard names, bytes and vectors.json)."""
import csv
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT, run
from embed_catalog import build_item_text, item_rows, load_model_dir, quantize_rows, read_catalog, write_vectors
from evaluate import pad_left
from ort_check import OrtRunner

TINY = ["--m-dim", "32", "--m-item-layers", "1", "--m-user-layers", "1", "--m-n-heads", "2", "--m-n-kv-heads", "2",
        "--m-ffn-dim", "64", "--m-max-text-tokens", "16", "--m-max-history", "10", "--batch-users", "8",
        "--n-negatives", "32", "--max-steps", "3", "--eval-every", "100", "--threads", "1"]
TSX = [str(ROOT) + "/node_modules/.bin/tsx"]
# Awkward items for the text rules: non-ASCII, arrays, numbers, missing and blank fields, '$' patterns.
ODD = [{"id": "odd-accents", "title": "  Amélie — Crème brûlée  ", "genres": ["Comédie", "Romance"]},
       {"id": "odd-missing", "title": "Only a title"},
       {"id": "odd-blank", "title": "\u3000\u00a0", "genres": "Drama", "tags": ["a", "b$&c", "千と千尋"]},
       {"id": "odd-number", "title": 1999, "genres": 2.5, "tags": []},
       {"id": "odd-emoji", "title": "🎬 שלום\u200b", "tags": "x\u001cy\u0085"}]


def read_vectors(folder):
    """vectors.json and every row, read with the layout rules of src/vectors/format.ts."""
    man = json.load(open(folder / "vectors.json"))
    dim, dt = man["dim"], man["dtype"]
    width = {"int8": 1, "fp16": 2, "fp32": 4}[dt]
    rows, ids, shas, codes, scales = [], [], [], [], []
    for s in man["shards"]:
        data = (folder / s["path"]).read_bytes()
        assert len(data) == s["bytes"] and hashlib.sha256(data).hexdigest() == s["sha256"]
        n, at = s["rows"], s["rows"] * dim * width
        v = np.frombuffer(data[:at], {"int8": np.int8, "fp16": "<f2", "fp32": "<f4"}[dt]).reshape(n, dim)
        if dt == "int8":
            sc = np.frombuffer(data[at:at + 4 * n], "<f4")
            codes.append(v), scales.append(sc)
            rows.append(v * sc[:, None])
            at += 4 * n
        else:
            rows.append(v.astype(np.float32))
        shas += [data[at + 32 * r:at + 32 * (r + 1)].hex() for r in range(n)]
        ids += data[at + 32 * n:].decode().split("\n")[:-1]
    out = {"manifest": man, "rows": np.concatenate(rows), "ids": ids, "shas": shas}
    if codes:
        out["codes"], out["scales"] = np.concatenate(codes), np.concatenate(scales)
    return out


@pytest.fixture(scope="module")
def model(slice_data, tmp_path_factory):
    """A tiny model trained a few steps and exported; a catalogue of the real items plus the odd ones."""
    out = tmp_path_factory.mktemp("embed")
    run([sys.executable, "models/train.py", "--data", str(slice_data), "--out", str(out / "run"), *TINY])
    run([sys.executable, "models/export.py", str(out / "run" / "checkpoint.pt"), str(out / "model")])
    shutil.copyfile(slice_data / "items.csv", out / "items.csv")
    return out


def embed(model, out, dtype, nproc=1, shard_mib="16", catalog="items.csv"):
    args = ["models/embed_catalog.py", "--checkpoint", str(model / "run" / "checkpoint.pt"), "--model",
            str(model / "model"), "--catalog", str(model / catalog), "--out", str(out), "--dtype", dtype,
            "--shard-mib", shard_mib, "--threads", "1"]
    if nproc == 1:
        return run([sys.executable, *args])
    torchrun = shutil.which("torchrun") or "torchrun"
    # --redirects/--tee 1: Debian's torch 1.13 on Python 3.11 cannot parse their default "0"
    return run([torchrun, "--standalone", "--nproc_per_node", str(nproc), "--redirects", "1", "--tee", "1", *args])


def test_two_processes_write_what_one_does(model, tmp_path):
    # a small shard limit so the shard boundaries are exercised too
    embed(model, tmp_path / "one8", "int8", shard_mib="0.02")
    log = embed(model, tmp_path / "two8", "int8", nproc=2, shard_mib="0.02")
    assert "[rank 0/2]" in log and "[rank 1/2]" in log
    embed(model, tmp_path / "one32", "fp32")
    embed(model, tmp_path / "two32", "fp32", nproc=2)
    one, two = read_vectors(tmp_path / "one8"), read_vectors(tmp_path / "two8")
    assert len(one["manifest"]["shards"]) > 1
    for k in ("format", "version", "model", "dim", "dtype", "rows"):
        assert one["manifest"][k] == two["manifest"][k]
    # the same cut; the names are the shards' sha256s, equal only where the int8 codes are
    assert [s["rows"] for s in one["manifest"]["shards"]] == [s["rows"] for s in two["manifest"]["shards"]]
    for s in one["manifest"]["shards"] + two["manifest"]["shards"]:
        assert s["path"] == f"shard-{s['sha256'][:16]}.bin"
    assert one["ids"] == two["ids"] and one["shas"] == two["shas"]
    assert np.abs(one["codes"].astype(int) - two["codes"].astype(int)).max() <= 1
    assert np.allclose(one["scales"], two["scales"], rtol=1e-5)
    a, b = read_vectors(tmp_path / "one32")["rows"], read_vectors(tmp_path / "two32")["rows"]
    assert np.allclose(a, b, atol=1e-5)
    # the items in the catalogue are in the catalogue's order
    assert one["ids"] == [it["id"] for it in read_catalog(model / "items.csv")]


def test_fp32_vectors_match_onnx_runtime(model, tmp_path):
    embed(model, tmp_path / "v", "fp32")
    got = read_vectors(tmp_path / "v")
    man = json.load(open(model / "model" / "hllm.json"))
    gold = json.load(open(model / "model" / "golden.json"))
    from tokenizer import WordPiece
    tok = WordPiece.load(str(model / "model" / "tokenizer.json"))
    items = read_catalog(model / "items.csv")
    tokens = [([man["bos_token_id"]] + tok.encode(build_item_text(it, man)))[: man["max_text_tokens"]]
              + [man["item_token_id"]] for it in items]
    ids, mask = pad_left(tokens, man["pad_token_id"])
    ort = OrtRunner().run(str(model / "model" / "onnx" / "item_encoder.onnx"),
                          [{"input_ids": ids.numpy(), "attention_mask": mask.numpy()}], "item_embedding")[0]
    cos = (got["rows"] * ort).sum(1) / np.linalg.norm(got["rows"], axis=1) / np.linalg.norm(ort, axis=1)
    assert cos.min() >= 0.9999, f"min cosine {cos.min()}"
    # golden.json's token rows come from export.py's own text rule: ours agree with them
    by_id = {it["id"]: t for it, t in zip(items, tokens)}
    shared = [g for g in gold["items"] if g["item"]["id"] in by_id]
    assert shared and all(by_id[g["item"]["id"]] == g["input_ids"] for g in shared)


def test_model_key_and_text_hashes_match_the_ts_engine(model, tmp_path):
    (model / "odd.json").write_text(json.dumps(ODD, ensure_ascii=False), encoding="utf-8")
    embed(model, tmp_path / "v", "fp16", catalog="odd.json")
    got = read_vectors(tmp_path / "v")
    script = """
import { readFileSync } from 'node:fs';
import { buildItemText } from './src/engine/catalog/text-builder.ts';
import { parseCatalogText } from './src/engine/catalog/catalog.ts';
import { parseManifest } from './src/engine/model/manifest.ts';
import { fetchModelFiles } from './src/engine/model/model-loader.ts';
import { createHash } from 'node:crypto';
const [dir, cat] = process.argv.slice(2);
const m = parseManifest(JSON.parse(readFileSync(dir + '/hllm.json', 'utf8')));
const files = await fetchModelFiles(dir, m, 'fp32', async (url) => new Uint8Array(readFileSync(url)));
const items = parseCatalogText(readFileSync(cat, 'utf8'));
const shas = items.map((it) => createHash('sha256').update(buildItemText(it, m), 'utf8').digest('hex'));
console.log(JSON.stringify({ key: files.modelKey, ids: items.map((i) => i.id), shas }));
"""
    (tmp_path / "ts.mts").write_text(script.replace("'./src/", f"'{ROOT}/src/"))
    ts = json.loads(run([*TSX, str(tmp_path / "ts.mts"), str(model / "model"), str(model / "odd.json")]))
    assert got["manifest"]["model"]["key"] == ts["key"]
    assert got["ids"] == ts["ids"] and got["shas"] == ts["shas"]
    assert len(set(got["shas"])) == len(ODD)  # the odd items really give different texts


def test_ts_decode_shard_reads_our_bytes(model, tmp_path):
    (model / "odd.json").write_text(json.dumps(ODD, ensure_ascii=False), encoding="utf-8")
    for dt in ("int8", "fp16", "fp32"):
        embed(model, tmp_path / dt, dt, catalog="odd.json")
    script = """
import { readFileSync } from 'node:fs';
import { decodeShard, encodeShard, shardRow, shardShaHex, parseVectorManifest } from './src/vectors/format.ts';
const out = {};
for (const dir of process.argv.slice(2)) {
  const man = parseVectorManifest(JSON.parse(readFileSync(dir + '/vectors.json', 'utf8')));
  const s = man.shards[0];
  const bytes = new Uint8Array(readFileSync(dir + '/' + s.path));
  const d = decodeShard(bytes, man.dtype, man.dim, s.rows, s.path);
  const rows = Array.from({ length: d.rows }, (_, r) => Array.from(shardRow(d, r)));
  // re-encode the decoded values with the TS writer: the same bytes as ours
  const flat = new Float32Array(rows.flat());
  const shas = Array.from({ length: d.rows }, (_, r) => shardShaHex(d, r));
  const again = encodeShard(man.dtype, man.dim, flat, shas, d.ids);
  out[man.dtype] = { ids: d.ids, shas, rows, same: Buffer.compare(Buffer.from(again), Buffer.from(bytes)) === 0 };
}
console.log(JSON.stringify(out));
"""
    (tmp_path / "dec.mts").write_text(script.replace("'./src/", f"'{ROOT}/src/"))
    ts = json.loads(run([*TSX, str(tmp_path / "dec.mts"), *(str(tmp_path / dt) for dt in ("int8", "fp16", "fp32"))]))
    for dt in ("int8", "fp16", "fp32"):
        ours = read_vectors(tmp_path / dt)
        assert ts[dt]["ids"] == ours["ids"] == [o["id"] for o in ODD]
        assert ts[dt]["shas"] == ours["shas"]
        assert np.array_equal(np.array(ts[dt]["rows"], np.float32), ours["rows"].astype(np.float32))
        assert ts[dt]["same"], f"{dt}: TS encodeShard of the decoded rows gives other bytes than ours"


def test_quantize_rows_follows_js_math_round():
    # 127 * (k + 0.5) / 127-scale values sit exactly on halves: Math.round sends them up, numpy's
    # round() would send even ones down; a zero row keeps scale 0 and codes 0.
    x = np.array([[127.0, 2.5, -2.5, 0.5, -0.5, 1.5], [0, 0, 0, 0, 0, 0]], np.float32)
    codes, scales = quantize_rows(x)
    assert scales.tolist() == [1.0, 0.0]
    assert codes.tolist() == [[127, 3, -2, 1, 0, 2], [0, 0, 0, 0, 0, 0]]


def test_hllm_embed_cli_writes_the_same_vectors(model, tmp_path):
    """Against `hllm embed` (src/cli/hllm.ts, merged from another branch): fp32 cosine >= 0.9999 per item."""
    embed(model, tmp_path / "py", "fp32")
    run([*TSX, "src/cli/hllm.ts", "embed", "--model", str(model / "model"), "--catalog", str(model / "items.csv"),
         "--out", str(tmp_path / "ts"), "--dtype", "fp32", "--model-dtype", "fp32"])
    py, ts = read_vectors(tmp_path / "py"), read_vectors(tmp_path / "ts")
    assert py["ids"] == ts["ids"] and py["shas"] == ts["shas"]
    assert py["manifest"]["model"] == ts["manifest"]["model"]
    a, b = py["rows"], ts["rows"]
    cos = (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
    assert cos.min() >= 0.9999, f"min cosine {cos.min()}"


def test_same_vectors_give_the_files_hllm_embed_writes(tmp_path):
    """write_vectors against the TS writer (src/vectors/writer.ts, what `hllm embed` runs) on the real
    default model, the first 200 demo items plus the odd ones and a non-ASCII id, cut into several
    shards, for each dtype: the same shard names and bytes, and the same vectors.json but for
    `generator` and `created`.
    Both sides write the SAME float32 vectors. torch and ONNX Runtime differ in the last bits (and the
    default model ships no checkpoint), and so do two `hllm embed` runs of other --dtype: each shard's
    rows are one encode call, so the batches (and their padding) follow the dtype's shard cut. So:
    `hllm embed --dtype fp32` stores ORT's vectors exactly; Python writes those with its writer, and
    for fp16 and int8 a script hands the same vectors to writeVectors, the function `hllm embed` calls."""
    with open(ROOT + "/public/catalogs/ml-latest-small/items.csv", encoding="utf-8", newline="") as f:
        demo = [row for _, row in zip(range(200), csv.DictReader(f))]
    items = demo + ODD + [{"id": "odd-ïd-🎬", "title": "An id of more bytes than characters"}]
    (tmp_path / "items.json").write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    model = ROOT + "/public/models/default"
    shard_bytes = 8192  # a few shards of each dtype (fp32 rows are ~300 bytes)
    run([*TSX, "src/cli/hllm.ts", "embed", "--model", model, "--catalog", str(tmp_path / "items.json"),
         "--out", str(tmp_path / "ts-fp32"), "--dtype", "fp32", "--model-dtype", "fp32",
         "--shard-size", str(shard_bytes), "--threads", "1", "--no-progress"])
    script = """
import { readShardSet, textShasById, vectorsById } from './src/vectors/shard-set.ts';
import { writeVectors } from './src/vectors/writer.ts';
const [from, shardBytes, ...outs] = process.argv.slice(2);
const set = await readShardSet(from);
const ids = set.shards.flatMap((s) => s.shard.ids);
const vectors = vectorsById(set);
const shas = textShasById(set);
const dim = set.manifest.dim;
for (const spec of outs) {
  const [dtype, out] = spec.split('=');
  await writeVectors({ out, model: set.manifest.model, dim, dtype, shardBytes: Number(shardBytes), generator: set.manifest.generator,
    rows: ids.map((id) => ({ id, textSha256: shas.get(id) })),
    encode: async (idx) => { const v = new Float32Array(idx.length * dim); idx.forEach((i, k) => v.set(vectors.get(ids[i]), k * dim)); return v; } });
}
"""
    (tmp_path / "write.mts").write_text(script.replace("'./src/", f"'{ROOT}/src/"))
    run([*TSX, str(tmp_path / "write.mts"), str(tmp_path / "ts-fp32"), str(shard_bytes),
         *(f"{dt}={tmp_path / f'ts-{dt}'}" for dt in ("fp16", "int8"))])
    by_id = dict(zip(*(lambda v: (v["ids"], v["rows"]))(read_vectors(tmp_path / "ts-fp32"))))
    m, _, key = load_model_dir(model)
    cat = read_catalog(tmp_path / "items.json")
    ids = [it["id"] for it in cat]
    vectors = np.stack([by_id[i] for i in ids]).astype(np.float32)
    _, shas = item_rows(cat, m)
    for dt in ("fp32", "fp16", "int8"):
        py, ts = tmp_path / f"py-{dt}", tmp_path / f"ts-{dt}"
        write_vectors(str(py), dt, vectors, shas, ids, m, key, shard_bytes)
        pm, tm = json.loads((py / "vectors.json").read_text("utf-8")), json.loads((ts / "vectors.json").read_text("utf-8"))
        assert len(tm["shards"]) >= 3, f"{dt}: the test should cut several shards, got {len(tm['shards'])}"
        # generator names the tool that wrote the set ("models/embed_catalog.py" / "hllm embed (hllm-web);
        # item encoder fp32"): provenance, meant to differ. created is the time of each run; its format is one.
        assert pm["generator"] != tm["generator"]
        for c in (pm["created"], tm["created"]):
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", c), c
        assert list(pm) == list(tm)
        for k in pm:
            if k not in ("generator", "created"):
                assert pm[k] == tm[k], f"{dt}: vectors.json '{k}' differs"
        # the file byte for byte once those two values are swapped in: same layout, order and escapes
        same = (ts / "vectors.json").read_text("utf-8").replace(json.dumps(tm["generator"]), json.dumps(pm["generator"]))
        same = same.replace(json.dumps(tm["created"]), json.dumps(pm["created"]))
        assert (py / "vectors.json").read_text("utf-8") == same
        assert sorted(os.listdir(py)) == sorted(os.listdir(ts)) == sorted([s["path"] for s in pm["shards"]] + ["vectors.json"])
        for s in pm["shards"]:
            data = (py / s["path"]).read_bytes()
            assert data == (ts / s["path"]).read_bytes(), f"{dt}: {s['path']} differs"
            assert hashlib.sha256(data).hexdigest() == s["sha256"] and s["path"] == f"shard-{s['sha256'][:16]}.bin"

if __name__ == "__main__":
    sys.exit(subprocess.call([sys.executable, "-m", "pytest", "-q", __file__]))
