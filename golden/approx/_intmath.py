"""Exact integer helpers shared by the approximation datapaths (int64 NumPy arrays).

These are the hardware's leading-one detector, barrel shifter with rounding
and a multiplier followed by a rounding shift; each is exact, and the
rounding modes are those of :func:`golden.fixed.round_shift` (AP_TRN and
AP_RND, the two the approximation formats may use).
"""

from __future__ import annotations

import numpy as np

from golden.fixed import FixedFormat, Quant

__all__ = ["bit_length", "mul_round_shift", "saturate", "shift_round"]


def bit_length(x: np.ndarray) -> np.ndarray:
    """``int.bit_length`` of every non-negative int64 (0 for 0): the leading-one position + 1."""
    x = np.asarray(x, dtype=np.int64)
    _, e = np.frexp(x.astype(np.float64))
    e = e.astype(np.int64)
    # float64 rounding can carry a 54+-bit value up to the next power of two.
    too_big = (e > 0) & ((x >> np.clip(e - 1, 0, 63)) == 0)
    return e - too_big


def shift_round(x: np.ndarray, shift: np.ndarray, quant: Quant) -> np.ndarray:
    """``x * 2**-shift`` rounded to an integer by ``quant``, with a per-element shift.

    ``x`` must be non-negative and below 2**62; a negative shift is an exact
    left shift (the caller saturates: results are clipped to 2**62 - 1).
    Shifts beyond 62 give 0 (the value is below 1/2).
    """
    x = np.asarray(x, dtype=np.int64)
    if x.size and x.min() < 0:
        raise ValueError("shift_round takes non-negative values")
    s = np.asarray(shift, dtype=np.int64)
    any_left = bool(s.size) and int(s.min()) < 0
    right = np.minimum(np.maximum(s, 0) if any_left else s, 62)
    if quant is Quant.TRN:
        out = x >> right
    elif quant is Quant.RND:
        # x < 2**62 and the half <= 2**61: no overflow; (1 << (r-1)) is 0 for r = 0.
        out = (x + ((1 << right) >> 1)) >> right
    else:
        raise ValueError(f"rounding mode {quant} is not supported here (AP_TRN, AP_RND)")
    if s.size and int(s.max()) > 62:  # x * 2**-63 < 1/2: 0 in both modes
        out = np.where(s > 62, 0, out)
    if not any_left:
        return out
    left = np.minimum(np.maximum(-s, 0), 62)
    room = 62 - bit_length(out)
    big = left > room
    return np.where(big, (1 << 62) - 1, out << np.where(big, 0, left))


def saturate(raw: np.ndarray, fmt: FixedFormat) -> np.ndarray:
    """Clip to ``fmt``'s raw range (the SAT overflow mode); WRAP formats must not overflow."""
    raw = np.asarray(raw, dtype=np.int64)
    if fmt.overflow.name.startswith("SAT"):
        return np.clip(raw, fmt.min_raw, fmt.max_raw)
    if raw.size and (raw.min() < fmt.min_raw or raw.max() > fmt.max_raw):
        raise ValueError(f"value outside {fmt}, whose overflow mode is not saturating")
    return raw


