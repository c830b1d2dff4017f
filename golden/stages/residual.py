"""Residual add: two feature tensors summed, saturating into the feature format."""

from __future__ import annotations

import numpy as np

from golden.config import KernelConfig
from golden.fixed import quantize
from golden.stages.linear import LinearError, check_raw

__all__ = ["residual_add"]


def residual_add(x_raw: np.ndarray, y_raw: np.ndarray, cfg: KernelConfig) -> np.ndarray:
    """Bit-exact ``x + y`` of two same-shaped raw feature arrays.

    Quantisation point (the only one): the exact sum (one bit wider, same
    fraction bits, so no rounding) is saturated into the feature format
    (AP_SAT: clamped to [min, max]).
    """
    f = cfg.formats.feature
    x = check_raw("residual x", x_raw, f)
    y = check_raw("residual y", y_raw, f)
    if x.shape != y.shape:
        raise LinearError(f"residual operands differ in shape: {x.shape} vs {y.shape}")
    return quantize(x + y, f.frac_bits, f)
