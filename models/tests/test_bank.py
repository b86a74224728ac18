"""The "bank" loss (train.py --loss bank) at tiny shapes: with the whole bank refreshed it is the
full softmax (loss and gradients); stale rows are constants that move the loss but carry no
gradient; the rotating refresh covers every row; under DDP both ranks hold the same bank; above
--bank-columns only the fresh rows and a uniform, logQ-corrected sample of the others are scored."""
import copy
import dataclasses
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
from model import HLLM, HLLMConfig, bank_logits, bank_softmax, full_softmax
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


def run_step(setup, kind, bank=None, negs=None, cfg=None):
    """One step's mean loss and every parameter's gradient."""
    ds, mc, tokens, pad, core, batch, default_negs, default_cfg = setup
    cfg = cfg or default_cfg
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


def test_bank_grad_inputs_gives_the_same_loss_and_item_gradient_through_the_histories_only(setup):
    cfg = setup[7]
    fresh_loss, fresh_g = run_step(setup, "bank", fresh_bank(setup))
    inputs_cfg = dataclasses.replace(cfg, bank_grad="inputs")
    inputs_loss, inputs_g = run_step(setup, "bank", fresh_bank(setup), cfg=inputs_cfg)
    assert inputs_loss == pytest.approx(fresh_loss, rel=1e-6)  # the same logits
    user = [k for k in fresh_g if not k.startswith("item_llm.")]
    for k in user:
        assert torch.allclose(inputs_g[k], fresh_g[k], atol=1e-6, rtol=1e-4), k
    item = [k for k in fresh_g if k.startswith("item_llm.")]
    # the Item LLM still learns (through the histories), but not through the candidates
    assert item and all(inputs_g[k].abs().sum() > 0 for k in item)
    assert any(not torch.allclose(inputs_g[k], fresh_g[k], atol=1e-6, rtol=1e-4) for k in item)
    with pytest.raises(SystemExit):
        losses.loss_kind(dataclasses.replace(cfg, loss="bank", bank_grad="targets"), 100)


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


def with_cap(cfg, cap):
    return dataclasses.replace(cfg, bank_columns=cap)


def fresh_rows_of(setup):
    """The bank rows run_step encodes with gradient: the batch's items and the negatives."""
    batch, negs = setup[5], setup[6]
    return torch.tensor(sorted({i for w in batch for i in w} | set(negs.tolist()))) - 1


def test_bank_columns_at_or_above_the_catalogue_change_nothing(setup):
    ds, cfg = setup[0], setup[7]
    before_loss, before_g = run_step(setup, "bank", fresh_bank(setup))  # default cap 16384 > the slice
    assert cfg.bank_columns > ds.n_items
    for cap in (ds.n_items, ds.n_items + 1, 10 ** 9):
        loss, g = run_step(setup, "bank", fresh_bank(setup), cfg=with_cap(cfg, cap))
        assert loss == before_loss
        assert g.keys() == before_g.keys() and all(torch.equal(g[k], before_g[k]) for k in g)
    gen = torch.Generator().manual_seed(3)
    state = gen.get_state()
    assert losses.bank_sample(ds.n_items, fresh_rows_of(setup), ds.n_items, gen) is None
    assert torch.equal(gen.get_state(), state)  # nothing drawn: the step's later draws are as before


def test_capped_bank_scores_the_fresh_rows_and_a_sample_only(setup):
    ds, cfg = setup[0], setup[7]
    fresh = fresh_rows_of(setup)
    cap = 20
    assert ds.n_items - len(fresh) > cap
    bank = fresh_bank(setup)
    loss, grads = run_step(setup, "bank", copy.deepcopy(bank), cfg=with_cap(cfg, cap))
    assert math.isfinite(loss) and all(torch.isfinite(g).all() for g in grads.values())
    # step_loss draws the sample first from its generator (run_step seeds it with 0)
    others = losses.bank_sample(ds.n_items, fresh, cap, torch.Generator().manual_seed(0))
    assert len(others) == cap == len(set(others.tolist())) and not set(others.tolist()) & set(fresh.tolist())
    # every row neither fresh nor sampled can be anything: it is never read
    unread = torch.ones(ds.n_items, dtype=torch.bool)
    unread[fresh], unread[others] = False, False
    poisoned = copy.deepcopy(bank)
    poisoned.emb[unread] = float("nan")
    same_loss, same_g = run_step(setup, "bank", poisoned, cfg=with_cap(cfg, cap))
    assert same_loss == loss and all(torch.equal(same_g[k], grads[k]) for k in grads)
    # ... while a sampled row is a negative like any other
    moved = copy.deepcopy(bank)
    moved.emb[others] = -moved.emb[others]
    assert run_step(setup, "bank", moved, cfg=with_cap(cfg, cap))[0] != loss


