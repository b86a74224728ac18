"""The next-item losses of one training step, for models/train.py.

sampled: InfoNCE against n_negatives uniform negatives shared across the batch (HLLM's loss);
mixed: a softmax over every item the step encodes, the batch's own items (in-batch negatives, drawn
by popularity) and the n_negatives uniform ones (mixed negative sampling; n_negatives 0: in-batch
only); full: cross-entropy over every catalogue item, the whole catalogue encoded each step; bank: the
same cross-entropy, every item not encoded this step read from a Bank of embeddings kept without
gradient. Plus the item-side auxiliary loss (each item's text against a token-dropout copy).
"""
import torch
import torch.distributed as dist
import torch.nn.functional as F

from evaluate import encode_items
from model import bank_softmax, full_softmax, info_nce


def token_dropout(rows, p, gen):
    """Drop a share p of the text tokens (never BOS or the item token)."""
    out = []
    for r in rows:
        keep = torch.rand(len(r), generator=gen) >= p
        keep[0] = keep[-1] = True
        out.append([t for t, k in zip(r, keep.tolist()) if k])
    return out


def loss_kind(cfg, n_items, sasrec=False):
    """The loss actually used: "full" and "bank" fall back to "sampled" above cfg.full_max_items;
    SASRec's "bank" is "full" (its item table costs nothing to read in full). "mixed" stays at any
    size: it scores only what the step encodes, as "sampled" does."""
    if cfg.loss not in ("sampled", "mixed", "full", "bank"):
        raise SystemExit(f"--loss must be sampled, mixed, full or bank, not {cfg.loss!r}")
    if cfg.logq not in (0, 1):
        raise SystemExit(f"--logq must be 0 or 1, not {cfg.logq!r}")
    if cfg.bank_weight < 0 or cfg.bank_weight > 0 and (cfg.loss != "sampled" or sasrec):
        raise SystemExit(f"--bank-weight {cfg.bank_weight}: a weight >= 0, and above 0 only with HLLM's --loss sampled")
    if cfg.loss == "mixed":
        return "mixed"
    if cfg.bank_grad not in ("fresh", "inputs"):
        raise SystemExit(f"--bank-grad must be fresh or inputs, not {cfg.bank_grad!r}")
    if cfg.bank_columns < 1:
        raise SystemExit(f"--bank-columns must be at least 1, not {cfg.bank_columns}")
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


def bank_sample(n_rows, fresh_rows, cap, gen):
    """The bank rows the "bank" loss scores besides the k `fresh_rows` (train.py --bank-columns):
    `cap` of the n - k others, drawn uniformly without replacement as the first of them in a
    random permutation of all n rows; None (every row) when those n - k number at most `cap`.

    The permutation comes from `gen`, which train.py seeds alike on every rank each step (and
    draws the same negatives from before), so all DDP ranks draw the same permutation; the rows a
    rank takes from it differ from another rank's only where their fresh rows differ. It is drawn
    whenever n > cap, whatever k, so `gen` stays alike on every rank for what follows.
    """
    if n_rows <= cap:
        return None
    perm = torch.randperm(n_rows, generator=gen)
    if n_rows - len(fresh_rows) <= cap:
        return None
    fresh = torch.zeros(n_rows, dtype=torch.bool)
    fresh[fresh_rows] = True
    return perm[~fresh[perm]][:cap]


def item_frequencies(windows, n_items):
    """Each item's share of the items in the training windows ([n_items + 1], row 0 padding): how
    often the batches, drawn by window, bring it in (mixed_log_q)."""
    counts = torch.zeros(n_items + 1, dtype=torch.float64)
    for w in windows:
        counts[torch.tensor(w)] += 1  # an item repeated in a window counts once there, as in `uniq`
    return counts / counts.sum()


def mixed_log_q(items, freq, batch_items, n_negatives, n_items):
    """log of the probability that each of `items` is among a "mixed" step's columns: brought in by
    a batch of `batch_items` window items drawn by `freq`, or by n_negatives uniform draws
    (Poisson approximation: q = 1 - exp(-(batch_items * freq + n_negatives / n_items)))."""
    rate = batch_items * freq[items] + n_negatives / n_items
    return torch.log(-torch.expm1(-rate)).float()


def bank_term(core, bank, pred, embs, uniq, flat_t, valid, cfg, gen, constant):
    """bank_softmax with the step's encoded items `uniq` (`embs`) as the fresh rows, as constants
    when `constant`, over the whole bank or a bank_sample of it; then writes them into the bank."""
    fresh_rows = torch.tensor(uniq) - 1
    others = bank_sample(bank.emb.shape[0], fresh_rows, cfg.bank_columns, gen)
    device = pred.device
    out = bank_softmax(pred.reshape(-1, pred.shape[-1]), bank.emb, fresh_rows.to(device),
                       embs.detach() if constant else embs, flat_t, core.scale(), valid,
                       None if others is None else others.to(device))
    bank.write(uniq, embs)  # after the logits: they hold their own copy of the bank
    return out


def step_loss(core, batch, negs, tokens, cfg, gen, pad_id, device, kind="sampled", bank=None, freq=None):
    """Sum of the next-item losses over this rank's positions, their count, the aux loss, item cosine.

    kind "bank" needs `bank` (a Bank): the items encoded here with gradient replace their bank
    rows in the logits, then are written back into it; above cfg.bank_columns bank rows only a
    sample of the others is scored (bank_sample, drawn from `gen`). kind "sampled" with `bank`
    (cfg.bank_weight > 0) adds cfg.bank_weight times that softmax with every candidate a constant
    (bank_grad "inputs"), then writes the fresh rows back. kind "mixed" with `freq`
    (item_frequencies) applies the logQ correction (mixed_log_q).
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
    elif kind == "mixed":
        # every item encoded this step is a column: its target's row, shifted to full_softmax's
        # 1-based ids (padded positions read column 0 and are left out by `valid`)
        cols = torch.tensor([row.get(int(t), 0) + 1 for t in flat_t], device=device)
        log_q = None if freq is None else mixed_log_q(torch.tensor(uniq), freq, sum(len(set(w)) for w in batch),
                                                      len(negs), len(tokens) - 1).to(device)
        loss_sum, count = full_softmax(pred.reshape(-1, pred.shape[-1]), embs, cols, core.scale(), valid, log_q)
    elif kind == "bank":
        # "inputs": the candidates are constants (the history items above still carry the gradient)
        loss_sum, count = bank_term(core, bank, pred, embs, uniq, flat_t, valid, cfg, gen, cfg.bank_grad == "inputs")
    else:
        pos = embs[torch.tensor([row.get(int(t), 0) for t in flat_t], device=device)]
        loss_sum, count = info_nce(pred.reshape(-1, pred.shape[-1]), pos, embs[neg_rows], flat_t,
                                   negs.to(device), core.scale(), valid)
        if bank is not None:  # --bank-weight: plus the whole bank's softmax, every candidate a constant
            loss_sum = loss_sum + cfg.bank_weight * bank_term(core, bank, pred, embs, uniq, flat_t, valid, cfg, gen, True)[0]
    aux = torch.zeros((), device=device)
    if not len(negs):  # in-batch only: the batch's own items take the negatives' place below
        negs = torch.tensor(uniq)
        neg_rows = torch.arange(len(uniq), device=device)
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
