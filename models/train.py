"""Train HLLM (or the SASRec baseline with --model sasrec) with HLLM's generative objective.

    /usr/bin/python3 models/train.py --data models/data/ml-latest-small/out --out models/runs/x
    torchrun --standalone --nproc_per_node 2 --redirects 1 --tee 1 models/train.py ...  # DDP

Every position of every training sequence predicts the next item: --loss sampled (InfoNCE
against negatives sampled uniformly from the catalogue and shared across the batch), full
(cross-entropy over every item, the whole catalogue encoded each step) or bank (the same
cross-entropy, with every item not encoded this step read from a bank of embeddings kept without
gradient; docs/quality.md "What each loss costs per step"). HLLM adds an item-side
auxiliary loss, each sampled item's text against a token-dropout copy of itself, which keeps
the from-scratch item tower from collapsing (docs/design.md "Training from scratch"). The checkpoint with the best
validation NDCG@10 is kept; validation and test metrics are printed and saved with it.
"""
import argparse
import hashlib
import json
import math
import os
import sys
import time
from dataclasses import dataclass, asdict, fields
from statistics import median

import torch
import torch.distributed as dist
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dataset as datasets  # noqa: E402
from evaluate import (catalogue_embeddings, encode_items, evaluate, item_tokens,  # noqa: E402
                      metrics_from_ranks, popularity_ranks, standard_error)
from model import HLLM, HLLMConfig, bank_softmax, full_softmax, info_nce  # noqa: E402
from tokenizer import BOS, ITEM, PAD, WordPiece, train_wordpiece  # noqa: E402


@dataclass
class TrainConfig:
    data: str = "models/data/ml-latest-small/out"
    out: str = "models/runs/hllm"
    model: str = "hllm"            # or "sasrec": item-ID table instead of the Item LLM
    seed: int = 0
    batch_users: int = 64          # sequences per step; large batches share item encodings (global, split across DDP ranks)
    lr: float = 1e-3               # HLLM uses 1e-4 for pretrained LLMs; from scratch wants more
    weight_decay: float = 0.01
    warmup_frac: float = 0.1
    max_steps: int = 2000
    max_minutes: float = 0.0       # >0: shorten the schedule to fit this wall time
    loss: str = "sampled"          # "sampled": InfoNCE against n_negatives uniform negatives shared
                                   # across the batch (HLLM's loss); "full": cross-entropy over every
                                   # catalogue item at every position (the strong SASRec baseline; for
                                   # HLLM the whole catalogue is encoded each step); "bank": the same
                                   # cross-entropy over every item, but only the batch's items and
                                   # n_negatives fresh negatives are encoded (with gradient); every
                                   # other item's embedding comes from a bank refreshed bank_refresh
                                   # rows a step, so the Item LLM's cost stops growing with the
                                   # catalogue (SASRec has no Item LLM: "bank" is "full" for it)
    full_max_items: int = 100_000  # above this many items "full" and "bank" fall back to "sampled"
                                   # with n_negatives: a [positions x items] logit matrix stops fitting
    bank_refresh: int = 1024       # "bank": catalogue rows re-encoded (no gradient) each step, in
                                   # rotation, so every row is at most ceil(items / bank_refresh)
                                   # steps old: ml-latest-small's 3,650 in 4 steps, 100k in 98.
                                   # Without gradient 1024 rows take ~0.05 s (100k filled the bank in
                                   # 5.3 s), little beside a step's ~1,700-2,700 items encoded with
                                   # gradient (docs/quality.md "What each loss costs per step")
                                   # >= the catalogue size: the whole bank every step (= "full"'s loss)
    n_negatives: int = 256         # uniform negatives shared across the batch
    aux_weight: float = 1.0        # item-side contrastive loss (0 turns it off)
    aux_drop: float = 0.4          # share of text tokens dropped in the auxiliary copy
    aux_items: int = 128           # negatives that also get an auxiliary copy (cost control)
    aux_scale: float = 20.0        # fixed logit scale of the auxiliary loss
    eval_every: int = 200
    patience: int = 0              # stop after this many evaluations without a better validation
                                   # N@10 (0: run the whole max_steps budget)
    prompt: str = ""               # HLLM's "Compress the following sentence into embedding: "
                                   # carries no information for a from-scratch model; pretrained
                                   # imports set it
    threads: int = 1               # torch threads; OpenBLAS adds its own (docs/design.md)
    tokenizer: str = ""            # reuse a tokenizer.json instead of training one
    vocab_min_count: int = 1       # 1 keeps every word: a title word seen once acts like an item
                                   # identifier instead of being spelled letter by letter


