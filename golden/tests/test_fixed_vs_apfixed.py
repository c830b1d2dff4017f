"""golden.fixed bit for bit against real ap_fixed C++ (the Xilinx ap_types headers).

Every case in apfixed_harness.CASES is exercised twice:

* a deterministic sweep over hand-picked edges (range ends, one LSB beyond,
  exact halfway points and their one-LSB neighbours, wrap-around points), so
  the extremes are certainly hit for every format and every mode;
* a Hypothesis test mixing those edges with random values.

The oracle is one long-lived subprocess (session fixture ``apfixed`` in
conftest.py); requests are batched.
"""

from __future__ import annotations

import math
import sys
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import example, given, note
from hypothesis import strategies as st

from golden.fixed import (
    FixedFormat,
    Overflow,
    Quant,
    add,
    add_format,
    cast,
    from_float,
    mul,
    mul_format,
    sub,
    sub_format,
    to_float,
)
from golden.tests.apfixed_harness import (
    ARITH_CASTS,
    ARITH_PAIRS,
    CASES,
    CAST_PAIRS,
    FLOAT_SHAPES,
    MODES,
    F,
    Shape,
    U,
    case_id,
    result_shape,
)

GOLDEN_OP = {"add": add, "sub": sub, "mul": mul}
GOLDEN_FORMAT = {"add": add_format, "sub": sub_format, "mul": mul_format}
MODE_IDS = [f"{q[3:]}-{o[3:]}" for q, o in MODES]
DBL_MAX = sys.float_info.max
DBL_MIN = sys.float_info.min  # smallest normal
DBL_TRUE_MIN = 5e-324  # smallest subnormal


def gfmt(shape: Shape, quant: str = "AP_TRN", overflow: str = "AP_WRAP") -> FixedFormat:
    return FixedFormat(shape.width, shape.int_bits, shape.signed, Quant(quant), Overflow(overflow))


def raw_dtype(width: int):
    """The documented raw dtype: int64 up to 62 bits, Python ints (object) beyond."""
    return object if width > 62 else np.int64


def raw_array(values, shape: Shape) -> np.ndarray:
    return np.array([int(v) for v in values], dtype=raw_dtype(shape.width))


def check_raw(got, expected: list[int], shape: Shape, inputs, what: str) -> None:
    """golden's raw array equals the oracle's, with the documented dtype and range."""
    got = np.asarray(got)
    assert got.shape == (len(expected),), f"{what}: shape {got.shape}"
    assert got.dtype == raw_dtype(shape.width), f"{what}: dtype {got.dtype} for {shape}"
    got_ints = [int(v) for v in got]
    bad = [(inp, g, e) for inp, g, e in zip(inputs, got_ints, expected, strict=True) if g != e]
    if bad:
        lines = "\n".join(f"  input {i!r}: golden {g}, ap_fixed {e}" for i, g, e in bad[:12])
        pytest.fail(f"{what}: {len(bad)} of {len(expected)} differ:\n{lines}")
    assert all(shape.min_raw <= v <= shape.max_raw for v in got_ints)


# ---------------------------------------------------------------------------
# Edge values