def mul_round_shift(a: np.ndarray, b: np.ndarray, shift: np.ndarray, quant: Quant) -> np.ndarray:
    """``a * b * 2**-shift`` rounded by ``quant``, exactly, for signed a (< 2**62), 0 <= b <= 2**31.

    The product may need up to 93 bits; it is never formed.  With
    a = ah * 2**31 + al (0 <= al < 2**31) and L = al * b + bias (bias =
    2**(shift - 1) for AP_RND, else 0), floor((a*b + bias) / 2**shift) is
    (ah * b + (L >> 31)) >> (shift - 31) for shift >= 31, and
    ((ah * b) << (31 - shift)) + (L >> shift) below (which must fit int64).
    Requires 0 < shift <= 62.
    """
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    s = np.broadcast_to(np.asarray(shift, dtype=np.int64), np.broadcast(a, b).shape)
    if b.size and (b.min() < 0 or b.max() > 1 << 31):
        raise ValueError("mul_round_shift: b must lie in [0, 2**31]")
    if s.size and (s.min() < 1 or s.max() > 62):
        raise ValueError("mul_round_shift: shift must lie in 1..62")
    if quant is Quant.RND:
        bias = np.left_shift(1, s - 1)
    elif quant is Quant.TRN:
        bias = np.zeros_like(s)
    else:
        raise ValueError(f"rounding mode {quant} is not supported here (AP_TRN, AP_RND)")
    ah, al = a >> 31, a & ((1 << 31) - 1)
    hi = ah * b  # |ah| <= 2**31, b <= 2**31
    low = al * b + bias  # < 2**62 + 2**61
    wide = s >= 31
    out_wide = (hi + (low >> 31)) >> np.where(wide, s - 31, 0)
    narrow_shift = np.where(wide, 0, 31 - s)
    if np.any(~wide):
        mag = np.abs(hi[~wide]) if hi.ndim else np.abs(hi)
        if mag.size and int(mag.max()).bit_length() + int(narrow_shift.max()) > 61:
            raise OverflowError("mul_round_shift: result exceeds int64")
    out_narrow = (hi << narrow_shift) + (low >> np.where(wide, 0, s))
    return np.where(wide, out_wide, out_narrow)


def round_half_up_shift(x: np.ndarray, shift: int) -> np.ndarray:
    """``floor(x * 2**-shift + 1/2)`` for signed int64 ``x`` and a constant shift > 0 (AP_RND)."""
    return (x + (1 << (shift - 1))) >> shift


def check_positive_input(x_raw, in_fmt: FixedFormat, what: str) -> np.ndarray:
    """Raw values of ``in_fmt`` as int64, rejecting values <= 0 and values outside the format."""
    x = np.asarray(x_raw)
    if not isinstance(in_fmt, FixedFormat):
        raise TypeError(f"{what}: in_fmt must be a FixedFormat, got {in_fmt!r}")
    if not np.issubdtype(x.dtype, np.integer):
        raise ValueError(f"{what} takes raw integer values, got dtype {x.dtype}")
    if in_fmt.width > 62:
        raise ValueError(f"{what}: input format {in_fmt} is wider than 62 bits")
    x = x.astype(np.int64)
    if x.size and x.min() <= 0:
        bad = int(x.min())
        raise ValueError(f"{what} is defined for x > 0 only; got x = {bad * in_fmt.lsb!r}")
    if x.size and x.max() > in_fmt.max_raw:
        raise ValueError(f"{what}: input {int(x.max())} (raw) is outside {in_fmt}")
    return x


def interpolate(table: np.ndarray, m: np.ndarray, mant_bits: int, step_log2: int,
                table_bits: int) -> np.ndarray:  # fmt: skip
    """Linear interpolation of ``table`` (entries at 1 + i * 2**-step_log2) at the mantissa m.

    ``m`` has ``mant_bits`` fraction bits and lies in [1, 1 + (len(table) - 1) * 2**-s).
    i = (m - 1) >> (mant_bits - s), r = the bits below; the interpolation
    T[i] * 2**(mant_bits - s) + (T[i+1] - T[i]) * r is exact with table_bits +
    mant_bits - s fraction bits and is rounded once, half up, to mant_bits.
    """
    low = mant_bits - step_log2
    i = segment_index(m, mant_bits, step_log2)
    r = m & ((1 << low) - 1)
    acc = (table[i] << low) + (table[i + 1] - table[i]) * r
    return round_half_up_shift(acc, table_bits + low - mant_bits)


def segment_index(m: np.ndarray, mant_bits: int, step_log2: int) -> np.ndarray:
    """The table segment of the mantissa m (``mant_bits`` fraction bits, m >= 1):
    i = (m - 1) >> (mant_bits - step_log2), the interval [1 + i 2**-s, 1 + (i+1) 2**-s)."""
    return (m >> (mant_bits - step_log2)) - (1 << step_log2)
