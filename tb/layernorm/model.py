"""LayerNorm bench helpers: build parameters, stimulus and a mutant model.

The specification is ``golden.layernorm.layernorm``; :func:`layernorm_model`
restates its arithmetic row by row with Python integers (the way the RTL
computes it: N^2 var = N * sum(x^2) - S1^2) with the knobs the mutation test
turns, so the minimal input Hypothesis reports for a mutant can be checked to
really separate the mutant from the golden model.
"""

from __future__ import annotations

import numpy as np

from golden.approx.rsqrt import rsqrt_parts
from golden.fixed import Quant
from golden.layernorm import eps_raw
from hls.geometry import Geometry


def build_parameters(cfg, lanes: int) -> dict[str, object]:
    """Verilator -G parameters of rtl/layernorm_unit.sv for configuration *cfg*.

    Sizes, widths, quantisation modes and eps default from the generated package.
    """
    f = cfg.formats
    for fmt in (f.feature, f.ln_norm):
        if fmt.quant not in (Quant.RND, Quant.TRN):
            raise ValueError(f"layernorm_unit rounds by AP_RND or AP_TRN only, not {fmt}")
    return {"LANES": lanes}


def _floor_div(a: int, b: int) -> int:
    return a // b


def layernorm_model(
    x_raw: np.ndarray,
    gamma: np.ndarray,
    beta: np.ndarray,
    cfg,
    *,
    eps: bool = True,
    mean_round: int = 1,
    dev_sign: int = 1,
    q_drop_lsb: bool = False,
    lanes: int = 1,
) -> np.ndarray:
    """The LayerNorm arithmetic of the spec, row by row, with mutant knobs.

    ``eps=False``: eps omitted (a zero variance then reaches the rsqrt unit,
    which answers 0 for the domain error x = 0). ``mean_round``: the mean's
    rounding constant in units of N for rows whose sum is non-negative (1 = round
    half up; 2 = half an LSB too big). The RTL divides the magnitude and has a
    branch per sign of S1; the ``mean_one_lsb_off`` mutant changes only the
    non-negative one, so rows with a negative sum keep the constant N.
    ``dev_sign=-1``: dev = mean - x. ``q_drop_lsb``: the LSB of each beat's sum
    of squares (``lanes`` squares per beat) dropped before accumulation.
    """
    f = cfg.formats
    x = np.atleast_2d(np.asarray(x_raw, dtype=np.int64))
    n = x.shape[-1]
    F, Fm, Fv = f.feature.frac_bits, f.ln_mean.frac_bits, f.ln_var.frac_bits
    Fn, Fg, M = f.ln_norm.frac_bits, f.norm.frac_bits, cfg.rsqrt.mant_bits
    vmax = f.ln_var.max_raw
    e = eps_raw(cfg) if eps else 0
    out = np.empty_like(x)
    for i, row in enumerate(x.tolist()):
        s1 = sum(row)
        if q_drop_lsb:
            q = sum(sum(v * v for v in row[b : b + lanes]) & ~1 for b in range(0, n, lanes))
        else:
            q = sum(v * v for v in row)
        rounding = mean_round if s1 >= 0 else 1
        mean = _floor_div((s1 << (Fm - F + 1)) + rounding * n, 2 * n)
        # The RTL holds N*Q - S1^2 in NumW bits (a mutant can make it wrap).
        num_w = 2 * f.feature.width - 1 + (n - 1).bit_length() + n.bit_length()
        num, den = (n * q - s1 * s1) % (1 << num_w), n * n
        scale = Fv - 2 * F
        if scale >= 0:
            num <<= scale
        else:
            den <<= -scale
        var = min((2 * num + den) // (2 * den), vmax)
        v = min(var + e, vmax)
        if v > 0:
            r_arr, k_arr = rsqrt_parts(np.array([v], dtype=np.int64), f.ln_var, cfg)
            r, k = int(r_arr[0]), int(k_arr[0])
        else:
            r, k = 0, 0
        shift = Fm + M - k - Fn
        for j, xv in enumerate(row):
            dev = (xv << (Fm - F)) - mean
            dev *= dev_sign
            p = dev * r
            xh = (p + (1 << (shift - 1) if f.ln_norm.quant is Quant.RND else 0)) >> shift
            xh = min(max(xh, f.ln_norm.min_raw), f.ln_norm.max_raw)
            acc = xh * int(gamma[j]) + (int(beta[j]) << Fn)
            sy = Fn + Fg - F
            y = (acc + ((1 << (sy - 1)) if f.feature.quant is Quant.RND else 0)) >> sy
            out[i, j] = min(max(y, f.feature.min_raw), f.feature.max_raw)
    return out


# ---------------------------------------------------------------------------
# Stimulus


def _clip(a: np.ndarray, geo: Geometry) -> np.ndarray:
    fx = geo.config.formats.feature
    return np.clip(a, fx.min_raw, fx.max_raw).astype(np.int64)


def edge_rows(geo: Geometry, frac: int) -> np.ndarray:
    """Rows that must be seen: all-equal rows (extremes, zero, +-1 LSB, mean 10),
    one-LSB spreads, rows at the format extremes, a single outlier, alternating
    extremes, ramps."""
    fx = geo.config.formats.feature
    n, lo, hi = geo.config.dim, fx.min_raw, fx.max_raw
    ten = 10 << frac
    rows = []
    for c in (lo, lo + 1, -1, 0, 1, hi - 1, hi, ten, -ten):
        rows.append(np.full(n, c))
    for c in (lo, -1, 0, ten, hi - 1):
        for k in (1, n // 2, n - 1):  # one-LSB spreads with k elements one above
            r = np.full(n, c)
            r[:k] += 1
            rows.append(r)
    alt = np.where(np.arange(n) % 2 == 0, lo, hi)
    rows += [alt, alt[::-1], np.where(np.arange(n) < n // 2, lo, hi)]
    for c, o in ((0, hi), (0, lo), (hi, lo), (lo, hi), (ten, ten + 1)):
        r = np.full(n, c)
        r[n // 3] = o
        rows.append(r)
    rows.append(np.arange(n) - n // 2)
    rows.append((np.arange(n) - n // 2) << (fx.width - 2 - int(np.log2(n)) - 1))
    return _clip(np.array(rows, dtype=np.int64), geo)


def random_rows(geo: Geometry, frac: int, count: int, rng: np.random.Generator) -> np.ndarray:
    """*count* rows of mixed classes: uniform over the format; Gaussian with a
    random mean and a spread from one LSB to the range; large mean / small
    spread (mean +-10, std 0.05 and finer); few-LSB spreads; extremes mixed in."""
    fx = geo.config.formats.feature
    n, one = geo.config.dim, 1 << frac
    kinds = rng.integers(0, 6, size=count)
    out = np.empty((count, n), dtype=np.int64)
    for kind in range(6):
        sel = np.flatnonzero(kinds == kind)
        k = len(sel)
        if not k:
            continue
        if kind == 0:  # uniform over the whole format
            rows = rng.integers(fx.min_raw, fx.max_raw, size=(k, n), endpoint=True)
        elif kind == 1:  # Gaussian, random mean and log-uniform spread
            mean = rng.uniform(-256, 256, size=(k, 1)) * one
            std = 2.0 ** rng.uniform(-22, 8, size=(k, 1)) * one
            rows = np.rint(mean + std * rng.standard_normal((k, n)))
        elif kind == 2:  # large mean, small spread (DESIGN.md: mean 10, std 0.05)
            mean = rng.choice([-10.0, 10.0], size=(k, 1)) * one + rng.integers(-99, 99, (k, 1))
            std = rng.choice([0.05, 0.005, 5e-4, 2.0**-18], size=(k, 1)) * one
            rows = np.rint(mean + std * rng.standard_normal((k, n)))
        elif kind == 3:  # spreads of a few LSB around any base
            base = rng.integers(fx.min_raw, fx.max_raw, size=(k, 1), endpoint=True)
            rows = base + rng.integers(-3, 4, size=(k, n))
        elif kind == 4:  # extremes mixed into random rows
            rows = rng.integers(-(1 << 26), 1 << 26, size=(k, n))
            pick = rng.random((k, n)) < 0.3
            ext = rng.choice(np.array([fx.min_raw, fx.max_raw, fx.min_raw + 1, fx.max_raw - 1]),
                             size=(k, n))  # fmt: skip
            rows = np.where(pick, ext, rows)
        else:  # mostly equal with a few outliers of random size
            base = rng.integers(-(1 << 28), 1 << 28, size=(k, 1))
            rows = np.repeat(base, n, axis=1)
            pick = rng.random((k, n)) < 0.05
            rows = np.where(pick, rows + rng.integers(-(1 << 20), 1 << 20, size=(k, n)), rows)
        out[sel] = _clip(np.asarray(rows, dtype=np.float64 if kind in (1, 2) else np.int64), geo)
    return out


def gamma_beta(geo: Geometry, frac: int, kind: int, rng: np.random.Generator):
    """One gamma/beta set: 0 random, 1 identity (gamma 1, beta 0), 2 extremes,
    3 gamma max with beta min/max alternating, 4 small random."""
    fn = geo.config.formats.norm
    n = geo.config.dim
    if kind == 1:
        return np.full(n, 1 << frac, dtype=np.int64), np.zeros(n, dtype=np.int64)
    if kind == 2:
        ext = np.array([fn.min_raw, fn.max_raw, fn.min_raw + 1, fn.max_raw - 1, 0, 1, -1])
        return rng.choice(ext, size=n), rng.choice(ext, size=n)
    if kind == 3:
        return (
            np.full(n, fn.max_raw, dtype=np.int64),
            np.where(np.arange(n) % 2 == 0, fn.min_raw, fn.max_raw).astype(np.int64),
        )
    if kind == 4:
        return rng.integers(-(1 << frac), 1 << frac, size=n), rng.integers(-64, 64, size=n)
    return (
        rng.integers(fn.min_raw, fn.max_raw, size=n, endpoint=True),
        rng.integers(fn.min_raw, fn.max_raw, size=n, endpoint=True),
    )
