"""Softmax over the last axis: a reference two-pass form and the single-pass (online) pieces.

Both use the hardware exp (``golden.approx.exp.exp_neg``) and reciprocal
(``golden.approx.reciprocal.reciprocal_parts``).  Scores are raw feature
values; probabilities are raw ``cfg.formats.prob`` values.

The attention stage streams keys once: ``online_softmax_stats`` keeps, per
query row, the running max m and the running sum s of exp(x - m), rescaling
s by exp(m_old - m_new) whenever the max grows (Edge-MoE's single-pass
softmax).  ``softmax_normalise`` turns (scores, m, s) into probabilities; its
pieces ``softmax_exp`` and ``softmax_inv_sum`` let the A.V pass fuse the
normalisation (multiply by 1/s after accumulating exp-weighted values).

Accuracy (measured by ``python -m golden.errorbounds``, gate in DESIGN.md
section 3): every probability within 2**-16 of the float64 softmax of the
same scores, on rows of 9, 129 and 1024 keys including monotonically
increasing rows (the worst case for rescaling), ties, one-hot and all-equal
rows; the maximal scores keep the maximal probability.
"""

from __future__ import annotations

import numpy as np

from golden.approx._intmath import shift_round
from golden.approx.exp import exp_neg
from golden.approx.reciprocal import reciprocal_parts
from golden.config import KernelConfig

__all__ = [
    "online_softmax_stats",
    "softmax_exp",
    "softmax_inv_sum",
    "softmax_normalise",
    "softmax_online",
    "softmax_two_pass",
]


def _scores(scores_raw, cfg: KernelConfig) -> np.ndarray:
    x = np.asarray(scores_raw)
    if not np.issubdtype(x.dtype, np.integer):
        raise ValueError(f"softmax takes raw integer scores, got dtype {x.dtype}")
    x = x.astype(np.int64)
    feature = cfg.formats.feature
    if x.ndim < 1 or x.shape[-1] < 1:
        raise ValueError(f"softmax needs at least one key on the last axis, got shape {x.shape}")
    if x.size and (x.min() < feature.min_raw or x.max() > feature.max_raw):
        raise ValueError(f"softmax scores outside the raw range of {feature}")
    capacity = (1 << cfg.formats.softmax_sum.int_bits) - 1
    if x.shape[-1] > capacity:
        raise ValueError(
            f"a row of {x.shape[-1]} keys overflows formats.softmax_sum "
            f"{cfg.formats.softmax_sum} (at most {capacity} keys)"
        )
    return x


def _sum_shift(cfg: KernelConfig) -> int:
    """exp_out raw -> softmax_sum raw: an exact left shift (validated >= 0)."""
    return cfg.formats.softmax_sum.frac_bits - cfg.formats.exp_out.frac_bits


def softmax_exp(scores_raw, max_raw, cfg: KernelConfig) -> np.ndarray:
    """e = exp(x - m) in ``formats.exp_out`` (``exp_neg``'s quantisation points); m >= every x.

    ``max_raw`` has the scores' shape without the last axis.  x - m is exact.
    """
    x = _scores(scores_raw, cfg)
    m = np.asarray(max_raw, dtype=np.int64)[..., None]
    if np.any(x > m):
        raise ValueError("softmax_exp: a score exceeds the row maximum it was given")
    return exp_neg(x - m, cfg)


def softmax_inv_sum(sum_raw, cfg: KernelConfig) -> tuple[np.ndarray, np.ndarray]:
    """1/s as the reciprocal unit gives it: (mant, scale) with 1/s = mant * 2**(scale - M).

    ``sum_raw`` are raw ``formats.softmax_sum`` values (s >= 1 for a real row,
    since the maximum contributes exp(0) = 1).  See ``reciprocal_parts``.
    """
    return reciprocal_parts(sum_raw, cfg.formats.softmax_sum, cfg)


