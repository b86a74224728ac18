"""Turn a pretrained checkpoint on disk into a browser model folder, in one command.

    # a Hugging Face Llama-family model (TinyLlama, SmolLM/SmolLM2, Llama 2, Mistral, Qwen2/2.5)
    /usr/bin/python3 models/import_checkpoint.py --base ~/hf/SmolLM2-135M --out public/models/smollm2 \
        --finetune-data models/data/ml-latest-small/out --max-steps 500
    # HLLM's released weights (docs/use-hllm-1b.md): the base folder gives config and tokenizer
    /usr/bin/python3 models/import_checkpoint.py --base ~/hf/TinyLlama-1.1B --out public/models/hllm-1b \
        --hllm-weights ~/hf/HLLM/1B_Pixel8M/pytorch_model.bin

Steps, each printed: read config.json and the weights (models/checkpoints.py); build the Item LLM
(word embeddings + one extra row, the item token; LM head dropped) and the User LLM (same LLM,
no word embeddings), as HLLM initialises them; optionally fine-tune with the pipeline's trainer;
export ONNX (opset 17) and the q8/q4 variants asked for (with them, the key/value-cache User LLM
in i8, the engine's on WASM), with tensors in external data when a file would pass the 2 GB
protobuf limit; check every variant against PyTorch with ONNX Runtime;
write golden.json, the WebGPU self-check references (models/self_check.py), the tokenizer,
config.json and hllm.json (docs/model-format.md).
"""
import argparse
import json
import os
import resource
import sys
import tempfile
import time
import warnings
from dataclasses import asdict

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import checkpoints  # noqa: E402
import dataset as datasets  # noqa: E402
from evaluate import item_tokens, pad_left, pad_left_embs  # noqa: E402
from export import (TOKENIZER_CASES, ItemEncoder, UserEncoder, git_commit,  # noqa: E402
                    finish_file_list, pick_golden_items, sha256, write_hf_config)
from hf_tokenizer import HFTokenizer  # noqa: E402
from ort_check import OrtRunner  # noqa: E402
from quantize import gpu_buffer_bytes  # noqa: E402
import self_check  # noqa: E402
import stream_onnx  # noqa: E402
import user_step  # noqa: E402

HLLM_PROMPT = "Compress the following sentence into embedding: "
PROTOBUF_LIMIT = 2_000_000_000   # a single .onnx file cannot pass 2 GiB; keep a margin for the graph
WASM_LIMIT = 3_000_000_000       # ORT's WASM backend has a 4 GB heap: bigger variants are not run here
EXTERNAL_OVER = 16 * 2**20       # weights inside the .onnx protobuf are copied into the WASM heap once
                                 # more while ORT parses it: in Node on ORT-web's WASM backend a
                                 # SmolLM2-135M-shaped tower peaked at 2.9-3.1x its bytes inline and
                                 # 1.8-2.0x as external data (docs/use-hllm-1b.md); small files stay
                                 # inline, one request each


def parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--base", required=True, help="HF model folder: config.json, weights, tokenizer.json")
    p.add_argument("--hllm-weights", help="HLLM's released pytorch_model.bin (item_llm.*, user_llm.*, ...)")
    p.add_argument("--out", required=True, help="model folder to write")
    p.add_argument("--id", help="model id in hllm.json (default: the --out folder's name)")
    p.add_argument("--dtypes", default="fp32,q4", help="comma list of fp32, q8, q4")
    p.add_argument("--prompt", default=HLLM_PROMPT)
    p.add_argument("--text-fields", default="title,tag,description",
                   help="item fields in order (HLLM: title,tag,description for Pixel; title,description for Books)")
    p.add_argument("--field-separator", default=None,
                   help="between 'key: value' pairs; default '' for HLLM's weights (its training joined them "
                        "with nothing), ' ' otherwise and whenever fine-tuning (the pipeline's rule)")
    p.add_argument("--max-text-tokens", type=int, default=256, help="BOS + text tokens (HLLM: 256)")
    p.add_argument("--max-history", type=int, default=10, help="items the User LLM reads (HLLM: 10)")
    p.add_argument("--finetune-data", help="folder with items.csv + interactions.csv: fine-tune before export")
    p.add_argument("--max-steps", type=int, default=200)
    p.add_argument("--lr", type=float, default=1e-4, help="HLLM's learning rate for pretrained LLMs")
    p.add_argument("--batch-users", type=int, default=16)
    p.add_argument("--n-negatives", type=int, default=256)
    p.add_argument("--aux-weight", type=float, default=0.0,
                   help="item-side auxiliary loss; pretrained towers do not collapse, so HLLM uses none")
    p.add_argument("--eval-every", type=int, default=100)
    p.add_argument("--run-dir", help="fine-tuning run folder (default: <out>-finetune)")
    p.add_argument("--external-data-over", type=int, default=EXTERNAL_OVER,
                   help="bytes of weights above which an ONNX file keeps them in <file>.onnx_data "
                        f"(default {EXTERNAL_OVER}; at most {PROTOBUF_LIMIT}, protobuf's limit)")
    a = p.parse_args(argv)
    if not 0 <= a.external_data_over <= PROTOBUF_LIMIT:
        p.error(f"--external-data-over must be 0 to {PROTOBUF_LIMIT} (protobuf's limit), not {a.external_data_over}")
    return a


# ---------------------------------------------------------------------------------------------
# ONNX
# ---------------------------------------------------------------------------------------------

def save_onnx(model, base_dir, path, external_over):
    """Save one encoder, its tensors read from `base_dir` one at a time (stream_onnx.py); over
    `external_over` bytes they go to <name>_data beside it (transformers.js names it so too).

    Returns {"external_data": [location] or [], "max_tensor_bytes": n, "max_buffer_bytes": n}: the
    engine needs them to fetch the data file and to check that the largest buffer fits the GPU's."""
    largest, buffer = gpu_buffer_bytes(model)
    ext = stream_onnx.save_streamed(model, base_dir, path, external_over)
    return {"external_data": ext, "max_tensor_bytes": largest, "max_buffer_bytes": buffer}


def export_encoders(core, mc, onnx_dir, dtypes, external_over):
    """{(kind, dtype): (path, info)}. Traced once per tower; each variant re-read from that trace."""
    os.makedirs(onnx_dir, exist_ok=True)
    ids = torch.tensor([[0, 0, 2, 10, 11, 3], [2, 12, 13, 14, 15, 3]])
    specs = {
        "item": (ItemEncoder(core).eval(), (ids, (ids != 0).long()), ["input_ids", "attention_mask"],
                 ["item_embedding"], {"input_ids": {0: "B", 1: "T"}, "attention_mask": {0: "B", 1: "T"},
                                    "item_embedding": {0: "B"}}),
        "user": (UserEncoder(core).eval(), (torch.randn(2, 5, mc.dim), torch.tensor([[0, 0, 1, 1, 1], [1] * 5])),
                 ["item_embeddings", "attention_mask"], ["user_embedding"],
                 {"item_embeddings": {0: "B", 1: "S"}, "attention_mask": {0: "B", 1: "S"},
                  "user_embedding": {0: "B"}}),
        # the User LLM again, with its key/value cache: the engine's path for one new event
        "user_kv": user_step.trace_spec(core, mc),
    }
    out = {}
    for kind, (module, args, inputs, outputs, axes) in specs.items():
        # torch writes a model over 2 GB as one file per tensor next to the graph: trace into a
        # scratch folder, then save each variant as one graph (+ one data file when needed)
        with tempfile.TemporaryDirectory(dir=onnx_dir) as tmp:
            traced = os.path.join(tmp, f"{kind}.onnx")
            with torch.no_grad(), warnings.catch_warnings():
                warnings.filterwarnings("ignore", message="The shape inference of prim::Constant")
                torch.onnx.export(module, args, traced, opset_version=17, input_names=inputs,
                                  output_names=outputs, dynamic_axes=axes)
            # the kv graph also in i8: the engine's User LLM on WASM for q8 and q4 (user_step.py)
            extra = ["i8"] if kind == user_step.KIND and {"q8", "q4"} & set(dtypes) else []
            for dt in [*dtypes, *extra]:
                model, base = stream_onnx.variant(traced, dt)
                name = f"{kind}_encoder.onnx" if dt == "fp32" else f"{kind}_encoder_{dt}.onnx"
                path = os.path.join(onnx_dir, name)
                out[(kind, dt)] = (path, save_onnx(model, base, path, external_over))
                del model
                size = os.path.getsize(path) + sum(os.path.getsize(os.path.join(onnx_dir, e))
                                                   for e in out[(kind, dt)][1]["external_data"])
                ext = " (+ external data)" if out[(kind, dt)][1]["external_data"] else ""
                print(f"  {kind}_encoder {dt}: {size / 1e6:.2f} MB{ext}", flush=True)
    return out


