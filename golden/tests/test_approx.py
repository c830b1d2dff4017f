"""exp, reciprocal and rsqrt against exact references, their tables, and their configuration."""

from __future__ import annotations

import dataclasses
import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from golden.approx import exp_neg, reciprocal, reciprocal_parts, rsqrt, rsqrt_parts
from golden.approx.tables import exp2_neg_table, log2e_constant, recip_table, rsqrt_table
from golden.config import ConfigError, ExpConfig, Formats, RecipConfig, RsqrtConfig, load_config
from golden.fixed import Quant, ap_fixed, ap_ufixed

CFG = load_config("m3vit")
F = CFG.formats.feature.frac_bits  # 22
FO = CFG.formats.exp_out.frac_bits  # 31
mpmath.mp.dps = 40

# Documented bounds (error analysis in the docstrings; measured figures in the report):
# exp: interpolation h^2/8 ln(2)^2 = 2**-24.06 at step 2**-10, plus roundings of about 2**-29.
EXP_BOUND = 2.0**-23
# 1/x, 1/sqrt(x): (seed error ~2**-14)^2 after one Newton step, plus roundings of ~2**-30.
REL_BOUND = 2.0**-26


def exact_exp(x_raw: int) -> float:
    return float(mpmath.exp(mpmath.mpf(x_raw) / 2**F))


# ---------------------------------------------------------------- tables


def test_exp_table_is_correctly_rounded():
    e = CFG.exp
    table = exp2_neg_table(e)
    n = 1 << e.step_log2
    assert table.size == e.entries == n + 1
    idx = [*range(0, n + 1, 7), n - 1, n]
    for i in idx:
        exact = mpmath.power(2, mpmath.mpf(e.table_bits) - mpmath.mpf(i) / n)
        assert table[i] == int(mpmath.nint(exact)), i
    assert table[0] == 1 << e.table_bits and table[-1] == 1 << (e.table_bits - 1)
    assert np.all(np.diff(table) < 0)


def test_log2e_constant():
    bits = CFG.exp.log2e_bits
    assert log2e_constant(CFG.exp) == int(mpmath.nint(mpmath.log(mpmath.e, 2) * 2**bits))


@pytest.mark.parametrize("kind", ["recip", "rsqrt"])
def test_seed_tables_are_correctly_rounded(kind):
    c = CFG.recip if kind == "recip" else CFG.rsqrt
    table = recip_table(c) if kind == "recip" else rsqrt_table(c)
    n = 1 << c.step_log2
    assert table.size == c.entries
    for i in range(table.size):
        m = 1 + mpmath.mpf(i) / n
        exact = (1 / m if kind == "recip" else 1 / mpmath.sqrt(m)) * 2**c.table_bits
        assert table[i] == int(mpmath.nint(exact)), i
    assert np.all(np.diff(table) < 0)


def test_tables_are_read_only():
    with pytest.raises(ValueError):
        exp2_neg_table(CFG.exp)[0] = 0


# ---------------------------------------------------------------- exp


def check_exp(x: np.ndarray, bound: float = EXP_BOUND, cfg=CFG) -> None:
    y = exp_neg(x, cfg) * 2.0**-FO
    for xi, yi in zip(x.tolist(), y.tolist(), strict=True):
        assert abs(yi - exact_exp(xi)) <= bound, (xi, yi, exact_exp(xi))


def test_exp_of_zero_is_exactly_one():
    assert exp_neg(np.array([0]), CFG).tolist() == [1 << FO]


def test_exp_range_reduction_boundaries_and_neighbours():
    """x = -k ln 2 (k = 1..22) and one LSB either side: k changes there."""
    ks = np.arange(1, 23)
    centre = -np.round(ks * math.log(2) * 2**F).astype(np.int64)
    check_exp(np.concatenate([centre - 1, centre, centre + 1]))


