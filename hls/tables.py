"""Approximation tables, computed from their mathematical definitions.

Every ROM of the kernel comes from a function here; ``hls/generate.py`` writes
them to files the RTL loads and the golden model calls the same functions, so
the two can never disagree about a table entry.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from hls.config import GeluConfig

__all__ = ["gelu_delta", "gelu_delta_table"]


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
    raw.setflags(write=False)  # cached and shared: nobody may change a ROM
    return raw