def variant_bytes(path, info):
    base = os.path.dirname(path)
    return os.path.getsize(path) + sum(os.path.getsize(os.path.join(base, e)) for e in info["external_data"])


# ---------------------------------------------------------------------------------------------
# golden items and users
# ---------------------------------------------------------------------------------------------

def golden_items(fields, ds=None):
    """Items whose text exercises the tokenizer: accents, CJK, emoji, empty fields, overlong text."""
    base = {k: "" for k in fields}
    long = "A very long description that goes on and on. " * 60
    items = [
        base | {"id": "g-title", fields[0]: "The Shawshank Redemption (1994)"},
        base | {"id": "g-all", **{k: f"{k} of a quiet drama about hope, friendship and time" for k in fields}},
        base | {"id": "g-accents", fields[0]: "Amélie, Señor, Zürich & Crème Brûlée — naïve?! (2001)"},
        base | {"id": "g-cjk-emoji", fields[0]: "千と千尋の神隠し 🎬🍿 שלום مرحبا"},
        base | {"id": "g-long", **{k: long for k in fields}},
        base | {"id": "g-last-field", fields[-1]: "only the last field is set"},
        base | {"id": "g-numbers", fields[0]: "2001: A Space Odyssey 1968 - 4K remaster"},
        base | {"id": "g-short", fields[0]: "Up"},
        base | {"id": "g-punct", fields[0]: "\"Quoted\" (parenthetical) [bracketed] {braced} ... ?!;:,"},
        base | {"id": "g-mixed", fields[0]: "Heat", fields[-1]: "Crime thriller, Los Angeles"},
        base | {"id": "g-ws", fields[0]: "  spaced   out\ttitle \n"},
        base | {"id": "g-12", fields[0]: "Toy Story (1995)", fields[-1]: "Adventure Animation Children"},
    ]
    if ds is not None:
        items = [ds.items[i] | {"id": ds.item_ids[i]} for i in pick_golden_items(ds)] + items[:4]
    return items


