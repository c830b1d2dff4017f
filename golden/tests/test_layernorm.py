"""LayerNorm: exact statistics, and SQNR against float64 on every row class."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from golden.config import load_config
from golden.errorbounds.approx import layernorm_rows
from golden.fixed import from_float
from golden.layernorm import layernorm, layernorm_stats

CFG = load_config("m3vit")
FMT = CFG.formats
F = FMT.feature.frac_bits
GATE_DB = 90.0


def float_layernorm(x, gamma, beta, eps=CFG.ln_eps):
    mu = x.mean(axis=-1, keepdims=True)
    d = x - mu
    return d / np.sqrt((d * d).mean(axis=-1, keepdims=True) + eps) * gamma + beta


def sqnr(y, ref):
    noise = ((y - ref) ** 2).sum(-1)
    sig = (ref**2).sum(-1)
    out = np.full(noise.shape, np.inf)
    out[noise > 0] = 10 * np.log10(sig[noise > 0] / noise[noise > 0])
    return out


def run(rows, gamma=None, beta=None):
    n = rows.shape[-1]
    x = from_float(rows, FMT.feature)
    g = from_float(np.ones(n) if gamma is None else gamma, FMT.norm)
    b = from_float(np.zeros(n) if beta is None else beta, FMT.norm)
    y = layernorm(x, g, b, CFG) * 2.0**-F
    ref = float_layernorm(x * 2.0**-F, g * FMT.norm.lsb, b * FMT.norm.lsb)
    return y, ref, g, b


@pytest.mark.parametrize("name", [k for k, (_, gated) in layernorm_rows(8).items() if gated])
def test_every_gated_row_class_reaches_90_db(name):
    rows, _ = layernorm_rows(CFG.dim)[name]
    rng = np.random.default_rng(1)
    for gamma, beta in ((None, None), (rng.normal(1, 0.3, CFG.dim), rng.normal(0, 0.5, CFG.dim))):
        y, ref, _, b = run(rows[:16], gamma, beta)
        assert sqnr(y, ref).min() >= GATE_DB, name
        # half an output LSB, plus rsqrt's relative error (< 2**-26) on xhat * gamma,
        # plus half an ln_norm LSB times gamma (< 2**-33 * 2), plus the mean's rounding
        # (half an ln_mean LSB) scaled by 1/sqrt(var + eps) <= 1/sqrt(eps), times gamma
        g = 1.0 if gamma is None else np.abs(gamma) + 2.0**-10
        mean_err = 2.0 ** -(FMT.ln_mean.frac_bits + 1) / np.sqrt(CFG.ln_eps) * g
        bound = 2.0 ** -(F + 1) + np.abs(ref - b * FMT.norm.lsb) * 2.0**-26 + 2.0**-32 + mean_err
        assert np.all(np.abs(y - ref) <= bound), name


def test_large_mean_rows_defeat_one_pass_but_not_this():
    """mean 10, std 0.05: the one-pass E[x^2] - E[x]^2 in float32 loses most of the signal."""
    rows = np.random.default_rng(2).normal(10, 0.05, (8, CFG.dim))
    y, ref, _, _ = run(rows)
    assert sqnr(y, ref).min() >= 130
    x = (from_float(rows, FMT.feature) * 2.0**-F).astype(np.float32)
    var32 = (x * x).mean(-1, keepdims=True) - x.mean(-1, keepdims=True) ** 2
    naive = (x - x.mean(-1, keepdims=True)) / np.sqrt(np.maximum(var32, 0) + 1e-6)
    assert sqnr(naive.astype(np.float64), ref).min() < 60


def test_zero_variance_rows_give_beta_exactly():
    rng = np.random.default_rng(3)
    beta = from_float(rng.normal(0, 1, CFG.dim), FMT.norm)
    gamma = from_float(rng.normal(1, 0.3, CFG.dim), FMT.norm)
    for value in (0, 1, -FMT.feature.max_raw, FMT.feature.min_raw, FMT.feature.max_raw):
        x = np.full((1, CFG.dim), value)
        y = layernorm(x, gamma, beta, CFG)
        assert np.array_equal(y[0], beta << (F - FMT.norm.frac_bits))


def test_stats_are_exact_to_one_rounding():
    """mean and var against Fraction arithmetic: each rounded once, half up."""
    rng = np.random.default_rng(4)
    rows = np.concatenate([
        rng.integers(FMT.feature.min_raw, FMT.feature.max_raw, (3, 192)),
        rng.integers(-5, 5, (2, 192)) + (300 << F),
        np.array([[FMT.feature.min_raw] * 96 + [FMT.feature.max_raw] * 96]),
    ])  # fmt: skip
    mean, v = layernorm_stats(rows, CFG)
    eps = round(Fraction(CFG.ln_eps) * (1 << FMT.ln_var.frac_bits))
    for row, m, vv in zip(rows.tolist(), mean.tolist(), v.tolist(), strict=True):
        mu = Fraction(sum(row), len(row))
        var = sum((Fraction(a) - mu) ** 2 for a in row) / len(row)  # raw^2 units
        want_m = (mu * (1 << (FMT.ln_mean.frac_bits - F)) + Fraction(1, 2)).__floor__()
        want_v = (var * Fraction(2) ** (FMT.ln_var.frac_bits - 2 * F) + Fraction(1, 2)).__floor__()
        assert m == want_m
        assert vv == min(want_v + eps, FMT.ln_var.max_raw)


def test_identity_affine_normalises():
    rows = np.random.default_rng(5).normal(-40, 7, (4, CFG.dim))
    y, _, _, _ = run(rows)
    assert np.all(np.abs(y.mean(-1)) <= 1e-6)
    assert np.all(np.abs(y.var(-1) - 1) <= 1e-5)


@given(
    st.integers(2, 64),
    st.floats(-400, 400),
    st.floats(-4, 2),
    st.integers(0, 2**32 - 1),
)
def test_hypothesis_rows(n, mean, log_std, seed):
    rng = np.random.default_rng(seed)
    rows = np.clip(rng.normal(mean, 10.0**log_std, (2, n)), -511, 511)
    y, ref, _, _ = run(rows, rng.normal(1, 0.3, n), rng.normal(0, 0.5, n))
    assert sqnr(y, ref).min() >= GATE_DB


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((np.zeros((2, 4)), np.zeros(4, dtype=np.int64), np.zeros(4, dtype=np.int64)), "integer"),
        ((np.zeros((2, 4), dtype=np.int64), np.zeros(3, dtype=np.int64),
          np.zeros(4, dtype=np.int64)), "shape"),
        ((np.full((1, 4), 1 << 31), np.zeros(4, dtype=np.int64), np.zeros(4, dtype=np.int64)),
         "outside"),
        ((np.zeros((1, 4), dtype=np.int64), np.full(4, 1 << 20), np.zeros(4, dtype=np.int64)),
         "gamma outside"),
        ((np.zeros((1, 0), dtype=np.int64), np.zeros(0, dtype=np.int64),
          np.zeros(0, dtype=np.int64)), "at least one"),
    ],
)  # fmt: skip
def test_bad_inputs_raise(args, match):
    with pytest.raises(ValueError, match=match):
        layernorm(*args, CFG)
