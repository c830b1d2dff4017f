"""Approximation tables, computed from their mathematical definitions.

Every ROM of the kernel comes from a function here; ``hls/generate.py`` writes
them to files the RTL loads and the golden model calls the same functions, so
the two can never disagree about a table entry.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from golden.config import ExpConfig, GeluConfig, RecipConfig, RsqrtConfig

__all__ = [
    "exp2_neg_table",
    "gelu_delta",
    "gelu_delta_table",
    "log2e_constant",
    "recip_table",
    "rsqrt_table",
]


def gelu_delta(t: np.ndarray) -> np.ndarray:
    """delta(t) = t * Phi(-t) = GELU's distance below ReLU at |x| = t (float64)."""
    t = np.asarray(t, dtype=np.float64)
    erfc = np.vectorize(math.erfc, otypes=[np.float64])
    return t * 0.5 * erfc(t / math.sqrt(2.0))


@functools.cache
def gelu_delta_table(gelu: GeluConfig) -> np.ndarray:
    """The GELU ROM: delta(i * 2**-step_log2) for i = 0..segments, as raw ap_ufixed<table_bits, 0>.

    Each entry is rounded to nearest from float64 ``math.erfc`` (relative error
    ~1e-16, far below the table's 2**-table_bits step).
    """
    t = np.arange(gelu.entries, dtype=np.float64) * 2.0**-gelu.step_log2
    raw = np.rint(np.ldexp(gelu_delta(t), gelu.table_bits)).astype(np.int64)
    if raw.max() >= 1 << gelu.table_bits:  # delta < 0.17, so this cannot happen
        raise ValueError("GELU delta does not fit ap_ufixed<table_bits, 0>")
    return _frozen(raw)


def _frozen(raw: np.ndarray) -> np.ndarray:
    raw.setflags(write=False)  # cached and shared: nobody may change a ROM
    return raw


def log2e_constant(exp: ExpConfig) -> int:
    """log2(e) rounded to nearest with ``log2e_bits`` fraction bits (raw ap_ufixed<bits+1, 1>).

    log2(e) is irrational, so there is no tie; the float64 value (1 ulp = 2**-52)
    decides the rounding unless it lies within 2**-50 of a rounding boundary,
    which is checked (and never happens for 8..52 bits).
    """
    scaled = math.log2(math.e) * 2.0**exp.log2e_bits
    frac = scaled - math.floor(scaled)
    if abs(frac - 0.5) < 2.0 ** (exp.log2e_bits - 50):
        raise ValueError(f"log2(e) at {exp.log2e_bits} bits is too close to a tie for float64")
    return round(scaled)


@functools.cache
def exp2_neg_table(exp: ExpConfig) -> np.ndarray:
    """The exp ROM: 2**(-i * 2**-step_log2), i = 0..2**step_log2, as ap_ufixed<table_bits + 1, 1>.

    Every entry is correctly rounded (to nearest; 2**-q is irrational for a
    non-integer q, so there are no ties): a float64 candidate c is checked
    exactly, in integers, against c - 1/2 <= 2**(B - i/n) < c + 1/2 by raising
    both sides to the n-th power (n = 2**step_log2), and moved by one if wrong.
    """
    n, b = 1 << exp.step_log2, exp.table_bits
    out = np.empty(n + 1, dtype=np.int64)
    for i in range(n + 1):
        c = round(2.0 ** (b - i / n))
        # value^n = 2**(b*n - i); (c +- 1/2)^n * 2^n = (2c +- 1)^n against 2**((b+1)*n - i).
        target = 1 << ((b + 1) * n - i)
        while (2 * c - 1) ** n > target:
            c -= 1
        while (2 * c + 1) ** n <= target:
            c += 1
        out[i] = c
    return _frozen(out)


@functools.cache
def recip_table(recip: RecipConfig) -> np.ndarray:
    """The reciprocal seed ROM: 1/(1 + i * 2**-s) for i = 0..2**s, raw ap_ufixed<table_bits + 1, 1>.

    Exact integer arithmetic: round(2**(B + s) / (2**s + i)), ties (possible
    only when the quotient is exact-and-a-half) rounded up.
    """
    n, b = 1 << recip.step_log2, recip.table_bits
    num = 1 << (b + recip.step_log2)
    i = np.arange(n + 1, dtype=np.int64)
    den = n + i
    return _frozen((2 * num + den) // (2 * den))


@functools.cache
def rsqrt_table(rsqrt: RsqrtConfig) -> np.ndarray:
    """The rsqrt seed ROM: 1/sqrt(1 + i * 2**-s) for i = 0..3 * 2**s (m in [1, 4]).

    Raw ap_ufixed<table_bits + 1, 1>, correctly rounded in exact integers: the
    entry is round(sqrt(q)) with q = 2**(2B + s) / (2**s + i); r = isqrt(floor(q))
    is floor(sqrt(q)), and it rounds up when q >= (r + 1/2)**2.
    """
    n, b = 1 << rsqrt.step_log2, rsqrt.table_bits
    num = 1 << (2 * b + rsqrt.step_log2)
    out = np.empty(3 * n + 1, dtype=np.int64)
    for i in range(3 * n + 1):
        den = n + i
        r = math.isqrt(num // den)
        out[i] = r + (4 * num >= (2 * r + 1) ** 2 * den)
    return _frozen(out)
