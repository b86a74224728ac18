"""Model invariants at tiny shapes: padding, causality, GQA, loss, quantisation."""
import math

import numpy as np
import torch

from model import HLLM, HLLMConfig, info_nce
from quantize import _q4_blocks, _q8_columns

C = HLLMConfig(vocab_size=50, dim=32, item_layers=2, user_layers=2, n_heads=4, n_kv_heads=2, ffn_dim=64, dropout=0.0)


def model():
    torch.manual_seed(0)
    return HLLM(C).eval()


def test_left_padding_does_not_change_item_embedding():
    m = model()
    ids = torch.tensor([[2, 7, 8, 9, 3]])
    padded = torch.tensor([[0, 0, 0, 2, 7, 8, 9, 3]])
    a = m.item_llm(ids, torch.ones_like(ids))
    b = m.item_llm(padded, (padded != 0).long())
    assert torch.allclose(a, b, atol=1e-5)


def test_user_llm_is_causal():
    m = model()
    x = torch.randn(1, 6, C.dim)
    y = x.clone(); y[0, 4:] += 1.0
    mask = torch.ones(1, 6, dtype=torch.long)
    a, b = m.user_llm(x, mask), m.user_llm(y, mask)
    assert torch.allclose(a[0, :4], b[0, :4], atol=1e-5)
    assert not torch.allclose(a[0, 4:], b[0, 4:], atol=1e-3)


def test_info_nce_drops_duplicate_negatives():
    pred = torch.tensor([[1.0, 0.0]])
    pos = torch.tensor([[1.0, 0.0]])
    ids = torch.tensor([5])
    dup = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    loss, n = info_nce(pred, pos, dup, ids, torch.tensor([5, 6]), 10.0, torch.ones(1))
    # only the orthogonal negative remains: loss = log(1 + e^-10)
    assert n.item() == 1 and math.isclose(loss.item(), math.log1p(math.exp(-10)), rel_tol=1e-3)


def test_logit_scale_is_clamped():
    m = model()
    with torch.no_grad():
        m.logit_scale.fill_(10.0)
    assert math.isclose(m.scale().item(), 100.0, rel_tol=1e-5)


def test_q4_and_q8_round_trip():
    rng = np.random.default_rng(0)
    w = rng.standard_normal((72, 16)).astype(np.float32)   # K=72 is not a multiple of 32
    packed, scale = _q4_blocks(w)
    n_blocks = packed.shape[1]
    lo, hi = packed & 0x0F, packed >> 4
    q = np.stack([lo, hi], axis=-1).reshape(16, n_blocks, 32).astype(np.float32) - 8
    deq = (q * scale.reshape(16, n_blocks, 1)).reshape(16, -1)[:, :72].T
    # never worse, block by block, than the plain absmax/7 rounding it improves on
    naive_s = np.abs(w.T.reshape(16, -1)[:, :64].reshape(16, 2, 32)).max(axis=2) / 7
    naive = np.clip(np.round(w.T[:, :64].reshape(16, 2, 32) / naive_s[:, :, None]), -7, 7) * naive_s[:, :, None]
    err = ((deq.T[:, :64].reshape(16, 2, 32) - w.T[:, :64].reshape(16, 2, 32)) ** 2).sum(axis=2)
    naive_err = ((naive - w.T[:, :64].reshape(16, 2, 32)) ** 2).sum(axis=2)
    assert (err <= naive_err + 1e-9).all() and err.sum() < naive_err.sum()
    assert np.abs(deq - w).max() <= np.abs(w).max() / 7 + 1e-6
    q8, s8 = _q8_columns(w)
    assert np.abs(q8 * s8 - w).max() <= s8.max() / 2 + 1e-6
