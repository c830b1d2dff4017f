"""LayerNorm over the last axis without cancellation: exact mean and variance, one rsqrt.

Edge-MoE's one-pass E[x^2] - E[x]^2 loses everything on rows whose mean is
large against their spread (6.3 dB on mean 10 / std 0.05 rows, DESIGN.md
section 3).  Here the sum of squared deviations is exact, so the variance has
a single rounding whatever the mean, and the whole datapath stays in int64
(Python integers only for the per-row variance, a handful of values).
"""

from __future__ import annotations

import numpy as np

from golden.approx._intmath import mul_round_shift
from golden.approx.rsqrt import rsqrt_parts
from golden.config import KernelConfig
from golden.fixed import Quant, from_float, round_shift

__all__ = ["eps_raw", "layernorm", "layernorm_stats"]

_SPLIT = 16  # deviations are split into 16-bit halves so that their squares sum in int64


def _check(x_raw, gamma_raw, beta_raw, cfg: KernelConfig):
    f = cfg.formats
    arrays = []
    for name, raw, fmt in (("x", x_raw, f.feature), ("gamma", gamma_raw, f.norm),
                           ("beta", beta_raw, f.norm)):  # fmt: skip
        a = np.asarray(raw)
        if not np.issubdtype(a.dtype, np.integer):
            raise ValueError(f"layernorm: {name} must hold raw integers, got dtype {a.dtype}")
        a = a.astype(np.int64)
        if a.size and (a.min() < fmt.min_raw or a.max() > fmt.max_raw):
            raise ValueError(f"layernorm: {name} outside the raw range of {fmt}")
        arrays.append(a)
    x, gamma, beta = arrays
    if x.ndim < 1 or x.shape[-1] < 1:
        raise ValueError(f"layernorm needs at least one feature on the last axis, got {x.shape}")
    n = x.shape[-1]
    if gamma.shape != (n,) or beta.shape != (n,):
        raise ValueError(
            f"layernorm: gamma {gamma.shape} and beta {beta.shape} must have shape ({n},)"
        )
    if n > 1 << 20:
        raise ValueError(f"layernorm: rows of {n} features exceed 2**20")
    if (1 << (2 * (f.ln_norm.int_bits - 1))) <= n - 1:
        raise ValueError(f"layernorm: rows of {n} features overflow formats.ln_norm {f.ln_norm}")
    return x, gamma, beta


def eps_raw(cfg: KernelConfig) -> int:
    """LayerNorm's eps as a raw ``formats.ln_var`` value: ``cfg.ln_eps`` rounded to nearest once."""
    return int(from_float(cfg.ln_eps, cfg.formats.ln_var.with_modes(Quant.RND)))


