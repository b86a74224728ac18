"""The "bank" loss (train.py --loss bank) at tiny shapes: with the whole bank refreshed it is the
full softmax (loss and gradients); stale rows are constants that move the loss but carry no
gradient; the rotating refresh covers every row; under DDP both ranks hold the same bank."""
import copy
import math
import shutil
import subprocess
import sys

import pytest
import torch

import dataset as datasets
import losses
import train
from conftest import ROOT
from model import HLLM, HLLMConfig, bank_softmax, full_softmax
from tokenizer import PAD, train_wordpiece


@pytest.fixture(scope="module")
def setup(slice_data):
    mc = HLLMConfig(vocab_size=400, dim=16, item_layers=1, user_layers=1, n_heads=2, n_kv_heads=2, ffn_dim=32,
                    max_text_tokens=12, max_history=10, dropout=0.0)
    ds = datasets.load(slice_data)
    tok = train_wordpiece([datasets.item_text(it, ds.text_fields) for it in ds.items[1:]], mc.vocab_size, 1)
    mc.vocab_size = len(tok.vocab)
    tokens = train.build_tokens(ds, mc, tok, "")
    torch.manual_seed(0)
    core = HLLM(mc)
    batch = train.training_windows(ds.split("train"), mc.max_history)[:4]
    negs = torch.randint(1, ds.n_items + 1, (16,), generator=torch.Generator().manual_seed(1))
    cfg = train.TrainConfig(n_negatives=16, aux_weight=0.0)
    return ds, mc, tokens, tok.vocab[PAD], core, batch, negs, cfg


def run_step(setup, kind, bank=None, negs=None):
    """One step's mean loss and every parameter's gradient."""
    ds, mc, tokens, pad, core, batch, default_negs, cfg = setup
    core.zero_grad(set_to_none=True)
    loss_sum, count, _, _ = losses.step_loss(core, batch, default_negs if negs is None else negs, tokens, cfg,
                                            torch.Generator().manual_seed(0), pad, "cpu", kind, bank)
    loss = loss_sum / count
    loss.backward()
    return loss.item(), {n: p.grad.clone() for n, p in core.named_parameters() if p.grad is not None}


def fresh_bank(setup, per_step=None):
    ds, mc, tokens, pad, core = setup[:5]
    bank = losses.Bank(ds.n_items, mc.dim, per_step or ds.n_items)
    bank.refresh(core, tokens, pad, step=0)
    return bank


def test_bank_softmax_is_full_softmax_when_the_bank_is_current():
    g = torch.Generator().manual_seed(0)
    pred = torch.randn(6, 8, generator=g, requires_grad=True)
    items = torch.randn(10, 8, generator=g, requires_grad=True)
    targets, valid, scale = torch.tensor([1, 4, 4, 10, 7, 0]), torch.tensor([1.0] * 5 + [0.0]), torch.tensor(7.0)
    full, n = full_softmax(pred, items, targets, scale, valid)
    g_pred, g_items = torch.autograd.grad(full / n, [pred, items])
    rows = torch.tensor([0, 3, 6, 9])              # the targets' rows: fresh, with gradient
    fresh = items.detach()[rows].clone().requires_grad_(True)
    bank = items.detach().clone()
    assert not bank.requires_grad
    loss, n2 = bank_softmax(pred, bank, rows, fresh, targets, scale, valid)
    b_pred, b_fresh = torch.autograd.grad(loss / n2, [pred, fresh])
    assert loss.item() == pytest.approx(full.item(), rel=1e-6)
    assert torch.allclose(b_pred, g_pred, atol=1e-7)
    assert torch.allclose(b_fresh, g_items[rows], atol=1e-7)


def test_whole_bank_refreshed_gives_the_full_loss_and_its_gradients(setup):
    ds = setup[0]
    full_loss, full_g = run_step(setup, "full")
    bank = fresh_bank(setup)
    assert bank.rows(0) == list(range(ds.n_items))  # bank_refresh >= items: every row, every step
    bank_loss, bank_g = run_step(setup, "bank", bank)
    assert bank_loss == pytest.approx(full_loss, rel=1e-5)
    # the user side and the temperature see the same logits, so the same gradient
    user = [k for k in full_g if not k.startswith("item_llm.")]
    assert user and "logit_scale" in user
    for k in user:
        assert torch.allclose(bank_g[k], full_g[k], atol=1e-6, rtol=1e-4), k
    # the Item LLM's gradient comes through the freshly encoded rows only; when they are the
    # whole catalogue (every item a negative), every parameter's gradient is the full softmax's
    every = torch.arange(1, ds.n_items + 1)
    full_loss, full_g = run_step(setup, "full", negs=every)
    bank_loss, bank_g = run_step(setup, "bank", fresh_bank(setup), negs=every)
    assert bank_loss == pytest.approx(full_loss, rel=1e-5)
    assert set(bank_g) == set(full_g) and any(k.startswith("item_llm.") for k in full_g)
    for k in full_g:
        assert torch.allclose(bank_g[k], full_g[k], atol=1e-6, rtol=1e-4), k


