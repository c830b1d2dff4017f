"""Unit tests of golden.fixed that need no compiler.

Every expected value is worked out by hand from the ap_fixed definition
(value = raw * 2**-F, F = W - I; the quantisation mode decides what happens to
the dropped bits, the overflow mode to the integer part), never by running
the code under test.  The comparison against real ap_fixed C++ is in
test_fixed_vs_apfixed.py.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pytest

from golden.fixed import (
    FixedFormat,
    FixedPointError,
    Overflow,
    Quant,
    add,
    add_format,
    ap_fixed,
    ap_ufixed,
    cast,
    from_float,
    mul,
    mul_format,
    quantize,
    sub,
    sub_format,
    to_float,
)

Q = Quant
Ov = Overflow

# ---------------------------------------------------------------------------
# formats


def test_format_properties():
    f = ap_fixed(32, 10)
    assert (f.width, f.int_bits, f.signed, f.frac_bits) == (32, 10, True, 22)
    assert (f.min_raw, f.max_raw) == (-(2**31), 2**31 - 1)
    assert (f.quant, f.overflow) == (Q.TRN, Ov.WRAP)  # ap_fixed's defaults
    u = ap_ufixed(8, 0)
    assert (u.signed, u.frac_bits, u.min_raw, u.max_raw) == (False, 8, 0, 255)
    assert ap_fixed(8, 12).frac_bits == -4  # LSB weight 16
    assert ap_fixed(8, -4).frac_bits == 12
    assert ap_fixed(8, 4) == FixedFormat(8, 4, True, Q.TRN, Ov.WRAP)


def test_cpp_type_spelling():
    assert ap_fixed(32, 10, Q.RND, Ov.SAT).cpp_type() == "ap_fixed<32,10,AP_RND,AP_SAT>"
    assert ap_ufixed(8, 0).cpp_type() == "ap_ufixed<8,0,AP_TRN,AP_WRAP>"
    assert ap_fixed(6, -3, Q.RND_CONV, Ov.SAT_SYM).cpp_type() == (
        "ap_fixed<6,-3,AP_RND_CONV,AP_SAT_SYM>"
    )
    assert [q.value for q in Q] == [
        "AP_TRN",
        "AP_TRN_ZERO",
        "AP_RND",
        "AP_RND_ZERO",
        "AP_RND_MIN_INF",
        "AP_RND_INF",
        "AP_RND_CONV",
    ]
    assert [o.value for o in Ov] == ["AP_WRAP", "AP_SAT", "AP_SAT_ZERO", "AP_SAT_SYM"]


@pytest.mark.parametrize("width", [0, -1, -64, 65, 128, 1 << 20])
def test_width_out_of_range_is_rejected(width):
    with pytest.raises(FixedPointError, match=rf"width {width}\b.*1\.\.64"):
        ap_fixed(width, 0)
    with pytest.raises(FixedPointError, match="width"):
        ap_ufixed(width, 0)


@pytest.mark.parametrize(
    ("width", "int_bits"), [(8.0, 4), (True, 0), ("8", 4), (8, 4.0), (8, None)]
)
def test_non_integer_format_parameters_are_rejected(width, int_bits):
    with pytest.raises(FixedPointError, match="must be an integer"):
        FixedFormat(width, int_bits)


def test_modes_must_be_enums():
    with pytest.raises(FixedPointError, match="quant must be a Quant"):
        FixedFormat(8, 4, True, "AP_RND")
    with pytest.raises(FixedPointError, match="overflow must be an Overflow"):
        FixedFormat(8, 4, True, Q.RND, "AP_SAT")


def test_fixed_point_error_is_a_value_error():
    assert issubclass(FixedPointError, ValueError)


@pytest.mark.parametrize("overflow", list(Ov))
@pytest.mark.parametrize("quant", list(Q))
def test_every_mode_is_allowed_signed_and_unsigned(quant, overflow):
    # ap_fixed rejects only AP_WRAP_SM for unsigned types, which is not modelled;
    # AP_SAT_SYM on ap_ufixed is legal (and saturates like AP_SAT).
    for signed in (True, False):
        for width, int_bits in ((1, 0), (1, 1), (64, 64), (64, -100), (5, 200)):
            FixedFormat(width, int_bits, signed, quant, overflow)


def test_widths_1_and_64_are_allowed():
    assert ap_fixed(1, 1).max_raw == 0 and ap_fixed(1, 1).min_raw == -1
    assert ap_ufixed(1, 0).max_raw == 1
    assert ap_fixed(64, 0).min_raw == -(2**63)
    assert ap_ufixed(64, 64).max_raw == 2**64 - 1


# ---------------------------------------------------------------------------
# quantisation: ties and neighbours, by hand


# value in LSBs of ap_fixed<8,4> (LSB 1/16) -> raw for each mode
#                     TRN  TRN_ZERO  RND  RND_ZERO  RND_MIN_INF  RND_INF  RND_CONV
TIES = {
    +0.5: (0, 0, 1, 0, 0, 1, 0),
    -0.5: (-1, 0, 0, 0, -1, -1, 0),
    +1.5: (1, 1, 2, 1, 1, 2, 2),
    -1.5: (-2, -1, -1, -1, -2, -2, -2),
    +2.5: (2, 2, 3, 2, 2, 3, 2),
    -2.5: (-3, -2, -2, -2, -3, -3, -2),
    +0.25: (0, 0, 0, 0, 0, 0, 0),
    -0.25: (-1, 0, 0, 0, 0, 0, 0),
    +0.75: (0, 0, 1, 1, 1, 1, 1),
    -0.75: (-1, 0, -1, -1, -1, -1, -1),
    +3.0: (3, 3, 3, 3, 3, 3, 3),
    -3.0: (-3, -3, -3, -3, -3, -3, -3),
}


@pytest.mark.parametrize(("lsbs", "expected"), list(TIES.items()))
def test_quantisation_ties_and_neighbours(lsbs, expected):
    for quant, want in zip(Q, expected, strict=True):
        fmt = ap_fixed(8, 4, quant)
        # from double
        assert from_float(lsbs / 16, fmt).item() == want, (quant, lsbs)
        # from a finer fixed-point source: ap_fixed<16,4> has 256 raw steps per LSB
        src = ap_fixed(16, 4)
        raw = int(lsbs * 256)
        assert cast(np.array([raw]), src, fmt)[0] == want, (quant, lsbs)
        # quantize(): the same value given as raw * 2**-frac_bits
        assert quantize(np.array([int(lsbs * 4)]), 6, fmt)[0] == want, (quant, lsbs)


def test_one_lsb_neighbours_of_a_tie():
    # 0.5 LSB +- 2**-52 (relative): not ties any more, every "nearest" mode agrees
    lsb = 1 / 16
    above = math.nextafter(0.5 * lsb, 1.0)
    below = math.nextafter(0.5 * lsb, 0.0)
    for quant in (Q.RND, Q.RND_ZERO, Q.RND_MIN_INF, Q.RND_INF, Q.RND_CONV):
        fmt = ap_fixed(8, 4, quant)
        assert from_float(above, fmt).item() == 1
        assert from_float(below, fmt).item() == 0
        assert from_float(-above, fmt).item() == -1
        assert from_float(-below, fmt).item() == 0
    assert from_float(-below, ap_fixed(8, 4, Q.TRN)).item() == -1  # floor
    assert from_float(-below, ap_fixed(8, 4, Q.TRN_ZERO)).item() == 0


def test_rounding_carry_into_overflow():
    # 7.96875 = 127.5 LSB of <8,4>: rounds up to 128 = 8.0, which overflows
    x = 127.5 / 16
    assert from_float(x, ap_fixed(8, 4, Q.RND, Ov.WRAP)).item() == -128
    assert from_float(x, ap_fixed(8, 4, Q.RND, Ov.SAT)).item() == 127
    assert from_float(x, ap_fixed(8, 4, Q.RND, Ov.SAT_ZERO)).item() == 0
    assert from_float(x, ap_fixed(8, 4, Q.RND_CONV, Ov.SAT)).item() == 127  # 128 is even
    assert from_float(x, ap_fixed(8, 4, Q.RND_ZERO, Ov.SAT)).item() == 127  # tie to zero
    # unsigned: 255.5 LSB of <8,0> rounds to 256
    assert from_float(255.5 / 256, ap_ufixed(8, 0, Q.RND, Ov.WRAP)).item() == 0
    assert from_float(255.5 / 256, ap_ufixed(8, 0, Q.RND, Ov.SAT)).item() == 255


# ---------------------------------------------------------------------------
# overflow, by hand

#             value   WRAP   SAT  SAT_ZERO  SAT_SYM    (ap_fixed<8,4>, raw range -128..127)
OVERFLOWS = [
    (8.0, -128, 127, 0, 127),
    (-8.0, -128, -128, -128, -127),  # in range; SAT_SYM still gives -max
    (-9.0, 112, -128, 0, -127),  # raw -144 wraps to -144 + 256
    (7.9375, 127, 127, 127, 127),
    (16.0, 0, 127, 0, 127),  # raw 256
    (-0.0625, -1, -1, -1, -1),
    (1e300, 0, 127, 0, 127),  # a multiple of 2**900: low 8 raw bits are zero
    (-1e300, 0, -128, 0, -127),
    (1.7976931348623157e308, 0, 127, 0, 127),  # the largest double
]


@pytest.mark.parametrize(("x", "wrap", "sat", "sat_zero", "sat_sym"), OVERFLOWS)
def test_overflow_modes(x, wrap, sat, sat_zero, sat_sym):
    for overflow, want in zip(Ov, (wrap, sat, sat_zero, sat_sym), strict=True):
        assert from_float(x, ap_fixed(8, 4, Q.TRN, overflow)).item() == want, overflow


def test_unsigned_overflow_modes():
    # ap_ufixed<8,0>: raw 0..255, LSB 1/256
    for overflow in (Ov.SAT, Ov.SAT_SYM):  # SAT_SYM on unsigned == SAT
        fmt = ap_ufixed(8, 0, Q.TRN, overflow)
        assert from_float(-0.25, fmt).item() == 0
        assert from_float(1.0, fmt).item() == 255
        assert from_float(-1e-300, fmt).item() == 0
    assert from_float(-0.25, ap_ufixed(8, 0)).item() == 192  # -64 mod 256
    assert from_float(1.0, ap_ufixed(8, 0, Q.TRN, Ov.SAT_ZERO)).item() == 0
    assert from_float(-1 / 256, ap_ufixed(8, 0, Q.TRN, Ov.SAT_ZERO)).item() == 0


def test_sat_sym_one_bit_signed():
    # ap_fixed<1,1> holds {-1, 0}; max_raw = 0.  ap_fixed writes the symmetric
    # minimum as (1 << (W-1)) | 1, which for W = 1 is the raw min itself.
    fmt = ap_fixed(1, 1, Q.TRN, Ov.SAT_SYM)
    assert from_float(-1.0, fmt).item() == -1
    assert from_float(-5.0, fmt).item() == -1
    assert from_float(3.0, fmt).item() == 0
    assert from_float(-0.5, fmt).item() == -1  # floor, in range
    assert cast(np.array([-8, 7]), ap_fixed(4, 4), fmt).tolist() == [-1, 0]


def test_sat_sym_two_bit_signed():
    fmt = ap_fixed(2, 2, Q.TRN, Ov.SAT_SYM)  # raw -2..1, symmetric -1..1
    assert cast(np.array([-8, -2, -1, 1, 7]), ap_fixed(4, 4), fmt).tolist() == [-1, -1, -1, 1, 1]


def test_cast_examples():
    src = ap_fixed(16, 8)  # LSB 1/256
    raw = np.array([0x0180, 0x0280, -0x0180, -0x0280, 0x7FFF, -0x8000])  # 1.5 2.5 -1.5 -2.5 ..
    assert cast(raw, src, ap_fixed(8, 8, Q.RND_CONV)).tolist() == [2, 2, -2, -2, -128, -128]
    assert cast(raw, src, ap_fixed(8, 8, Q.RND_CONV, Ov.SAT)).tolist() == [2, 2, -2, -2, 127, -128]
    assert cast(raw, src, ap_fixed(8, 8, Q.TRN, Ov.SAT)).tolist() == [1, 2, -2, -3, 127, -128]
    # widening is exact: shift left by the extra fractional bits
    assert cast(raw, src, ap_fixed(32, 10)).tolist() == [v << 14 for v in raw.tolist()]
    # every bit shifted out to the left: <8,8> -> <8,-4> (LSB 2**-12, range +-1/32)
    assert cast(np.array([1, -1, 0]), ap_fixed(8, 8), ap_fixed(8, -4)).tolist() == [0, 0, 0]
    assert cast(np.array([1, -1]), ap_fixed(8, 8), ap_fixed(8, -4, Q.TRN, Ov.SAT)).tolist() == [
        127,
        -128,
    ]
    # every bit shifted out to the right: <8,-8> (LSB 2**-16) -> <8,8> (LSB 1)
    r = np.array([127, 1, 0, -1, -128])
    assert cast(r, ap_fixed(8, -8), ap_fixed(8, 8, Q.TRN)).tolist() == [0, 0, 0, -1, -1]
    assert cast(r, ap_fixed(8, -8), ap_fixed(8, 8, Q.RND)).tolist() == [0, 0, 0, 0, 0]
    assert cast(r, ap_fixed(8, -8), ap_fixed(8, 8, Q.TRN_ZERO)).tolist() == [0, 0, 0, 0, 0]


def test_cast_ignores_source_modes():
    raw = np.arange(-128, 128)
    dst = ap_fixed(6, 2, Q.RND, Ov.SAT)
    a = cast(raw, ap_fixed(8, 4), dst)
    b = cast(raw, ap_fixed(8, 4, Q.RND_CONV, Ov.SAT_SYM), dst)
    assert np.array_equal(a, b)


def test_huge_tiny_subnormal_zero():
    fmt = ap_fixed(16, 5)
    tiny = [5e-324, -5e-324, 2.2250738585072014e-308, -1e-300, 0.0, -0.0]
    # TRN floors: a negative speck becomes -1 LSB, a positive one 0
    assert from_float(np.array(tiny), fmt).tolist() == [0, -1, 0, -1, 0, 0]
    assert from_float(np.array(tiny), ap_fixed(16, 5, Q.TRN_ZERO)).tolist() == [0] * 6
    assert from_float(np.array(tiny), ap_fixed(16, 5, Q.RND_INF)).tolist() == [0] * 6
    # exact subnormal values against a format fine enough to see them:
    # ap_fixed<64,-1000> has LSB 2**-1064; 5e-324 = 2**-1074 is 2**-10 LSB
    half = 2.0**-1065  # a subnormal, exactly 0.5 LSB of fine formats below
    assert from_float(half, ap_fixed(64, -1000, Q.RND)).item() == 1  # tie: up
    assert from_float(half, ap_fixed(64, -1000, Q.RND_MIN_INF)).item() == 0  # tie: down
    assert from_float(3 * half, ap_fixed(64, -1000, Q.RND_CONV)).item() == 2  # 1.5: to even
    assert from_float(5e-324, ap_fixed(64, -1000, Q.RND)).item() == 0  # 2**-10 LSB
    assert from_float(-5e-324, ap_fixed(64, -1000, Q.TRN)).item() == -1
    assert from_float(1234 * 5e-324, ap_fixed(64, -1010)).item() == 1234  # LSB 2**-1074


# ---------------------------------------------------------------------------
# NaN and infinities


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_is_rejected(bad):
    fmt = ap_fixed(16, 5)
    with pytest.raises(FixedPointError, match="non-finite") as info:
        from_float(np.array([[0.0, 1.0], [2.0, bad]]), fmt)
    assert "(1, 1)" in str(info.value)  # names where
    assert fmt.cpp_type() in str(info.value)
    with pytest.raises(FixedPointError):
        from_float(bad, fmt)


def test_float_raw_is_rejected():
    with pytest.raises(FixedPointError, match="integers"):
        cast(np.array([1.0, 2.0]), ap_fixed(8, 4), ap_fixed(8, 4))


# ---------------------------------------------------------------------------
# arithmetic and result formats, by hand


def test_result_formats():
    f84, u80, u88 = ap_fixed(8, 4), ap_ufixed(8, 0), ap_ufixed(8, 8)
    # plus: I = max(I1 + (S2 & !S1), I2 + (S1 & !S2)) + 1, F = max(F1, F2)
    assert add_format(f84, u80) == ap_fixed(13, 5)  # I = max(4, 0 + 1) + 1, F = 8
    assert add_format(u80, u88) == ap_ufixed(17, 9)  # both unsigned: stays unsigned
    assert sub_format(u80, u88) == ap_fixed(17, 9)  # minus is always signed
    assert add_format(ap_fixed(8, -4), ap_fixed(8, 12)) == ap_fixed(25, 13)  # F = 12
    # mult: widths and integer bits add
    assert mul_format(f84, u80) == ap_fixed(16, 4)
    assert mul_format(u80, u88) == ap_ufixed(16, 8)
    assert mul_format(ap_fixed(32, 10), ap_fixed(16, 2)) == ap_fixed(48, 12)
    # result formats are always AP_TRN / AP_WRAP, whatever the operands' modes
    assert add_format(ap_fixed(8, 4, Q.RND, Ov.SAT), u80) == ap_fixed(13, 5)


def test_results_wider_than_64_bits_are_rejected():
    with pytest.raises(FixedPointError, match="70 bits"):
        mul_format(ap_fixed(40, 2), ap_fixed(30, 2))
    with pytest.raises(FixedPointError, match="65 bits"):
        add_format(ap_ufixed(63, 0), ap_ufixed(1, 1))  # I = 2, F = 63
    with pytest.raises(FixedPointError, match="bits"):
        mul(np.array([1]), ap_fixed(64, 0), np.array([1]), ap_fixed(1, 1))


def test_arithmetic_examples():
    f84, u80 = ap_fixed(8, 4), ap_ufixed(8, 0)
    r, fmt = add(np.array([127, -128]), f84, np.array([255, 0]), u80)
    assert fmt == ap_fixed(13, 5)
    assert r.tolist() == [127 * 16 + 255, -128 * 16]  # 7.9375 + 0.99609375; -8
    r, fmt = sub(np.array([0, 255]), ap_ufixed(8, 8), np.array([255, 0]), ap_ufixed(8, 8))
    assert fmt == ap_fixed(9, 9) and r.tolist() == [-255, 255]
    r, fmt = mul(np.array([-128, 127]), f84, np.array([255, 255]), u80)
    assert fmt == ap_fixed(16, 4) and r.tolist() == [-32640, 32385]
    r, fmt = mul(np.array([-128]), f84, np.array([-128]), f84)  # -8 * -8 = 64 fits <16,8>
    assert fmt == ap_fixed(16, 8) and r.tolist() == [1 << 14]
    # one-bit operands
    r, fmt = add(np.array([-1, -1, 0]), ap_fixed(1, 1), np.array([-1, 0, -1]), ap_fixed(1, 1))
    assert fmt == ap_fixed(2, 2) and r.tolist() == [-2, -1, -1]


def test_arithmetic_broadcasts():
    a = np.arange(3).reshape(3, 1)
    b = np.arange(4)
    r, _ = add(a, ap_fixed(8, 4), b, ap_ufixed(8, 0))
    assert r.shape == (3, 4)
    assert r.tolist() == [[16 * i + j for j in range(4)] for i in range(3)]


# ---------------------------------------------------------------------------
# to_float


def test_to_float_examples():
    assert to_float(np.array([-128, 127, 1]), ap_fixed(8, 4)).tolist() == [-8.0, 7.9375, 0.0625]
    assert to_float(np.array([3]), ap_fixed(8, 12)).tolist() == [48.0]  # LSB 16
    # 2**64 - 1 LSBs of 2**-64: rounds (to nearest) to 1.0
    assert to_float(np.array([2**64 - 1], dtype=object), ap_ufixed(64, 0)).tolist() == [1.0]
    # 2**53 + 1 is a tie between 2**53 and 2**53 + 2: to even
    assert to_float(np.array([2**53 + 1], dtype=object), ap_fixed(64, 64)).tolist() == [2.0**53]
    assert to_float(np.array([2**53 + 3], dtype=object), ap_fixed(64, 64)).tolist() == [2.0**53 + 4]
    assert to_float(np.array([2**53 + 1]), ap_fixed(62, 62)).tolist() == [2.0**53]


def test_to_float_object_path_is_not_flushed_to_zero():
    # LSB 2**-1080 (below the smallest subnormal); raw 2**61 is 2**-1019, a normal double
    a = to_float(np.array([2**61, 1 << 40], dtype=object), ap_fixed(63, -1017))
    b = to_float(np.array([2**61, 1 << 40]), ap_fixed(62, -1018))
    assert a.tolist() == b.tolist() == [2.0**-1019, 2.0**-1040]


# ---------------------------------------------------------------------------
# shapes, dtypes, the int64 / object paths


@pytest.mark.parametrize("shape", [(), (0,), (5,), (2, 3), (2, 0, 4), (1, 1, 1, 3)])
def test_shapes_preserved(shape):
    rng = np.random.default_rng(1)
    raw = rng.integers(-(2**15), 2**15, size=shape)
    f16, f8 = ap_fixed(16, 5), ap_fixed(8, 2, Q.RND, Ov.SAT)
    assert cast(raw, f16, f8).shape == shape
    assert cast(raw, f16, ap_fixed(64, 20)).shape == shape
    assert quantize(raw, 11, f8).shape == shape
    x = rng.normal(size=shape)
    assert from_float(x, f8).shape == shape
    assert from_float(x, ap_fixed(64, 20)).shape == shape
    assert to_float(raw, f16).shape == shape
    assert add(raw, f16, raw, f16)[0].shape == shape
    assert mul(raw, f16, raw, f16)[0].shape == shape


@pytest.mark.parametrize("width", [1, 8, 32, 61, 62, 63, 64])
def test_dtype_follows_width(width):
    want = np.int64 if width <= 62 else object
    fmt = ap_fixed(width, width // 2)
    src = ap_fixed(16, 5)
    assert cast(np.array([1, -1]), src, fmt).dtype == want
    assert from_float(np.array([0.25, -3.0]), fmt).dtype == want
    assert quantize(np.array([3]), 2, fmt).dtype == want
    # and an arithmetic result of that width
    if width >= 2:
        r, rf = mul(np.array([1]), ap_fixed(width - 1, 0), np.array([1]), ap_ufixed(1, 1))
        assert rf.width == width and r.dtype == want


def test_object_path_agrees_with_int64_path():
    rng = np.random.default_rng(7)
    raw62 = np.concatenate(
        [rng.integers(-(2**61), 2**61, size=2000), [-(2**61), 2**61 - 1, 0, 1, -1]]
    )
    # <62,20> (int64) and <63,21> (object) share frac_bits = 42: same raw values
    f62, f63 = ap_fixed(62, 20), ap_fixed(63, 21)
    for quant in Q:
        for overflow in Ov:
            dst = ap_fixed(16, 5, quant, overflow)
            a = cast(raw62, f62, dst)
            b = cast(raw62.astype(object), f63, dst)
            c = cast(raw62.astype(object), f62, dst)  # object input, int64 format
            assert a.dtype == np.int64 and b.dtype == np.int64
            assert np.array_equal(a, b) and np.array_equal(a, c), (quant, overflow)
            # into a wide destination: <62,30> vs <63,31> hold the same raw values
            # wherever the result is in range of both
            a = cast(raw62 >> 8, f62, ap_fixed(62, 30, quant, overflow))
            b = cast(raw62 >> 8, f62, ap_fixed(63, 31, quant, overflow))
            assert b.dtype == object
            assert a.tolist() == b.tolist(), (quant, overflow)
    # from_float into <62,10> and <63,11> (same frac bits), values in range of both
    x = rng.uniform(-500, 500, size=2000)
    for quant in Q:
        a = from_float(x, ap_fixed(62, 10, quant))
        b = from_float(x, ap_fixed(63, 11, quant))
        assert a.tolist() == b.tolist()
    # products: <31,3> x <31,3> = <62,6> (int64) vs <31,3> x <32,4> = <63,7> (object)
    a_raw = rng.integers(-(2**30), 2**30, size=500)
    b_raw = rng.integers(-(2**30), 2**30, size=500)
    p62, fa = mul(a_raw, ap_fixed(31, 3), b_raw, ap_fixed(31, 3))
    p63, fb = mul(a_raw, ap_fixed(31, 3), b_raw, ap_fixed(32, 4))
    assert fa == ap_fixed(62, 6) and fb == ap_fixed(63, 7)
    assert p62.dtype == np.int64 and p63.dtype == object
    assert (
        p62.tolist() == p63.tolist() == [int(x) * int(y) for x, y in zip(a_raw, b_raw, strict=True)]
    )


def test_unsigned_64_bit_raw_values():
    big = np.array([2**64 - 1, 2**63, 0], dtype=np.uint64)
    out = cast(big, ap_ufixed(64, 64), ap_ufixed(8, 8, Q.TRN, Ov.SAT))
    assert out.tolist() == [255, 255, 0]
    # one bit quantised away: (2**64 - 1) / 2 = 2**63 - 0.5 rounds up to 2**63
    out = cast(big, ap_ufixed(64, 64), ap_ufixed(64, 65, Q.RND))
    assert out.tolist() == [2**63, 2**62, 0]
    # one bit added at the bottom: the top bit wraps away
    out = cast(big, ap_ufixed(64, 64), ap_ufixed(64, 63))
    assert out.tolist() == [2**64 - 2, 0, 0]


def test_strict_mode_names_the_offender():
    with pytest.raises(FixedPointError, match=r"index \(2,\)"):
        quantize(np.array([0, 1, 4096]), 4, ap_fixed(8, 4), strict=True)
    with pytest.raises(FixedPointError, match="does not fit"):
        from_float(np.array([0.0, 8.0]), ap_fixed(8, 4), strict=True)
    # in range: no error, and the same answer as without strict
    assert quantize(np.array([17]), 5, ap_fixed(8, 4, Q.RND), strict=True).tolist() == [9]


# ---------------------------------------------------------------------------
# vectorised behaviour on big arrays


def test_big_array_cast_by_construction():
    # Source <32,10> (F = 22) -> <16,5> (F = 11): shift 11, half = 1024.
    # Build raw = k * 2048 + d with known k and d, so every mode's answer is known.
    n = 1_000_000
    rng = np.random.default_rng(3)
    k = rng.integers(-(2**15), 2**15, size=n)  # in range of <16,5> by construction
    d = rng.choice(np.array([0, 1, 1023, 1024, 1025, 2047]), size=n)
    raw = k * 2048 + d
    src = ap_fixed(32, 10)
    t0 = time.perf_counter()
    out = {q: cast(raw, src, ap_fixed(16, 5, q, Ov.WRAP)) for q in Q}
    elapsed = time.perf_counter() - t0
    above, tie = d > 1024, d == 1024
    neg = raw < 0
    exact = d == 0

    def up_if(cond):  # k, or k + 1 where cond; 2**15 wraps to -2**15 in <16,5>
        return (np.where(cond, k + 1, k) + 2**15) % 2**16 - 2**15

    assert np.array_equal(out[Q.TRN], k)
    assert np.array_equal(out[Q.TRN_ZERO], up_if(neg & ~exact))
    assert np.array_equal(out[Q.RND], up_if(above | tie))
    assert np.array_equal(out[Q.RND_ZERO], up_if(above | (tie & neg)))
    assert np.array_equal(out[Q.RND_MIN_INF], up_if(above))
    assert np.array_equal(out[Q.RND_INF], up_if(above | (tie & ~neg)))
    assert np.array_equal(out[Q.RND_CONV], up_if(above | (tie & (k % 2 == 1))))
    assert elapsed < 20, f"7 casts of 1e6 values took {elapsed:.1f} s"


def test_big_array_overflow_by_construction():
    n = 1_000_000
    rng = np.random.default_rng(4)
    v = rng.integers(-(2**20), 2**20, size=n)  # integers, as <32,32> raws
    src = ap_fixed(32, 32)
    hi, lo = 2**7 - 1, -(2**7)
    assert np.array_equal(cast(v, src, ap_fixed(8, 8, Q.TRN, Ov.SAT)), np.clip(v, lo, hi))
    assert np.array_equal(cast(v, src, ap_fixed(8, 8, Q.TRN, Ov.SAT_SYM)), np.clip(v, -hi, hi))
    inside = (v >= lo) & (v <= hi)
    assert np.array_equal(cast(v, src, ap_fixed(8, 8, Q.TRN, Ov.SAT_ZERO)), np.where(inside, v, 0))
    assert np.array_equal(cast(v, src, ap_fixed(8, 8)), ((v + 128) % 256) - 128)


def test_big_array_from_float_halfway_by_construction():
    n = 500_000
    rng = np.random.default_rng(5)
    k = rng.integers(-(2**14), 2**14, size=n)
    x = (k + 0.5) * 2.0**-11  # exact ties of <16,5>
    neg = x < 0
    assert np.array_equal(from_float(x, ap_fixed(16, 5, Q.RND)), k + 1)
    assert np.array_equal(from_float(x, ap_fixed(16, 5, Q.RND_MIN_INF)), k)
    assert np.array_equal(from_float(x, ap_fixed(16, 5, Q.RND_ZERO)), np.where(neg, k + 1, k))
    assert np.array_equal(from_float(x, ap_fixed(16, 5, Q.RND_INF)), np.where(neg, k, k + 1))
    assert np.array_equal(
        from_float(x, ap_fixed(16, 5, Q.RND_CONV)), np.where(k % 2 == 1, k + 1, k)
    )
    assert np.array_equal(from_float(x, ap_fixed(16, 5, Q.TRN)), k)
    assert np.array_equal(from_float(x, ap_fixed(16, 5, Q.TRN_ZERO)), np.where(neg, k + 1, k))
