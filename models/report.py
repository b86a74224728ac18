"""The quality report of `hllm train`: OUT/report.md and OUT/report.html (the same content, the
HTML with the learning curves inlined so it opens anywhere without a server).

Everything in it is read from files the pipeline wrote: runs/summary.json (compare.py),
model/hllm.json (export.py), vectors/vectors.json (embed_catalog.py).
"""
import base64
import html
import json
import os

from dataset import data_name

NAMES = {"popular": "most popular", "sasrec": "SASRec, sampled softmax (HLLM's loss)",
         "sasrec_full": "SASRec, full softmax (the strong ID baseline)", "hllm": "HLLM"}


def _pm(m):
    return f"{m['mean']:.4f} ± {m['se']:.4f}" if m["se"] == m["se"] else f"{m['mean']:.4f}"  # se is NaN for 1 seed


def _pct(v):
    return f"{100 * v:+.1f} %"


def sections(out, summary, recipe, cuts, comparison, model_dir, vectors_dir, elapsed, hours):
    """[(heading, [paragraph or ("table", header, rows) or ("image", path)])] for both renderings."""
    s, runs = comparison["summary"], comparison["runs"]
    seeds = len(recipe.seeds)
    data = [f"{summary.items} items (text: {', '.join(summary.text_fields)}), {summary.users} users, "
            f"{summary.interactions} interactions. Leave-one-out: each user's last item is the test target, the one "
            "before it the validation target; models are tuned and chosen on validation only."]
    flags = comparison.get("hllm_flags", [])
    loss = " ".join(flags[flags.index("--loss"):flags.index("--loss") + 2]) if "--loss" in flags else "?"
    if "--n-negatives" in flags:
        loss += f" --n-negatives {flags[flags.index('--n-negatives') + 1]}"
    plan = [f"HLLM trains with `{loss}` (`--loss full` up to {recipe.full_up_to} items, above it a loss whose "
            f"cost per step does not grow with the catalogue). Learning rate x dropout tuned on the first seed over HLLM "
            f"{', '.join(recipe.hllm_grid)} and the full-softmax SASRec {', '.join(recipe.full_grid)}; the "
            f"sampled SASRec over learning rates {', '.join(recipe.sasrec_lrs)}; the best {recipe.finalists} of each "
            f"on {seeds} seed(s), kept by mean validation N@10. At most {recipe.hllm_steps} (HLLM) and "
            f"{recipe.sasrec_steps} (SASRec) steps, stopping after {recipe.patience} evaluations every "
            f"{recipe.eval_every} steps without a better validation N@10.",
            "Cut to fit the budget: " + ("; ".join(cuts) if cuts else "nothing") + "."]
    header = ["model", "N@10", "R@10", "N@50", "R@50", "cold N@10", "cold R@10"]
    rows = []
    for name in ("popular", "sasrec", "sasrec_full", "hllm"):
        if name in s:
            m = s[name]
            cold = m.get("cold")
            rows.append([NAMES[name], *(_pm(m[k]) for k in ("N@10", "R@10", "N@50", "R@50")),
                         *((_pm(cold["N@10"]), _pm(cold["R@10"])) if cold else ("–", "–"))])
    cold_users = next((m["cold"]["users"] for m in s.values() if m.get("cold")), 0)
    quality = [f"Test metrics, mean ± standard error over {seeds} seed(s). \"cold\": the {cold_users} test users "
               "whose target was seen in training at most twice.", ("table", header, rows)]
    for key, rel in comparison.get("relative", {}).items():
        quality.append(f"{key.replace('_', ' ')}: " + ", ".join(f"{k} {_pct(v)}" for k, v in rel.items()))
    valid = {n: sum(r["valid_N@10"] for r in rs) / len(rs) for n, rs in runs.items() if rs}
    if "hllm" in valid and valid["hllm"] < max(valid.get("sasrec_full", 0), valid.get("sasrec", 0)):
        quality.append(f"**Warning:** HLLM's mean validation N@10 ({valid['hllm']:.4f}) is below an ID baseline's "
                       f"({max(valid.get('sasrec_full', 0), valid.get('sasrec', 0)):.4f}): the shipped model is "
                       "expected to recommend worse than SASRec would on this data.")
    if comparison.get("budget_cut"):
        quality.append(f"**Warning:** the step budget, not early stopping, ended runs of "
                       f"{', '.join(comparison['budget_cut'])}; more steps might change this comparison.")
    run_rows = [[NAMES[n], str(r["seed"]), f"{r['best_step']} / {r['steps_run']}", f"{r['minutes']:.1f}",
                 f"{r['valid_N@10']:.4f}", f"{r['test_N@10']:.4f}", "yes" if r["budget_cut"] else "no"]
                for n, rs in runs.items() for r in rs]
    tuning = []
    for n, t in comparison.get("tuning", {}).items():
        tuning.append(f"{NAMES[n]}: kept {t['chosen']} (" + ", ".join(
            f"{g} valid {v['valid_N@10']:.4f}" for g, v in t["grid"].items()) + ")")
    training = [*tuning, ("table", ["model", "seed", "best step / steps run", "minutes", "valid N@10", "test N@10",
                                    "ended by the budget"], run_rows)]
    curves = os.path.join(out, "runs", "curves.png")
    if os.path.exists(curves):
        training.append(("image", curves))
    with open(os.path.join(model_dir, "hllm.json")) as f:
        manifest = json.load(f)
    metrics = manifest.get("metrics", {})
    sel = metrics.get("selection", {})
    shipped = [f"Shipped: {sel.get('chosen', '?')} ({sel.get('rule', '')}). Through ONNX Runtime on test:"]
    ship_rows = []
    for dt in ("fp32", "q8", "q4"):
        t, par = metrics.get("test", {}).get(dt), metrics.get("parity", {}).get(dt, {})
        if t:
            size = sum(os.path.getsize(os.path.join(model_dir, f)) for f in _onnx_files(model_dir, dt))
            ship_rows.append([dt, f"{t['N@10']:.4f}", f"{t['R@10']:.4f}", f"{min(par.values()):.5f}" if par else "–",
                              f"{size / 1e6:.2f} MB"])
    shipped.append(("table", ["dtype", "N@10", "R@10", "min cosine vs PyTorch", "files"], ship_rows))
    with open(os.path.join(vectors_dir, "vectors.json")) as f:
        vec = json.load(f)
    shipped.append(f"Vector shards: {vec['rows']} {vec['dtype']} rows of dimension {vec['dim']} in "
                   f"{len(vec['shards'])} shard(s), {vectors_dir}. Serve the model folder, the catalogue and the "
                   "shards to the engine (docs/usage.md).")
    took = f"This run took {elapsed / 3600:.2f} h" + (f" of a {hours:g} h budget." if hours else " (no budget).")
    return [("Data", data), ("Recipe", plan), ("Quality", quality), ("Training", training),
            ("The shipped model", shipped + [took])]


