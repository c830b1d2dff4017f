"""Row-operation engine bench helpers: memory layout, stimulus, comparisons.

The specifications are ``golden.layernorm.layernorm`` (``rtl/layernorm_engine.sv``)
and ``golden.stages.residual.residual_add`` (``rtl/residual_engine.sv``). The
LayerNorm row classes come from ``tb.layernorm.model`` (edge rows, mixed random
rows with large means and tiny spreads, gamma/beta extremes); the residual
operands here add the saturation corners of a + b.
"""

from __future__ import annotations

import numpy as np

from hls.geometry import Geometry
from hls.memory_map import packed_bytes


def layout(sizes: dict[str, int], beat_bytes: int, rng: np.random.Generator) -> tuple[dict, int]:
    """Regions of *sizes* bytes, in a random order, each beat aligned with a random
    gap of 0..7 beats before it (guard bytes that must never be written);
    returns ({name: address}, total memory bytes)."""
    names = list(sizes)
    rng.shuffle(names)
    addr, out = 0, {}
    for name in names:
        addr += int(rng.integers(0, 8)) * beat_bytes
        out[name] = addr
        addr += sizes[name]
    total = addr + (int(rng.integers(1, 8)) + 1) * beat_bytes
    return out, total


def feature_bytes(cfg, tokens: int) -> int:
    return packed_bytes((tokens, cfg.dim), cfg.formats.feature, cfg.axi_data_width)


def norm_bytes(cfg) -> int:
    return packed_bytes((cfg.dim,), cfg.formats.norm, cfg.axi_data_width)


def residual_operands(
    geo: Geometry, tokens: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """(a, b) of shape (tokens, dim): each row one class of 0 uniform over the
    format (a quarter of the sums saturate), 1 moderate values (no saturation),
    2 sums around the top of the range (exactly max, max + 1, far beyond),
    3 the same at the bottom, 4 the corner pairs (min+min, max+max, min+max,
    x + (-x), 0 + extremes) in random positions."""
    feature = geo.config.formats.feature
    lo, hi, n = feature.min_raw, feature.max_raw, geo.config.dim
    a = np.empty((tokens, n), dtype=np.int64)
    b = np.empty((tokens, n), dtype=np.int64)
    corners = np.array(
        [(lo, lo), (hi, hi), (lo, hi), (hi, lo), (hi, 0), (0, lo), (hi, 1), (lo, -1),
         (hi - 1, 1), (lo + 1, -1), (lo + 1, -2), (hi, -1), (lo, 1), (0, 0), (1, -1),
         (hi, -hi), (lo + 1, hi), (hi // 2 + 1, hi // 2 + 1), (lo // 2, lo // 2 - 1),
         (lo // 2, lo // 2)],
        dtype=np.int64,
    )  # fmt: skip
    for r in range(tokens):
        kind = int(rng.integers(0, 5))
        if kind == 0:
            a[r] = rng.integers(lo, hi, n, endpoint=True)
            b[r] = rng.integers(lo, hi, n, endpoint=True)
        elif kind == 1:
            a[r] = rng.integers(-(1 << 28), 1 << 28, n)
            b[r] = rng.integers(-(1 << 28), 1 << 28, n)
        elif kind in (2, 3):
            # a + b = target + d, d a few LSB around the limit or anything beyond it
            limit = hi if kind == 2 else lo
            a[r] = np.clip(limit // 2 + rng.integers(-(1 << 20), 1 << 20, n), lo, hi)
            d = np.where(rng.random(n) < 0.5, rng.integers(-2, 3, n), rng.integers(0, 1 << 30, n))
            d = d if kind == 2 else -d
            b[r] = np.clip(limit + d - a[r], lo, hi)
        else:
            pick = corners[rng.integers(0, len(corners), n)]
            swap = rng.random(n) < 0.5
            a[r] = np.where(swap, pick[:, 1], pick[:, 0])
            b[r] = np.where(swap, pick[:, 0], pick[:, 1])
    return a, b


def first_difference(y_rtl: np.ndarray, y_gold: np.ndarray, what: str, **inputs) -> str | None:
    """None when equal; else the count and the first differing (row, element)."""
    bad = np.argwhere(y_rtl != y_gold)
    if not len(bad):
        return None
    r, k = (int(v) for v in bad[0])
    ins = " ".join(f"{name}={int(arr[r, k])}" for name, arr in inputs.items())
    return (
        f"{len(bad)} of {y_rtl.size} outputs differ from {what}; first: row {r} element {k}: "
        f"{ins}: rtl {int(y_rtl[r, k])}, golden {int(y_gold[r, k])}"
    )
