"""The unified linear engine: y = x @ W.T + b, optional GELU, exact wide accumulation.

Edge-MoE's fourth idea: one tile of MACs serves Q/K/V/proj, the dense FFN, the
experts, the gates and the patch embedding.  Numerically the engine is a dot
product held exactly in a wide accumulator (as a DSP cascade does) and rounded
ONCE into the output format, after the bias has been added at full precision.
Because the accumulation is exact, the order of the partial sums - the tile
schedule - cannot change a bit: :func:`linear_tiled` follows ``cfg.linear_tile``
literally, and the metamorphic tests prove it equal to :func:`linear`.

Speed (an implementation detail that stays exact): the raw activations are split
into 16-bit limbs, ``x = hi * 2**16 + lo`` with ``0 <= lo < 2**16``, and each
limb is multiplied by the raw weights in float64 BLAS.  Every partial sum of a
limb product is an integer below 2**53, so float64 holds it exactly whatever the
summation order; the limb sums are recombined in int64.  :func:`exact_matmul`
checks both bounds from the operand formats before it trusts either.
"""

from __future__ import annotations

import numpy as np

from golden.config import KernelConfig
from golden.fixed import FixedFormat, quantize
from golden.gelu import gelu as gelu_fn

__all__ = [
    "LinearError",
    "check_raw",
    "exact_matmul",
    "linear",
    "linear_accumulate",
    "linear_tiled",
]

_FLOAT_EXACT_BITS = 53  # float64 holds every integer of magnitude <= 2**53 exactly
_INT64_BITS = 62  # headroom kept below int64's 63 magnitude bits
_LIMB = 16


class LinearError(ValueError):
    """Bad shapes or out-of-range raw values given to a linear stage."""


def _mag_bits(fmt: FixedFormat) -> int:
    """Bits of magnitude of a raw value of ``fmt`` (|raw| <= 2**bits)."""
    return fmt.width - 1 if fmt.signed else fmt.width


def check_raw(name: str, raw: np.ndarray, fmt: FixedFormat, ndim: int | None = None) -> np.ndarray:
    """``raw`` as int64, after checking it is integer, of ``ndim`` dims and inside ``fmt``."""
    a = np.asarray(raw)
    if not np.issubdtype(a.dtype, np.integer):
        raise LinearError(f"{name}: raw values must be integers, got dtype {a.dtype}")
    if ndim is not None and a.ndim != ndim:
        raise LinearError(f"{name}: expected {ndim} dimensions, got shape {a.shape}")
    a = a.astype(np.int64, copy=False)
    if a.size and (int(a.min()) < fmt.min_raw or int(a.max()) > fmt.max_raw):
        raise LinearError(
            f"{name}: raw values [{int(a.min())}, {int(a.max())}] outside {fmt} "
            f"[{fmt.min_raw}, {fmt.max_raw}]"
        )
    return a


def exact_matmul(
    x: np.ndarray, x_fmt: FixedFormat, w: np.ndarray, w_fmt: FixedFormat
) -> np.ndarray:
    """``x @ w.T`` of raw integers, exactly, as int64 (N, K) x (M, K) -> (N, M).

    Raw values must lie in their formats (callers check).  One float64 matmul
    when every partial sum is below 2**53; otherwise two, on 16-bit limbs of x.
    """
    k = x.shape[-1]
    kbits = max(k - 1, 1).bit_length()  # sum of k terms gains at most this many bits
    xb, wb = _mag_bits(x_fmt), _mag_bits(w_fmt)
    if xb + wb + kbits > _INT64_BITS:
        raise LinearError(
            f"exact accumulation of {k} products {x_fmt} x {w_fmt} needs "
            f"{xb + wb + kbits} bits, more than the {_INT64_BITS} held in int64"
        )
    wf = w.astype(np.float64).T
    if xb + wb + kbits <= _FLOAT_EXACT_BITS:
        return (x.astype(np.float64) @ wf).astype(np.int64)
    # Two limbs: lo in [0, 2**16), hi = x >> 16 with xb - 16 magnitude bits.
    if max(_LIMB, xb - _LIMB) + wb + kbits > _FLOAT_EXACT_BITS or xb > 2 * _LIMB:
        raise LinearError(
            f"limb products of {x_fmt} x {w_fmt} over {k} terms are not exact in float64"
        )
    lo = (x & ((1 << _LIMB) - 1)).astype(np.float64) @ wf
    hi = (x >> _LIMB).astype(np.float64) @ wf
    # Both sums are exact integers (< 2**53); the recombination fits int64 by
    # the width check above.
    return (hi.astype(np.int64) << _LIMB) + lo.astype(np.int64)


def linear_accumulate(
    x_raw: np.ndarray,
    w_raw: np.ndarray,
    b_raw: np.ndarray | None,
    x_fmt: FixedFormat,
    w_fmt: FixedFormat,
    b_fmt: FixedFormat | None,
) -> tuple[np.ndarray, int]:
    """The engine's exact accumulator ``x @ W.T + b`` and its fraction bits.

    Shapes: x (N, K), W (M, K), b (M,) or None.  The bias is aligned to the
    product's fraction bits x.frac + w.frac (exact left shift; a bias with
    more fraction bits than the product is refused).  No rounding happens here.
    """
    x = check_raw("x", x_raw, x_fmt, 2)
    w = check_raw("W", w_raw, w_fmt, 2)
    if x.shape[1] != w.shape[1]:
        raise LinearError(f"x has {x.shape[1]} input columns but W is {w.shape} (outputs, inputs)")
    if x.shape[1] == 0:
        raise LinearError("a linear layer needs at least one input column")
    acc = exact_matmul(x, x_fmt, w, w_fmt)
    frac = x_fmt.frac_bits + w_fmt.frac_bits
    if b_raw is not None:
        if b_fmt is None:
            raise LinearError("a bias needs its format")
        b = check_raw("bias", b_raw, b_fmt, 1)
        if b.shape != (w.shape[0],):
            raise LinearError(f"bias shape {b.shape} does not match W's {w.shape[0]} outputs")
        shift = frac - b_fmt.frac_bits
        if shift < 0:
            raise LinearError(f"bias {b_fmt} has more fraction bits than the product ({frac})")
        acc = acc + (b << shift)
    return acc, frac


