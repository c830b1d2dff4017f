"""Xilinx ap_fixed / ap_ufixed arithmetic on NumPy integer arrays.

A fixed-point array is a pair: an integer array of *raw* values and a
:class:`FixedFormat`.  The real number a raw value stands for is
``raw * 2**-fmt.frac_bits``; raw values always lie in
``[fmt.min_raw, fmt.max_raw]`` (two's complement for signed formats).

Everything here follows the semantics of Xilinx's ``ap_fixed<W, I, Q, O>``
(``ap_types`` headers, as shipped with Vitis HLS and hls4ml), and is proven
against them by ``golden/tests/test_fixed_vs_apfixed.py``:

* a narrowing first *quantises* (drops fractional bits, rounding by ``Q``),
  then handles *overflow* of the integer part by ``O``;
* ``+``, ``-`` and ``*`` are exact: their result format is wide enough to hold
  every result (ap_fixed's result-type rules, AP_TRN / AP_WRAP).

Raw arrays are ``int64`` while the format fits in 62 bits; wider formats (the
product of two 32-bit numbers, say) use ``dtype=object`` arrays of Python
integers, which are exact but slow.  Formats are limited to 64 bits.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np

__all__ = [
    "FixedFormat",
    "FixedPointError",
    "Overflow",
    "Quant",
    "add",
    "add_format",
    "ap_fixed",
    "ap_ufixed",
    "cast",
    "from_float",
    "mul",
    "mul_format",
    "quantize",
    "round_shift",
    "sub",
    "sub_format",
    "to_float",
]

MAX_WIDTH = 64
# Widest format whose intermediate values (one extra bit for rounding carries
# and sign handling) still fit comfortably in int64.
_INT64_SAFE_WIDTH = 62


class FixedPointError(ValueError):
    """An impossible format, or a value that the requested mode cannot represent."""


class Quant(Enum):
    """ap_fixed quantisation modes: what happens to dropped fractional bits."""

    TRN = "AP_TRN"  # floor (towards -inf)
    TRN_ZERO = "AP_TRN_ZERO"  # towards zero
    RND = "AP_RND"  # nearest, ties towards +inf
    RND_ZERO = "AP_RND_ZERO"  # nearest, ties towards zero
    RND_MIN_INF = "AP_RND_MIN_INF"  # nearest, ties towards -inf
    RND_INF = "AP_RND_INF"  # nearest, ties away from zero
    RND_CONV = "AP_RND_CONV"  # nearest, ties to even


class Overflow(Enum):
    """ap_fixed overflow modes: what happens when the integer part does not fit."""

    WRAP = "AP_WRAP"  # keep the low W bits
    SAT = "AP_SAT"  # clamp to [min, max]
    SAT_ZERO = "AP_SAT_ZERO"  # any overflow gives 0
    # clamp to [-max, max] (signed; as AP_SAT when unsigned).  ap_fixed makes the
    # minimum (raw min) | 1, so a 1-bit signed format still saturates to -1.
    SAT_SYM = "AP_SAT_SYM"


@dataclass(frozen=True)
class FixedFormat:
    """``ap_fixed<width, int_bits, quant, overflow>`` (or ``ap_ufixed`` when unsigned).

    ``int_bits`` counts the sign bit of signed formats and may be negative or
    larger than ``width`` (then ``frac_bits`` is negative), as in ap_fixed.
    """

    width: int
    int_bits: int
    signed: bool = True
    quant: Quant = Quant.TRN
    overflow: Overflow = Overflow.WRAP

    def __post_init__(self) -> None:
        if not isinstance(self.width, int | np.integer) or isinstance(self.width, bool):
            raise FixedPointError(f"width must be an integer, got {self.width!r}")
        if not isinstance(self.int_bits, int | np.integer) or isinstance(self.int_bits, bool):
            raise FixedPointError(f"int_bits must be an integer, got {self.int_bits!r}")
        if not 1 <= self.width <= MAX_WIDTH:
            raise FixedPointError(
                f"width {self.width} is outside 1..{MAX_WIDTH}, the widths this model supports"
            )
        if not isinstance(self.quant, Quant):
            raise FixedPointError(f"quant must be a Quant, got {self.quant!r}")
        if not isinstance(self.overflow, Overflow):
            raise FixedPointError(f"overflow must be an Overflow, got {self.overflow!r}")

    @property
    def frac_bits(self) -> int:
        return self.width - self.int_bits

    @property
    def min_raw(self) -> int:
        return -(1 << (self.width - 1)) if self.signed else 0

    @property
    def max_raw(self) -> int:
        return (1 << (self.width - 1)) - 1 if self.signed else (1 << self.width) - 1

    @property
    def lsb(self) -> float:
        """The value of one raw step, ``2**-frac_bits``."""
        return 2.0**-self.frac_bits

    @property
    def dtype(self) -> type:
        """The NumPy dtype of raw arrays in this format."""
        return np.int64 if self.width <= _INT64_SAFE_WIDTH else object

    def with_modes(self, quant: Quant | None = None, overflow: Overflow | None = None):
        return FixedFormat(
            self.width,
            self.int_bits,
            self.signed,
            self.quant if quant is None else quant,
            self.overflow if overflow is None else overflow,
        )

    def cpp_type(self) -> str:
        kind = "ap_fixed" if self.signed else "ap_ufixed"
        return f"{kind}<{self.width},{self.int_bits},{self.quant.value},{self.overflow.value}>"

    def __str__(self) -> str:
        return self.cpp_type()


def ap_fixed(
    width: int, int_bits: int, quant: Quant = Quant.TRN, overflow: Overflow = Overflow.WRAP
) -> FixedFormat:
    """The signed format ``ap_fixed<width, int_bits, quant, overflow>``."""
    return FixedFormat(width, int_bits, True, quant, overflow)


def ap_ufixed(
    width: int, int_bits: int, quant: Quant = Quant.TRN, overflow: Overflow = Overflow.WRAP
) -> FixedFormat:
    """The unsigned format ``ap_ufixed<width, int_bits, quant, overflow>``."""
    return FixedFormat(width, int_bits, False, quant, overflow)


# --------------------------------------------------------------------------
# Integer helpers


def _as_int_array(raw) -> np.ndarray:
    a = np.asarray(raw)
    if a.dtype == object:
        return a
    if not np.issubdtype(a.dtype, np.integer):
        raise FixedPointError(f"raw values must be integers, got dtype {a.dtype}")
    if a.dtype == np.uint64 and a.size and int(a.max()) > np.iinfo(np.int64).max:
        return a.astype(object)
    return a.astype(np.int64, copy=False)


def _fits_int64(a: np.ndarray, extra_bits: int) -> bool:
    """True when ``a`` shifted left by ``extra_bits`` still fits in int64."""
    if a.dtype != object:
        if a.size == 0:
            return True
        mag = max(abs(int(a.min())), abs(int(a.max())))
    else:
        mag = max((abs(int(v)) for v in a.flat), default=0)
    return mag.bit_length() + extra_bits <= _INT64_SAFE_WIDTH


def round_shift(raw, shift: int, quant: Quant) -> np.ndarray:
    """``raw * 2**-shift`` rounded to an integer by ``quant`` (exact integer maths).

    ``shift`` may be zero or negative (an exact left shift).  This is the one
    place where every quantisation mode is defined.
    """
    a = _as_int_array(raw)
    if shift <= 0:
        if a.dtype != object and not _fits_int64(a, -shift):
            a = a.astype(object)
        return a << -shift
    if a.dtype != object and shift > 62:
        a = a.astype(object)
    if quant is Quant.RND and a.dtype != object and _fits_int64(a, 0):
        # floor((a + half) / 2**shift) = floor + (rem >= half) below: one add and
        # one shift instead of the remainder's temporaries (10x faster).
        return (a + (1 << (shift - 1))) >> shift
    floor = a >> shift  # arithmetic shift: floor for negative values too
    if quant is Quant.TRN:
        return floor
    rem = a - (floor << shift)  # dropped bits, in [0, 2**shift)
    half = 1 << (shift - 1)
    negative = a < 0
    if quant is Quant.TRN_ZERO:
        up = negative & (rem != 0)
    elif quant is Quant.RND:
        up = rem >= half
    elif quant is Quant.RND_ZERO:
        up = (rem > half) | ((rem == half) & negative)
    elif quant is Quant.RND_MIN_INF:
        up = rem > half
    elif quant is Quant.RND_INF:
        up = (rem > half) | ((rem == half) & ~negative)
    elif quant is Quant.RND_CONV:
        up = (rem > half) | ((rem == half) & ((floor & 1) == 1))
    else:  # pragma: no cover - Enum is closed
        raise FixedPointError(f"unknown quantisation mode {quant!r}")
    return floor + up.astype(np.int64) if floor.dtype != object else floor + up.astype(int)


def _overflow(q: np.ndarray, fmt: FixedFormat) -> np.ndarray:
    """Bring the quantised integers ``q`` into ``fmt``'s raw range by its overflow mode."""
    lo, hi = fmt.min_raw, fmt.max_raw
    if fmt.dtype is object:
        q = np.asarray(q).astype(object)
    if fmt.overflow is Overflow.WRAP:
        modulus = 1 << fmt.width
        wrapped = q & (modulus - 1) if q.dtype == object else np.bitwise_and(q, modulus - 1)
        if fmt.signed:
            wrapped = np.where(wrapped > hi, wrapped - modulus, wrapped)
        return _to_fmt_dtype(wrapped, fmt)
    if fmt.overflow is Overflow.SAT_ZERO:
        out = np.where((q < lo) | (q > hi), 0, q)
        return _to_fmt_dtype(out, fmt)
    if fmt.overflow is Overflow.SAT_SYM and fmt.signed and fmt.width > 1:
        # ap_fixed forms the symmetric minimum as (raw min) | 1, which is -max
        # except for a 1-bit signed format, where it is the raw min (-1) again.
        lo = -hi
    return _to_fmt_dtype(np.clip(q, lo, hi) if q.dtype != object else _clip_obj(q, lo, hi), fmt)


