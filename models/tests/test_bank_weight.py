"""train.py --bank-weight at tiny shapes: the sampled InfoNCE plus the weighted whole-bank softmax
with every candidate a constant, so its loss and gradients are the sum of the two losses' own; the
fresh rows are written back; the flag is refused where it has no meaning."""
import dataclasses

import pytest
import torch

import losses
import test_bank
from test_bank import fresh_bank, run_step

setup = test_bank.setup  # the bank tests' fixture: the same tiny model, batch and negatives


def test_loss_and_gradients_are_sampled_plus_the_weighted_bank(setup):
    cfg, w = setup[7], 0.5
    sampled_loss, sampled_g = run_step(setup, "sampled")
    bank_loss, bank_g = run_step(setup, "bank", fresh_bank(setup), cfg=dataclasses.replace(cfg, bank_grad="inputs"))
    both_loss, both_g = run_step(setup, "sampled", fresh_bank(setup), cfg=dataclasses.replace(cfg, bank_weight=w))
    assert both_loss == pytest.approx(sampled_loss + w * bank_loss, rel=1e-5)
    assert bank_g.keys() <= both_g.keys()
    item_only = [n for n in sampled_g if n.startswith("item_llm")]
    assert item_only  # the item tower gets the sampled loss's gradient through the candidates
    for name, g in both_g.items():
        expected = sampled_g.get(name, torch.zeros_like(g)) + w * bank_g.get(name, torch.zeros_like(g))
        assert torch.allclose(g, expected, atol=1e-5), name


def test_the_fresh_rows_are_written_back(setup):
    ds, mc, tokens, pad, core, batch, negs, cfg = setup
    bank = losses.Bank(ds.n_items, mc.dim, 1)  # empty: only what the step writes is nonzero
    run_step(setup, "sampled", bank, cfg=dataclasses.replace(cfg, bank_weight=1.0))
    written = set((bank.emb.abs().sum(1) > 0).nonzero().flatten().add(1).tolist())
    assert written == {i for w in batch for i in w} | set(negs.tolist())


def test_the_flag_is_refused_where_it_has_no_meaning(setup):
    cfg = setup[7]
    assert losses.loss_kind(dataclasses.replace(cfg, loss="sampled", bank_weight=1.0), 100) == "sampled"
    for bad, sasrec in [(dataclasses.replace(cfg, loss="mixed", bank_weight=1.0), False),
                        (dataclasses.replace(cfg, loss="sampled", bank_weight=1.0), True),
                        (dataclasses.replace(cfg, loss="sampled", bank_weight=-1.0), False)]:
        with pytest.raises(SystemExit, match="--bank-weight"):
            losses.loss_kind(bad, 100, sasrec)
