"""The "mixed" loss (train.py --loss mixed) at tiny shapes: a softmax over every item the step
encodes, so with every catalogue item among the negatives it is the full softmax (loss and
gradients); with no uniform negatives (in-batch only) it scores exactly the batch's own items;
on the same negatives it is not the sampled loss."""
import math

import pytest
import torch
import torch.nn.functional as F

import losses
from model import full_softmax
import test_bank
from test_bank import run_step

setup = test_bank.setup  # the bank tests' fixture: the same tiny model, batch and negatives


def test_mixed_with_every_item_as_a_negative_is_the_full_softmax(setup):
    ds = setup[0]
    everything = torch.arange(1, ds.n_items + 1)
    full_loss, full_g = run_step(setup, "full")
    mixed_loss, mixed_g = run_step(setup, "mixed", negs=everything)
    assert mixed_loss == pytest.approx(full_loss, rel=1e-5)
    assert full_g.keys() == mixed_g.keys()
    for name, g in full_g.items():
        assert torch.allclose(mixed_g[name], g, atol=1e-6), name


def test_mixed_differs_from_sampled_on_the_same_negatives(setup):
    # the batch's own items are extra columns: with the same 16 uniform negatives the two
    # losses must differ, and mixed (more columns, same positive) must be the larger
    sampled, _ = run_step(setup, "sampled")
    mixed, _ = run_step(setup, "mixed")
    assert mixed > sampled + 1e-3


def test_in_batch_only_scores_the_batch_items(setup):
    ds, mc, tokens, pad, core, batch = setup[:6]
    core.eval()  # no dropout, so the reference below sees the same embeddings
    try:
        loss, _ = run_step(setup, "mixed", negs=torch.zeros(0, dtype=torch.long))
        items = sorted({i for w in batch for i in w})
        assert len(items) < ds.n_items  # else this would not tell in-batch from full
        embs = losses.encode_items(core, tokens, items, pad, device="cpu")
        row = {i: r for r, i in enumerate(items)}
        L = max(len(w) for w in batch)
        x = torch.zeros(len(batch), L - 1, mc.dim)
        mask = torch.zeros(len(batch), L - 1, dtype=torch.long)
        cols = torch.zeros(len(batch), L - 1, dtype=torch.long)
        for b, w in enumerate(batch):
            n = len(w) - 1
            x[b, L - 1 - n:] = embs[torch.tensor([row[i] for i in w[:-1]])]
            mask[b, L - 1 - n:] = 1
            cols[b, L - 1 - n:] = torch.tensor([row[i] + 1 for i in w[1:]])
        with torch.no_grad():
            pred = core.encode_users(x, mask)
            ref, n = full_softmax(pred.reshape(-1, mc.dim), embs, cols.reshape(-1), core.scale(),
                                  mask.reshape(-1).float())
        assert loss == pytest.approx((ref / n).item(), rel=1e-5)
        assert loss < torch.log(torch.tensor(float(len(items)))).item() + 5  # finite, sane
    finally:
        core.train()


def test_mixed_is_a_known_loss_and_sasrec_keeps_it():
    class Cfg:
        loss, bank_columns, full_max_items, logq, bank_weight = "mixed", 16384, 100_000, 0, 0.0
    assert losses.loss_kind(Cfg, 50_000) == "mixed"
    assert losses.loss_kind(Cfg, 50_000, sasrec=True) == "mixed"
    Cfg.loss = "inbatch"
    with pytest.raises(SystemExit, match="sampled, mixed, full or bank"):
        losses.loss_kind(Cfg, 10)


def test_logq_is_the_inclusion_probability():
    freq = torch.tensor([0.0, 0.5, 0.3, 0.2, 0.0], dtype=torch.float64)
    items = torch.tensor([1, 2, 3, 4])
    log_q = losses.mixed_log_q(items, freq, batch_items=4, n_negatives=2, n_items=4)
    expected = [math.log(1 - math.exp(-(4 * f + 0.5))) for f in (0.5, 0.3, 0.2, 0.0)]
    assert log_q.tolist() == pytest.approx(expected, rel=1e-6)
    assert (log_q < 0).all() and log_q[0] > log_q[1] > log_q[2] > log_q[3]  # popular: nearer 1
    # in-batch only: an item the batches never bring has probability 0 of being a column
    assert losses.mixed_log_q(torch.tensor([4]), freq, 4, 0, 4).item() == -math.inf


def test_item_frequencies_count_each_window_once_per_item():
    freq = losses.item_frequencies([[1, 2, 2], [2, 3]], 4)
    assert freq.tolist() == pytest.approx([0, 0.25, 0.5, 0.25, 0])


def test_logq_shifts_every_column_but_the_target():
    g = torch.Generator().manual_seed(0)
    pred, items = torch.randn(5, 8, generator=g), torch.randn(6, 8, generator=g)
    targets, valid, scale = torch.tensor([1, 3, 3, 6, 2]), torch.ones(5), torch.tensor(5.0)
    log_q = -torch.rand(6, generator=g) * 3
    got, n = full_softmax(pred, items, targets, scale, valid, log_q)
    logits = F.normalize(pred, dim=-1) @ F.normalize(items, dim=-1).T * scale
    ref = 0.0
    for r, t in enumerate(targets.tolist()):
        row = [logits[r, c] - (0 if c == t - 1 else log_q[c]) for c in range(6)]
        ref += -row[t - 1] + torch.logsumexp(torch.stack(row), 0)
    assert got.item() == pytest.approx(ref.item(), rel=1e-5) and n.item() == 5
    plain, _ = full_softmax(pred, items, targets, scale, valid)
    assert got > plain + 1e-3  # log q < 0 raises every negative's logit
    assert full_softmax(pred, items, targets, scale, valid, torch.zeros(6))[0].item() == pytest.approx(plain.item())


def test_mixed_step_with_logq_trains_both_towers(setup):
    ds, mc, tokens, pad, core, batch = setup[:6]
    freq = losses.item_frequencies(batch, ds.n_items)
    core.zero_grad(set_to_none=True)
    loss_sum, count, _, _ = losses.step_loss(core, batch, setup[6], tokens, setup[7], torch.Generator().manual_seed(0),
                                             pad, "cpu", "mixed", None, freq)
    (loss_sum / count).backward()
    corrected = (loss_sum / count).item()
    grads = {n for n, p in core.named_parameters() if p.grad is not None and p.grad.abs().sum() > 0}
    assert any(n.startswith("item_llm") for n in grads) and any(n.startswith("user_llm") for n in grads)
    plain, _ = run_step(setup, "mixed")
    assert math.isfinite(corrected) and corrected > plain + 1e-3