def _onnx_files(model_dir, dt):
    folder = os.path.join(model_dir, "onnx")
    suffix = "" if dt == "fp32" else f"_{dt}"
    return [os.path.join("onnx", f) for f in sorted(os.listdir(folder))
            if f.endswith(f"encoder{suffix}.onnx")]


def to_markdown(title, secs, out):
    lines = [f"# {title}", ""]
    for head, parts in secs:
        lines += [f"## {head}", ""]
        for p in parts:
            if isinstance(p, str):
                lines += [p, ""]
            elif p[0] == "table":
                _, header, rows = p
                lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
                lines += ["| " + " | ".join(r) + " |" for r in rows] + [""]
            else:
                lines += [f"![learning curves]({os.path.relpath(p[1], out)})", ""]
    return "\n".join(lines)


def to_html(title, secs):
    body = [f"<h1>{html.escape(title)}</h1>"]
    for head, parts in secs:
        body.append(f"<h2>{html.escape(head)}</h2>")
        for p in parts:
            if isinstance(p, str):
                body.append(f"<p>{html.escape(p).replace('**', '')}</p>")
            elif p[0] == "table":
                _, header, rows = p
                body.append("<table><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in header) + "</tr>" +
                            "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in rows)
                            + "</table>")
            else:
                with open(p[1], "rb") as f:
                    b64 = base64.b64encode(f.read()).decode()
                body.append(f'<img alt="validation N@10 per step, every run" src="data:image/png;base64,{b64}">')
    style = ("body{font:15px system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}"
             "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}"
             "img{max-width:100%}")
    return (f"<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>{html.escape(title)}</title>"
            f"<style>{style}</style><body>{''.join(body)}</body></html>\n")


def write(out, **kw):
    """Write OUT/report.md and OUT/report.html; returns their paths."""
    secs = sections(out, **kw)
    title = f"hllm train: {data_name(kw['comparison'].get('data', out))}"
    md, page = os.path.join(out, "report.md"), os.path.join(out, "report.html")
    with open(md, "w", encoding="utf-8") as f:
        f.write(to_markdown(title, secs, out))
    with open(page, "w", encoding="utf-8") as f:
        f.write(to_html(title, secs))
    return md, page
