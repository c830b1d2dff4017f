"""Float weights -> the kernel's fixed-point raw arrays, with a saturation report.

Every tensor is converted by ap_fixed's constructor from double
(:func:`golden.fixed.from_float`: exact value, one rounding by the format's
quantisation mode, then its overflow mode) into the format of its class:

=====================================  ==========================================
tensor                                 format (``cfg.formats`` field)
=====================================  ==========================================
``patch_embed_weight``                 ``patch_weight`` <16,0>
``pos_embed``                          ``feature`` <32,10>
``lL_qkv_bias``                        ``attn_bias`` <16,7>
``lL_norm{1,2}_weight`` / ``_bias``    ``norm`` <16,5>
every other ``*_bias``                 ``bias`` <16,5>
every other weight (linear, experts,   ``linear_weight`` <16,2>
gates)
=====================================  ==========================================

A value beyond a format's range saturates (AP_SAT); nothing is silent: the
result counts saturated elements per tensor (:attr:`QuantizedWeights.saturated`)
and :meth:`QuantizedWeights.report` lists them.  A value more than
:data:`OUTLIER_FACTOR` times beyond the range (1e30 in a file of weights near 1)
is not a weight but a corrupt file or a format that does not fit the model:
:func:`quantize_weights` refuses it before anything is simulated.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import numpy as np

from golden.config import KernelConfig
from golden.fixed import FixedFormat, from_float, to_float
from golden.weights import WeightsError, check_weights, expected_shapes

__all__ = [
    "OUTLIER_FACTOR",
    "QuantizedWeights",
    "TensorReport",
    "WeightsReport",
    "describe_weights",
    "format_of",
    "outlier_limit",
    "quantize_image",
    "quantize_weights",
]

#: A weight whose magnitude exceeds this many times its format's largest magnitude
#: is refused (WeightsError) instead of saturated.
OUTLIER_FACTOR = 4.0


def format_of(cfg: KernelConfig, name: str) -> FixedFormat:
    """The fixed-point format the kernel stores weight ``name`` in."""
    f = cfg.formats
    if name == "patch_embed_weight":
        return f.patch_weight
    if name == "pos_embed":
        return f.feature
    if name.endswith("_qkv_bias"):
        return f.attn_bias
    if name.endswith(("norm1_weight", "norm1_bias", "norm2_weight", "norm2_bias")):
        return f.norm
    if name.endswith("_bias"):
        return f.bias
    return f.linear_weight


def _saturating(x: np.ndarray, fmt: FixedFormat) -> np.ndarray:
    """Where rounding ``x`` into ``fmt`` (AP_RND, ties up) leaves its range.

    Exact float64 comparisons: the thresholds are dyadic with few bits.
    """
    half = fmt.lsb / 2
    hi = fmt.max_raw * fmt.lsb + half  # rounds up past max
    lo = fmt.min_raw * fmt.lsb - half  # ties round up (into range), so strictly below
    return (x >= hi) | (x < lo)


@dataclass(frozen=True)
class QuantizedWeights(Mapping[str, np.ndarray]):
    """Raw fixed-point weights by canonical name (read-only int64 arrays).

    ``formats[name]`` is each tensor's format, ``saturated[name]`` how many of
    its elements were clamped, ``max_abs_error[name]`` the largest
    |quantised - float| over the tensor, ``synthesised`` the names whose float
    values were made up (copied from the float :class:`~golden.weights.Weights`).
    """

    config: str
    raw: Mapping[str, np.ndarray]
    formats: Mapping[str, FixedFormat]
    saturated: Mapping[str, int]
    max_abs_error: Mapping[str, float]
    synthesised: frozenset[str] = frozenset()

    def __getitem__(self, name: str) -> np.ndarray:
        try:
            return self.raw[name]
        except KeyError:
            raise KeyError(f"no quantised weight named {name!r} (config {self.config})") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self.raw)

    def __len__(self) -> int:
        return len(self.raw)

    @property
    def total_saturated(self) -> int:
        return sum(self.saturated.values())

    def report(self) -> str:
        """A text table: per tensor its format, saturated count and max abs error."""
        lines = [f"quantised weights for {self.config!r}: {self.total_saturated} saturated values"]
        for name in self.raw:
            mark = " (synthesised)" if name in self.synthesised else ""
            lines.append(
                f"  {name:28s} {self.formats[name]!s:36s} saturated {self.saturated[name]:6d}"
                f"  max|err| {self.max_abs_error[name]:.3e}{mark}"
            )
        return "\n".join(lines)


def quantize_weights(cfg: KernelConfig, weights: Mapping[str, np.ndarray]) -> QuantizedWeights:
    """Every tensor ``cfg`` needs, converted to its format (see the module docstring).

    Raises :class:`golden.weights.WeightsError` when a tensor is missing, has the
    wrong shape or a non-finite value.  Extra tensors are ignored.
    """
    check_weights(cfg, weights)
    raw, formats, saturated, errors = {}, {}, {}, {}
    for name in expected_shapes(cfg):
        x = np.asarray(weights[name], dtype=np.float64)
        fmt = format_of(cfg, name)
        _refuse_outliers(name, x, fmt)
        r = from_float(x, fmt)
        r.flags.writeable = False
        raw[name] = r
        formats[name] = fmt
        saturated[name] = int(np.count_nonzero(_saturating(x, fmt)))
        errors[name] = float(np.max(np.abs(to_float(r, fmt) - x), initial=0.0))
    return QuantizedWeights(
        cfg.name,
        raw,
        formats,
        saturated,
        errors,
        frozenset(getattr(weights, "synthesised", frozenset())),
    )


def outlier_limit(fmt: FixedFormat) -> float:
    """Magnitudes above this are refused, not saturated: :data:`OUTLIER_FACTOR` times
    the largest magnitude of ``fmt``."""
    return OUTLIER_FACTOR * max(fmt.max_raw, -fmt.min_raw) * fmt.lsb


def _refuse_outliers(name: str, x: np.ndarray, fmt: FixedFormat) -> None:
    """Raise WeightsError when a value of *x* lies far outside *fmt*'s range."""
    far = np.flatnonzero(np.abs(x) > outlier_limit(fmt))
    if far.size:
        worst = int(far[np.argmax(np.abs(x.flat[far]))])
        top = fmt.max_raw * fmt.lsb
        raise WeightsError(
            f"weight {name!r}: {far.size} value(s) beyond {OUTLIER_FACTOR:g}x the range of "
            f"{fmt} (largest {top:g}); the worst, {x.flat[worst]:g} at flat index {worst}, "
            f"is no weight but a corrupt file or a format that does not fit the model"
        )


