"""HLLM: an Item LLM and a User LLM, both Llama-family causal transformers, and SASRec.

One file, in the manner of nanoGPT. The blocks follow Hugging Face's Llama layout (RMSNorm,
SwiGLU, rotary embeddings with `rotate_half`, optional grouped-query attention and QKV bias)
so real checkpoints (TinyLlama, SmolLM, Qwen2) load into the same modules by name.

Padding is on the left and position ids come from the mask (cumsum - 1), inside the module, so
the exported ONNX graphs give the same answer for a row however much padding it carries.
"""
import math
from dataclasses import dataclass, asdict

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class HLLMConfig:
    vocab_size: int = 12000      # WordPiece vocabulary cap; small keeps the q4 item model small
    dim: int = 64                # hidden size of both LLMs; equal, so no projection between them
    item_layers: int = 2
    user_layers: int = 2
    n_heads: int = 4
    n_kv_heads: int = 4          # < n_heads for grouped-query attention (TinyLlama uses 4 of 32)
    ffn_dim: int = 192           # SwiGLU width; a multiple of 32 so q4 blocks never straddle rows
    rope_theta: float = 10000.0
    norm_eps: float = 1e-6
    qkv_bias: bool = False       # Qwen2-style checkpoints have biases on q, k and v
    dropout: float = 0.1         # User LLM and item-ID embeddings
    item_dropout: float = 0.0    # Item LLM: the auxiliary loss regularises it, and dropout costs
                                 # a sixth of a CPU training step
    max_text_tokens: int = 32    # BOS + text tokens; the item token comes on top. Titles and
                                 # genres fit; long tag lists are cut
    max_history: int = 50        # items the User LLM reads
    n_items: int = 0             # SASRec only: size of the item-ID table (0 = HLLM)

    def to_dict(self):
        return asdict(self)


CONFIG_HELP = {  # train.py's --m-* flags: what each field does; the comments above give the reasons
    "vocab_size": "WordPiece vocabulary cap (a trained tokenizer's actual size replaces it)",
    "dim": "hidden size of both LLMs",
    "item_layers": "Item LLM decoder layers",
    "user_layers": "User LLM decoder layers",
    "n_heads": "attention heads",
    "n_kv_heads": "key/value heads; fewer than n_heads for grouped-query attention",
    "ffn_dim": "SwiGLU hidden width",
    "rope_theta": "rotary embedding base",
    "norm_eps": "RMSNorm epsilon",
    "qkv_bias": "biases on the q, k and v projections (1, true or yes turns them on)",
    "dropout": "dropout of the User LLM and of the item embeddings it reads",
    "item_dropout": "dropout of the Item LLM",
    "max_text_tokens": "BOS + text tokens per item, longer texts cut; the item token comes on top",
    "max_history": "items the User LLM reads (training windows hold max_history + 1)",
    "n_items": "SASRec only: size of the item-ID table (0 = HLLM)",
}


class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return self.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))


def positions_from_mask(mask):
    """Left padding: real tokens count 0, 1, 2 …; padding sits at 0 and is masked anyway."""
    return (torch.cumsum(mask, dim=1) - 1).clamp(min=0)


def rope_tables(pos, head_dim, theta):
    """cos and sin [B, 1, T, head_dim] of HF Llama's rotary embedding at positions `pos` [B, T].
    Computed once per forward and shared by every layer: exported per layer (and for q and k
    apart), the same arithmetic was a fifth of the ONNX graph's nodes, each run at every step."""
    half = head_dim // 2
    inv_freq = torch.tensor([1.0 / theta ** (i / half) for i in range(half)], dtype=torch.float32, device=pos.device)
    freqs = pos.to(torch.float32)[:, None, :, None] * inv_freq  # B,1,T,half
    freqs = torch.cat([freqs, freqs], dim=-1)
    return torch.cos(freqs), torch.sin(freqs)


def rotate_half_matrix(head_dim, device=None):
    """R with x @ R == cat([-x2, x1]) (HF's rotate_half): one MatMul with exact 0/±1 entries
    instead of two Slices, a Neg and a Concat per tensor in the exported graph."""
    half = head_dim // 2
    r = torch.zeros(head_dim, head_dim, device=device)
    r[torch.arange(half) + half, torch.arange(half)] = -1.0
    r[torch.arange(half), torch.arange(half) + half] = 1.0
    return r