def log(*a):
    if int(os.environ.get("RANK", "0")) == 0:
        print(*a, flush=True)


def training_windows(seqs, L):
    """Cut each training sequence into windows of L+1 items that overlap by one, so every
    transition (a -> b) is predicted exactly once per epoch."""
    out = []
    for s in seqs:
        end = len(s)
        while end > 1:
            out.append(s[max(0, end - (L + 1)):end])
            end -= L
    return out


def lr_at(step, total, cfg):
    warm = max(1, int(total * cfg.warmup_frac))
    if step < warm:
        return cfg.lr * (step + 1) / warm
    p = min(1.0, (step - warm) / max(1, total - warm))
    return cfg.lr * 0.5 * (1 + math.cos(math.pi * p))


def build_tokens(ds, mc, tok, prompt):
    bos, item = tok.vocab[BOS], tok.vocab[ITEM]
    return [[]] + [item_tokens(tok, datasets.item_text(it, ds.text_fields, prompt), mc, bos, item)
                   for it in ds.items[1:]]


def token_dropout(rows, p, gen):
    """Drop a share p of the text tokens (never BOS or the item token)."""
    out = []
    for r in rows:
        keep = torch.rand(len(r), generator=gen) >= p
        keep[0] = keep[-1] = True
        out.append([t for t, k in zip(r, keep.tolist()) if k])
    return out


class EarlyStopping:
    """Tracks the best validation value; `stop` turns true after `patience` evaluations in a row
    that did not beat it (never, with patience 0)."""

    def __init__(self, patience):
        self.patience, self.best, self.best_step, self.bad, self.stop = patience, -math.inf, None, 0, False

    def update(self, step, value):
        """Record an evaluation; returns True when it is the new best."""
        if value > self.best:
            self.best, self.best_step, self.bad = value, step, 0
            return True
        self.bad += 1
        self.stop = self.patience > 0 and self.bad >= self.patience
        return False


def loss_kind(cfg, n_items, sasrec=False):
    """The loss actually used: "full" and "bank" fall back to "sampled" above cfg.full_max_items;
    SASRec's "bank" is "full" (its item table costs nothing to read in full)."""
    if cfg.loss not in ("sampled", "full", "bank"):
        raise SystemExit(f"--loss must be sampled, full or bank, not {cfg.loss!r}")
    if cfg.loss == "sampled" or n_items > cfg.full_max_items:
        return "sampled"
    return "full" if sasrec else cfg.loss