def test_capped_logits_are_fresh_plus_cap_columns_with_the_logq_correction():
    g = torch.Generator().manual_seed(0)
    V, D, cap = 40, 8, 6
    pred = torch.randn(5, D, generator=g, requires_grad=True)
    bank = torch.randn(V, D, generator=g)
    fresh_rows = torch.tensor([2, 7, 11, 30])
    fresh = torch.randn(4, D, generator=g, requires_grad=True)
    targets, valid, scale = torch.tensor([3, 8, 31, 12, 0]), torch.tensor([1.0, 1, 1, 1, 0]), torch.tensor(5.0)
    others = losses.bank_sample(V, fresh_rows, cap, g)
    logits, cols, keep = bank_logits(pred, bank, fresh_rows, fresh, targets, scale, valid, others)
    assert logits.shape == (4, len(fresh_rows) + cap)  # the cost: fresh + cap columns, not V
    assert cols.tolist() == [0, 1, 3, 2]               # each target's fresh column
    p = torch.nn.functional.normalize(pred[:4], dim=-1) * scale
    unit = torch.nn.functional.normalize
    assert torch.allclose(logits[:, :4], p @ unit(fresh, dim=-1).T, atol=1e-6)
    assert torch.allclose(logits[:, 4:], p @ unit(bank[others], dim=-1).T + math.log((V - 4) / cap), atol=1e-6)
    # the correction makes the sampled exponentials an unbiased estimate of the whole bank's
    with torch.no_grad():
        s = p[0] @ unit(bank, dim=-1).T
        rest = torch.ones(V, dtype=torch.bool)
        rest[fresh_rows] = False
        whole = s[rest].exp().sum()
        draws = [logits_row_sum(pred[0], scale, bank, fresh_rows, fresh, cap, torch.Generator().manual_seed(i))
                 for i in range(3000)]
        assert sum(draws) / len(draws) == pytest.approx(whole.item(), rel=0.02)
    # a target that is not a fresh row has no column
    with pytest.raises(ValueError):
        bank_logits(pred, bank, fresh_rows, fresh, torch.tensor([5, 8, 31, 12, 0]), scale, valid, others)


def logits_row_sum(pred_row, scale, bank, fresh_rows, fresh, cap, gen):
    """One sampled estimate of the sum of exponentials of one position's non-fresh logits."""
    others = losses.bank_sample(bank.shape[0], fresh_rows, cap, gen)
    logits, _, _ = bank_logits(pred_row[None], bank, fresh_rows, fresh, torch.tensor([fresh_rows[0] + 1]),
                               scale, torch.ones(1), others)
    return logits[0, len(fresh_rows):].exp().sum().item()