def rope(x, rot):
    """Rotary embedding in HF Llama's convention (halves, not interleaved pairs); rot = (cos, sin, R)."""
    cos, sin, r = rot
    return x * cos + (x @ r) * sin


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.n_heads, self.n_kv, self.head_dim = c.n_heads, c.n_kv_heads, c.dim // c.n_heads
        self.q_proj = nn.Linear(c.dim, c.n_heads * self.head_dim, bias=c.qkv_bias)
        self.k_proj = nn.Linear(c.dim, c.n_kv_heads * self.head_dim, bias=c.qkv_bias)
        self.v_proj = nn.Linear(c.dim, c.n_kv_heads * self.head_dim, bias=c.qkv_bias)
        self.o_proj = nn.Linear(c.n_heads * self.head_dim, c.dim, bias=False)

    def forward(self, x, rot, bias, past=None):
        """rot: rope's (cos, sin, R) of these positions; bias [B, 1, 1, T, P + T]: 0 where a query
        may attend, -1e9 elsewhere. `past`: this layer's cached (keys, values) [B, n_kv, P, hd],
        keys already rotated at their positions. Returns the output and the (keys, values) over
        past + these T positions."""
        B, T, _ = x.shape
        q = self.q_proj(x).view(B, T, self.n_heads, self.head_dim).transpose(1, 2)
        k = self.k_proj(x).view(B, T, self.n_kv, self.head_dim).transpose(1, 2)
        v = self.v_proj(x).view(B, T, self.n_kv, self.head_dim).transpose(1, 2)
        q, k = rope(q, rot), rope(k, rot)
        if past is not None:
            k, v = torch.cat([past[0], k], dim=2), torch.cat([past[1], v], dim=2)
        present = (k, v)  # GQA: cached with n_kv heads
        # GQA as HF's repeat_kv (query head j reads kv head j // rep) by broadcasting: queries
        # grouped [B, n_kv, rep, T, hd] against keys [B, n_kv, 1, L, hd], so no copy of the cache
        # and no shape arithmetic on L (torch 1.13 exported repeat_interleave with the tracing
        # batch size baked in; expand + reshape cost a dozen shape nodes per layer)
        rep = self.n_heads // self.n_kv
        q = q.reshape(B, self.n_kv, rep, T, self.head_dim) * (1.0 / math.sqrt(self.head_dim))
        att = q @ k[:, :, None].transpose(-2, -1) + bias
        att = F.softmax(att, dim=-1)  # no attention dropout, as in Llama: it costs more than it helps here
        y = (att @ v[:, :, None]).reshape(B, self.n_heads, T, self.head_dim)
        return self.o_proj(y.transpose(1, 2).reshape(B, T, self.n_heads * self.head_dim)), present


class MLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.gate_proj = nn.Linear(c.dim, c.ffn_dim, bias=False)
        self.up_proj = nn.Linear(c.dim, c.ffn_dim, bias=False)
        self.down_proj = nn.Linear(c.ffn_dim, c.dim, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Block(nn.Module):
    def __init__(self, c, dropout):
        super().__init__()
        self.input_layernorm = RMSNorm(c.dim, c.norm_eps)
        self.self_attn = Attention(c)
        self.post_attention_layernorm = RMSNorm(c.dim, c.norm_eps)
        self.mlp = MLP(c)
        self.drop = nn.Dropout(dropout)

    def forward(self, x, rot, bias, past=None):
        a, present = self.self_attn(self.input_layernorm(x), rot, bias, past)
        x = x + self.drop(a)
        return x + self.drop(self.mlp(self.post_attention_layernorm(x))), present


class Decoder(nn.Module):
    """A Llama decoder without word embeddings: inputs_embeds in, final-norm states out."""

    def __init__(self, c, n_layers, dropout):
        super().__init__()
        self.layers = nn.ModuleList([Block(c, dropout) for _ in range(n_layers)])
        self.norm = RMSNorm(c.dim, c.norm_eps)
        self.head_dim, self.theta = c.dim // c.n_heads, c.rope_theta

    def forward(self, x, mask):
        return self.forward_cached(x, mask)[0]

    def forward_cached(self, x, mask, past=None):
        """x: [B, T, D], the newest T positions; mask: [B, P + T] over the cached P and these T.
        Returns the final-norm states of the T positions and every layer's (keys, values) over
        P + T: feeding them back as `past` with the next positions gives what one run over the
        whole sequence gives (positions and causality are counted over P + T)."""
        T, L = x.shape[1], mask.shape[1]
        q_idx = torch.arange(T, device=x.device) + (L - T)
        k_idx = torch.arange(L, device=x.device)
        causal = k_idx[None, :] <= q_idx[:, None]                 # built from arange: no Trilu
        allowed = causal[None, None] & (mask[:, None, None, :] > 0)
        # a padded query sees itself, so softmax never meets an all-masked row (NaN)
        allowed = allowed | (k_idx[None, :] == q_idx[:, None])[None, None]
        # additive, made once for every layer (a masked_fill per layer was a Not and a Where each);
        # [B, 1, 1, T, L] for the grouped queries [B, n_kv, rep, T, hd]
        bias = torch.zeros(allowed.shape, dtype=x.dtype, device=x.device).masked_fill(~allowed, -1e9)[:, :, None]
        pos = positions_from_mask(mask)[:, L - T:]
        cos, sin = rope_tables(pos, self.head_dim, self.theta)
        rot = (cos, sin, rotate_half_matrix(self.head_dim, x.device))
        presents = []
        for i, layer in enumerate(self.layers):
            x, present = layer(x, rot, bias, None if past is None else past[i])
            presents.append(present)
        return self.norm(x), presents


class ItemLLM(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embed_tokens = nn.Embedding(c.vocab_size, c.dim)
        self.model = Decoder(c, c.item_layers, c.item_dropout)

    def forward(self, input_ids, mask):
        """[B, T] left-padded ids ending in the item token -> [B, D] item embeddings."""
        return self.model(self.embed_tokens(input_ids), mask)[:, -1]


class UserLLM(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.model = Decoder(c, c.user_layers, c.dropout)

    def forward(self, item_embs, mask):
        """[B, S, D] item embeddings (left-padded) -> [B, S, D] next-item predictions."""
        return self.model(item_embs, mask)


class HLLM(nn.Module):
    """Item LLM + User LLM + learnable temperature; `n_items > 0` makes it SASRec instead.

    SASRec shares everything but the item tower: an item-ID embedding table replaces the Item
    LLM, so the comparison isolates what text understanding adds.
    """

    def __init__(self, c):
        super().__init__()
        self.config = c
        if c.n_items:
            self.item_table = nn.Embedding(c.n_items + 1, c.dim, padding_idx=0)
            nn.init.normal_(self.item_table.weight, std=0.02)
            self.item_llm = None
        else:
            self.item_llm = ItemLLM(c)
        self.user_llm = UserLLM(c)
        self.emb_drop = nn.Dropout(c.dropout)
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))
        self.apply(self._init)

    @staticmethod
    def _init(m):
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, std=0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Embedding):
            nn.init.normal_(m.weight, std=0.02)

    @property
    def is_sasrec(self):
        return self.item_llm is None

    def scale(self):
        return self.logit_scale.clamp(0, math.log(100)).exp()

    def encode_items(self, input_ids, mask):
        return self.item_llm(input_ids, mask)

    def encode_users(self, item_embs, mask):
        return self.user_llm(self.emb_drop(item_embs), mask)


def info_nce(pred, pos, neg, pos_ids, neg_ids, scale, valid):
    """HLLM's generative loss at every position.

    pred [N, D] user-side predictions, pos [N, D] the next items, neg [M, D] negatives shared
    across the batch. A negative is dropped for a row when it is the positive itself or a
    near-duplicate of it (cosine > 0.99). Returns (sum of losses, number of rows).
    """
    pred, pos, neg = F.normalize(pred, dim=-1), F.normalize(pos, dim=-1), F.normalize(neg, dim=-1)
    pos_logit = (pred * pos).sum(-1, keepdim=True)
    neg_logit = pred @ neg.T
    dup = (pos @ neg.T > 0.99) | (pos_ids[:, None] == neg_ids[None, :])
    neg_logit = neg_logit.masked_fill(dup, -1e4)  # scaled below; exp() underflows to zero
    logits = torch.cat([pos_logit, neg_logit], dim=1) * scale
    loss = F.cross_entropy(logits, torch.zeros(len(pred), dtype=torch.long, device=pred.device),
                           reduction="none")
    return (loss * valid).sum(), valid.sum()