def _finish(
    acc: np.ndarray, frac: int, out_fmt: FixedFormat, cfg: KernelConfig, gelu: bool
) -> np.ndarray:
    y = quantize(acc, frac, out_fmt)
    if gelu:
        if out_fmt != cfg.formats.feature:
            raise LinearError("the fused GELU works on the feature format only")
        y = gelu_fn(y, cfg)
    return y


def _formats(cfg, x_fmt, w_fmt, b_fmt, out_fmt):
    f = cfg.formats
    return (
        x_fmt or f.feature,
        w_fmt or f.linear_weight,
        b_fmt or f.bias,
        out_fmt or f.feature,
    )


def linear(
    x_raw: np.ndarray,
    w_raw: np.ndarray,
    b_raw: np.ndarray | None,
    cfg: KernelConfig,
    *,
    gelu: bool = False,
    x_fmt: FixedFormat | None = None,
    w_fmt: FixedFormat | None = None,
    b_fmt: FixedFormat | None = None,
    out_fmt: FixedFormat | None = None,
) -> np.ndarray:
    """Bit-exact ``y = [GELU](x @ W.T + b)`` on raw arrays; x (N, K), W (M, K), b (M,) or None.

    Formats default to the configuration's: x feature <32,10>, W linear_weight
    <16,2>, b bias <16,5> (Q/K/V pass ``b_fmt=attn_bias``), y feature.

    Quantisation points:

    1. none in the accumulator: sum_k x[n,k] * W[m,k] is exact (x.frac + w.frac
       fraction bits; 31 + 15 + ceil(log2 K) magnitude bits for 32 x 16-bit
       operands, 56 for K = 768, checked <= 62);
    2. the bias is added exactly, shifted left to the accumulator's fraction bits;
    3. ONE rounding: accumulator -> ``out_fmt`` by its modes (features: round
       half up, AP_RND, then saturate, AP_SAT);
    4. with ``gelu=True``, golden.gelu on that feature value (its own single
       rounding of the interpolated delta, see its docstring).
    """
    x_fmt, w_fmt, b_fmt, out_fmt = _formats(cfg, x_fmt, w_fmt, b_fmt, out_fmt)
    acc, frac = linear_accumulate(x_raw, w_raw, b_raw, x_fmt, w_fmt, b_fmt)
    return _finish(acc, frac, out_fmt, cfg, gelu)


def linear_tiled(
    x_raw: np.ndarray,
    w_raw: np.ndarray,
    b_raw: np.ndarray | None,
    cfg: KernelConfig,
    *,
    tile: tuple[int, int] | None = None,
    gelu: bool = False,
    x_fmt: FixedFormat | None = None,
    w_fmt: FixedFormat | None = None,
    b_fmt: FixedFormat | None = None,
    out_fmt: FixedFormat | None = None,
) -> np.ndarray:
    """:func:`linear` computed in the hardware's tile schedule (slow; for proofs).

    ``tile`` = (output rows, input columns), default ``cfg.linear_tile``.  For
    each token, for each block of ``rows`` outputs, the engine walks the input
    columns ``cols`` at a time, adding each tile's rows x cols products into
    the block's accumulators (int64, exact); partial tiles at the right and
    bottom edges are handled as the hardware does, by masking the missing
    lanes.  Bias, rounding and GELU then as in :func:`linear`.
    """
    x_fmt, w_fmt, b_fmt, out_fmt = _formats(cfg, x_fmt, w_fmt, b_fmt, out_fmt)
    rows, cols = cfg.linear_tile if tile is None else tile
    if not (isinstance(rows, int) and isinstance(cols, int) and rows >= 1 and cols >= 1):
        raise LinearError(f"tile {tile!r} must be two positive integers")
    x = check_raw("x", x_raw, x_fmt, 2)
    w = check_raw("W", w_raw, w_fmt, 2)
    if x.shape[1] != w.shape[1] or x.shape[1] == 0:
        raise LinearError(f"x has {x.shape[1]} input columns but W is {w.shape} (outputs, inputs)")
    n, k = x.shape
    m = w.shape[0]
    # Bound check as in exact_matmul: the int64 accumulator cannot overflow.
    exact_matmul(x[:0], x_fmt, w[:0], w_fmt)
    acc = np.zeros((n, m), dtype=np.int64)
    for r0 in range(0, m, rows):
        r1 = min(r0 + rows, m)
        for c0 in range(0, k, cols):
            c1 = min(c0 + cols, k)
            # One tile: (r1-r0) x (c1-c0) MACs per token, exact int64.
            acc[:, r0:r1] += x[:, c0:c1] @ w[r0:r1, c0:c1].T
    frac = x_fmt.frac_bits + w_fmt.frac_bits
    if b_raw is not None:
        b = check_raw("bias", b_raw, b_fmt, 1)
        if b.shape != (m,):
            raise LinearError(f"bias shape {b.shape} does not match W's {m} outputs")
        if frac < b_fmt.frac_bits:
            raise LinearError(f"bias {b_fmt} has more fraction bits than the product ({frac})")
        acc += b << (frac - b_fmt.frac_bits)
    return _finish(acc, frac, out_fmt, cfg, gelu)