def test_cap_of_every_other_row_gives_the_uncapped_loss(setup):
    g = torch.Generator().manual_seed(1)
    V, D = 30, 8
    pred = torch.randn(6, D, generator=g, requires_grad=True)
    bank = torch.randn(V, D, generator=g)
    fresh_rows = torch.tensor([0, 3, 6, 9, 20])
    fresh = torch.randn(5, D, generator=g, requires_grad=True)
    targets, valid, scale = torch.tensor([1, 4, 4, 10, 21, 0]), torch.tensor([1.0] * 5 + [0.0]), torch.tensor(7.0)
    whole, n = bank_softmax(pred, bank, fresh_rows, fresh, targets, scale, valid)
    w_pred, w_fresh = torch.autograd.grad(whole / n, [pred, fresh])
    rest = torch.tensor([r for r in range(V) if r not in fresh_rows.tolist()])
    others = rest[torch.randperm(len(rest), generator=g)]   # all N - k of them, in any order: log 1 = 0
    capped, n2 = bank_softmax(pred, bank, fresh_rows, fresh, targets, scale, valid, others)
    c_pred, c_fresh = torch.autograd.grad(capped / n2, [pred, fresh])
    assert capped.item() == pytest.approx(whole.item(), rel=1e-6)
    assert torch.allclose(c_pred, w_pred, atol=1e-6) and torch.allclose(c_fresh, w_fresh, atol=1e-6)
    # in a training step a cap of N - k is no cap at all: the exact loss of the whole bank
    ds, cfg = setup[0], setup[7]
    k = len(fresh_rows_of(setup))
    assert losses.bank_sample(ds.n_items, fresh_rows_of(setup), ds.n_items - k, torch.Generator()) is None
    assert run_step(setup, "bank", fresh_bank(setup), cfg=with_cap(cfg, ds.n_items - k))[0] == \
        run_step(setup, "bank", fresh_bank(setup))[0]


def test_bank_sample_is_uniform_and_the_same_draw_on_every_rank():
    n, cap = 12, 4
    fresh_a, fresh_b = torch.tensor([0, 1, 2]), torch.tensor([2, 5])   # two ranks' fresh rows
    counts = torch.zeros(n)
    for seed in range(3000):
        ga, gb = torch.Generator().manual_seed(seed), torch.Generator().manual_seed(seed)
        a, b = losses.bank_sample(n, fresh_a, cap, ga), losses.bank_sample(n, fresh_b, cap, gb)
        assert len(a) == len(b) == cap and not set(a.tolist()) & {0, 1, 2} and not set(b.tolist()) & {2, 5}
        # one permutation on both ranks: the rows fresh on neither come in the same order, and the
        # generators stay in step for the rest of the step's draws
        both = [r for r in a.tolist() if r in b.tolist()]
        assert both == [r for r in b.tolist() if r in a.tolist()]
        assert torch.equal(ga.get_state(), gb.get_state())
        counts[a] += 1
    share = counts[3:] / 3000                                 # each of the 9 others: 4 / 9
    assert counts[:3].sum() == 0 and torch.allclose(share, torch.full_like(share, cap / 9), atol=0.04)


def test_bank_columns_must_be_positive():
    with pytest.raises(SystemExit):
        losses.loss_kind(train.TrainConfig(loss="bank", bank_columns=0), 100)


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
            "--threads", "1", "--bank-refresh", "101"]


# --bank-weight: the sampled loss keeps the same bank beside it (test_bank_weight.py)
@pytest.mark.parametrize("loss", [["--loss", "bank"], ["--loss", "sampled", "--bank-weight", "1"]])
def test_ddp_ranks_hold_the_same_bank(slice_data, tmp_path, loss):
    torchrun = shutil.which("torchrun") or "torchrun"
    res = subprocess.run([torchrun, "--standalone", "--nproc_per_node", "2", "--redirects", "1", "--tee", "1",
                          "models/train.py", "--data", str(slice_data), "--out", str(tmp_path / "two"), *DDP_ARGS, *loss],
                         capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 0, res.stderr[-3000:]
    assert "world 2" in res.stdout and f"loss {loss[1]}" in res.stdout
    digests = {}
    for line in res.stdout.splitlines():
        if " bank sha256 " in line:
            rank, digest = line.split("rank ")[1].split(" bank sha256 ")
            digests[int(rank)] = digest.strip()
    assert set(digests) == {0, 1}, res.stdout[-3000:]
    assert digests[0] == digests[1]
    ck = torch.load(tmp_path / "two" / "checkpoint.pt")
    assert ck["train_config"]["loss"] == loss[1] and ck["train_config"]["bank_refresh"] == 101


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