@dataclass(frozen=True)
class TensorReport:
    """One tensor as the kernel would store it: its shape and format, the float range
    of its values, how many would saturate and how many lie so far out that
    :func:`quantize_weights` refuses them (``outliers``, a subset of ``saturated``)."""

    name: str
    shape: tuple[int, ...]
    fmt: FixedFormat
    min: float
    max: float
    saturated: int
    outliers: int
    synthesised: bool


@dataclass(frozen=True)
class WeightsReport:
    """:func:`describe_weights`: every tensor of a configuration, before quantisation."""

    config: str
    source: str
    tensors: tuple[TensorReport, ...]

    @property
    def total_saturated(self) -> int:
        return sum(t.saturated for t in self.tensors)

    def problems(self, allow_saturation: bool = False) -> list[str]:
        """One line per tensor that would be refused (outliers) or, unless
        ``allow_saturation``, saturate."""
        out = []
        for t in self.tensors:
            if t.outliers:
                out.append(
                    f"{t.name}: {t.outliers} value(s) beyond {OUTLIER_FACTOR:g}x the range of "
                    f"{t.fmt} (refused by quantize_weights): values span [{t.min:g}, {t.max:g}]"
                )
            elif t.saturated and not allow_saturation:
                out.append(
                    f"{t.name}: {t.saturated} value(s) saturate in {t.fmt}: values span "
                    f"[{t.min:g}, {t.max:g}]"
                )
        return out

    def text(self, allow_saturation: bool = False) -> str:
        """A table: per tensor its shape, format, value range, saturated and refused counts."""
        lines = [
            f"weights {self.source}",
            f"configuration {self.config!r}: {len(self.tensors)} tensors, "
            f"{sum(math.prod(t.shape) for t in self.tensors):,} values",
            f"  {'tensor':26s} {'shape':17s} {'format':30s} {'min':>10s} {'max':>10s} "
            f"{'saturated':>9s} {'refused':>7s}",
        ]
        for t in self.tensors:
            mark = "  (synthesised)" if t.synthesised else ""
            flag = "  <-" if t.outliers or t.saturated else ""
            lines.append(
                f"  {t.name:26s} {t.shape!s:17s} {t.fmt!s:30s} {t.min:10.4g} {t.max:10.4g} "
                f"{t.saturated:9d} {t.outliers:7d}{flag}{mark}"
            )
        problems = self.problems(allow_saturation)
        if problems:
            lines.append(f"{len(problems)} problem(s):")
            lines += [f"  {p}" for p in problems]
        else:
            lines.append(f"OK: {self.total_saturated} saturated values, none refused")
        return "\n".join(lines)


def describe_weights(cfg: KernelConfig, weights: Mapping[str, np.ndarray]) -> WeightsReport:
    """Every tensor ``cfg`` needs against its fixed-point format, before anything is
    quantised or simulated: the checks of :func:`check_weights` (present, shape,
    finite; a :class:`~golden.weights.WeightsError` otherwise), then per tensor its
    range, saturated values and the far outliers :func:`quantize_weights` would refuse."""
    check_weights(cfg, weights)
    synthesised = frozenset(getattr(weights, "synthesised", frozenset()))
    rows = []
    for name, shape in expected_shapes(cfg).items():
        x = np.asarray(weights[name], dtype=np.float64)
        fmt = format_of(cfg, name)
        rows.append(
            TensorReport(
                name,
                shape,
                fmt,
                float(x.min(initial=np.inf)),
                float(x.max(initial=-np.inf)),
                int(np.count_nonzero(_saturating(x, fmt))),
                int(np.count_nonzero(np.abs(x) > outlier_limit(fmt))),
                name in synthesised,
            )
        )
    return WeightsReport(cfg.name, getattr(weights, "source", ""), tuple(rows))


def quantize_image(image: np.ndarray, cfg: KernelConfig) -> np.ndarray:
    """A float image (C, H, W) in [0, 1) -> raw ap_ufixed<8,0> pixels (rounded, saturated)."""
    img = np.asarray(image, dtype=np.float64)
    shape = (cfg.channels, *cfg.image_hw)
    if img.shape != shape:
        raise ValueError(f"image shape {img.shape}, configuration {cfg.name!r} needs {shape}")
    return from_float(img, cfg.formats.pixel)
