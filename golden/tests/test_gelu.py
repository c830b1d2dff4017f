"""The golden GELU against its own specification and against exact GELU."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from golden.approx.tables import gelu_delta_table
from golden.config import CONFIG_NAMES, load_config
from golden.gelu import gelu

CONFIGS = [load_config(name) for name in CONFIG_NAMES]


def exact_gelu(x: np.ndarray) -> np.ndarray:
    return x * 0.5 * np.vectorize(math.erfc)(-x / math.sqrt(2.0))


def error_bound(cfg) -> float:
    """Linear interpolation error h^2/8 max|delta''| (|delta''| <= 2 phi(0) < 0.8)
    plus half an entry LSB plus half an output LSB."""
    h = 2.0**-cfg.gelu.step_log2
    return h * h / 8 * 0.8 + 2.0 ** -(cfg.gelu.table_bits + 1) + cfg.formats.feature.lsb / 2


@pytest.mark.parametrize("cfg", CONFIGS, ids=CONFIG_NAMES)
def test_breakpoints_return_the_rounded_table_entry(cfg):
    """At x = +-i * step the interpolation weight is zero: delta is T[i] rounded half up."""
    f, g = cfg.formats.feature, cfg.gelu
    table = gelu_delta_table(g)
    shift = g.table_bits - f.frac_bits  # entry LSBs per output LSB, as a power of two
    for i in range(g.segments):
        raw = i << (f.frac_bits - g.step_log2)
        delta = (int(table[i]) + (1 << (shift - 1))) >> shift  # Python ints, half up
        got = gelu(np.array([raw, -raw]), cfg)
        assert got.tolist() == [raw - delta, -delta], f"breakpoint {i}"


@pytest.mark.parametrize("cfg", CONFIGS, ids=CONFIG_NAMES)
def test_beyond_the_table_gelu_is_relu(cfg):
    f = cfg.formats.feature
    edge = 1 << (cfg.gelu.range_log2 + f.frac_bits)
    x = np.array([edge, edge + 1, f.max_raw, -edge, -edge - 1, f.min_raw, f.min_raw + 1])
    np.testing.assert_array_equal(gelu(x, cfg), np.maximum(x, 0))


@pytest.mark.parametrize("cfg", CONFIGS, ids=CONFIG_NAMES)
def test_within_the_interpolation_bound_of_exact_gelu(cfg):
    f = cfg.formats.feature
    rng = np.random.default_rng(7)
    x = rng.integers(-9 << f.frac_bits, 9 << f.frac_bits, 200_000)
    err = np.abs(gelu(x, cfg) * f.lsb - exact_gelu(x * f.lsb))
    assert err.max() <= error_bound(cfg), (err.max(), error_bound(cfg))


@given(st.integers(-(1 << 31), (1 << 31) - 1))
def test_every_input_within_bound(x):
    cfg = CONFIGS[-1]
    f = cfg.formats.feature
    y = int(gelu(np.array([x]), cfg)[0])
    assert f.min_raw <= y <= f.max_raw
    assert abs(y * f.lsb - exact_gelu(np.array([x * f.lsb]))[0]) <= error_bound(cfg)


def test_rejects_values_outside_the_feature_format():
    cfg = CONFIGS[0]
    with pytest.raises(ValueError, match="outside the raw range"):
        gelu(np.array([1 << 31]), cfg)