def test_stale_rows_are_constants_without_gradient(setup):
    ds, mc, tokens, pad, core, batch, negs, cfg = setup
    stale = fresh_bank(setup)
    # the weights move on; the bank keeps the old embeddings
    saved = copy.deepcopy(core.state_dict())
    with torch.no_grad():
        for p in core.item_llm.parameters():
            p.add_(torch.randn_like(p) * 0.05)
    try:
        fresh_items = sorted({i for w in batch for i in w} | set(negs.tolist()))
        stale_row = next(r for r in range(ds.n_items) if r + 1 not in fresh_items)
        b = copy.deepcopy(stale)
        loss, grads = run_step(setup, "bank", b)
        assert math.isfinite(loss) and all(torch.isfinite(g).all() for g in grads.values())
        assert not b.emb.requires_grad and b.emb.grad is None
        # the fresh rows were written back, detached, with the current weights' embeddings
        with torch.no_grad():
            now = losses.encode_items(core, tokens, fresh_items, pad)
        assert torch.allclose(b.emb[torch.tensor(fresh_items) - 1], now, atol=1e-5)
        assert torch.equal(b.emb[stale_row], stale.emb[stale_row])
        # stale rows are negatives like any other: changing them changes the loss ...
        stale_rows = torch.tensor([r for r in range(ds.n_items) if r + 1 not in fresh_items])
        moved = copy.deepcopy(stale)
        moved.emb[stale_rows] = now[0]           # every stale row now looks like a fresh item
        assert abs(run_step(setup, "bank", moved)[0] - loss) > 1e-3
        # ... while a freshly encoded item's bank row is never read: its fresh embedding replaces it
        ignored = copy.deepcopy(stale)
        ignored.emb[fresh_items[0] - 1] = 123.0
        same_loss, same_g = run_step(setup, "bank", ignored)
        assert same_loss == loss
        for k in grads:
            assert torch.equal(same_g[k], grads[k]), k
    finally:
        core.load_state_dict(saved)
    # the bank is a plain tensor: no gradient path reaches it
    pred = torch.randn(3, mc.dim, requires_grad=True)
    fresh = torch.randn(2, mc.dim, requires_grad=True)
    out, _ = bank_softmax(pred, stale.emb, torch.tensor([0, 5]), fresh, torch.tensor([1, 6, 9]), torch.tensor(5.0),
                          torch.ones(3))
    out.backward()
    assert stale.emb.grad is None and pred.grad is not None and fresh.grad is not None


@pytest.mark.parametrize("n,per_step", [(10, 3), (12, 4), (7, 7), (5, 9), (3650, 1024)])
def test_rotating_refresh_covers_every_row_in_ceil_n_over_k_steps(n, per_step):
    bank = losses.Bank(n, 4, per_step)
    steps = math.ceil(n / per_step)
    seen = set()
    for s in range(steps):
        rows = bank.rows(s)
        assert len(rows) == min(per_step, n) == len(set(rows))
        seen |= set(rows)
    assert seen == set(range(n))
    if steps > 1:
        assert set().union(*(bank.rows(s) for s in range(steps - 1))) != set(range(n))


def test_refresh_reencodes_its_slice_with_the_current_weights(setup):
    ds, mc, tokens, pad, core = setup[:5]
    bank = losses.Bank(ds.n_items, mc.dim, 50)
    bank.refresh(core, tokens, pad, step=3)
    rows = bank.rows(3)
    assert rows[0] == 150
    with torch.no_grad():
        want = losses.encode_items(core, tokens, [r + 1 for r in rows], pad)
    assert torch.allclose(bank.emb[torch.tensor(rows)], want, atol=1e-6)
    untouched = sorted(set(range(ds.n_items)) - set(rows))
    assert bank.emb[torch.tensor(untouched)].abs().sum() == 0


def test_loss_kind_bank():
    cfg = train.TrainConfig(loss="bank", full_max_items=100)
    assert losses.loss_kind(cfg, 100) == "bank"
    assert losses.loss_kind(cfg, 101) == "sampled"          # the logit matrix is full's
    assert losses.loss_kind(cfg, 100, sasrec=True) == "full"  # no Item LLM to save


DDP_ARGS = ["--m-dim", "32", "--m-item-layers", "1", "--m-user-layers", "1", "--m-n-heads", "2",
            "--m-n-kv-heads", "2", "--m-ffn-dim", "64", "--m-max-text-tokens", "16", "--m-max-history", "10",
            "--batch-users", "8", "--n-negatives", "32", "--max-steps", "5", "--eval-every", "100",
            "--threads", "1", "--loss", "bank", "--bank-refresh", "101"]


def test_ddp_ranks_hold_the_same_bank(slice_data, tmp_path):
    torchrun = shutil.which("torchrun") or "torchrun"
    res = subprocess.run([torchrun, "--standalone", "--nproc_per_node", "2", "--redirects", "1", "--tee", "1",
                          "models/train.py", "--data", str(slice_data), "--out", str(tmp_path / "two"), *DDP_ARGS],
                         capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 0, res.stderr[-3000:]
    assert "world 2" in res.stdout and "loss bank" in res.stdout
    digests = {}
    for line in res.stdout.splitlines():
        if " bank sha256 " in line:
            rank, digest = line.split("rank ")[1].split(" bank sha256 ")
            digests[int(rank)] = digest.strip()
    assert set(digests) == {0, 1}, res.stdout[-3000:]
    assert digests[0] == digests[1]
    ck = torch.load(tmp_path / "two" / "checkpoint.pt")
    assert ck["train_config"]["loss"] == "bank" and ck["train_config"]["bank_refresh"] == 101


def test_synthetic_catalogue_has_every_item(tmp_path):
    """models/data/synthetic/prepare.py (the 100k-item timing catalogue) at a tiny size."""
    run_out = tmp_path / "syn"
    res = subprocess.run([sys.executable, "models/data/synthetic/prepare.py", "--items", "50", "--users", "10", "--per-user", "6",
                          "--vocab", "200", "--topics", "4", "--out", str(run_out)],
                         capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 0, res.stderr
    ds = datasets.load(str(run_out))
    assert ds.n_items == 50 and len(ds.users) == 10 and all(len(s) == 6 for s in ds.seqs)
    assert ds.text_fields == ["title", "genres"] and all(it["title"] for it in ds.items[1:])
