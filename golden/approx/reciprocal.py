"""1/x for x > 0: normalise by the leading one, table seed + Newton-Raphson, denormalise."""

from __future__ import annotations

import numpy as np

from golden.approx._intmath import (
    bit_length,
    check_positive_input,
    interpolate,
    round_half_up_shift,
    saturate,
    segment_index,
    shift_round,
)
from golden.approx.tables import recip_table
from golden.config import KernelConfig, RecipConfig, RsqrtConfig
from golden.fixed import FixedFormat

__all__ = [
    "NEWTON_GUARD_BITS",
    "newton_mantissa",
    "normalise",
    "reciprocal",
    "reciprocal_mantissa",
    "reciprocal_parts",
    "reciprocal_range_reduction",
]

# The Newton residual 1 - m*y (|.| < 2**-9 after the seed) keeps mant_bits + 10 fraction bits.
NEWTON_GUARD_BITS = 10


def normalise(x: np.ndarray, target_bits: np.ndarray, mant_bits: int) -> np.ndarray:
    """x * 2**(mant_bits - target_bits): left shifts exact, right shifts truncate (AP_TRN)."""
    s = mant_bits - target_bits
    return np.where(s >= 0, x << np.maximum(s, 0), x >> np.maximum(-s, 0))


def reciprocal_parts(
    x_raw, in_fmt: FixedFormat, cfg: KernelConfig
) -> tuple[np.ndarray, np.ndarray]:
    """The reciprocal unit's output: 1/x = mant * 2**(scale - M), mant in about (1/2, 1].

    ``x_raw`` are raw values of ``in_fmt`` (at most 62 bits wide), all > 0.
    With M = ``cfg.recip.mant_bits``, S = ``step_log2``, B = ``table_bits`` and
    the ROM R of ``golden.approx.tables.recip_table``:

    1. Normalise: p = leading-one position of x (bit_length - 1), so that
       x = m * 2**(p - F_in) with m in [1, 2); m is held with M fraction bits.
       Quantisation point 1: when x has more than M + 1 significant bits the
       bits below are dropped (truncation, AP_TRN; relative error < 2**-M).
    2. Seed: y = R interpolated at m (``interpolate``), exact, then
       quantisation point 2: rounded half up to M fraction bits.
    3. ``newton_steps`` times: d = 1 - m*y, exact with 2M fraction bits;
       quantisation point 3: d rounded half up to M + 10 fraction bits;
       quantisation point 4: y += y*d rounded half up to M fraction bits.
    4. scale = F_in - p (an integer per element): 1/x = y * 2**(scale - M).

    Raises ValueError for x <= 0 or x outside ``in_fmt``.
    """
    p, m = _normalised(x_raw, in_fmt, cfg)
    return reciprocal_mantissa(m, cfg), in_fmt.frac_bits - p


def _normalised(x_raw, in_fmt: FixedFormat, cfg: KernelConfig) -> tuple[np.ndarray, np.ndarray]:
    """Step 1 of :func:`reciprocal_parts`: the leading-one position p and the mantissa m."""
    x = check_positive_input(x_raw, in_fmt, "reciprocal")
    p = bit_length(x) - 1
    return p, normalise(x, p, cfg.recip.mant_bits)


def reciprocal_range_reduction(
    x_raw, in_fmt: FixedFormat, cfg: KernelConfig
) -> tuple[np.ndarray, np.ndarray]:
    """The range-reduction class of each input of :func:`reciprocal_parts`: its
    leading-one position p (the exponent) and the seed table segment of its
    mantissa."""
    p, m = _normalised(x_raw, in_fmt, cfg)
    return p, segment_index(m, cfg.recip.mant_bits, cfg.recip.step_log2)


def reciprocal_mantissa(m: np.ndarray, cfg: KernelConfig) -> np.ndarray:
    """Steps 2-3 of :func:`reciprocal_parts`: y ~ 1/m for raw mantissas m in [1, 2)
    with M fraction bits (not checked: the exhaustive error measurement calls this
    directly on every mantissa)."""
    return newton_mantissa(m, cfg.recip, recip_table(cfg.recip), root=False)


def newton_mantissa(
    m: np.ndarray, c: RecipConfig | RsqrtConfig, table: np.ndarray, *, root: bool
) -> np.ndarray:
    """The seed and Newton steps both units share (as the RTL's ``nr_core`` with its
    ``ROOT`` parameter): y ~ 1/m (``root`` False) or 1/sqrt(m) (``root`` True) for
    raw mantissas m with M = ``c.mant_bits`` fraction bits, from the ROM ``table``
    of ``c``.

    The seed is ``table`` interpolated at m, rounded half up to M fraction bits.
    Each step: P = y (1/m) or y*y rounded half up to M fraction bits (1/sqrt(m));
    d = 1 - m*P, exact with 2M fraction bits, rounded half up to M + 10; then
    y += y*d (1/m) or y*d/2 (1/sqrt(m)), rounded half up to M fraction bits.
    """
    M = c.mant_bits
    y = interpolate(table, m, M, c.step_log2, c.table_bits)
    for _ in range(c.newton_steps):
        p = round_half_up_shift(y * y, M) if root else y
        d = round_half_up_shift((1 << (2 * M)) - m * p, M - NEWTON_GUARD_BITS)
        y = y + round_half_up_shift(y * d, M + NEWTON_GUARD_BITS + int(root))
    return y


def denormalise(mant: np.ndarray, scale: np.ndarray, mant_bits: int,
                out_fmt: FixedFormat) -> np.ndarray:  # fmt: skip
    """mant * 2**(scale - mant_bits) in ``out_fmt``: one rounding by its quantisation
    mode, then its overflow mode (values too large saturate, values below half an
    LSB round to 0)."""
    if out_fmt.signed or out_fmt.width > 62:
        raise ValueError(f"output format {out_fmt} must be unsigned and at most 62 bits")
    raw = shift_round(mant, mant_bits - scale - out_fmt.frac_bits, out_fmt.quant)
    return saturate(raw, out_fmt)


def reciprocal(
    x_raw, in_fmt: FixedFormat, cfg: KernelConfig, out_fmt: FixedFormat | None = None
) -> tuple[np.ndarray, FixedFormat]:
    """Bit-exact 1/x of raw ``in_fmt`` values (x > 0); returns ``(raw, out_fmt)``.

    ``reciprocal_parts`` (all its quantisation points), then one more:
    the result is rounded into ``out_fmt`` (default ``cfg.formats.recip_out``)
    by its quantisation mode and saturated by its overflow mode
    (``denormalise``).  A fixed-point output has relative precision only
    where 1/x is well above its LSB; datapaths that need it everywhere use
    ``reciprocal_parts`` and fold the exponent into their own rounding.
    """
    out_fmt = cfg.formats.recip_out if out_fmt is None else out_fmt
    mant, scale = reciprocal_parts(x_raw, in_fmt, cfg)
    return denormalise(mant, scale, cfg.recip.mant_bits, out_fmt), out_fmt
