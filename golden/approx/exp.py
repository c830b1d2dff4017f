"""exp(x) for x <= 0, as the hardware computes it: base-2 range reduction and a 2^-f table."""

from __future__ import annotations

import numpy as np

from golden.approx._intmath import saturate, shift_round
from golden.approx.tables import exp2_neg_table, log2e_constant
from golden.config import KernelConfig
from golden.fixed import Quant, round_shift

__all__ = ["EXP_INPUT_MIN_RAW_BITS", "exp_neg", "exp_range_reduction"]

# Inputs are differences of two features (ap_fixed<W+1, I+1>): |x| < 2**(W) raw.
EXP_INPUT_MIN_RAW_BITS = 32
# Below -64 every output rounds to 0 (exp(-64) < 2**-92); the input is clamped there.
_CLAMP_LOG2 = 6


def exp_neg(x_raw: np.ndarray, cfg: KernelConfig) -> np.ndarray:
    """Bit-exact exp(x) for x <= 0; raw feature-format input, raw ``formats.exp_out`` output.

    The input has the feature format's F fraction bits and may be any value
    in [-2**32, 0] raw (the difference of two features, ap_fixed<33, 11>).
    With ``cfg.exp`` = (log2e_bits Lc, t_frac_bits Ft, step_log2 S,
    table_bits B), the ROM T of ``golden.approx.tables.exp2_neg_table`` and the output
    format ``ap_ufixed<Wo, Io>`` with Fo fraction bits:

    1. Clamp: xc = max(x, -64) (exact; exp(-64) < 2**-92 rounds to 0 anyway).
    2. u = -xc * C with C = round(log2(e) * 2**Lc) (``golden.approx.tables.log2e_constant``):
       t = -x log2(e) held exactly with F + Lc fraction bits (< 2**61).
    3. Quantisation point 1: t rounded to Ft fraction bits, round half up (AP_RND).
    4. k = t >> Ft (integer part), f = t mod 2**Ft; i = f >> (Ft - S) selects the
       segment and r = f mod 2**(Ft - S) the position in it.
    5. acc = T[i] * 2**(Ft - S) + (T[i+1] - T[i]) * r: 2**-f interpolated,
       exactly, with B + Ft - S fraction bits.
    6. Quantisation point 2 (with the shift by k in one step): y = acc * 2**-k
       rounded to Fo fraction bits by exp_out's quantisation mode (AP_RND:
       half up), then exp_out's overflow mode (only exp(0) = 1 is near the top,
       and it is exact).  Values below half an output LSB flush to 0.

    Raises ValueError for x > 0 or x below -2**32 raw.
    """
    f, e = cfg.formats, cfg.exp
    x = np.asarray(x_raw)
    if not np.issubdtype(x.dtype, np.integer):
        raise ValueError(f"exp_neg takes raw integer values, got dtype {x.dtype}")
    x = x.astype(np.int64)
    if x.size and x.max() > 0:
        raise ValueError(
            f"exp_neg is defined for x <= 0 only; got x = {int(x.max()) * f.feature.lsb!r}"
        )
    if x.size and x.min() < -(1 << EXP_INPUT_MIN_RAW_BITS):
        raise ValueError(
            f"exp_neg input {int(x.min())} (raw) is below -2**{EXP_INPUT_MIN_RAW_BITS}, "
            f"the range of a difference of two features"
        )
    k, i, r = _reduce(x, cfg)
    m = e.t_frac_bits - e.step_log2
    table = exp2_neg_table(e)
    acc = (table[i] << m) + (table[i + 1] - table[i]) * r
    y = shift_round(acc, e.table_bits + m + k - f.exp_out.frac_bits, f.exp_out.quant)
    return saturate(y, f.exp_out)


def _reduce(x: np.ndarray, cfg: KernelConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Steps 1-4 of :func:`exp_neg`: the shift k, the segment i and the position r."""
    F, e = cfg.formats.feature.frac_bits, cfg.exp
    xc = np.maximum(x, -(1 << (F + _CLAMP_LOG2)))
    u = -xc * log2e_constant(e)  # F + Lc fraction bits
    t = round_shift(u, F + e.log2e_bits - e.t_frac_bits, Quant.RND)
    k = t >> e.t_frac_bits
    frac = t & ((1 << e.t_frac_bits) - 1)
    m = e.t_frac_bits - e.step_log2
    return k, frac >> m, frac & ((1 << m) - 1)


def exp_range_reduction(x_raw: np.ndarray, cfg: KernelConfig) -> tuple[np.ndarray, np.ndarray]:
    """The range-reduction class of each raw input x <= 0 of :func:`exp_neg`:
    the shift k (the result is 2**-k times the table's 2**-f) and the table
    segment i."""
    k, i, _ = _reduce(np.asarray(x_raw, dtype=np.int64), cfg)
    return k, i