def softmax_normalise(scores_raw, max_raw, sum_raw, cfg: KernelConfig) -> np.ndarray:
    """Probabilities p = exp(x - m) / s in ``formats.prob`` from a row's statistics.

    Quantisation points: those of ``softmax_exp`` (e in exp_out) and of
    ``softmax_inv_sum`` (1/s as mant * 2**(scale - M)), then one more: the
    exact product e * mant * 2**(scale - M) is rounded once to prob's fraction
    bits by prob's quantisation mode (AP_RND: half up) and saturated.
    """
    f = cfg.formats
    e = softmax_exp(scores_raw, max_raw, cfg)
    mant, scale = softmax_inv_sum(np.asarray(sum_raw, dtype=np.int64), cfg)
    # e <= 2**31 and mant <= 2**30: the exact product fits int64.  A sum below 1 (not
    # a real row) gives a left shift; shift_round and the clip then saturate.
    shift = f.exp_out.frac_bits + cfg.recip.mant_bits - scale[..., None] - f.prob.frac_bits
    p = shift_round(e * mant[..., None], np.broadcast_to(shift, e.shape), f.prob.quant)
    return np.clip(p, f.prob.min_raw, f.prob.max_raw)


def softmax_two_pass(scores_raw, cfg: KernelConfig) -> np.ndarray:
    """The reference softmax: pass 1 the row max, pass 2 exps, their exact sum, normalise.

    m = max(x) exactly; e = exp(x - m) (``softmax_exp``); s = sum(e) exact in
    ``formats.softmax_sum`` (exp_out values shifted left, no rounding; the
    row length is checked against the sum's integer bits); then
    ``softmax_normalise``.  Returns raw ``formats.prob`` values.
    """
    x = _scores(scores_raw, cfg)
    m = x.max(axis=-1)
    s = (softmax_exp(x, m, cfg) << _sum_shift(cfg)).sum(axis=-1)
    return softmax_normalise(x, m, s, cfg)


def online_softmax_stats(
    scores_raw, cfg: KernelConfig, order=None
) -> tuple[np.ndarray, np.ndarray]:
    """Single pass over the keys (last axis) in streaming ``order``: (running max, running sum).

    Vectorised across rows; loops over keys only.  ``order`` is a permutation
    of range(keys) (default: natural order).  State per row: m (raw feature)
    and s (raw ``formats.softmax_sum``), started from the first key as
    m = x0, s = 1.  For each further key x, with d = x - m (exact):

    * d <= 0: s += exp(d) (``exp_neg``; exact addition);
    * d > 0 (a new maximum): s = s * exp(-d) + 1 and m = x.  The product
      s * exp(-d) (sum fraction bits + exp_out fraction bits) is the one
      quantisation point of the update: rounded to the sum's fraction bits by
      softmax_sum's quantisation mode (AP_RND: half up).

    One exp unit serves both cases: it evaluates exp(-|d|).  s never exceeds
    the number of keys, which the sum format holds (checked).
    """
    x = _scores(scores_raw, cfg)
    f = cfg.formats
    n = x.shape[-1]
    if order is None:
        order = np.arange(n)
    order = np.asarray(order)
    if order.shape != (n,) or not np.array_equal(np.sort(order), np.arange(n)):
        raise ValueError(f"order must be a permutation of range({n}), got {order!r}")
    up = _sum_shift(cfg)
    fe = f.exp_out.frac_bits
    one = 1 << f.softmax_sum.frac_bits
    m = x[..., order[0]].copy()
    s = np.full(m.shape, one, dtype=np.int64)
    for j in order[1:]:
        xj = x[..., j]
        d = xj - m
        e = exp_neg(-np.abs(d), cfg)
        grow = d > 0
        # s * e * 2**-fe, rounded: exact via s = s_hi * 2**fe + s_lo, as s_hi * e is an
        # integer (s_hi < 2**13, e <= 2**31 and s_lo * e < 2**62: all int64).
        rescaled = (s >> fe) * e + shift_round((s & ((1 << fe) - 1)) * e, fe, f.softmax_sum.quant)
        s = np.where(grow, rescaled + one, s + (e << up))
        m = np.where(grow, xj, m)
    return m, s


def softmax_online(scores_raw, cfg: KernelConfig, order=None) -> np.ndarray:
    """``online_softmax_stats`` then ``softmax_normalise``: raw ``formats.prob`` values."""
    m, s = online_softmax_stats(scores_raw, cfg, order)
    return softmax_normalise(scores_raw, m, s, cfg)