def layernorm_stats(x_raw, cfg: KernelConfig) -> tuple[np.ndarray, np.ndarray]:
    """Row statistics: (mean in ``formats.ln_mean``, var + eps in ``formats.ln_var``), raw.

    With N features of F fraction bits per row:

    1. S1 = sum(x), exact in int64.
    2. Quantisation point 1: mean = S1 / N rounded half up to ln_mean's
       fraction bits (Fm): floor((S1 * 2**(Fm - F) * 2 + N) / (2N)).
    3. Variance without cancellation: c = round(S1 / N) (an integer, raw
       units), d = x - c exact (|d| < 2**33); d = dh * 2**16 + dl with
       0 <= dl < 2**16, so sum(d^2) = sum(dh^2) 2**32 + sum(dh dl) 2**17 +
       sum(dl^2) with three int64 sums, combined per row in Python integers:
       exact.  Then N^2 var = N sum(d^2) - (S1 - N c)^2, exact.
    4. Quantisation point 2: var = that / N^2 rounded half up to ln_var's
       fraction bits (Fv), by exact integer division.
    5. eps: cfg.ln_eps rounded to nearest in ln_var (``from_float``, once).
       v = var + eps exact, then ln_var's overflow mode (saturate).  v >= eps > 0.
    """
    f = cfg.formats
    x = np.asarray(x_raw, dtype=np.int64)
    n = x.shape[-1]
    F, Fm, Fv = f.feature.frac_bits, f.ln_mean.frac_bits, f.ln_var.frac_bits
    s1 = x.sum(axis=-1)
    mean = ((s1 << (Fm - F + 1)) + n) // (2 * n)
    c = (2 * s1 + n) // (2 * n)
    d = x - c[..., None]
    dh, dl = d >> _SPLIT, d & ((1 << _SPLIT) - 1)
    a, b, q = (dh * dh).sum(-1), (dh * dl).sum(-1), (dl * dl).sum(-1)
    off = s1 - n * c
    var = np.empty(s1.shape, dtype=np.int64)
    scale = Fv - 2 * F
    for idx in np.ndindex(s1.shape):
        ss = (int(a[idx]) << (2 * _SPLIT)) + (int(b[idx]) << (_SPLIT + 1)) + int(q[idx])
        num = n * ss - int(off[idx]) ** 2  # N^2 * var in units of 2**-2F, exact, >= 0
        den = n * n
        if scale >= 0:
            num <<= scale
        else:
            den <<= -scale
        var[idx] = min((2 * num + den) // (2 * den), f.ln_var.max_raw)
    v = np.minimum(
        var + eps_raw(cfg), f.ln_var.max_raw
    )  # var <= max_raw < 2**62: no int64 overflow
    return mean, v


def layernorm(x_raw, gamma_raw, beta_raw, cfg: KernelConfig) -> np.ndarray:
    """Bit-exact LayerNorm of raw features over the last axis; returns raw features.

    y = (x - mean) / sqrt(var + eps) * gamma + beta with gamma, beta raw
    ``formats.norm`` values (one per feature).  Quantisation points:

    1-2. those of ``layernorm_stats`` (mean rounded to ln_mean; var rounded
         to ln_var; eps rounded to ln_var once);
    3.   those of ``rsqrt_parts`` on v = var + eps: 1/sqrt(v) = r * 2**(k - M);
    4.   xhat = (x - mean) * r * 2**(k - M): x - mean is exact in ln_mean's
         fraction bits; the exact product is rounded once to ln_norm's
         fraction bits by its quantisation mode (AP_RND), saturated;
    5.   y = xhat * gamma + beta, exact, rounded once to the feature format by
         its quantisation mode (AP_RND) and saturated (AP_SAT).

    A zero-variance row gives xhat = 0 and y = beta exactly.  Raises
    ValueError for values outside their formats or mis-shaped gamma/beta.
    """
    f = cfg.formats
    x, gamma, beta = _check(x_raw, gamma_raw, beta_raw, cfg)
    F, Fm = f.feature.frac_bits, f.ln_mean.frac_bits
    mean, v = layernorm_stats(x, cfg)
    r, k = rsqrt_parts(v, f.ln_var, cfg)
    dev = (x << (Fm - F)) - mean[..., None]  # exact, |dev| < 2**(Fm + feature int bits)
    M = cfg.rsqrt.mant_bits
    shift = Fm + M - k[..., None] - f.ln_norm.frac_bits  # xhat = dev * r * 2**-shift
    if shift.size and (shift.min() < 1 or shift.max() > 62):
        raise ValueError("layernorm: rsqrt scale outside the normalisation shifter's range")
    xhat = mul_round_shift(dev, r[..., None], np.broadcast_to(shift, dev.shape), f.ln_norm.quant)
    xhat = np.clip(xhat, f.ln_norm.min_raw, f.ln_norm.max_raw)
    # xhat * gamma has ln_norm + norm fraction bits; beta is aligned to them exactly.
    fy = f.ln_norm.frac_bits + f.norm.frac_bits
    acc = xhat * gamma + (beta << f.ln_norm.frac_bits)  # < 2**55: validated widths
    y = round_shift(acc, fy - F, f.feature.quant)
    return np.clip(y, f.feature.min_raw, f.feature.max_raw)