def _clip_obj(q: np.ndarray, lo: int, hi: int) -> np.ndarray:
    out = np.where(q < lo, lo, q)
    return np.where(out > hi, hi, out)


def _to_fmt_dtype(a: np.ndarray, fmt: FixedFormat) -> np.ndarray:
    a = np.asarray(a)
    if fmt.dtype is object:
        return a.astype(object)
    return a.astype(np.int64)


# --------------------------------------------------------------------------
# Conversions


def quantize(raw, frac_bits: int, fmt: FixedFormat, *, strict: bool = False) -> np.ndarray:
    """Convert the exact values ``raw * 2**-frac_bits`` to ``fmt``.

    Quantisation by ``fmt.quant``, then overflow by ``fmt.overflow``.  With
    ``strict=True`` an out-of-range value raises :class:`FixedPointError`
    naming the first offender instead of being wrapped or saturated: use it
    where the datapath's design says an overflow cannot happen.
    """
    q = round_shift(raw, frac_bits - fmt.frac_bits, fmt.quant)
    if strict:
        bad = (q < fmt.min_raw) | (q > fmt.max_raw)
        if np.any(bad):
            index = tuple(int(i) for i in np.argwhere(bad)[0])
            value = int(np.asarray(raw)[index]) * 2.0**-frac_bits
            raise FixedPointError(
                f"value {value!r} at index {index} does not fit {fmt} "
                f"(range [{fmt.min_raw * fmt.lsb!r}, {fmt.max_raw * fmt.lsb!r}])"
            )
    return _overflow(q, fmt)