def build_golden(core, mc, tok, man, items, runner, variants):
    """golden.json content and the parity of every variant against PyTorch."""
    texts = [datasets.item_text(it, man["text_fields"], man["prompt"], sep=man["field_separator"]) for it in items]
    tok.encode_many(texts + TOKENIZER_CASES)
    rows = [item_tokens(tok, t, mc, man["bos_token_id"], man["item_token_id"]) for t in texts]
    with torch.no_grad():
        torch_items = core.item_llm(*pad_left(rows, man["pad_token_id"])).numpy()
    n = len(items)
    # histories over the golden items: varied lengths, so padding is exercised in every batch
    hists = [list(range(0, min(n, mc.max_history))), [1, 3], [n - 1], list(range(n - 1, max(-1, n - 8), -1))]
    with torch.no_grad():
        x, m = pad_left_embs(torch_items, hists)
        torch_users = core.user_llm(x, m)[:, -1].numpy()
    ids, mask = pad_left(rows, man["pad_token_id"])
    x, m = pad_left_embs(torch_items, hists)
    item_feed = {"input_ids": ids.numpy(), "attention_mask": mask.numpy()}
    user_feed = {"item_embeddings": x.numpy(), "attention_mask": m.numpy()}
    n_kv, hd = user_step.kv_shape(mc)
    kv_feed = user_feed | {k: np.zeros((len(hists), n_kv, 0, hd), np.float32) for k in user_step.kv_names(mc.user_layers, "past")}
    checked, jobs = [], []
    for dt in sorted({d for k, d in variants if k == "item"}):
        item_path, item_info = variants[("item", dt)]
        user_path, user_info = variants[("user", dt)]
        kv_path, kv_info = variants[("user_kv", dt)]
        if max(variant_bytes(item_path, item_info), variant_bytes(user_path, user_info), variant_bytes(kv_path, kv_info)) > WASM_LIMIT:
            print(f"  {dt}: not checked, too big for ONNX Runtime's WASM backend (4 GB memory)")
            continue
        checked.append(dt)
        jobs += [(item_path, [item_feed], "item_embedding"), (user_path, [user_feed], "user_embedding"),
                 (kv_path, [kv_feed], "user_embedding")]
    i8 = variants.get(("user_kv", "i8"))
    i8_checked = i8 is not None and variant_bytes(*i8) <= WASM_LIMIT
    if i8_checked:
        jobs.append((i8[0], [kv_feed], "user_embedding"))
    outs = runner.run_many(jobs) if jobs else []  # one Node process: its start-up dominates small models
    cos = lambda a, b: float(F.cosine_similarity(torch.from_numpy(a), torch.from_numpy(b), dim=-1).min())
    parity = {dt: None for _, dt in variants}
    if i8_checked:
        parity["i8"] = {"user_kv_min_cos": cos(outs[-1][0], torch_users)}
        print(f"  i8: user (kv graph) min cos {parity['i8']['user_kv_min_cos']:.6f}")
    for k, dt in enumerate(checked):
        parity[dt] = {"item_min_cos": cos(outs[3 * k][0], torch_items), "user_min_cos": cos(outs[3 * k + 1][0], torch_users),
                      "user_kv_min_cos": cos(outs[3 * k + 2][0], torch_users)}
        print(f"  {dt}: item min cos {parity[dt]['item_min_cos']:.6f}, user min cos {parity[dt]['user_min_cos']:.6f}, "
              f"user (kv graph) min cos {parity[dt]['user_kv_min_cos']:.6f}")
    normed = F.normalize(torch.from_numpy(torch_items), dim=-1)
    users = []
    for h, e in zip(hists, torch_users):
        s = F.normalize(torch.from_numpy(e), dim=-1) @ normed.T
        s[h] = -float("inf")
        k = min(10, n - len(set(h)))
        users.append({"history": [items[i]["id"] for i in h], "embedding": e.tolist(),
                      "top10": [items[int(i)]["id"] for i in torch.topk(s, k).indices]})
    golden = {
        "model_id": man["id"],
        "catalog": None, "top10_over": "golden items",  # an imported model ships with no catalogue
        "tokenizer_cases": [{"text": t, "ids": tok.encode(t)} for t in TOKENIZER_CASES],
        "items": [{"item": it, "text": t, "input_ids": r, "embedding": e.tolist()}
                  for it, t, r, e in zip(items, texts, rows, torch_items)],
        "users": users,
    }
    return golden, parity


def torch_towers(core):
    """The PyTorch towers on numpy arrays: the self-check reference of an fp32 variant too big for WASM."""
    def on_numpy(f):
        def run(*args):
            with torch.no_grad():
                return f(*(torch.from_numpy(x) for x in args)).numpy()
        return run
    return on_numpy(core.item_llm), on_numpy(lambda x, m: core.user_llm(x, m)[:, -1])


# ---------------------------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------------------------

def finetune(a, core, mc, tok, prompt):
    from train import TrainConfig, train
    ds = datasets.load(a.finetune_data)
    print(f"  tokenising {ds.n_items} items with tokenizer.json (through Node)", flush=True)
    tok.encode_many([datasets.item_text(it, ds.text_fields, prompt) for it in ds.items[1:]])
    cfg = TrainConfig(data=a.finetune_data, out=a.run_dir or os.path.normpath(a.out) + "-finetune",
                      lr=a.lr, max_steps=a.max_steps, batch_users=a.batch_users, n_negatives=a.n_negatives,
                      aux_weight=a.aux_weight, eval_every=a.eval_every, prompt=prompt)
    core, result = train(cfg, mc, init=core.state_dict(), tok=tok)
    core.eval()
    return core, ds, result, asdict(cfg)


