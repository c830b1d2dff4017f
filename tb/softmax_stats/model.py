"""Softmax-statistics bench helpers: beat packing, stimulus, golden wrapper, mutant model.

The unit (``rtl/softmax_stats_unit.sv``) takes one key per beat: the P scores
of P query rows (lane 0 in the least significant bits) plus a ``last`` flag
in the bit above them; the beat with ``last`` closes the rows and one result
beat ``{s[P-1..0], m[P-1..0]}`` comes out.  A *group* here is the (P, n)
array of scores one such row set streams (n keys, n >= 1).

The specification is ``golden.softmax.online_softmax_stats``;
:func:`golden_stats` applies it to groups of any lengths (batched by length).
:func:`rtl_model` restates the RTL's algorithm beat by beat with the knobs the
mutants turn, so the mutation test can check that a shrunk failing input
really separates a mutant from the golden model.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from golden.approx.exp import exp_neg
from golden.fixed import Quant
from golden.softmax import online_softmax_stats
from hls.geometry import Geometry
from tb.components.stream import pack_lanes


def check_supported(cfg) -> None:
    """The unit rounds the rescaled sum half up: a configuration must ask for that."""
    if cfg.formats.softmax_sum.quant is not Quant.RND:
        raise ValueError("the RTL rounds the rescaled sum half up: softmax_sum must be AP_RND")


def pack_groups(groups: Sequence[np.ndarray], geo: Geometry) -> list[int]:
    """Input beats of *groups* (each (P, n)): one per key, ``last`` on each group's final key."""
    if not groups:
        return []
    keys = np.concatenate([np.asarray(g, dtype=np.int64).T for g in groups])  # (sum n, P)
    words = pack_lanes(keys.ravel(), geo.config.attn_parallel, geo.config.formats.feature.width)
    last_bit = 1 << (geo.config.attn_parallel * geo.config.formats.feature.width)
    pos = -1
    for g in groups:
        pos += g.shape[1]
        words[pos] |= last_bit
    return words


def unpack_results(words: Sequence[int], geo: Geometry) -> tuple[np.ndarray, np.ndarray]:
    """Output beats -> (m, s), each (beats, P): m signed feature raw, s unsigned sum raw."""
    n = len(words)
    m = np.zeros((n, geo.config.attn_parallel), dtype=np.int64)
    s = np.zeros((n, geo.config.attn_parallel), dtype=np.int64)
    dmask, dsign = (
        (1 << geo.config.formats.feature.width) - 1,
        1 << (geo.config.formats.feature.width - 1),
    )
    smask = (1 << geo.config.formats.softmax_sum.width) - 1
    base = geo.config.attn_parallel * geo.config.formats.feature.width
    for b, w in enumerate(words):
        for lane in range(geo.config.attn_parallel):
            x = (w >> (lane * geo.config.formats.feature.width)) & dmask
            m[b, lane] = x - (1 << geo.config.formats.feature.width) if x & dsign else x
            s[b, lane] = (w >> (base + lane * geo.config.formats.softmax_sum.width)) & smask
    return m, s


def golden_stats(groups: Sequence[np.ndarray], cfg) -> tuple[np.ndarray, np.ndarray]:
    """``online_softmax_stats`` of every group -> (m, s), each (groups, P); batched by length."""
    p = cfg.attn_parallel
    m = np.zeros((len(groups), p), dtype=np.int64)
    s = np.zeros((len(groups), p), dtype=np.int64)
    by_len: dict[int, list[int]] = {}
    for k, g in enumerate(groups):
        by_len.setdefault(int(g.shape[1]), []).append(k)
    for idx in by_len.values():
        batch = np.stack([np.asarray(groups[k], dtype=np.int64) for k in idx])
        gm, gs = online_softmax_stats(batch, cfg)
        m[idx], s[idx] = gm, gs
    return m, s