def cast(raw, src: FixedFormat, dst: FixedFormat, *, strict: bool = False) -> np.ndarray:
    """ap_fixed assignment ``dst_type y = x`` for ``x`` of type ``src``."""
    return quantize(raw, src.frac_bits, dst, strict=strict)


def to_float(raw, fmt: FixedFormat) -> np.ndarray:
    """The values as float64 (exact while the format has at most 53 significant bits)."""
    a = np.asarray(raw)
    if a.dtype == object:
        # float(int) rounds to nearest-even like astype(float64); scale with
        # ldexp, as 2.0**-frac_bits would flush to zero past 2**-1074.
        a = np.array([float(v) for v in a.flat], dtype=np.float64).reshape(a.shape)
    return np.ldexp(a.astype(np.float64), -fmt.frac_bits)


def from_float(x, fmt: FixedFormat, *, strict: bool = False) -> np.ndarray:
    """ap_fixed's constructor from ``double``: exact value, then quant and overflow modes.

    Every float64 is a dyadic rational, so the conversion is exact before the
    single rounding ``fmt.quant`` asks for; a value exactly halfway between two
    steps rounds by that mode's tie rule.  NaN and infinities raise
    :class:`FixedPointError`.

    Subnormal doubles are taken at their exact value.  (ap_fixed's C++
    constructor gives them a normal double's implicit leading 1 at exponent
    -1023; that only changes the result for formats with more than about
    1020 fractional bits, where this model and the C++ differ on purpose.)
    """
    xf = np.asarray(x, dtype=np.float64)
    if not np.all(np.isfinite(xf)):
        index = tuple(int(i) for i in np.argwhere(~np.isfinite(xf))[0])
        raise FixedPointError(f"cannot convert non-finite value {xf[index]!r} at {index} to {fmt}")
    # x = mant * 2**exp with |mant| in [0.5, 1); as an integer, m * 2**(exp - 53).
    mant, exp = np.frexp(xf)
    m = np.ldexp(mant, 53).astype(np.int64)  # exact: 53 significant bits
    # value * 2**frac_bits = m * 2**(exp - 53 + frac_bits): a right shift by s.
    s = 53 - exp - fmt.frac_bits
    # Past a 55-bit right shift only the sign and "nonzero below one half"
    # matter to every rounding mode: collapse those to +-1 shifted by 2 (=+-0.25).
    tiny = s > 55
    m = np.where(tiny, np.sign(m), m)
    s = np.where(tiny, 2, s)
    # Left shifts beyond width+1 only matter for overflow (and wrap to zero bits):
    # clamp so the integer stays exact and small.
    big = s < -(fmt.width + 1)
    s = np.where(big, -(fmt.width + 1), s)
    out = np.empty(xf.shape, dtype=fmt.dtype)
    for shift in np.unique(s):
        sel = s == shift
        mm = m[sel]
        if shift < 0 and (fmt.dtype is object or not _fits_int64(mm, -int(shift))):
            mm = mm.astype(object)
        q = round_shift(mm, int(shift), fmt.quant)
        if strict:
            _check_strict(q, xf[sel], fmt)
        out[sel] = _overflow(np.asarray(q), fmt)
    # A value that was clamped by `big` has the same low `width` bits as the
    # true value only if those bits are zero: m << (width+1) has zero low bits,
    # and so has the true value (it is m shifted further left). Wrap is exact.
    return out


