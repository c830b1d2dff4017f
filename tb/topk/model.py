"""Top-k bench helpers: beat packing, stimulus, and a Python model of RTL mutants.

The specification is ``golden.stages.moe.top_k`` (indices, best first; larger
logit first, equal logits -> lower expert index first).  The model here
restates the RTL's method (rank = number of experts that beat e, slot s = the
expert of rank s) with knobs, so the mutation test can check that the minimal
input Hypothesis reports really separates the mutant from the golden model.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from golden.stages.moe import top_k
from hls.geometry import Geometry
from tb.components.stream import pack_lanes


def pack_tokens(geo: Geometry, logits: np.ndarray) -> list[int]:
    """(T, E) raw logits -> one input word per token (expert e in lane e)."""
    x = np.asarray(logits, dtype=np.int64)
    return pack_lanes(x.reshape(-1), geo.config.experts, geo.config.formats.feature.width)


def unpack_choices(geo: Geometry, words: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """Output words -> indices (T, k) and chosen logits (T, k), signed raw."""
    k, iw, fmt = geo.config.top_k, geo.expert_idx_w, geo.config.formats.feature
    dw = fmt.width
    imask, dmask, sign = (1 << iw) - 1, (1 << dw) - 1, 1 << (dw - 1)
    idx = np.empty((len(words), k), dtype=np.int64)
    val = np.empty((len(words), k), dtype=np.int64)
    for t, w in enumerate(words):
        lv = w >> (k * iw)
        for s in range(k):
            idx[t, s] = (w >> (s * iw)) & imask
            v = (lv >> (s * dw)) & dmask
            val[t, s] = v - (1 << dw) if (fmt.signed and v & sign) else v
    return idx, val


def golden_topk(logits: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The specification: indices (T, k) and the chosen logits (T, k)."""
    x = np.asarray(logits, dtype=np.int64)
    idx = top_k(x, k)
    return idx, np.take_along_axis(x, idx, axis=1)


def topk_model(
    logits: Sequence[int],
    k: int,
    data_w: int = 32,
    *,
    non_strict: bool = False,
    index_flipped: bool = False,
    unsigned_compare: bool = False,
    rank_offset: int = 0,
) -> tuple[list[int], list[int]]:
    """One token through the RTL's rank-and-select method, with mutant knobs.

    ``non_strict``: j beats e when logit[j] >= logit[e] (not >).
    ``index_flipped``: of equal logits the higher index ranks first.
    ``unsigned_compare``: logits compared as unsigned raw words (sign ignored).
    ``rank_offset``: slot s takes the expert of rank s + rank_offset.
    Selection as in the RTL: slot s takes the last expert of that rank, or
    (0, 0) when no expert has it.
    """
    x = [int(v) for v in logits]
    n = len(x)
    mask = (1 << data_w) - 1
    key = [v & mask for v in x] if unsigned_compare else x
    idx_w = max(1, (n - 1).bit_length())
    ranks = []
    for e in range(n):
        r = 0
        for j in range(n):
            if j == e:
                continue
            gt = key[j] >= key[e] if non_strict else key[j] > key[e]
            lower = j > e if index_flipped else j < e
            r += gt or (key[j] == key[e] and lower)
        ranks.append(r % (1 << idx_w))
    idx, val = [0] * k, [0] * k
    for s in range(k):
        want = (s + rank_offset) % (1 << idx_w)
        for e in range(n):
            if ranks[e] == want:
                idx[s], val[s] = e, x[e]
    return idx, val


def edge_tokens(geo: Geometry) -> np.ndarray:
    """Tokens that must be covered: all equal (at 0, +-1, the extremes), one LSB
    apart in every order, extremes mixed, one-hot maxima at every position,
    two-way ties for the top at every pair of positions."""
    fmt = geo.config.formats.feature
    e, lo, hi = geo.config.experts, fmt.min_raw, fmt.max_raw
    rows = [np.full(e, v) for v in (0, 1, -1, lo, lo + 1, hi, hi - 1) if lo <= v <= hi]
    base = np.arange(e, dtype=np.int64)
    for b in (0, lo, hi - e):
        rows += [b + base, b + base[::-1], np.full(e, b) + (base % 2), np.full(e, b) + (base // 2)]
    for pos in range(e):
        for v, bg in ((hi, lo), (lo + 1, lo), (1, 0), (0, -1)):
            r = np.full(e, bg)
            r[pos] = v
            rows.append(r)
    for a in range(e):
        for b in range(a + 1, e):
            r = np.full(e, -5)
            r[a] = r[b] = 7
            rows.append(r)
    out = np.array(rows, dtype=np.int64)
    return np.clip(out, lo, hi)


def random_tokens(geo: Geometry, n: int, rng: np.random.Generator) -> np.ndarray:
    """n tokens from a mixture: gate-like Gaussian logits (std 1.0), tie-heavy small
    integers, one-LSB neighbourhoods of a random base, extremes, and full range."""
    fmt = geo.config.formats.feature
    e, lo, hi = geo.config.experts, fmt.min_raw, fmt.max_raw
    one = 1 << 22 if fmt.width == 32 else 1 << (fmt.width // 2)
    kinds = rng.integers(0, 6, size=n)
    out = np.empty((n, e), dtype=np.int64)
    m = kinds == 0  # gate-like
    out[m] = np.round(rng.normal(0.0, 1.0, size=(m.sum(), e)) * one).astype(np.int64)
    m = kinds == 1  # ties: few distinct values
    out[m] = rng.integers(-2, 3, size=(m.sum(), e))
    m = kinds == 2  # one LSB apart around a random base
    base = rng.integers(lo + 2, hi - 2, size=(m.sum(), 1), endpoint=True)
    out[m] = base + rng.integers(-1, 2, size=(m.sum(), e))
    m = kinds == 3  # extremes and their neighbours
    ext = np.array([lo, lo + 1, lo + 2, -1, 0, 1, hi - 2, hi - 1, hi], dtype=np.int64)
    out[m] = rng.choice(ext, size=(m.sum(), e))
    m = kinds == 4  # all equal
    out[m] = rng.integers(lo, hi, size=(m.sum(), 1), endpoint=True)
    m = kinds == 5  # anything
    out[m] = rng.integers(lo, hi, size=(m.sum(), e), endpoint=True)
    return np.clip(out, lo, hi)


def stream_tokens(geo: Geometry, n: int, rng: np.random.Generator) -> np.ndarray:
    """At least n tokens: every edge token plus random fill, shuffled."""
    edges = edge_tokens(geo)
    fill = random_tokens(geo, max(0, n - len(edges)), rng)
    out = np.concatenate([edges, fill])
    rng.shuffle(out, axis=0)
    return out