_START = time.monotonic()


def step(what):
    """Prints a step with the time so far and this process's peak resident memory so far (the
    checkpoint's memory-mapped pages count in it). Node's, which runs ONNX Runtime for the checks,
    is its own: children's figures would include this process's pages at the fork."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB -> GiB
    print(f"{what}  [{time.monotonic() - _START:.0f} s; peak RSS {peak:.2f} GiB]", flush=True)


def main(argv=None):
    try:
        run(parse(argv))
    except (ValueError, FileNotFoundError) as e:
        # what the checkpoint is or lacks, said plainly: no traceback for a user's input problem
        raise SystemExit(f"import_checkpoint: {e}")


def run(a):
    dtypes = [d.strip() for d in a.dtypes.split(",") if d.strip()]
    if not dtypes or any(d not in ("fp32", "q8", "q4") for d in dtypes):
        raise SystemExit(f"--dtypes {a.dtypes!r}: choose from fp32, q8, q4")
    torch.set_num_threads(1)  # OpenBLAS brings its own threads (docs/design.md "Python pipeline")

    step(f"1/6 read {a.base}")
    hf = checkpoints.read_config(a.base)
    if a.hllm_weights:
        print(f"  reading {a.hllm_weights}", flush=True)
        sd = checkpoints.read_torch_bin(a.hllm_weights)
        if not checkpoints.is_hllm_release(sd):
            raise SystemExit(f"{a.hllm_weights} is not HLLM's release: no item_emb_tokens / item_llm.* keys")
    else:
        sd = checkpoints.read_weights(a.base)
    release = checkpoints.is_hllm_release(sd)

    step("2/6 build the Item LLM and the User LLM")
    core, mc = checkpoints.build_hllm(sd, hf, a.max_text_tokens, a.max_history)
    del sd
    n_params = sum(p.numel() for p in core.parameters())
    item_id = mc.vocab_size - 1
    bos, pad = checkpoints.special_ids(hf, a.base, item_id)
    fields = [f.strip() for f in a.text_fields.split(",") if f.strip()]
    sep = a.field_separator if a.field_separator is not None else ("" if release else " ")
    if a.finetune_data:
        sep = " "  # the trainer's rule (dataset.item_text)
    tok = HFTokenizer(a.base, bos, item_id, pad)
    # one Node call: proves the engine's tokenizer reads the file, and pre-encodes golden texts
    tok.encode_many(TOKENIZER_CASES + [datasets.item_text(it, fields, a.prompt, sep=sep) for it in golden_items(fields)])
    print(f"  {hf.get('model_type', 'llama')}: dim {mc.dim}, {mc.item_layers}+{mc.user_layers} layers, "
          f"heads {mc.n_heads}/{mc.n_kv_heads}, qkv bias {mc.qkv_bias}, {n_params / 1e6:.1f}M params; "
          f"item token id {item_id}, bos {bos}, pad {pad}, tokenizer vocab {tok.vocab_size}", flush=True)
    if tok.vocab_size > item_id:
        print(f"  note: tokenizer.json has {tok.vocab_size} tokens but the embedding table {item_id} rows")
    ds = result = train_cfg = None
    if a.finetune_data:
        step(f"3/6 fine-tune on {a.finetune_data} ({a.max_steps} steps)")
        if a.field_separator not in (None, " ") or release:
            print("  note: the trainer joins fields with ' ', so the model folder does too")
        core, ds, result, train_cfg = finetune(a, core, mc, tok, a.prompt)
        fields = ds.text_fields
    else:
        step("3/6 no fine-tuning asked (--finetune-data)")

    step("4/6 export ONNX (opset 17) and quantise")
    os.makedirs(a.out, exist_ok=True)
    variants = export_encoders(core, mc, os.path.join(a.out, "onnx"), dtypes, a.external_data_over)

    step("5/6 parity (ONNX Runtime vs PyTorch) and golden.json")
    man = {"format": 1, "id": a.id or os.path.basename(os.path.normpath(a.out)), "dim": mc.dim,
           "prompt": a.prompt, "text_fields": fields, "field_template": "{key}: {value}",
           "field_separator": sep, "max_text_tokens": mc.max_text_tokens, "max_history": mc.max_history,
           "item_token_id": item_id, "bos_token_id": bos, "pad_token_id": pad}
    golden, parity = build_golden(core, mc, tok, man, golden_items(fields, ds), OrtRunner(), variants)
    if parity.get("fp32") and min(parity["fp32"].values()) < 0.9999:
        raise SystemExit("fp32 ONNX does not match PyTorch (cosine < 0.9999)")
    for dt, p in parity.items():
        if p and min(p.values()) < 0.99:
            print(f"  WARNING: {dt} min cosine {min(p.values()):.4f} < 0.99 against fp32 PyTorch")
    with open(os.path.join(a.out, "golden.json"), "w", encoding="utf-8") as f:
        json.dump(golden, f, ensure_ascii=False)
    self_check.write(a.out, OrtRunner(), {dt: (variants[("item", dt)][0], variants[("user_kv", dt)][0]) for dt in dtypes},
                     mc, [g["input_ids"] for g in golden["items"]], pad, torch_towers(core))
    tok.save(a.out)
    write_hf_config(mc, a.out)
    with open(os.path.join(a.out, "config.json")) as f:
        cfg = json.load(f)
    cfg.update({"model_type": hf.get("model_type", "llama"), "item_token_id": item_id,
                "base_model_config": hf})  # the source config, for provenance
    with open(os.path.join(a.out, "config.json"), "w") as f:
        json.dump(cfg, f, indent=1)

    step("6/6 manifest")
    files = []
    for (kind, dt), (path, info) in sorted(variants.items()):
        rel = os.path.relpath(path, a.out)
        files.append({"path": rel, "role": f"{kind}_encoder", "dtype": dt,
                      "external_data": info["external_data"], "max_tensor_bytes": info["max_tensor_bytes"], "max_buffer_bytes": info["max_buffer_bytes"]})
        for loc in info["external_data"]:
            # the engine hands this file to ORT as externalData {path: location, data}
            files.append({"path": os.path.join(os.path.dirname(rel), loc), "role": "external_data",
                          "dtype": dt, "location": loc, "external_data_of": rel})
        if kind == user_step.KIND:
            files[-1 - len(info["external_data"])]["kv_cache"] = user_step.kv_cache_entry(mc)
    finish_file_list(a.out, files)
    weights = a.hllm_weights or next(os.path.join(a.base, n) for n in (
        "model.safetensors.index.json", "pytorch_model.bin.index.json", "model.safetensors", "pytorch_model.bin")
        if os.path.exists(os.path.join(a.base, n)))
    man["files"] = files
    man["training"] = {
        "source": {"kind": "hllm-release" if release else "hf-checkpoint", "base": os.path.abspath(a.base),
                   "weights": os.path.basename(weights), "weights_sha256": sha256(weights),
                   "model_type": hf.get("model_type", "llama"), "params": n_params,
                   "logit_scale": float(core.logit_scale)},
        "model_config": mc.to_dict(), "git_commit": git_commit(),
        "finetune": None if ds is None else {"dataset": ds.name, "dataset_sha256": ds.sha256,
                                             "config": train_cfg, "best_step": result["best_step"],
                                             "train_minutes": result["train_minutes"]},
    }
    man["metrics"] = {"parity": parity}
    if result is not None:
        man["metrics"].update({"test": {"pytorch": result["test"], "popular": result["test_popular"]},
                               "valid": {"pytorch": result["valid"]}})
    with open(os.path.join(a.out, "hllm.json"), "w") as f:
        json.dump(man, f, indent=1)
    q4 = [variant_bytes(*variants[(k, "q4")]) for k in ("item", "user") if (k, "q4") in variants]
    print(f"wrote {a.out}" + (f": q4 item+user {sum(q4) / 1e6:.1f} MB" if q4 else ""))
    step("done")


if __name__ == "__main__":
    main()