def full_softmax(pred, items, targets, scale, valid, log_q=None):
    """Cross-entropy over every catalogue item at every position (SASRec's strong variant,
    Klenitskiy & Vasilev 2023), on the same scaled cosine the engine ranks by.

    pred [N, D] predictions, items [V, D] the whole catalogue (row i is item id i + 1; the
    padding row is left out), targets [N] item ids in 1..V, valid [N] 0/1 for padded positions.
    log_q [V] (train.py's "mixed" with --logq): each column's log probability of being among the
    scored items; it is subtracted from every logit but the row's own target's (the logQ
    correction of a sampled softmax: the target is always scored, the others stand for the items
    left out). Returns (sum of losses, number of rows), like info_nce.
    """
    keep = valid > 0  # padded positions cost a row of logits each and add nothing: left out
    logits = F.normalize(pred[keep], dim=-1) @ F.normalize(items, dim=-1).T * scale
    rows = (targets[keep] - 1).clamp(min=0)
    if log_q is not None:
        logits = (logits - log_q).scatter_add(1, rows[:, None], log_q[rows][:, None])
    loss = F.cross_entropy(logits, rows, reduction="none")
    return (loss * valid[keep]).sum(), valid.sum()


def bank_softmax(pred, bank, fresh_rows, fresh, targets, scale, valid, others=None):
    """full_softmax over a bank of catalogue embeddings held without gradient (train.py's
    "bank" loss): the items encoded this step with gradient (`fresh` [F, D], at bank rows
    `fresh_rows` [F]) replace their bank rows, so the Item LLM's gradient comes through them
    only; every other row is a constant, possibly a few steps stale.

    bank [V, D] (row i is item id i + 1, no gradient); the rest as full_softmax. With a bank
    encoded by the current weights it gives full_softmax's loss, and its gradient for `pred`
    and for every fresh row. `others` (train.py --bank-columns) scores only a sample of the
    bank: bank_logits says how. Returns (sum of losses, number of rows), like full_softmax.
    """
    logits, cols, keep = bank_logits(pred, bank, fresh_rows, fresh, targets, scale, valid, others)
    loss = F.cross_entropy(logits, cols, reduction="none")
    return (loss * valid[keep]).sum(), valid.sum()


def bank_logits(pred, bank, fresh_rows, fresh, targets, scale, valid, others=None):
    """bank_softmax's logits for the unpadded positions, each one's target column, and the mask
    of those positions.

    others None: a column per bank row. The bank's logits are one [N, V] product whose backward
    computes the gradient for `pred` only (full_softmax's also computes one for every item), and
    the fresh rows' columns are overwritten with their own small product (index_copy_: a column
    assignment by advanced indexing made the backward a third slower at 100k items).

    others [M] (bank rows, none of them fresh, drawn uniformly without replacement from the
    V - F rows that are not): columns for the F fresh rows, then for these M only, each of the
    M logits raised by log((V - F) / M), the logQ correction of a sampled softmax, so their
    exponentials sum, in expectation, to those of all V - F rows. The [N, F + M] logits cost the
    same at any catalogue size. Every target must be a fresh row (train.py's are: the batch's
    items are encoded with gradient); with M = V - F the correction is log 1 = 0 and the loss is
    the whole bank's.
    """
    keep = valid > 0  # padded positions cost a row of logits each and add nothing: left out
    p = F.normalize(pred[keep], dim=-1) * scale
    rows = (targets[keep] - 1).clamp(min=0)
    if others is None:
        logits = p @ F.normalize(bank, dim=-1).T
        logits.index_copy_(1, fresh_rows, p @ F.normalize(fresh, dim=-1).T)  # the bank itself is untouched
        return logits, rows, keep
    correction = math.log((bank.shape[0] - len(fresh_rows)) / len(others))
    logits = torch.cat([p @ F.normalize(fresh, dim=-1).T,
                        p @ F.normalize(bank[others], dim=-1).T + correction], dim=1)
    col = torch.full((bank.shape[0],), -1, dtype=torch.long, device=rows.device)
    col[fresh_rows] = torch.arange(len(fresh_rows), device=rows.device)
    cols = col[rows]
    if (cols < 0).any():
        raise ValueError("bank_logits with `others`: every target must be a fresh row")
    return logits, cols, keep
