"""Multi-head attention with Edge-MoE's query reordering and single-pass softmax.

Schedule (ideas 1 and 2 of DESIGN.md section 2): the queries are taken P at a
time (``cfg.attn_parallel``; the last group holds the remaining ``T mod P``
queries when P does not divide T).  For each group, with its P query rows
cached on chip:

* pass 1 streams the keys once, in token order 0..T-1: each key gives P
  scores per head, which update the running max and rescaled sum of every
  query row (:func:`golden.softmax.online_softmax_stats`) and are kept in the
  group's P x T score buffer;
* pass 2 streams the values once, in token order: each score becomes a
  normalised probability ``exp(s - max) * (1 / sum)`` (the reciprocal of the
  sum is computed once per row, the normalisation is fused into this pass,
  :func:`golden.softmax.softmax_normalise`) and is multiplied into that value
  row's accumulators.

So K and V are each read once per group, whatever P: the traffic is
ceil(T / P) * T rows of K and of V.  Each query row's arithmetic depends only on
its own scores in key order, so the result is the same for every P - the
metamorphic tests prove it bit for bit.

Formats (``cfg.formats``; the choices and why):

* ``attn_qk`` <24,10>: Q and K (feature <32,10>) are rounded to 14 fraction
  bits before the dot product.  A 32 x 32-bit product summed over head_dim
  terms does not fit a DSP cascade nor int64; 24 x 24 bits is two DSP48E2
  slices, keeps every integer bit of the feature (the narrowing never
  saturates) and loses 2**-15 absolute per element, far below the softmax's
  own error.  The dot product is exact: 2 * 23 + log2(head_dim) <= 53 bits
  (checked), so it is also exact in float64.
* scores: the exact dot product times head_dim**-0.5 (a shift, no rounding)
  rounded ONCE into the feature format <32,10> (AP_RND, AP_SAT), the input
  format of the softmax unit (golden.softmax).
* probabilities: ``prob`` <25,1>, the softmax's output: in pass 2 each one is
  exp(s - max) times the row's reciprocal of the sum, rounded once
  (:func:`golden.softmax.softmax_normalise`).  Normalising each probability
  before the A.V product (rather than scaling the accumulator afterwards)
  keeps the accumulator narrow (sum p ~ 1) and the probabilities observable.
* the A.V accumulator: sum_j p_j * V[j] exact (p.frac + 22 fraction bits;
  since sum_j p_j is about 1 it stays within |V|max * 2**(p.frac + 1)), rounded
  ONCE into the feature format (AP_RND, AP_SAT).
"""

from __future__ import annotations

import numpy as np

from golden.config import KernelConfig
from golden.fixed import FixedFormat, cast, quantize
from golden.softmax import online_softmax_stats, softmax_normalise
from golden.stages.linear import LinearError, check_raw

__all__ = ["attention", "attention_scores", "probability_format", "weighted_values"]

_FLOAT_EXACT_BITS = 53
_LIMB = 16


def probability_format(cfg: KernelConfig) -> FixedFormat:
    """The format of the normalised attention probabilities (the softmax's output)."""
    return cfg.formats.prob


def _head_split(x: np.ndarray, cfg: KernelConfig) -> np.ndarray:
    """(T, D) -> (heads, T, head_dim)."""
    return x.reshape(x.shape[0], cfg.heads, cfg.head_dim).transpose(1, 0, 2)


def attention_scores(q_raw: np.ndarray, k_raw: np.ndarray, cfg: KernelConfig) -> np.ndarray:
    """Scores (heads, Tq, Tk) in the feature format from feature-format Q (Tq, D), K (Tk, D).

    Quantisation points: Q and K rounded to ``attn_qk`` (AP_RND; same integer
    bits, so no saturation); the dot product over head_dim is exact; the shift by
    ``attn_scale_log2`` is exact; ONE rounding into the feature format.
    """
    f = cfg.formats
    qk = f.attn_qk
    mag = qk.width - 1
    kbits = max(cfg.head_dim - 1, 1).bit_length()
    if 2 * mag + kbits > _FLOAT_EXACT_BITS:
        raise LinearError(f"Q.K^T over {cfg.head_dim} terms of {qk} is not exact in 53 bits")
    qn = _head_split(cast(q_raw, f.feature, qk), cfg).astype(np.float64)
    kn = _head_split(cast(k_raw, f.feature, qk), cfg).astype(np.float64)
    acc = np.matmul(qn, kn.transpose(0, 2, 1)).astype(np.int64)  # exact integers
    frac = 2 * qk.frac_bits - cfg.attn_scale_log2  # the scale is a pure shift
    return quantize(acc, frac, f.feature)


