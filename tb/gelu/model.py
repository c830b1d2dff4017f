"""GELU bench helpers: stimulus, and a Python model of RTL mutants.

The specification is ``golden.gelu.gelu``; the model here restates the same
arithmetic with knobs, so the mutation test can check that the minimal input
Hypothesis reports really separates the mutant from the golden model.
"""

from __future__ import annotations

import numpy as np

from golden.approx.tables import gelu_delta_table
from hls.geometry import Geometry

#: Cycles from an accepted input beat to out_valid_o (rtl/gelu_unit.sv's four stages).
LATENCY = 4


def segments(geo: Geometry) -> int:
    """Table segments: 2**(RANGE_LOG2 + STEP_LOG2)."""
    return 1 << geo.gelu_seg_log2


def describe(geo: Geometry, x: int) -> str:
    """``x=<raw> (0x<hex>, <real>)``: the form failure messages use."""
    fmt = geo.config.formats.feature
    hex_x = f"{x & ((1 << fmt.width) - 1):0{(fmt.width + 3) // 4}x}"
    return f"x={x} (0x{hex_x}, {x * 2.0**-fmt.frac_bits:.9g})"


def gelu_model(
    x_raw: np.ndarray,
    table: np.ndarray,
    geo: Geometry,
    *,
    round_half: bool = True,
    abs_ones_complement: bool = False,
) -> np.ndarray:
    """The GELU arithmetic of the spec, with the knobs the mutants turn.

    ``round_half=False``: the rounding constant is dropped (truncation).
    ``abs_ones_complement=True``: |x| of a negative x is computed as ~x.
    """
    x = np.asarray(x_raw, dtype=np.int64)
    t = np.where(x < 0, (-x - 1) if abs_ones_complement else -x, x)
    idx = t >> geo.gelu_frac_idx_w
    f = t & ((1 << geo.gelu_frac_idx_w) - 1)
    inside = idx < segments(geo)
    i = np.where(inside, idx, 0)
    lo, hi = table[i], table[i + 1]
    acc = (lo << geo.gelu_frac_idx_w) + (hi - lo) * f
    rnd = (1 << (geo.gelu_shift - 1)) if round_half else 0
    delta = np.where(inside, (acc + rnd) >> geo.gelu_shift, 0)
    return np.maximum(x, 0) - delta


def edge_vectors(geo: Geometry) -> np.ndarray:
    """Every breakpoint and its one-LSB neighbours (both signs), the extremes,
    and a sweep of the region beyond the table up to the format's limits."""
    bps = np.arange(segments(geo) + 2, dtype=np.int64) << geo.gelu_frac_idx_w
    near = (bps[:, None] + np.array([-1, 0, 1], dtype=np.int64)).ravel()
    vals = [near, -near]
    vals.append(
        np.array(
            [
                geo.config.formats.feature.min_raw,
                geo.config.formats.feature.min_raw + 1,
                geo.config.formats.feature.max_raw,
                geo.config.formats.feature.max_raw - 1,
                0,
                1,
                -1,
            ],
            dtype=np.int64,
        )
    )
    # Beyond the table: powers of two from the table end to the top, +-1.
    top = geo.config.formats.feature.width - 1
    p = np.array(
        [
            1 << k
            for k in range(geo.config.gelu.range_log2 + geo.config.formats.feature.frac_bits, top)
        ]
        + [geo.config.formats.feature.max_raw],
        dtype=np.int64,
    )
    beyond = (p[:, None] + np.array([-1, 0, 1], dtype=np.int64)).ravel()
    vals += [beyond, -beyond]
    out = np.concatenate(vals)
    return np.unique(
        np.clip(out, geo.config.formats.feature.min_raw, geo.config.formats.feature.max_raw)
    )


def stream_vectors(geo: Geometry, n: int, rng: np.random.Generator, lanes: int) -> np.ndarray:
    """At least *n* inputs (a multiple of *lanes*): all edge vectors plus random fill,
    shuffled. The fill: half uniform inside the table, a quarter near
    breakpoints (offsets up to +-2**12 LSB), a quarter uniform over the whole format."""
    edges = edge_vectors(geo)
    total = max(n, len(edges))
    total += (-total) % lanes
    k = total - len(edges)
    k_tab, k_near = k // 2, k // 4
    k_full = k - k_tab - k_near
    lim = geo.gelu_table_limit
    tab = rng.integers(-lim, lim, size=k_tab, endpoint=True)
    bp = rng.integers(0, segments(geo) + 1, size=k_near, endpoint=True) << geo.gelu_frac_idx_w
    off = rng.integers(-(1 << 12), 1 << 12, size=k_near, endpoint=True)
    near = (bp + off) * rng.choice(np.array([-1, 1], dtype=np.int64), size=k_near)
    full = rng.integers(
        geo.config.formats.feature.min_raw,
        geo.config.formats.feature.max_raw,
        size=k_full,
        endpoint=True,
    )
    out = np.concatenate(
        [
            edges,
            tab,
            np.clip(near, geo.config.formats.feature.min_raw, geo.config.formats.feature.max_raw),
            full,
        ]
    )
    rng.shuffle(out)
    return out.astype(np.int64)


def table_of(cfg) -> np.ndarray:
    """The delta table of *cfg* (what rtl/gelu_unit.sv's ROM file holds)."""
    return np.asarray(gelu_delta_table(cfg.gelu), dtype=np.int64)
