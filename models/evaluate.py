"""Leave-one-out evaluation with full ranking: Recall@K and NDCG@K over the whole catalogue.

The target is ranked against every item with the user's history masked. Ties count against
the model (an item scoring equal to the target ranks above it), so a collapsed item tower that
scores everything alike gets nothing, rather than everything.
"""
import math

import torch
import torch.nn.functional as F

KS = (5, 10, 50, 200)


def item_tokens(tok, text, c, bos_id, item_id):
    """[BOS] + text ids, truncated to max_text_tokens, then the item token (docs/model-format.md)."""
    return ([bos_id] + tok.encode(text))[: c.max_text_tokens] + [item_id]


def pad_left(rows, pad):
    T = max(len(r) for r in rows)
    ids = torch.full((len(rows), T), pad, dtype=torch.long)
    mask = torch.zeros((len(rows), T), dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, T - len(r):] = torch.tensor(r, dtype=torch.long)
        mask[i, T - len(r):] = 1
    return ids, mask


def pad_left_embs(all_items, hists):
    """Histories (lists of rows of the numpy `all_items`) as left-padded [B, L, D] and their mask."""
    L = max(len(h) for h in hists)
    x = torch.zeros(len(hists), L, all_items.shape[1])
    m = torch.zeros(len(hists), L, dtype=torch.long)
    for i, h in enumerate(hists):
        x[i, L - len(h):] = torch.from_numpy(all_items[h])
        m[i, L - len(h):] = 1
    return x, m


def encode_items(model, tokens, idx, pad_id, budget=16384, device="cpu"):
    """Embed items `idx` (indices into `tokens`), bucketed by length so padding stays small.

    `budget` caps items x tokens per forward pass. Returns [len(idx), D] in `idx` order.
    """
    order = sorted(range(len(idx)), key=lambda j: len(tokens[idx[j]]))
    out = [None] * len(idx)
    start = 0
    while start < len(order):
        end = start + 1
        while end < len(order) and (end - start + 1) * len(tokens[idx[order[end]]]) <= budget:
            end += 1
        chunk = order[start:end]
        ids, mask = pad_left([tokens[idx[j]] for j in chunk], pad_id)
        embs = model.encode_items(ids.to(device), mask.to(device))
        for j, e in zip(chunk, embs):
            out[j] = e
        start = end
    return torch.stack(out)


@torch.no_grad()
def catalogue_embeddings(model, tokens, pad_id, device="cpu"):
    """[N+1, D] with row 0 (padding) zero; SASRec returns its ID table."""
    if model.is_sasrec:
        return model.item_table.weight.detach().clone()
    embs = encode_items(model, tokens, list(range(1, len(tokens))), pad_id, device=device)
    return torch.cat([torch.zeros(1, embs.shape[1], device=embs.device), embs])


def user_batches(pairs, max_history, batch=128):
    for s in range(0, len(pairs), batch):
        chunk = pairs[s:s + batch]
        yield chunk, [h[-max_history:] for h, _ in chunk]


def sequence_tensor(item_embs, hists):
    """Left-padded [B, S, D] of item embeddings for the User LLM, plus its mask."""
    S = max(len(h) for h in hists)
    x = torch.zeros(len(hists), S, item_embs.shape[1], device=item_embs.device)
    mask = torch.zeros(len(hists), S, dtype=torch.long, device=item_embs.device)
    for i, h in enumerate(hists):
        x[i, S - len(h):] = item_embs[torch.tensor(h, device=item_embs.device)]
        mask[i, S - len(h):] = 1
    return x, mask


def rank_targets(scores, pairs):
    """scores [B, N+1]; returns the 0-based rank of each target with history and padding masked."""
    ranks = []
    for row, (hist, target) in zip(scores, pairs):
        row = row.clone()
        t = row[target].item()
        row[0] = -math.inf
        row[torch.tensor(hist, dtype=torch.long)] = -math.inf
        row[target] = -math.inf
        ranks.append(int((row >= t).sum().item()))
    return ranks


def metrics_from_ranks(ranks):
    n = max(len(ranks), 1)
    out = {}
    for k in KS:
        out[f"R@{k}"] = sum(r < k for r in ranks) / n
        out[f"N@{k}"] = sum(1 / math.log2(r + 2) for r in ranks if r < k) / n
    out["users"] = len(ranks)
    return out


def standard_error(ranks, k=10):
    """One standard error of NDCG@k over users, to judge whether a difference is noise."""
    vals = [1 / math.log2(r + 2) if r < k else 0.0 for r in ranks]
    n = len(vals)
    mean = sum(vals) / n
    return math.sqrt(sum((v - mean) ** 2 for v in vals) / max(n - 1, 1) / n)


@torch.no_grad()
def evaluate(model, item_embs, pairs, max_history, encode_users=None):
    """Rank every target against the whole catalogue. `encode_users(x, mask)` defaults to the model's."""
    encode_users = encode_users or (lambda x, m: model.user_llm(x, m)[:, -1])
    normed = F.normalize(item_embs, dim=-1)
    ranks = []
    for chunk, hists in user_batches(pairs, max_history):
        x, mask = sequence_tensor(item_embs, hists)
        users = F.normalize(encode_users(x, mask), dim=-1)
        ranks += rank_targets((users @ normed.T).cpu(), chunk)
    return ranks


def cold_mask(ds, pairs, max_seen=2):
    """For each (history, target) pair: is its target cold, seen at most `max_seen` times in the
    training split? Where an item's text should beat an item ID, and where a shop's new products are."""
    counts = {}
    for s in ds.split("train"):
        for i in s:
            counts[i] = counts.get(i, 0) + 1
    return [counts.get(t, 0) <= max_seen for _, t in pairs]


def popularity_ranks(ds, part):
    """Most-popular baseline: items scored by their count in the training split."""
    counts = torch.zeros(ds.n_items + 1)
    for s in ds.split("train"):
        for i in s:
            counts[i] += 1
    counts += torch.arange(ds.n_items + 1) * 1e-9   # deterministic tie-break, never by the target
    pairs = ds.split(part)
    return rank_targets(counts.expand(len(pairs), -1), pairs)