def test_exp_segment_boundaries_and_neighbours():
    """Inputs whose t = -x log2(e) lands next to a table breakpoint i * 2**-step."""
    e = CFG.exp
    i = np.arange(0, 1 << e.step_log2, 37)
    x = -np.round((3 + i / 2.0**e.step_log2) / math.log2(math.e) * 2**F).astype(np.int64)
    check_exp(np.concatenate([x - 1, x, x + 1]))


def test_exp_domain_ends_and_flush_to_zero():
    lo = -(16 << F)
    check_exp(np.array([-1, -2, lo + 1, lo, lo - 1]))
    # exp(x) < 2**-32 (half an output LSB) from x = -22.18: those flush to exactly 0.
    tail = np.array([-(23 << F), -(64 << F), -(64 << F) - 1, -(1 << 31), -(1 << 32)])
    assert exp_neg(tail, CFG).tolist() == [0] * tail.size


def test_exp_is_monotone_over_a_dense_range():
    x = np.arange(-(3 << F), -(3 << F) + (1 << 20))
    assert np.all(np.diff(exp_neg(x, CFG)) >= 0)


def test_exp_dense_sample_against_float64():
    rng = np.random.default_rng(3)
    x = rng.integers(-(16 << F), 1, 300_000)
    err = np.abs(exp_neg(x, CFG) * 2.0**-FO - np.exp(x * 2.0**-F))
    assert err.max() <= EXP_BOUND


@given(st.integers(-(16 << F), 0))
@example(-1)
@example(-(16 << F) + 1)
def test_exp_hypothesis(x):
    check_exp(np.array([x]))


def test_exp_coarser_table_still_meets_the_gate():
    """A 2**-8 step: interpolation error h^2/8 ln(2)^2 = 2**-20.06, under the 2**-16 gate."""
    cfg = dataclasses.replace(CFG, exp=ExpConfig(step_log2=8))
    x = np.random.default_rng(4).integers(-(16 << F), 1, 20_000)
    err = np.abs(exp_neg(x, cfg) * 2.0**-FO - np.exp(x * 2.0**-F))
    assert 2.0**-23 < err.max() <= 2.0**-19.9


@pytest.mark.parametrize(
    ("x", "match"),
    [(np.array([1]), "x <= 0"), (np.array([-5, 3]), "x <= 0"), (np.array([-1.5]), "integer"),
     (np.array([-(1 << 32) - 1]), "below")],
)  # fmt: skip
def test_exp_rejects_bad_inputs(x, match):
    with pytest.raises(ValueError, match=match):
        exp_neg(x, CFG)


# ---------------------------------------------------------------- reciprocal and rsqrt

SUM = CFG.formats.softmax_sum  # ap_ufixed<44, 13>
VAR = CFG.formats.ln_var  # ap_ufixed<62, 19>


def rel_error_recip(x_raw: int, fmt) -> float:
    mant, scale = reciprocal_parts(np.array([x_raw]), fmt, CFG)
    y = Fraction(int(mant[0])) * Fraction(2) ** (int(scale[0]) - CFG.recip.mant_bits)
    return float(abs(y * Fraction(x_raw, 1 << fmt.frac_bits) - 1))


def rel_error_rsqrt(x_raw: int, fmt) -> float:
    mant, scale = rsqrt_parts(np.array([x_raw]), fmt, CFG)
    y = Fraction(int(mant[0])) * Fraction(2) ** (int(scale[0]) - CFG.rsqrt.mant_bits)
    z = y * y * Fraction(x_raw, 1 << fmt.frac_bits)  # (y sqrt(x))^2, exact
    return float(abs(z - 1)) / (math.sqrt(float(z)) + 1)  # |sqrt(z) - 1|


def powers_and_neighbours(fmt) -> list[int]:
    out = []
    for k in range(fmt.max_raw.bit_length()):
        out += [(1 << k) - 1, 1 << k, (1 << k) + 1]
    return [v for v in out if 0 < v <= fmt.max_raw] + [fmt.max_raw]