class Bank:
    """Every catalogue item's embedding, held without gradient, for the "bank" loss.

    Row r holds item r + 1 (full_softmax's layout). `refresh` re-encodes a rotating slice of
    `per_step` rows with the current weights; `write` stores the rows a step encoded with
    gradient, detached. Under DDP every rank holds the same bank: a refresh slice is split across
    the ranks and all-gathered, and every rank's fresh rows are all-gathered and written in rank
    order, so all ranks write the same values in the same order.
    """

    def __init__(self, n_items, dim, per_step, device="cpu", world=1, rank=0):
        self.emb = torch.zeros(n_items, dim, device=device)  # a plain tensor: never a parameter
        self.per_step, self.world, self.rank, self.device = max(1, per_step), world, rank, device

    def rows(self, step):
        """The slice refreshed at `step`: per_step rows from (step * per_step) mod n, wrapping, so
        steps 0 .. ceil(n / per_step) - 1 cover every row."""
        n = self.emb.shape[0]
        k = min(self.per_step, n)
        start = (step * k) % n
        return [(start + j) % n for j in range(k)]

    @torch.no_grad()
    def refresh(self, core, tokens, pad_id, step=None):
        """Re-encode the rows of `step` (None: every row) with the model in its current mode."""
        rows = list(range(self.emb.shape[0])) if step is None else self.rows(step)
        mine = rows[self.rank::self.world]
        embs = (encode_items(core, tokens, [r + 1 for r in mine], pad_id, device=self.device) if mine
                else torch.zeros(0, self.emb.shape[1], device=self.device))
        self._store([rows[r::self.world] for r in range(self.world)], embs)

    @torch.no_grad()
    def write(self, items, embs):
        """Store this rank's freshly encoded `items` (ids) and every other rank's."""
        rows = [i - 1 for i in items]
        if self.world > 1:
            n = torch.tensor([len(rows)], device=self.device)
            sizes = [torch.zeros_like(n) for _ in range(self.world)]
            dist.all_gather(sizes, n)
            width = int(max(s.item() for s in sizes))
            ids = torch.full((width,), -1, dtype=torch.long, device=self.device)
            ids[:len(rows)] = torch.tensor(rows, dtype=torch.long, device=self.device)
            all_ids = [torch.empty_like(ids) for _ in range(self.world)]
            dist.all_gather(all_ids, ids)
            rows = [[int(i) for i in a[:int(s.item())]] for a, s in zip(all_ids, sizes)]
        else:
            rows = [rows]
        self._store(rows, embs)

    def _store(self, rows_per_rank, embs):
        """Rank r's `embs` are the rows rows_per_rank[r]; all-gather them, write in rank order."""
        embs = embs.detach()
        if self.world > 1:
            width = max(len(r) for r in rows_per_rank)
            pad = torch.zeros(width, self.emb.shape[1], device=self.device)
            pad[:len(embs)] = embs
            gathered = [torch.empty_like(pad) for _ in range(self.world)]
            dist.all_gather(gathered, pad)
        else:
            gathered = [embs]
        for rows, e in zip(rows_per_rank, gathered):
            if rows:
                self.emb[torch.tensor(rows, device=self.device)] = e[:len(rows)]


def step_loss(core, batch, negs, tokens, cfg, gen, pad_id, device, kind="sampled", bank=None):
    """Sum of the next-item losses over this rank's positions, their count, the aux loss, item cosine.

    kind "bank" needs `bank` (a Bank): the items encoded here with gradient replace their bank
    rows in the logits, then are written back into it.
    """
    seq_items = sorted({i for w in batch for i in w})
    if kind == "full":
        uniq = list(range(1, len(tokens)))  # the whole catalogue, so row r holds item r + 1
    else:
        uniq = sorted(set(seq_items) | set(negs.tolist()))
    row = {i: r for r, i in enumerate(uniq)}
    if core.is_sasrec:
        embs = core.item_table(torch.tensor(uniq, device=device))
    else:
        embs = encode_items(core, tokens, uniq, pad_id, device=device)
    L = max(len(w) for w in batch)
    x = torch.zeros(len(batch), L - 1, embs.shape[1], device=device)
    mask = torch.zeros(len(batch), L - 1, dtype=torch.long, device=device)
    tgt = torch.zeros(len(batch), L - 1, dtype=torch.long, device=device)
    for b, w in enumerate(batch):
        n = len(w) - 1
        x[b, L - 1 - n:] = embs[torch.tensor([row[i] for i in w[:-1]], device=device)]
        mask[b, L - 1 - n:] = 1
        tgt[b, L - 1 - n:] = torch.tensor(w[1:], device=device)
    pred = core.encode_users(x, mask)
    valid = mask.reshape(-1).float()
    flat_t = tgt.reshape(-1)
    neg_rows = torch.tensor([row[int(n)] for n in negs], device=device)
    if kind == "full":
        loss_sum, count = full_softmax(pred.reshape(-1, pred.shape[-1]), embs, flat_t, core.scale(), valid)
    elif kind == "bank":
        loss_sum, count = bank_softmax(pred.reshape(-1, pred.shape[-1]), bank.emb,
                                       torch.tensor(uniq, device=device) - 1, embs, flat_t, core.scale(), valid)
        bank.write(uniq, embs)  # after the logits: they hold their own copy of the bank
    else:
        pos = embs[torch.tensor([row.get(int(t), 0) for t in flat_t], device=device)]
        loss_sum, count = info_nce(pred.reshape(-1, pred.shape[-1]), pos, embs[neg_rows], flat_t,
                                   negs.to(device), core.scale(), valid)
    aux = torch.zeros((), device=device)
    neg_embs = embs[neg_rows]
    if not core.is_sasrec and cfg.aux_weight > 0:
        idx = negs[: cfg.aux_items].tolist()
        dropped = token_dropout([tokens[i] for i in idx], cfg.aux_drop, gen)
        copies = encode_items(core, dropped, list(range(len(dropped))), pad_id, device=device)
        a, b = F.normalize(neg_embs[: len(idx)], dim=-1), F.normalize(copies, dim=-1)
        logits = a @ b.T * cfg.aux_scale
        sub = negs[: len(idx)].to(device)
        same = sub[:, None] == sub[None, :]
        logits = logits.masked_fill(same & ~torch.eye(len(idx), dtype=torch.bool, device=device), -1e4)
        aux = F.cross_entropy(logits, torch.arange(len(idx), device=device))
    with torch.no_grad():
        n = F.normalize(neg_embs[:128], dim=-1)
        sim = n @ n.T
        item_cos = ((sim.sum() - sim.diagonal().sum()) / (len(n) * (len(n) - 1))).item()
    return loss_sum, count, aux, item_cos


