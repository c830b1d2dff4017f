"""1/sqrt(x) for x > 0: normalise by an even shift, table seed + Newton-Raphson, denormalise."""

from __future__ import annotations

import numpy as np

from golden.approx._intmath import bit_length, check_positive_input, segment_index
from golden.approx.reciprocal import denormalise, newton_mantissa, normalise
from golden.approx.tables import rsqrt_table
from golden.config import KernelConfig
from golden.fixed import FixedFormat

__all__ = ["rsqrt", "rsqrt_mantissa", "rsqrt_parts", "rsqrt_range_reduction"]


def rsqrt_parts(x_raw, in_fmt: FixedFormat, cfg: KernelConfig) -> tuple[np.ndarray, np.ndarray]:
    """The rsqrt unit's output: 1/sqrt(x) = mant * 2**(scale - M), mant in about (1/2, 1].

    ``x_raw`` are raw values of ``in_fmt`` (at most 62 bits wide), all > 0.
    With M = ``cfg.rsqrt.mant_bits``, S = ``step_log2`` and the ROM Q of
    ``golden.approx.tables.rsqrt_table`` (entries at m = 1 + i * 2**-S, m in [1, 4]):

    1. Normalise by an even shift: p = leading-one position, e = floor((p - F_in) / 2),
       x = m * 2**(2e) with m in [1, 4), m held with M fraction bits.
       Quantisation point 1: bits below are dropped (AP_TRN) when x has more
       than M + 2 significant bits (relative error < 2**-M).
    2. Seed: y = Q interpolated at m, exact, then quantisation point 2:
       rounded half up to M fraction bits.
    3. ``newton_steps`` times: quantisation point 3: y2 = y*y rounded half up
       to M fraction bits; d = 1 - m*y2, exact with 2M fraction bits;
       quantisation point 4: d rounded half up to M + 10 fraction bits;
       quantisation point 5: y += y*d/2 rounded half up to M fraction bits.
    4. scale = -e: 1/sqrt(x) = y * 2**(scale - M).

    Raises ValueError for x <= 0 or x outside ``in_fmt``.
    """
    e, m = _normalised(x_raw, in_fmt, cfg)
    return rsqrt_mantissa(m, cfg), -e


def _normalised(x_raw, in_fmt: FixedFormat, cfg: KernelConfig) -> tuple[np.ndarray, np.ndarray]:
    """Step 1 of :func:`rsqrt_parts`: the even-shift exponent e and the mantissa m."""
    x = check_positive_input(x_raw, in_fmt, "rsqrt")
    p = bit_length(x) - 1
    e = (p - in_fmt.frac_bits) >> 1  # floor division by 2
    return e, normalise(x, in_fmt.frac_bits + 2 * e, cfg.rsqrt.mant_bits)


def rsqrt_range_reduction(
    x_raw, in_fmt: FixedFormat, cfg: KernelConfig
) -> tuple[np.ndarray, np.ndarray]:
    """The range-reduction class of each input of :func:`rsqrt_parts`: its exponent
    e (x = m * 2**(2e)) and the seed table segment of its mantissa m in [1, 4)."""
    e, m = _normalised(x_raw, in_fmt, cfg)
    return e, segment_index(m, cfg.rsqrt.mant_bits, cfg.rsqrt.step_log2)


def rsqrt_mantissa(m: np.ndarray, cfg: KernelConfig) -> np.ndarray:
    """Steps 2-3 of :func:`rsqrt_parts`: y ~ 1/sqrt(m) for raw mantissas m in [1, 4)
    with M fraction bits (not checked: the exhaustive error measurement calls this
    directly on every mantissa)."""
    return newton_mantissa(m, cfg.rsqrt, rsqrt_table(cfg.rsqrt), root=True)


def rsqrt(
    x_raw, in_fmt: FixedFormat, cfg: KernelConfig, out_fmt: FixedFormat | None = None
) -> tuple[np.ndarray, FixedFormat]:
    """Bit-exact 1/sqrt(x) of raw ``in_fmt`` values (x > 0); returns ``(raw, out_fmt)``.

    ``rsqrt_parts`` (all its quantisation points), then one more: the result
    is rounded into ``out_fmt`` (default ``cfg.formats.rsqrt_out``) by its
    quantisation mode and saturated by its overflow mode.  Datapaths that
    need relative precision over the whole range (LayerNorm) use
    ``rsqrt_parts`` and fold the exponent into their own rounding.
    """
    out_fmt = cfg.formats.rsqrt_out if out_fmt is None else out_fmt
    mant, scale = rsqrt_parts(x_raw, in_fmt, cfg)
    return denormalise(mant, scale, cfg.rsqrt.mant_bits, out_fmt), out_fmt