def test_reciprocal_of_powers_of_two_is_exact():
    x = np.array([1 << k for k in range(44)])
    mant, scale = reciprocal_parts(x, SUM, CFG)
    assert np.all(mant == 1 << CFG.recip.mant_bits)
    assert np.array_equal(scale, SUM.frac_bits - np.arange(44))


def test_rsqrt_of_powers_of_four_is_exact():
    x = np.array([1 << k for k in range(1, 62, 2)])  # VAR has 43 fraction bits: odd k = 4**j
    mant, scale = rsqrt_parts(x, VAR, CFG)
    assert np.all(mant == 1 << CFG.rsqrt.mant_bits)
    assert np.array_equal(scale, -((np.arange(1, 62, 2) - VAR.frac_bits) >> 1))


@pytest.mark.parametrize("fmt", [SUM, ap_ufixed(16, 16), ap_fixed(32, 10), ap_ufixed(8, 0)],
                         ids=str)  # fmt: skip
def test_reciprocal_powers_of_two_and_neighbours(fmt):
    for x in powers_and_neighbours(fmt):
        assert rel_error_recip(x, fmt) <= REL_BOUND, x


@pytest.mark.parametrize("fmt", [VAR, ap_ufixed(16, 16), ap_fixed(32, 10), ap_ufixed(8, 0)],
                         ids=str)  # fmt: skip
def test_rsqrt_powers_of_two_and_neighbours(fmt):
    for x in powers_and_neighbours(fmt):
        assert rel_error_rsqrt(x, fmt) <= REL_BOUND, x


def test_seed_breakpoints_and_neighbours():
    """Mantissas on the seed tables' breakpoints 1 + i 2**-s, and one LSB either side."""
    fmt = ap_ufixed(32, 2)  # 30 fraction bits: m is exactly the input
    for c, err in ((CFG.recip, rel_error_recip), (CFG.rsqrt, rel_error_rsqrt)):
        span = 2 if c is CFG.recip else 4
        for i in range(0, (span - 1) << c.step_log2, 5):
            b = (1 << 30) + (i << (30 - c.step_log2))
            for x in (b - 1, b, b + 1):
                if 1 << 30 <= x < span << 30:
                    assert err(x, fmt) <= REL_BOUND, (x, i)


@given(st.integers(1, SUM.max_raw))
@example(1)
@example(SUM.max_raw)
def test_reciprocal_hypothesis(x):
    assert rel_error_recip(x, SUM) <= REL_BOUND


@given(st.integers(1, VAR.max_raw))
@example(1)
@example(VAR.max_raw)
def test_rsqrt_hypothesis(x):
    assert rel_error_rsqrt(x, VAR) <= REL_BOUND


def test_reciprocal_fixed_output_rounds_once_and_saturates():
    out = CFG.formats.recip_out  # ap_ufixed<32, 1>
    x = np.array([1 << 31, 3 << 31, 7 << 30, (1 << 31) + 1, 1])  # 1, 3, 1.75, 1+, 2**-31
    raw, fmt = reciprocal(x, SUM, CFG)
    assert fmt == out
    exact = [Fraction(1 << SUM.frac_bits, int(v)) * (1 << out.frac_bits) for v in x[:4]]
    for got, want in zip(raw[:4].tolist(), exact, strict=True):
        assert abs(got - want) <= Fraction(1, 2) + want * Fraction(REL_BOUND), (got, want)
    assert raw[4] == out.max_raw  # 2**31 does not fit: saturates


def test_rsqrt_fixed_output():
    x = np.array([1 << 43, 1 << 45, 9 << 41])  # 1, 4, 2.25 -> 1, 0.5, 2/3
    raw, fmt = rsqrt(x, VAR, CFG)
    assert fmt == CFG.formats.rsqrt_out
    lsb = 2**fmt.frac_bits
    assert raw[0] == lsb and raw[1] == lsb // 2
    assert abs(raw[2] - Fraction(2, 3) * lsb) <= Fraction(1, 2) + Fraction(REL_BOUND) * lsb