class StepLoss(torch.nn.Module):
    """What DDP wraps: the whole step's loss, so every parameter's gradient is in its graph."""

    def __init__(self, core):
        super().__init__()
        self.core = core

    def forward(self, *args):
        return step_loss(self.core, *args)


def train(cfg, mc=None, init=None, tok=None):
    """Train, keep the best validation checkpoint, and save it under cfg.out.

    `init` (an HLLM state dict) and `tok` (a tokenizer with encode, save and the special ids in
    `vocab`) fine-tune an imported pretrained model (models/import_checkpoint.py) instead of
    training from scratch; `mc` must then describe that model.
    """
    world, rank = int(os.environ.get("WORLD_SIZE", "1")), int(os.environ.get("RANK", "0"))
    device = "cuda" if torch.cuda.is_available() else "cpu"
    if world > 1:
        dist.init_process_group("nccl" if device == "cuda" else "gloo")
        if device == "cuda":
            device = f"cuda:{int(os.environ.get('LOCAL_RANK', '0'))}"
    torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    ds = datasets.load(cfg.data)
    mc = mc or HLLMConfig()
    if tok is None:
        tok = WordPiece.load(cfg.tokenizer) if cfg.tokenizer else train_wordpiece(
            [datasets.item_text(it, ds.text_fields, cfg.prompt) for it in ds.items[1:]], mc.vocab_size,
        cfg.vocab_min_count)
        mc.vocab_size = len(tok.vocab)
    if cfg.model == "sasrec":
        mc.n_items = ds.n_items
    tokens = build_tokens(ds, mc, tok, cfg.prompt)
    pad_id = tok.vocab[PAD]
    core = HLLM(mc).to(device)
    if init is not None:
        core.load_state_dict(init)
    model = StepLoss(core)
    if world > 1:
        model = torch.nn.parallel.DistributedDataParallel(model)
    decay = [p for p in core.parameters() if p.dim() >= 2]
    no_decay = [p for p in core.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": cfg.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}], lr=cfg.lr)
    kind = loss_kind(cfg, ds.n_items, core.is_sasrec)
    bank = None
    if kind == "bank":
        bank = Bank(ds.n_items, mc.dim, cfg.bank_refresh, device, world, rank)
        t_bank = time.time()
        bank.refresh(core, tokens, pad_id)  # the whole catalogue once, so no row starts empty
        log(f"bank: {ds.n_items} rows encoded in {time.time() - t_bank:.1f} s; {min(cfg.bank_refresh, ds.n_items)} "
            f"refreshed a step, each at most {math.ceil(ds.n_items / min(cfg.bank_refresh, ds.n_items))} steps old")
    windows = training_windows(ds.split("train"), mc.max_history)
    valid, test = ds.split("valid"), ds.split("test")
    log(f"{cfg.model}: {sum(p.numel() for p in core.parameters())/1e6:.2f}M params, vocab "
        f"{mc.vocab_size}, {ds.n_items} items, {len(ds.users)} users, {len(windows)} windows, "
        f"world {world}, device {device}, loss {kind}"
        + (f" (--loss {cfg.loss}: falls back above {cfg.full_max_items} items; SASRec's bank is full)"
           if kind != cfg.loss else ""))
    total, step, t0 = cfg.max_steps, 0, time.time()
    best, stopper = {"N@10": -1.0}, EarlyStopping(cfg.patience)
    curve, step_times = [], []
    epoch_order, pos_in_epoch, epoch = [], 0, 0
    while step < total:
        if pos_in_epoch + cfg.batch_users > len(epoch_order):
            g = torch.Generator().manual_seed(cfg.seed * 1000 + epoch)
            epoch_order, pos_in_epoch, epoch = torch.randperm(len(windows), generator=g).tolist(), 0, epoch + 1
        ids = epoch_order[pos_in_epoch:pos_in_epoch + cfg.batch_users]
        pos_in_epoch += cfg.batch_users
        gen = torch.Generator().manual_seed(cfg.seed * 1_000_003 + step)  # same on every rank
        negs = torch.randint(1, ds.n_items + 1, (cfg.n_negatives,), generator=gen)
        batch = [windows[i] for i in ids[rank::world]]
        core.train()
        t_step = time.time()
        if bank is not None:
            bank.refresh(core, tokens, pad_id, step)
        loss_sum, count, aux, item_cos = model(batch, negs, tokens, cfg, gen, pad_id, device, kind, bank)
        n_all = count.detach().clone()
        if world > 1:
            dist.all_reduce(n_all)
        # sum/global count, times world because DDP averages gradients over ranks
        loss = loss_sum / n_all * world + cfg.aux_weight * aux
        for group in opt.param_groups:
            group["lr"] = lr_at(step, total, cfg)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(core.parameters(), 1.0)
        opt.step()
        step_times.append(time.time() - t_step)
        step += 1
        elapsed = time.time() - t0
        if cfg.max_minutes and step == 20:
            total = min(total, max(40, int(cfg.max_minutes * 60 / (elapsed / step))))
            log(f"schedule fitted to {cfg.max_minutes} min: {total} steps")
        if step % 20 == 0 or step == total:
            items = step * cfg.batch_users * mc.max_history / elapsed
            log(f"step {step}/{total} loss {loss_sum.item() / max(count.item(), 1):.4f} aux {aux.item():.4f} "
                f"scale {core.scale().item():.1f} item_cos {item_cos:.3f} {items:.0f} items/s "
                f"step {median(step_times[-20:]):.3f} s (median of the last {len(step_times[-20:])}) "
                f"ETA {(total - step) * elapsed / step / 60:.1f} min")
            curve.append({"step": step, "loss": loss_sum.item() / max(count.item(), 1), "aux": aux.item(),
                          "item_cos": item_cos})
        if step % cfg.eval_every == 0 or step == total:
            if rank == 0:
                core.eval()
                embs = catalogue_embeddings(core, tokens, pad_id, device)
                m = metrics_from_ranks(evaluate(core, embs, valid, mc.max_history))
                curve.append({"step": step, "valid_N@10": m["N@10"], "valid_R@10": m["R@10"]})
                log(f"  valid N@10 {m['N@10']:.4f} R@10 {m['R@10']:.4f}")
                if stopper.update(step, m["N@10"]):
                    best = {"N@10": m["N@10"], "step": step,
                            "state": {k: v.detach().cpu().clone() for k, v in core.state_dict().items()}}
            # rank 0 decides; every rank must leave the loop at the same step
            flag = torch.tensor([1.0 if stopper.stop else 0.0], device=device)
            if world > 1:
                dist.broadcast(flag, 0)
                dist.barrier()
            if flag.item() > 0:
                log(f"early stop at step {step}: {cfg.patience} evaluations without a better valid N@10 "
                    f"(best {best['N@10']:.4f} at step {best['step']})")
                break
    warm = step_times[2:] or step_times
    log(f"step time: median {median(warm):.3f} s over steps {step - len(warm) + 1}-{step} "
        f"(the first 2 are warm-up), loss {kind}")
    if bank is not None:
        # every rank prints its bank's digest: DDP must leave them identical (models/tests/test_bank.py)
        print(f"rank {rank} bank sha256 {hashlib.sha256(bank.emb.cpu().numpy().tobytes()).hexdigest()}", flush=True)
    result = None
    if rank == 0:
        core.load_state_dict(best["state"])
        core.eval()
        embs = catalogue_embeddings(core, tokens, pad_id, device)
        # budget_cut: the step budget ended the run, not the patience rule, so a longer budget
        # might still have helped (always true with patience 0)
        result = {"best_step": best["step"], "steps_run": step, "max_steps": total,
                  "train_minutes": (time.time() - t0) / 60, "loss": kind,
                  "step_seconds_median": median(warm),
                  "stopped_early": stopper.stop, "budget_cut": not stopper.stop}
        for part, pairs in (("valid", valid), ("test", test)):
            ranks = evaluate(core, embs, pairs, mc.max_history)
            result[part] = metrics_from_ranks(ranks)
            result[part]["N@10_se"] = standard_error(ranks)
            pop = popularity_ranks(ds, part)
            result[part + "_popular"] = metrics_from_ranks(pop)
            result[part + "_popular"]["N@10_se"] = standard_error(pop)
        log(f"best step {best['step']}: test N@10 {result['test']['N@10']:.4f} "
            f"R@10 {result['test']['R@10']:.4f} (popular {result['test_popular']['N@10']:.4f})")
        save(cfg, mc, core, tok, ds, result, curve)
    if world > 1:
        dist.barrier()
        dist.destroy_process_group()
    return core, result


def save(cfg, mc, core, tok, ds, result, curve):
    os.makedirs(cfg.out, exist_ok=True)
    tok.save(cfg.out)
    torch.save({"model_config": mc.to_dict(), "train_config": asdict(cfg), "state_dict": core.state_dict(),
                "dataset": {"name": ds.name, "sha256": ds.sha256, "path": cfg.data}, "result": result},
               os.path.join(cfg.out, "checkpoint.pt"))
    with open(os.path.join(cfg.out, "train_log.json"), "w") as f:
        json.dump({"result": result, "curve": curve, "train_config": asdict(cfg),
                   "model_config": mc.to_dict()}, f, indent=1)
    plot_curve(curve, os.path.join(cfg.out, "train_curve.png"), cfg.model)
    log(f"saved {cfg.out}")


def plot_curve(curve, path, title):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
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


HELP = {  # TrainConfig's comments give each value's reason
    "loss": "sampled (InfoNCE, n_negatives shared negatives), full (softmax over every item, every item "
            "encoded each step) or bank (softmax over every item; only the batch's items and n_negatives "
            "negatives encoded with gradient, the rest read from a bank of embeddings)",
    "full_max_items": "above this many items full and bank fall back to sampled",
    "n_negatives": "uniform negatives shared across the batch (sampled), or encoded fresh with gradient (bank)",
    "bank_refresh": "bank: catalogue rows re-encoded without gradient each step, in rotation "
                    "(>= the catalogue: all of them every step)",
}


def parse(argv=None):
    p = argparse.ArgumentParser(description="Train HLLM or SASRec")
    for f in fields(TrainConfig):
        p.add_argument("--" + f.name.replace("_", "-"), type=type(f.default), default=f.default,
                       help=HELP.get(f.name, "") + " (default: %(default)s)")
    for f in fields(HLLMConfig):
        if f.name != "n_items":
            p.add_argument("--m-" + f.name.replace("_", "-"), type=type(f.default) if not isinstance(f.default, bool)
                           else lambda s: s.lower() in ("1", "true", "yes"), default=f.default)
    a = vars(p.parse_args(argv))
    cfg = TrainConfig(**{f.name: a[f.name] for f in fields(TrainConfig)})
    mc = HLLMConfig(**{f.name: a["m_" + f.name] for f in fields(HLLMConfig) if f.name != "n_items"})
    return cfg, mc


if __name__ == "__main__":
    train(*parse())
