"""Train HLLM (or the SASRec baseline with --model sasrec) with HLLM's generative objective.

    /usr/bin/python3 models/train.py --data models/data/ml-latest-small/out --out models/runs/x
    torchrun --standalone --nproc_per_node 2 --redirects 1 --tee 1 models/train.py ...  # DDP

Every position of every training sequence predicts the next item: --loss sampled (InfoNCE
against negatives sampled uniformly from the catalogue and shared across the batch), mixed (a
softmax over the batch's own items and those negatives: in-batch plus uniform), full
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

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dataset as datasets  # noqa: E402
from evaluate import (catalogue_embeddings, cold_mask, evaluate, item_tokens,  # noqa: E402
                      metrics_from_ranks, popularity_ranks, standard_error)
from curves import plot_curve  # noqa: E402
from losses import Bank, StepLoss, item_frequencies, loss_kind  # noqa: E402
from model import CONFIG_HELP, HLLM, HLLMConfig  # noqa: E402
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
                                   # across the batch (HLLM's loss); "mixed": a softmax over
                                   # every item the step encodes anyway, the batch's own (in-batch
                                   # negatives: popular items come up often, as in the full
                                   # softmax) plus the n_negatives uniform ones, so it costs what
                                   # sampled costs (n_negatives 0: in-batch only); "full":
                                   # cross-entropy over every catalogue item at every position (the
                                   # strong SASRec baseline; for HLLM the whole catalogue is
                                   # encoded each step); "bank": the same
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
    bank_columns: int = 16384      # "bank": with more items than this, each step scores the rows encoded
                                   # with gradient plus this many others sampled uniformly (one draw a
                                   # step, alike on every DDP rank), logQ-corrected so the softmax
                                   # estimates the whole bank's. At 100k items the whole-bank softmax
                                   # alone took 5.1 s (forward + backward, one thread), 1.1 s capped
                                   # at 16,384, and a step 5.9-8.4 s vs 1.6-2.4 s on the loaded 2-core
                                   # machine (docs/quality.md). A larger sample is a closer estimate;
                                   # 16,384 keeps ml-latest-small and Amazon Toys exact (whole bank).
                                   # How well the capped loss trains is not measured
    bank_grad: str = "fresh"       # "bank": where the Item LLM's gradient comes from. "fresh": the
                                   # candidate rows encoded this step (targets and in-batch
                                   # negatives); it collapsed on Amazon Toys (docs/quality.md).
                                   # "inputs": only the history items the User LLM reads; every
                                   # candidate is a constant (the rows encoded this step, detached),
                                   # so fresh rows cannot be told from stale ones by moving them. On
                                   # Amazon Toys it did not collapse but reached 62 % of sampled's
                                   # validation N@10. "fresh" stays the default: with a current
                                   # bank it is full's loss and gradients (test_bank.py)
    n_negatives: int = 256         # uniform negatives shared across the batch
    bank_weight: float = 0.0       # "sampled": > 0 adds this weight times the bank's whole-catalogue
                                   # softmax with every candidate a constant ("inputs"), meant to
                                   # sharpen the User LLM; on Amazon Toys 1.0 trailed sampled by 9 %
    logq: int = 0                  # "mixed": 1 subtracts each column's log probability of being
                                   # scored (logQ correction, Yi et al. 2019), so popular items are
                                   # not pushed down for coming up often; on Amazon Toys it lifted
                                   # mixed from 0.0683 to 0.0702 valid N@10, 7 % under sampled
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


HELP = {  # each flag's help: what the field does; the comments above give the reasons
    "data": "prepared data folder: items.csv and interactions.csv in HLLM's CSV layout",
    "out": "run folder for checkpoint.pt, the tokenizer, train_log.json and train_curve.png",
    "model": "hllm, or sasrec: an item-ID table instead of the Item LLM",
    "seed": "seed of the initial weights and dropout, the order of the training windows and the negatives",
    "batch_users": "training windows per step, over all DDP ranks together",
    "lr": "peak AdamW learning rate (linear warm-up, then cosine decay to 0)",
    "weight_decay": "AdamW weight decay of every parameter with 2 or more dimensions",
    "warmup_frac": "share of the steps spent warming the learning rate up",
    "max_steps": "training steps (the schedule's length)",
    "max_minutes": ">0: after 20 steps, shorten the schedule to fit this many minutes (never below 40 steps)",
    "loss": "sampled (InfoNCE, n_negatives shared negatives), mixed (softmax over the batch's own items and "
            "n_negatives uniform ones; 0: in-batch only), full (softmax over every item, every item "
            "encoded each step) or bank (softmax over every item; only the batch's items and n_negatives "
            "negatives encoded with gradient, the rest read from a bank of embeddings)",
    "full_max_items": "above this many items full and bank fall back to sampled",
    "bank_refresh": "bank: catalogue rows re-encoded without gradient each step, in rotation "
                    "(>= the catalogue: all of them every step)",
    "bank_columns": "bank: with more items than this, score the rows encoded with gradient plus this many "
                    "other bank rows sampled uniformly (logQ-corrected) instead of the whole bank",
    "bank_grad": "bank: fresh (the Item LLM's gradient also through the candidate rows encoded this step) "
                 "or inputs (only through the history items; every candidate is a constant)",
    "logq": "mixed: 1 applies the logQ correction (each column's log probability of being scored is subtracted)",
    "bank_weight": "sampled: add this weight times the bank's softmax over every item, every candidate a constant",
    "n_negatives": "uniform negatives shared across the batch (sampled, mixed), or encoded fresh with gradient "
                   "(bank)",
    "aux_weight": "weight of the item-side auxiliary loss, each negative's text against a token-dropout copy "
                  "of itself (0 turns it off)",
    "aux_drop": "share of text tokens dropped in the auxiliary copy",
    "aux_items": "negatives that also get an auxiliary copy",
    "aux_scale": "fixed logit scale of the auxiliary loss",
    "eval_every": "steps between validation NDCG@10 evaluations; the best one's checkpoint is kept",
    "patience": "stop after this many evaluations without a better validation N@10 (0: run all max_steps)",
    "prompt": "text put before every item's text (imports of HLLM's pretrained models set theirs)",
    "threads": "torch threads",
    "tokenizer": "a tokenizer.json to reuse instead of training a WordPiece vocabulary on the item texts",
    "vocab_min_count": "fewest occurrences of a word in the item texts for it to enter the vocabulary as a whole word",
}


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
    if kind == "bank" or cfg.bank_weight > 0:
        bank = Bank(ds.n_items, mc.dim, cfg.bank_refresh, device, world, rank)
        t_bank = time.time()
        bank.refresh(core, tokens, pad_id)  # the whole catalogue once, so no row starts empty
        log(f"bank: {ds.n_items} rows encoded in {time.time() - t_bank:.1f} s; {min(cfg.bank_refresh, ds.n_items)} "
            f"refreshed a step, each at most {math.ceil(ds.n_items / min(cfg.bank_refresh, ds.n_items))} steps old")
    windows = training_windows(ds.split("train"), mc.max_history)
    freq = item_frequencies(windows, ds.n_items) if kind == "mixed" and cfg.logq else None
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
        loss_sum, count, aux, item_cos = model(batch, negs, tokens, cfg, gen, pad_id, device, kind, bank, freq)
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
                # train_minutes: time in training steps so far, evaluations left out, so that losses of
                # different cost per step can be compared at equal training time
                curve.append({"step": step, "valid_N@10": m["N@10"], "valid_R@10": m["R@10"],
                              "train_minutes": sum(step_times) / 60})
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
            if part == "test":  # the users whose target is a cold item (seen in training <= 2 times)
                cold = cold_mask(ds, pairs)
                for key, rs in (("test_cold", ranks), ("test_popular_cold", pop)):
                    result[key] = metrics_from_ranks([r for r, c in zip(rs, cold) if c])
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


def parser():
    """The command line: a flag per TrainConfig field and, with the prefix --m-, per HLLMConfig
    field (but n_items, which train() sets for SASRec); each help text comes from HELP or
    model.CONFIG_HELP, so a field without one fails here."""
    def described(text, default):  # a string default in quotes, so an empty one shows
        return text + (" (default: %(default)r)" if isinstance(default, str) else " (default: %(default)s)")

    p = argparse.ArgumentParser(description="Train HLLM or SASRec")
    for f in fields(TrainConfig):
        p.add_argument("--" + f.name.replace("_", "-"), type=type(f.default), default=f.default,
                       help=described(HELP[f.name], f.default))
    for f in fields(HLLMConfig):
        if f.name != "n_items":
            p.add_argument("--m-" + f.name.replace("_", "-"), type=type(f.default) if not isinstance(f.default, bool)
                           else lambda s: s.lower() in ("1", "true", "yes"), default=f.default,
                           help=described(CONFIG_HELP[f.name], f.default))
    return p


def parse(argv=None):
    a = vars(parser().parse_args(argv))
    cfg = TrainConfig(**{f.name: a[f.name] for f in fields(TrainConfig)})
    mc = HLLMConfig(**{f.name: a["m_" + f.name] for f in fields(HLLMConfig) if f.name != "n_items"})
    return cfg, mc


if __name__ == "__main__":
    train(*parse())
