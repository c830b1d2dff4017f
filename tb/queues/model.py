"""Expert-queue bench helpers: beat packing, the golden packet, stimulus.

The specification is ``golden.stages.moe.build_queues``; :func:`golden_packet`
turns its :class:`ExpertQueues` into the output packet the RTL emits (see the
header comment of rtl/expert_queue_builder.sv): a header beat with the queue
lengths and the active-expert mask, then one beat per queue entry, ordered by
expert then token, with last-of-queue and last-of-batch flags.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from golden.stages.moe import build_queues


def _bits(n: int) -> int:
    """$clog2(n) with a minimum of 1 (the RTL's index widths)."""
    return max(1, (n - 1).bit_length())


@dataclass(frozen=True)
class QueueGeometry:
    experts: int
    k: int
    max_tokens: int
    score_w: int

    @classmethod
    def from_config(cls, cfg, k: int | None = None) -> QueueGeometry:
        return cls(
            cfg.experts, cfg.top_k if k is None else k, cfg.tokens, cfg.formats.moe_score.width
        )

    @property
    def idx_w(self) -> int:
        return _bits(self.experts)

    @property
    def tok_w(self) -> int:
        return _bits(self.max_tokens)

    @property
    def slot_w(self) -> int:
        return _bits(self.k)

    @property
    def len_w(self) -> int:
        return (self.max_tokens * self.k).bit_length()  # $clog2(T*K + 1)

    @property
    def pair_w(self) -> int:
        return self.idx_w + self.score_w

    @property
    def in_w(self) -> int:
        return 1 + self.k * self.pair_w

    @property
    def out_w(self) -> int:
        hdr = 1 + self.experts + self.experts * self.len_w
        ent = 3 + self.idx_w + self.tok_w + self.slot_w + self.score_w
        return max(hdr, ent)

    @property
    def score_max(self) -> int:
        return (1 << self.score_w) - 1

    # ---- input beats
    def pack(self, experts: np.ndarray, scores: np.ndarray, last: bool = True) -> list[int]:
        """One batch (T, k) -> T input words; the final word's last flag is *last*
        (a batch of max_tokens tokens ends there whatever the flag)."""
        words = []
        t_n = len(experts)
        for t in range(t_n):
            w = int(last) if t == t_n - 1 else 0
            for j in range(self.k):
                pair = int(experts[t][j]) | (int(scores[t][j]) << self.idx_w)
                w |= pair << (1 + j * self.pair_w)
            words.append(w)
        return words

    # ---- output beats
    def decode(self, word: int) -> tuple:
        """A header ``("hdr", lengths tuple, active mask)`` or an entry
        ``("ent", expert, token, slot, score, last_of_queue, last_of_batch)``."""
        if word & 1:
            e, lw = self.experts, self.len_w
            mask = (word >> 1) & ((1 << e) - 1)
            lens = tuple((word >> (1 + e + i * lw)) & ((1 << lw) - 1) for i in range(e))
            return ("hdr", lens, mask)
        w = word >> 3
        exp = w & ((1 << self.idx_w) - 1)
        w >>= self.idx_w
        tok = w & ((1 << self.tok_w) - 1)
        w >>= self.tok_w
        slot = w & ((1 << self.slot_w) - 1)
        w >>= self.slot_w
        score = w & self.score_max
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


def _scores(geo: QueueGeometry, shape, rng: np.random.Generator) -> np.ndarray:
    s = rng.integers(0, geo.score_max, size=shape, endpoint=True)
    edge = rng.random(shape) < 0.1
    s[edge] = rng.choice(np.array([0, 1, 1 << (geo.score_w - 1), geo.score_max]), edge.sum())
    return s


def _distinct(rng: np.random.Generator, t: int, pool: Sequence[int], k: int, p=None):
    pool = np.asarray(pool)
    return np.stack([rng.choice(pool, size=k, replace=False, p=p) for _ in range(t)])


def random_batch(geo: QueueGeometry, rng: np.random.Generator, kind: int | None = None) -> Batch:
    """A batch of a random kind: uniform top-k choices, every token to one expert
    (a full queue), choices from a subset (empty experts), skewed popularity,
    repeated experts within a token; with 1..max_tokens tokens."""
    e, k, tmax = geo.experts, geo.k, geo.max_tokens
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