@pytest.mark.parametrize("fn", [reciprocal, rsqrt, reciprocal_parts, rsqrt_parts])
@pytest.mark.parametrize(
    ("x", "match"),
    [([0], "x > 0"), ([5, -3], "x > 0"), ([SUM.max_raw + 1], "outside"), ([1.0], "integer")],
)
def test_reciprocal_and_rsqrt_reject_bad_inputs(fn, x, match):
    with pytest.raises(ValueError, match=match):
        fn(np.array(x), SUM, CFG)


def test_reciprocal_rejects_a_non_format():
    with pytest.raises(TypeError, match="FixedFormat"):
        reciprocal(np.array([3]), "ap_ufixed<8,0>", CFG)


# ---------------------------------------------------------------- configuration


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"exp": ExpConfig(step_log2=0)}, "exp.step_log2"),
        ({"exp": ExpConfig(log2e_bits=40)}, "exp.log2e_bits"),
        ({"exp": ExpConfig(table_bits=10, t_frac_bits=20, step_log2=10)}, "exp.table_bits"),
        ({"exp": ExpConfig(t_frac_bits=60)}, "exp.t_frac_bits"),
        ({"recip": RecipConfig(step_log2=3)}, "recip.step_log2"),
        ({"recip": RecipConfig(mant_bits=40)}, "recip.mant_bits"),
        ({"recip": RecipConfig(table_bits=20)}, "recip.table_bits"),
        ({"rsqrt": RsqrtConfig(newton_steps=5)}, "rsqrt.newton_steps"),
        ({"rsqrt": RsqrtConfig(step_log2=True)}, "rsqrt.step_log2"),
        ({"formats": Formats(exp_out=ap_fixed(32, 2))}, "formats.exp_out"),
        ({"formats": Formats(exp_out=ap_ufixed(32, 0))}, "formats.exp_out"),
        ({"formats": Formats(softmax_sum=ap_ufixed(40, 7))}, "formats.softmax_sum"),
        ({"formats": Formats(softmax_sum=ap_ufixed(40, 12))}, "formats.softmax_sum"),
        ({"formats": Formats(prob=ap_ufixed(40, 1))}, "formats.prob"),
        ({"formats": Formats(prob=ap_ufixed(25, 1, Quant.RND_CONV))}, "formats.prob"),
        ({"formats": Formats(ln_var=ap_ufixed(40, 19))}, "formats.ln_var"),
        ({"formats": Formats(ln_var=ap_ufixed(62, 12))}, "formats.ln_var"),
        ({"formats": Formats(ln_norm=ap_fixed(40, 4))}, "formats.ln_norm"),
        ({"formats": Formats(ln_mean=ap_fixed(40, 20))}, "formats.ln_mean"),
        ({"formats": Formats(ln_mean=ap_fixed(62, 10))}, "formats.ln_mean"),
        ({"ln_eps": 0.0}, "ln_eps"),
    ],
)
def test_impossible_approximation_configs_name_the_field(overrides, field):
    with pytest.raises(ConfigError, match=rf"field '{field}'") as info:
        load_config("m3vit", **overrides)
    assert info.value.field == field


def test_narrow_sum_message_says_why():
    with pytest.raises(ConfigError, match="too narrow for the table ranges"):
        load_config("m3vit", formats=Formats(softmax_sum=ap_ufixed(40, 7)))


@pytest.mark.parametrize("name", ["tiny", "small", "m3vit"])
def test_named_configs_carry_the_approximation_defaults(name):
    cfg = load_config(name)
    assert cfg.exp == ExpConfig() and cfg.recip == RecipConfig() and cfg.rsqrt == RsqrtConfig()
    assert cfg.exp.entries == 1025 and cfg.recip.entries == 65 and cfg.rsqrt.entries == 193
