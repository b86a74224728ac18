"""Learning-curve plots: one run's train loss and validation NDCG@10 (train.py's train_curve.png),
and every seed's validation NDCG@10 of a comparison (compare.py's curves.png)."""
import json
import os


def _pyplot():
    import matplotlib
    matplotlib.use("Agg")  # files only: no display on the training machines
    import matplotlib.pyplot as plt
    return plt


def plot_curve(curve, path, title):
    """One run: train loss (left axis) and validation NDCG@10 (right axis) against step."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 3.5))
    pts = [c for c in curve if "loss" in c]
    ax.plot([c["step"] for c in pts], [c["loss"] for c in pts], label="train loss", color="tab:blue")
    ax.set_xlabel("step"); ax.set_ylabel("train loss")
    ax2 = ax.twinx()
    ev = [c for c in curve if "valid_N@10" in c]
    ax2.plot([c["step"] for c in ev], [c["valid_N@10"] for c in ev], "o-", color="tab:red", label="valid NDCG@10")
    ax2.set_ylabel("valid NDCG@10")
    fig.legend(loc="upper right"); ax.set_title(title); fig.tight_layout()
    fig.savefig(path, dpi=100); plt.close(fig)


def plot_curves(per_run, path, title):
    """Validation N@10 against step for every seed of every model: the learning curves."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 3.8))
    colours = {"hllm": "tab:red", "sasrec_full": "tab:blue", "sasrec": "tab:gray"}
    for name, rs in per_run.items():
        for i, r in enumerate(rs):
            with open(os.path.join(r["out"], "train_log.json")) as f:
                ev = [c for c in json.load(f)["curve"] if "valid_N@10" in c]
            ax.plot([c["step"] for c in ev], [c["valid_N@10"] for c in ev], color=colours.get(name, "black"),
                    alpha=0.8, linewidth=1.2, label=name if i == 0 else None)
            ax.plot([r["best_step"]], [r["valid_N@10"]], "o", color=colours.get(name, "black"), markersize=4)
    ax.set_xlabel("step"); ax.set_ylabel("validation NDCG@10"); ax.set_title(title)
    ax.legend(); fig.tight_layout(); fig.savefig(path, dpi=100); plt.close(fig)