def range_edges(shape: Shape) -> set[int]:
    lo, hi = shape.min_raw, shape.max_raw
    return {lo, lo + 1, hi, hi - 1, 0, 1, -1, 2, -2, lo // 2, hi // 2, -hi}


def dst_targets(dst: Shape) -> set[int]:
    """Interesting destination raw values, in and out of range (the latter overflow)."""
    m = 1 << dst.width
    lo, hi = dst.min_raw, dst.max_raw
    return range_edges(dst) | {lo - 1, lo - 2, hi + 1, hi + 2, hi + m, lo - m, m, -m, -hi - 1}


def _clip_to(values, shape: Shape) -> list[int]:
    return sorted({v for v in values if shape.min_raw <= v <= shape.max_raw})


def cast_edges(src: Shape, dst: Shape) -> list[int]:
    """Source raw values at and around the destination's steps, halfway points and range."""
    shift = src.frac_bits - dst.frac_bits  # src raw = dst raw << shift
    out = set(range_edges(src))
    for t in dst_targets(dst):
        if shift > 0:
            half = 1 << (shift - 1)
            base = t << shift
            for off in (0, 1, -1, half, half - 1, half + 1, -half, -half + 1, -half - 1):
                out.add(base + off)
        else:
            r = t >> -shift
            out |= {r - 1, r, r + 1}
    return _clip_to(out, src)


def _ldexp(m: int, e: int) -> float | None:
    try:
        return math.ldexp(m, e)
    except OverflowError:
        return None


def float_edges(dst: Shape) -> list[float]:
    """Doubles at the destination's steps, exactly halfway, one ULP either side, extremes."""
    out = {
        0.0,
        -0.0,
        DBL_TRUE_MIN,
        -DBL_TRUE_MIN,
        DBL_MIN,
        -DBL_MIN,
        math.nextafter(DBL_MIN, 0.0),  # largest subnormal
        -math.nextafter(DBL_MIN, 0.0),
        1e-300,
        -1e-300,
        1e300,
        -1e300,
        DBL_MAX,
        -DBL_MAX,
        1.0,
        -1.0,
        0.5,
        -0.5,
        1.5,
        -1.5,
    }
    e = -dst.frac_bits
    for t in dst_targets(dst):
        # t, t + 1/2 and t - 1/2 LSB (exact ties when 2t+-1 fits 53 bits), t +- 1/4 LSB
        for m, scale in (
            (t, e),
            (2 * t + 1, e - 1),
            (2 * t - 1, e - 1),
            (4 * t + 1, e - 2),
            (4 * t - 1, e - 2),
        ):
            x = _ldexp(m, scale)
            if x is None:
                continue
            out |= {x, math.nextafter(x, math.inf), math.nextafter(x, -math.inf)}
    return sorted(x for x in out if math.isfinite(x))


def _finite(x: float) -> float:
    return x if math.isfinite(x) else math.copysign(DBL_MAX, x)


# ---------------------------------------------------------------------------
# Strategies


def raw_values(src: Shape, dst: Shape | None = None) -> st.SearchStrategy[int]:
    """Raw values of ``src``: edges (w.r.t. ``dst``), uniform, and near-halfway."""
    edges = cast_edges(src, dst) if dst is not None else _clip_to(range_edges(src), src)
    parts = [st.sampled_from(edges), st.integers(src.min_raw, src.max_raw)]
    if dst is not None and src.frac_bits > dst.frac_bits:
        shift = src.frac_bits - dst.frac_bits
        half = 1 << (shift - 1)

        def near_half(kd: tuple[int, int]) -> int:
            return min(max((kd[0] << shift) + half + kd[1], src.min_raw), src.max_raw)

        k = st.integers(src.min_raw >> shift, src.max_raw >> shift)
        parts.append(st.tuples(k, st.sampled_from((-1, 0, 1))).map(near_half))
    return st.one_of(parts)


def float_values(dst: Shape) -> st.SearchStrategy[float]:
    e = -dst.frac_bits

    def scaled(m: int) -> float:  # a random multiple of a quarter LSB
        x = _ldexp(m, e - 2)
        return DBL_MAX if x is None else x

    k = st.integers(4 * dst.min_raw - 16, 4 * dst.max_raw + 16).map(scaled)
    return st.one_of(
        st.sampled_from(float_edges(dst)),
        st.floats(allow_nan=False, allow_infinity=False),
        k,
        k.map(lambda x: math.nextafter(x, math.inf)).map(_finite),
        k.map(lambda x: math.nextafter(x, -math.inf)).map(_finite),
    )


@st.composite
def cast_inputs(draw):
    pair = draw(st.integers(0, len(CAST_PAIRS) - 1), label="pair")
    src, dst = CAST_PAIRS[pair]
    src_modes = draw(st.sampled_from(MODES), label="source modes (must not matter)")
    raws = draw(st.lists(raw_values(src, dst), min_size=1, max_size=24))
    return pair, src_modes, raws


@st.composite
def float_inputs(draw):
    index = draw(st.integers(0, len(FLOAT_SHAPES) - 1), label="shape")
    xs = draw(st.lists(float_values(FLOAT_SHAPES[index]), min_size=1, max_size=24))
    return index, xs


@st.composite
def operand_lists(draw, a: Shape, b: Shape):
    n = draw(st.integers(1, 24))
    xs = draw(st.lists(raw_values(a), min_size=n, max_size=n))
    ys = draw(st.lists(raw_values(b), min_size=n, max_size=n))
    return xs, ys


@st.composite
def arith_cast_inputs(draw):
    index = draw(st.integers(0, len(ARITH_CASTS) - 1), label="case")
    _, a, b, _ = ARITH_CASTS[index]
    xs, ys = draw(operand_lists(a, b))
    return index, xs, ys


# ---------------------------------------------------------------------------
# (a) casts


def _check_cast(apfixed, src, dst, quant, overflow, raws, src_modes=("AP_TRN", "AP_WRAP")):
    expected = apfixed.unary(case_id("cast", (src, dst), quant, overflow), raws)
    got = cast(raw_array(raws, src), gfmt(src, *src_modes), gfmt(dst, quant, overflow))
    check_raw(got, expected, dst, raws, f"cast {src} -> {dst.cpp(quant, overflow)}")


@pytest.mark.parametrize(("quant", "overflow"), MODES, ids=MODE_IDS)
def test_cast_edges(apfixed, quant, overflow):
    for src, dst in CAST_PAIRS:
        _check_cast(apfixed, src, dst, quant, overflow, cast_edges(src, dst))


_PAIR = {p: i for i, p in enumerate(CAST_PAIRS)}


@pytest.mark.parametrize(("quant", "overflow"), MODES, ids=MODE_IDS)
@given(case=cast_inputs())
# the raw minimum under AP_SAT_SYM (becomes -max in every mode that saturates)
@example(case=(_PAIR[(F(24, 10), F(24, 10))], ("AP_TRN", "AP_WRAP"), [-(1 << 23)]))
# a 1-bit signed destination: its range is {-1, 0} LSB, max_raw = 0
@example(case=(_PAIR[(F(4, 2), F(1, 1))], ("AP_TRN", "AP_WRAP"), [-8, -3, -2, -1, 0, 1, 7]))
# every bit shifted out to the right / to the left
@example(case=(_PAIR[(F(8, -8), F(8, 8))], ("AP_RND", "AP_SAT"), [-128, -1, 0, 1, 127]))
@example(case=(_PAIR[(F(8, 8), F(8, -4))], ("AP_RND", "AP_SAT"), [-128, -1, 0, 1, 127]))
# 64-bit unsigned <-> signed and the int64/object boundary
@example(case=(_PAIR[(U(64, 33), F(64, 33))], ("AP_TRN", "AP_WRAP"), [(1 << 64) - 1, 1 << 63]))
@example(case=(_PAIR[(F(63, 20), F(62, 19))], ("AP_TRN", "AP_WRAP"), [-(1 << 62), (1 << 62) - 1]))
def test_cast_random(apfixed, quant, overflow, case):
    pair, src_modes, raws = case
    src, dst = CAST_PAIRS[pair]
    note(f"{src} -> {dst.cpp(quant, overflow)}")
    _check_cast(apfixed, src, dst, quant, overflow, raws, src_modes)


# ---------------------------------------------------------------------------
# (b) conversion from double


# ap_fixed's constructor from double gives a subnormal the implicit leading 1
# of a normal double and the exponent -1023, i.e. it reads m * 2**-1074 as
# (2**52 + m) * 2**-1075.  Both are below 2**-1022, so the result is the same
# whenever the format's LSB is much coarser; for finer formats (here
# <64,-1000>, LSB 2**-1064) ap_fixed is wrong, and the oracle for subnormal
# inputs is instead the ap_fixed *cast* of the exact value raw * 2**-1074.
SUBNORMAL_SRC = F(54, -1020)
AP_FIXED_READS_SUBNORMALS_WRONG = 1020  # frac_bits above which it shows


def _is_subnormal(x: float) -> bool:
    return 0.0 < abs(x) < DBL_MIN


def _check_from_float(apfixed, dst, quant, overflow, xs):
    if dst.frac_bits > AP_FIXED_READS_SUBNORMALS_WRONG:
        sub = [x for x in xs if _is_subnormal(x)]
        xs = [x for x in xs if not _is_subnormal(x)]
        if sub:
            raws = [int(Fraction(x) * 2**1074) for x in sub]
            expected = apfixed.unary(case_id("cast", (SUBNORMAL_SRC, dst), quant, overflow), raws)
            got = from_float(np.array(sub, dtype=np.float64), gfmt(dst, quant, overflow))
            what = f"subnormal double -> {dst.cpp(quant, overflow)}"
            check_raw(got, expected, dst, [float.hex(x) for x in sub], what)
        if not xs:
            return
    expected = apfixed.from_double(case_id("float", (dst,), quant, overflow), xs)
    got = from_float(np.array(xs, dtype=np.float64), gfmt(dst, quant, overflow))
    check_raw(
        got, expected, dst, [float.hex(x) for x in xs], f"double -> {dst.cpp(quant, overflow)}"
    )


@pytest.mark.parametrize(("quant", "overflow"), MODES, ids=MODE_IDS)
def test_from_float_edges(apfixed, quant, overflow):
    for dst in FLOAT_SHAPES:
        _check_from_float(apfixed, dst, quant, overflow, float_edges(dst))


_FSHAPE = {s: i for i, s in enumerate(FLOAT_SHAPES)}


@pytest.mark.parametrize(("quant", "overflow"), MODES, ids=MODE_IDS)
@given(case=float_inputs())
# exact ties: 0.5 LSB and 1.5 LSB of <16,5>, both signs; -0.0
@example(case=(_FSHAPE[F(16, 5)], [2.0**-12, 3 * 2.0**-12, -(2.0**-12), -3 * 2.0**-12, -0.0]))
# just beyond the range and far beyond
@example(case=(_FSHAPE[F(32, 10)], [512.0, -512.0, math.nextafter(-512.0, 0), 1e308, -1e308]))
# subnormals, and the smallest normal, against a format whose LSB is 2**-1064
@example(case=(_FSHAPE[F(64, -1000)], [DBL_TRUE_MIN, -DBL_TRUE_MIN, DBL_MIN, 2.0**-1060]))
# more significant bits in the format than in a double
@example(case=(_FSHAPE[F(55, 2)], [math.nextafter(2.0, 0), -2.0, math.nextafter(-2.0, 0)]))
def test_from_float_random(apfixed, quant, overflow, case):
    index, xs = case
    _check_from_float(apfixed, FLOAT_SHAPES[index], quant, overflow, xs)


def _check_to_float(apfixed, shape, raws):
    expected = apfixed.to_double(case_id("todouble", (shape,)), raws)
    got = to_float(raw_array(raws, shape), gfmt(shape))
    assert got.dtype == np.float64
    bad = [
        (r, float(g).hex(), e.hex())
        for r, g, e in zip(raws, got, expected, strict=True)
        if np.float64(g).tobytes() != np.float64(e).tobytes()
    ]
    assert not bad, f"to_float {shape}: golden vs ap_fixed to_double(): {bad[:12]}"


# ap_fixed's to_double() assembles the IEEE exponent field without range
# checks, so it is only defined where the value is a normal double.
TO_DOUBLE_SHAPES = [s for s in FLOAT_SHAPES if abs(s.frac_bits) < 900]


@pytest.mark.parametrize("shape", TO_DOUBLE_SHAPES, ids=str)
@given(raws=st.data())
def test_to_float(apfixed, shape, raws):
    values = _clip_to(range_edges(shape), shape)
    values += raws.draw(st.lists(st.integers(shape.min_raw, shape.max_raw), max_size=24))
    # values that need rounding to 53 bits, ties included
    if shape.width > 53:
        sh = shape.width - 54
        values += _clip_to([(1 << 53 | 1) << sh, -((1 << 53 | 3) << sh), (1 << 54) - 1], shape)
    _check_to_float(apfixed, shape, values)


# ---------------------------------------------------------------------------
# (c) + - * and their result formats

ARITH_CASE_IDS = [i for i, c in enumerate(CASES) if c.kind == "arith"]


def _arith_id(cid: int) -> str:
    c = CASES[cid]
    return f"{c.op}-{c.shapes[0]}-{c.shapes[1]}"


@pytest.mark.parametrize("cid", ARITH_CASE_IDS, ids=_arith_id)
def test_result_format(apfixed, cid):
    case = CASES[cid]
    a, b = case.shapes
    w, i, s, q, o = apfixed.info(cid)
    fmt = GOLDEN_FORMAT[case.op](gfmt(a), gfmt(b))
    assert (fmt.width, fmt.int_bits, fmt.signed) == (w, i, s), f"decltype says {(w, i, s)}"
    assert (fmt.quant.value, fmt.overflow.value) == (q, o) == ("AP_TRN", "AP_WRAP")
    # the operands' own modes play no part in the result type
    fmt2 = GOLDEN_FORMAT[case.op](gfmt(a, "AP_RND", "AP_SAT"), gfmt(b, "AP_RND_CONV", "AP_SAT_SYM"))
    assert fmt2 == fmt
    assert result_shape(case.op, a, b) == Shape(w, i, s)


def _check_arith(apfixed, cid, xs, ys, a_modes=("AP_TRN", "AP_WRAP")):
    case = CASES[cid]
    a, b = case.shapes
    expected = apfixed.binary_op(cid, xs, ys)
    got, fmt = GOLDEN_OP[case.op](raw_array(xs, a), gfmt(a, *a_modes), raw_array(ys, b), gfmt(b))
    res = apfixed.result_shape(cid)
    assert (fmt.width, fmt.int_bits, fmt.signed) == (res.width, res.int_bits, res.signed)
    check_raw(got, expected, res, list(zip(xs, ys, strict=True)), _arith_id(cid))


@pytest.mark.parametrize("cid", ARITH_CASE_IDS, ids=_arith_id)
def test_arith_edges(apfixed, cid):
    a, b = CASES[cid].shapes
    ea, eb = _clip_to(range_edges(a), a), _clip_to(range_edges(b), b)
    xs = [x for x in ea for _ in eb]
    ys = [y for _ in ea for y in eb]
    _check_arith(apfixed, cid, xs, ys)


@pytest.mark.parametrize("cid", ARITH_CASE_IDS, ids=_arith_id)
@given(data=st.data())
def test_arith_random(apfixed, cid, data):
    a, b = CASES[cid].shapes
    xs, ys = data.draw(operand_lists(a, b))
    a_modes = data.draw(st.sampled_from(MODES), label="operand modes (must not matter)")
    _check_arith(apfixed, cid, xs, ys, a_modes)


def test_every_arith_pair_has_a_case():
    """Each ARITH_PAIRS entry is instantiated for every op whose result fits 64 bits."""
    for a, b in ARITH_PAIRS:
        ops = [op for op in GOLDEN_FORMAT if result_shape(op, a, b).width <= 64]
        assert ops, (a, b)
        for op in ops:
            case_id("arith", (a, b), op=op)


# ---------------------------------------------------------------------------
# (d) arithmetic results assigned to narrower types


def _check_arith_cast(apfixed, index, quant, overflow, xs, ys):
    op, a, b, dst = ARITH_CASTS[index]
    cid = case_id("arithcast", (a, b, dst), quant, overflow, op)
    expected = apfixed.binary_op(cid, xs, ys)
    r, rfmt = GOLDEN_OP[op](raw_array(xs, a), gfmt(a), raw_array(ys, b), gfmt(b))
    got = cast(r, rfmt, gfmt(dst, quant, overflow))
    what = f"{dst.cpp(quant, overflow)} = {a} {op} {b}"
    check_raw(got, expected, dst, list(zip(xs, ys, strict=True)), what)


@pytest.mark.parametrize(("quant", "overflow"), MODES, ids=MODE_IDS)
def test_arith_cast_edges(apfixed, quant, overflow):
    for index, (_, a, b, _) in enumerate(ARITH_CASTS):
        ea, eb = _clip_to(range_edges(a), a), _clip_to(range_edges(b), b)
        xs = [x for x in ea for _ in eb]
        ys = [y for _ in ea for y in eb]
        _check_arith_cast(apfixed, index, quant, overflow, xs, ys)


@pytest.mark.parametrize(("quant", "overflow"), MODES, ids=MODE_IDS)
@given(case=arith_cast_inputs())
# <32,10> x <16,2> -> <32,10>: the product's dropped 16 bits are exactly one half
@example(case=(0, [1 << 15, -(1 << 15), 3 << 15], [1, 1, 1]))
def test_arith_cast_random(apfixed, quant, overflow, case):
    index, xs, ys = case
    _check_arith_cast(apfixed, index, quant, overflow, xs, ys)


# ---------------------------------------------------------------------------
# the harness's C++ type names are golden's cpp_type()


def test_cpp_type_names_match_harness():
    shapes = {shape for case in CASES for shape in case.shapes}
    for shape in shapes:
        for q, o in MODES:
            assert gfmt(shape, q, o).cpp_type().replace(" ", "") == shape.cpp(q, o)