def rtl_model(
    groups: Sequence[np.ndarray],
    cfg,
    *,
    grow_cmp: str = ">",
    rescale: bool = True,
    round_half: bool = True,
    out_sum_before_last: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """The RTL's algorithm, beat by beat, from reset, with the mutants' knobs.

    ``grow_cmp``: the comparison of d = x - m with 0 that detects a new
    maximum (">" as built; ">=" the non-strict mutant; "<" the flipped one).
    ``rescale=False``: a new maximum adds 1 without rescaling the sum.
    ``round_half=False``: the rescaled sum is truncated instead of rounded.
    ``out_sum_before_last=True``: the result carries the sum before the
    row's last key (the last-flag handling one key off).

    Returns (m, s), each (groups, P).  With the flipped comparison the exp
    unit sees positive arguments, outside exp_neg's domain; ``rtl/exp_unit.sv``
    documents that it treats them as 0 (result 1.0), and so does this model.
    """
    f = cfg.formats
    fe = f.exp_out.frac_bits
    up = f.softmax_sum.frac_bits - fe
    one = 1 << f.softmax_sum.frac_bits
    mask = (1 << f.softmax_sum.width) - 1
    half = (1 << (fe - 1)) if round_half else 0
    p = cfg.attn_parallel
    ms, ss = [], []
    reg = [0] * p  # the sum register: 0 after reset, then the last beat's sum
    for g in groups:
        g = np.asarray(g, dtype=np.int64)
        m = g[:, 0].copy()
        new = [one] * p
        for j in range(1, g.shape[1]):
            reg = new
            x = g[:, j]
            d = x - m
            grow = {">": d > 0, ">=": d >= 0, "<": d < 0}[grow_cmp]
            arg = np.where(grow, -d, d)
            e = [int(v) for v in exp_neg(np.minimum(arg, 0), cfg)]
            new = [
                ((((s * ei + half) >> fe) + one if rescale else s + one) if gr else s + (ei << up))
                & mask
                for s, ei, gr in zip(reg, e, grow.tolist(), strict=True)
            ]
            m = np.where(grow, x, m)
        ms.append(m)
        ss.append(reg if out_sum_before_last else new)
        reg = new
    return np.array(ms), np.array(ss, dtype=np.int64)


# ---------------------------------------------------------------------------- stimulus

ROW_KINDS = (
    "random",
    "wide",
    "rising",
    "falling",
    "equal",
    "onehot",
    "ties",
    "extreme",
    "lsb",
)


def lane_row(kind: str, n: int, rng: np.random.Generator, geo: Geometry) -> np.ndarray:
    """One query row of *n* raw scores of the given class (clipped to the feature format)."""
    lo, hi = geo.config.formats.feature.min_raw, geo.config.formats.feature.max_raw
    frac = geo.config.formats.feature.width - 10  # feature fraction bits (ap_fixed<32,10>: 22)
    unit = 1 << frac
    if kind == "random":  # N(0, sigma) scores, sigma 0.25 .. 8
        sigma = 2.0 ** rng.uniform(-2, 3)
        v = np.round(rng.normal(0, sigma * unit, n))
    elif kind == "wide":  # anywhere in the format
        v = rng.integers(lo, hi, n, endpoint=True)
    elif kind in ("rising", "falling"):  # monotonic, steps of 1 LSB .. 64
        step = (
            int(2 ** rng.integers(0, frac + 7))
            if rng.random() < 0.8
            else int(rng.integers(1, unit))
        )
        start = (
            int(rng.integers(lo, hi, endpoint=True))
            if rng.random() < 0.3
            else int(-step * (n // 2))
        )
        v = start + step * np.arange(n, dtype=np.int64)
        if kind == "falling":
            v = v[::-1]
    elif kind == "equal":
        c = int(rng.choice([0, lo, hi, lo + 1, hi - 1, int(rng.integers(lo, hi))]))
        v = np.full(n, c)
    elif kind == "onehot":
        base = int(rng.choice([0, lo, int(rng.integers(lo // 2, 0))]))
        gap = int(rng.choice([1, 2, unit >> 10, unit, 16 * unit, hi]))
        v = np.full(n, base)
        v[int(rng.integers(0, n))] = base + gap
    elif kind == "ties":  # a few values, many repeats, including at the max
        vals = rng.integers(-4 * unit, 4 * unit, 3)
        vals = np.concatenate([vals, [vals.max()], [vals.max() + 1]])
        v = rng.choice(vals, n)
    elif kind == "extreme":
        v = rng.choice(np.array([lo, lo + 1, hi, hi - 1, 0, -1, 1], dtype=np.int64), n)
    elif kind == "lsb":  # values one LSB apart around a random base
        base = int(rng.integers(lo + 4, hi - 4))
        v = base + rng.integers(-2, 3, n)
    else:
        raise ValueError(kind)
    return np.clip(np.asarray(v, dtype=np.int64), lo, hi)


def make_group(n: int, rng: np.random.Generator, geo: Geometry, kinds=ROW_KINDS) -> np.ndarray:
    """A (P, n) group whose lanes draw their row class independently."""
    return np.stack(
        [lane_row(str(rng.choice(kinds)), n, rng, geo) for _ in range(geo.config.attn_parallel)]
    )


def edge_groups(geo: Geometry, rng: np.random.Generator) -> list[np.ndarray]:
    """The corners every stream holds: every class at lengths 1, 2, 9, 129 and 1024
    (each class on all lanes, and mixed), one-key rows of the extremes, the
    full-range jumps (min then max: |d| = 2**W - 1) and one-LSB steps."""
    lo, hi = geo.config.formats.feature.min_raw, geo.config.formats.feature.max_raw
    out: list[np.ndarray] = []
    for n in (1, 2, 9, 129, 1024):
        for kind in ROW_KINDS:
            out.append(make_group(n, rng, geo, kinds=(kind,)))
        out.append(make_group(n, rng, geo))
    ext = np.array([lo, lo + 1, -1, 0, 1, hi - 1, hi], dtype=np.int64)
    for v in ext:
        out.append(np.full((geo.config.attn_parallel, 1), v, dtype=np.int64))
    pairs = [(lo, hi), (hi, lo), (lo, lo + 1), (hi - 1, hi), (-1, 0), (0, 1), (hi, hi), (lo, lo)]
    for a, b in pairs:
        out.append(np.tile(np.array([a, b], dtype=np.int64), (geo.config.attn_parallel, 1)))
    # Rising by one LSB from the bottom and to the top of the format.
    out.append(np.tile(lo + np.arange(129, dtype=np.int64), (geo.config.attn_parallel, 1)))
    out.append(np.tile(hi - 128 + np.arange(129, dtype=np.int64), (geo.config.attn_parallel, 1)))
    # Lanes with different lengths of "rising" inside one group: lanes differ in step.
    out.append(
        np.stack([np.arange(9, dtype=np.int64) << (3 * k) for k in range(geo.config.attn_parallel)])
    )
    return out


def random_length(rng: np.random.Generator) -> int:
    r = rng.random()
    if r < 0.4:
        return int(rng.integers(1, 17))
    if r < 0.6:
        return int(rng.choice([9, 129]))
    if r < 0.9:
        return int(rng.integers(17, 200))
    return int(rng.integers(200, 1025))


def stream_groups(geo: Geometry, scores: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Edge groups plus random groups until at least *scores* scores, shuffled."""
    groups = edge_groups(geo, rng)
    total = sum(g.size for g in groups)
    while total < scores:
        g = make_group(random_length(rng), rng, geo)
        groups.append(g)
        total += g.size
    order = rng.permutation(len(groups))
    return [groups[k] for k in order]
