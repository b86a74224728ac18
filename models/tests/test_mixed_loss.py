"""The "mixed" loss (train.py --loss mixed) at tiny shapes: a softmax over every item the step
encodes, so with every catalogue item among the negatives it is the full softmax (loss and
gradients); with no uniform negatives (in-batch only) it scores exactly the batch's own items;
on the same negatives it is not the sampled loss."""
import pytest
import torch

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
        loss, bank_columns, full_max_items = "mixed", 16384, 100_000
    assert losses.loss_kind(Cfg, 50_000) == "mixed"
    assert losses.loss_kind(Cfg, 50_000, sasrec=True) == "mixed"
    Cfg.loss = "inbatch"
    with pytest.raises(SystemExit, match="sampled, mixed, full or bank"):
        losses.loss_kind(Cfg, 10)
