"""Expert-queue bench helpers: beat packing, the golden packet, stimulus.

The specification is ``golden.stages.moe.build_queues``; :func:`golden_packet`
turns its :class:`ExpertQueues` into the output packet the RTL emits (see the
header comment of rtl/expert_queue_builder.sv): a header beat with the queue
lengths and the active-expert mask, then one beat per queue entry, ordered by
expert then token, with last-of-queue and last-of-batch flags.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from golden.stages.moe import build_queues
from hls.geometry import Geometry


def score_max(geo: Geometry) -> int:
    """The largest score word (all ones of the moe_score width)."""
    return (1 << geo.config.formats.moe_score.width) - 1


def pack_batch(
    geo: Geometry, experts: np.ndarray, scores: np.ndarray, last: bool = True
) -> list[int]:
    """One batch (T, k) -> T input words; the final word's last flag is *last*
    (a batch of TOKENS tokens ends there whatever the flag)."""
    words = []
    t_n = len(experts)
    for t in range(t_n):
        w = int(last) if t == t_n - 1 else 0
        for j in range(geo.config.top_k):
            pair = int(experts[t][j]) | (int(scores[t][j]) << geo.expert_idx_w)
            w |= pair << (1 + j * geo.queue_pair_w)
        words.append(w)
    return words


def decode_beat(geo: Geometry, word: int) -> tuple:
    """A header ``("hdr", lengths tuple, active mask)`` or an entry
    ``("ent", expert, token, slot, score, last_of_queue, last_of_batch)``."""
    if word & 1:
        e, lw = geo.config.experts, geo.queue_len_w
        mask = (word >> 1) & ((1 << e) - 1)
        lens = tuple((word >> (1 + e + i * lw)) & ((1 << lw) - 1) for i in range(e))
        return ("hdr", lens, mask)
    w = word >> 3
    exp = w & ((1 << geo.expert_idx_w) - 1)
    w >>= geo.expert_idx_w
    tok = w & ((1 << geo.token_idx_w) - 1)
    w >>= geo.token_idx_w
    slot = w & ((1 << geo.topk_slot_w) - 1)
    w >>= geo.topk_slot_w
    score = w & score_max(geo)
    return ("ent", exp, tok, slot, score, (word >> 1) & 1, (word >> 2) & 1)


def golden_packet(experts: np.ndarray, scores: np.ndarray, n_experts: int) -> list[tuple]:
    """The decoded beats the RTL must emit for one batch, from golden build_queues."""
    q = build_queues(np.asarray(experts, dtype=np.int64), np.asarray(scores), n_experts)
    mask = sum(1 << int(e) for e in q.active)
    beats: list[tuple] = [("hdr", tuple(int(v) for v in q.lengths), mask)]
    n = len(q.tokens)
    owner = np.repeat(np.arange(n_experts), q.lengths)
    for p in range(n):
        e = int(owner[p])
        beats.append(
            (
                "ent", e, int(q.tokens[p]), int(q.slots[p]), int(q.scores[p]),
                int(p == q.offsets[e + 1] - 1), int(p == n - 1),
            )
        )  # fmt: skip
    return beats


# ---- stimulus: one batch = (experts (T, k), scores (T, k), last flag)

Batch = tuple[np.ndarray, np.ndarray, bool]


def _scores(geo: Geometry, shape, rng: np.random.Generator) -> np.ndarray:
    s = rng.integers(0, score_max(geo), size=shape, endpoint=True)
    edge = rng.random(shape) < 0.1
    s[edge] = rng.choice(
        np.array([0, 1, 1 << (geo.config.formats.moe_score.width - 1), score_max(geo)]), edge.sum()
    )
    return s


def _distinct(rng: np.random.Generator, t: int, pool: Sequence[int], k: int, p=None):
    pool = np.asarray(pool)
    return np.stack([rng.choice(pool, size=k, replace=False, p=p) for _ in range(t)])


def random_batch(geo: Geometry, rng: np.random.Generator, kind: int | None = None) -> Batch:
    """A batch of a random kind: uniform top-k choices, every token to one expert
    (a full queue), choices from a subset (empty experts), skewed popularity,
    repeated experts within a token; with 1..max_tokens tokens."""
    e, k, tmax = geo.config.experts, geo.config.top_k, geo.config.tokens
    r = rng.random()
    t = tmax if r < 0.4 else 1 if r < 0.5 else int(rng.integers(1, tmax, endpoint=True))
    kind = int(rng.integers(0, 5)) if kind is None else kind
    if kind == 0:  # uniform
        ex = _distinct(rng, t, range(e), k)
    elif kind == 1:  # one expert in every token (random slot): a full queue
        x = int(rng.integers(0, e))
        others = [v for v in range(e) if v != x]
        ex = _distinct(rng, t, others, k - 1) if k > 1 else np.zeros((t, 0), dtype=np.int64)
        pos = rng.integers(0, k, size=t)
        ex = np.stack([np.insert(ex[i], pos[i], x) for i in range(t)])
    elif kind == 2:  # a subset of the experts: the others stay empty
        sub = rng.choice(e, size=int(rng.integers(k, e, endpoint=True)), replace=False)
        ex = _distinct(rng, t, sub, k)
    elif kind == 3:  # skewed popularity
        w = rng.random(e) ** 4 + 1e-3
        ex = _distinct(rng, t, range(e), k, p=w / w.sum())
    else:  # a token names an expert more than once (build_queues keeps slot order)
        ex = rng.integers(0, min(e, 2), size=(t, k))
    ex = np.asarray(ex, dtype=np.int64).reshape(t, k)
    last = True if t < tmax else bool(rng.random() < 0.5)
    return ex, _scores(geo, (t, k), rng), last