def _check_strict(q: np.ndarray, xf: np.ndarray, fmt: FixedFormat) -> None:
    bad = (q < fmt.min_raw) | (q > fmt.max_raw)
    if np.any(bad):
        first = xf[np.argmax(bad)]
        raise FixedPointError(f"value {first!r} does not fit {fmt}")


# --------------------------------------------------------------------------
# Exact arithmetic with ap_fixed's result types


def add_format(a: FixedFormat, b: FixedFormat) -> FixedFormat:
    """ap_fixed's ``RTYPE::plus``: one more integer bit than the wider operand."""
    frac = max(a.frac_bits, b.frac_bits)
    ints = max(a.int_bits + (b.signed and not a.signed), b.int_bits + (a.signed and not b.signed))
    ints += 1
    return _result_format(ints + frac, ints, a.signed or b.signed)


def sub_format(a: FixedFormat, b: FixedFormat) -> FixedFormat:
    """ap_fixed's ``RTYPE::minus``: as plus, but always signed."""
    f = add_format(a, b)
    return _result_format(f.width, f.int_bits, True)


def mul_format(a: FixedFormat, b: FixedFormat) -> FixedFormat:
    """ap_fixed's ``RTYPE::mult``: widths and integer bits add."""
    return _result_format(a.width + b.width, a.int_bits + b.int_bits, a.signed or b.signed)


def _result_format(width: int, int_bits: int, signed: bool) -> FixedFormat:
    if width > MAX_WIDTH:
        raise FixedPointError(
            f"the exact result needs {width} bits, more than the {MAX_WIDTH} this model supports"
        )
    return FixedFormat(width, int_bits, signed)


def _aligned(raw, fmt: FixedFormat, frac: int) -> np.ndarray:
    a = _as_int_array(raw)
    shift = frac - fmt.frac_bits
    if a.dtype != object and not _fits_int64(a, shift):
        a = a.astype(object)
    return a << shift


def add(a, a_fmt: FixedFormat, b, b_fmt: FixedFormat) -> tuple[np.ndarray, FixedFormat]:
    """Exact ``a + b``; returns ``(raw, result_format)``."""
    fmt = add_format(a_fmt, b_fmt)
    r = _aligned(a, a_fmt, fmt.frac_bits) + _aligned(b, b_fmt, fmt.frac_bits)
    return _to_fmt_dtype(r, fmt), fmt


def sub(a, a_fmt: FixedFormat, b, b_fmt: FixedFormat) -> tuple[np.ndarray, FixedFormat]:
    """Exact ``a - b``; returns ``(raw, result_format)``."""
    fmt = sub_format(a_fmt, b_fmt)
    r = _aligned(a, a_fmt, fmt.frac_bits) - _aligned(b, b_fmt, fmt.frac_bits)
    return _to_fmt_dtype(r, fmt), fmt


def mul(a, a_fmt: FixedFormat, b, b_fmt: FixedFormat) -> tuple[np.ndarray, FixedFormat]:
    """Exact ``a * b``; returns ``(raw, result_format)``."""
    fmt = mul_format(a_fmt, b_fmt)
    aa, bb = _as_int_array(a), _as_int_array(b)
    if fmt.dtype is object:
        aa, bb = aa.astype(object), bb.astype(object)
    return _to_fmt_dtype(aa * bb, fmt), fmt
