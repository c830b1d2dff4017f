"""Patch embedding: the 16x16 conv with stride 16 as a linear layer, plus position embedding.

Token 0 is the class token: its row of ``pos_embed`` already holds the class
token plus its position embedding (Edge-MoE's layout), so token 0 of the
encoder input is that row alone.  Tokens 1.. are the patches in row-major
order over the (H/p, W/p) grid; each patch is flattened channel-major,
(C, p, p), to match the conv weight (D, C, p, p).
"""

from __future__ import annotations

import numpy as np

from golden.config import KernelConfig
from golden.fixed import quantize
from golden.stages.linear import LinearError, check_raw, linear_accumulate

__all__ = ["image_patches", "patch_embed"]


def image_patches(image_raw: np.ndarray, cfg: KernelConfig) -> np.ndarray:
    """Raw pixels (C, H, W) -> (patches, C*p*p), row-major patches, channel-major inside."""
    c, (h, w), p = cfg.channels, cfg.image_hw, cfg.patch
    img = check_raw("image", image_raw, cfg.formats.pixel)
    if img.shape != (c, h, w):
        raise LinearError(f"image shape {img.shape}, configuration {cfg.name!r} needs {(c, h, w)}")
    blocks = img.reshape(c, h // p, p, w // p, p).transpose(1, 3, 0, 2, 4)
    return blocks.reshape((h // p) * (w // p), c * p * p)


def patch_embed(
    image_raw: np.ndarray,
    w_raw: np.ndarray,
    b_raw: np.ndarray,
    pos_raw: np.ndarray,
    cfg: KernelConfig,
) -> np.ndarray:
    """Bit-exact encoder input (tokens, D) from raw pixels.

    Inputs: pixels (C, H, W) ap_ufixed<8,0>; conv weight (D, C, p, p) in
    ``patch_weight`` <16,0>; bias (D,) in ``bias`` <16,5>; pos_embed (T, D) in
    the feature format.

    Quantisation points:

    1. none in the accumulator: pixel x weight products (8 + 16 fraction bits)
       summed exactly over C*p*p terms on the linear engine;
    2. the bias and the position embedding row are added into that accumulator
       exactly (left-shifted to its 24 fraction bits): the hardware adds them as
       two addends of the same adder, so there is no intermediate rounding;
    3. ONE rounding into the feature format (AP_RND, AP_SAT).
    Token 0 is ``pos_embed[0]`` unchanged (no arithmetic, no rounding).
    """
    f = cfg.formats
    d, t = cfg.dim, cfg.tokens
    w = check_raw("patch weight", w_raw, f.patch_weight)
    if w.shape != (d, cfg.channels, cfg.patch, cfg.patch):
        raise LinearError(
            f"patch weight shape {w.shape}, needs {(d, cfg.channels, cfg.patch, cfg.patch)}"
        )
    pos = check_raw("pos_embed", pos_raw, f.feature)
    if pos.shape != (t, d):
        raise LinearError(f"pos_embed shape {pos.shape}, needs {(t, d)}")
    patches = image_patches(image_raw, cfg)
    acc, frac = linear_accumulate(patches, w.reshape(d, -1), b_raw, f.pixel, f.patch_weight, f.bias)
    if frac < f.feature.frac_bits:
        raise LinearError(f"patch accumulator has fewer fraction bits ({frac}) than a feature")
    acc = acc + (pos[1:] << (frac - f.feature.frac_bits))
    out = np.empty((t, d), dtype=np.int64)
    out[0] = pos[0]
    out[1:] = quantize(acc, frac, f.feature)
    return out