def weighted_values(
    probs_raw: np.ndarray, v_raw: np.ndarray, p_fmt: FixedFormat, cfg: KernelConfig
) -> np.ndarray:
    """sum_j p[h, i, j] * V[j, h] -> (Tq, D) feature format, exact, one rounding.

    probs (heads, Tq, Tk) in ``p_fmt`` (unsigned); V (Tk, D) feature.  V is
    split into 16-bit limbs so each float64 partial sum is an exact integer
    (Tk * 2**(p bits + 16) <= 2**53, checked); the limb sums recombine in int64
    (checked against the data: the hardware accumulator is sized for
    sum_j p_j <= 2).
    """
    f = cfg.formats.feature
    tk = v_raw.shape[0]
    p_bits = p_fmt.width - p_fmt.signed
    if p_bits + _LIMB + max(tk - 1, 1).bit_length() > _FLOAT_EXACT_BITS:
        raise LinearError(f"A.V over {tk} keys of {p_fmt} is not exact in 53 bits")
    vh = _head_split(v_raw, cfg)  # (H, Tk, hd)
    p = probs_raw.astype(np.float64)
    lo = np.matmul(p, (vh & ((1 << _LIMB) - 1)).astype(np.float64))
    hi = np.matmul(p, (vh >> _LIMB).astype(np.float64))
    limit = float(2 ** (62 - _LIMB))
    if np.abs(hi).max(initial=0.0) >= limit:
        raise LinearError("A.V accumulator overflow: the probabilities do not sum to about 1")
    acc = (hi.astype(np.int64) << _LIMB) + lo.astype(np.int64)  # (H, Tq, hd)
    out = quantize(acc, p_fmt.frac_bits + f.frac_bits, f)
    return out.transpose(1, 0, 2).reshape(probs_raw.shape[1], cfg.dim)


def attention(
    q_raw: np.ndarray,
    k_raw: np.ndarray,
    v_raw: np.ndarray,
    cfg: KernelConfig,
    *,
    parallel: int | None = None,
    sequential: bool = False,
) -> np.ndarray:
    """Bit-exact multi-head attention softmax(Q K^T * scale) V, (T, D) feature format.

    Q, K, V: (T, D) raw feature format.  ``parallel`` is P, the number of query
    tokens per group (default ``cfg.attn_parallel``); the result does not
    depend on it.  Quantisation points, in order (see the module docstring):
    Q/K -> ``attn_qk``; one rounding of each score into the feature format; the
    softmax's own points (running max/sum, exp, reciprocal, probabilities -
    golden.softmax); one rounding of each A.V sum into the feature format.

    Execution: the queries are laid out as G = ceil(T / P) groups of P lanes;
    the tail group's unused lanes hold zero queries (idle lanes, their results
    dropped).  By default all groups run side by side - one loop over the key
    stream serves every group, each group seeing each key once, in order -
    which is fast; ``sequential=True`` runs the groups one after another as the
    hardware does.  Both give the same bits (tested), as does every P.
    """
    f = cfg.formats.feature
    q = check_raw("Q", q_raw, f, 2)
    k = check_raw("K", k_raw, f, 2)
    v = check_raw("V", v_raw, f, 2)
    if q.shape[1] != cfg.dim or k.shape != v.shape or k.shape[1] != cfg.dim:
        raise LinearError(
            f"attention needs Q (Tq, {cfg.dim}) and K, V (Tk, {cfg.dim}) of equal shape; "
            f"got {q.shape}, {k.shape}, {v.shape}"
        )
    if k.shape[0] == 0:
        raise LinearError("attention needs at least one key")
    p_par = cfg.attn_parallel if parallel is None else parallel
    if not isinstance(p_par, int | np.integer) or isinstance(p_par, bool) or p_par < 1:
        raise LinearError(f"query parallelism P must be a positive integer, got {parallel!r}")
    p_fmt = probability_format(cfg)
    tq = q.shape[0]
    if sequential:
        out = np.empty_like(q)
        for g0 in range(0, tq, p_par):
            g1 = min(g0 + p_par, tq)  # the tail group holds T mod P queries
            out[g0:g1] = _group(q[g0:g1], k, v, p_fmt, cfg)
        return out
    groups = -(-tq // p_par)
    lanes = np.zeros((groups * p_par, cfg.dim), dtype=np.int64)  # idle tail lanes: zeros
    lanes[:tq] = q
    return _group(lanes, k, v, p_fmt, cfg, groups)[:tq]


def _group(q, k, v, p_fmt, cfg, groups: int = 1) -> np.ndarray:
    """Queries q (groups * P, D), K and V (Tk, D) -> (groups * P, D): both passes."""
    heads, lanes, tk = cfg.heads, q.shape[0], k.shape[0]
    scores = attention_scores(q, k, cfg)  # pass 1: K streamed once per group
    laid = scores.reshape(heads, groups, lanes // groups, tk)  # (H, group, lane, key)
    row_max, row_sum = online_softmax_stats(laid, cfg)  # keys 0..Tk-1 in stream order
    probs = softmax_normalise(laid, row_max, row_sum, cfg)  # pass 2: V streamed once
    return weighted_values(probs.reshape(heads, lanes, tk), v, p_fmt, cfg)
