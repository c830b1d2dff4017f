"""Named kernel configurations: the one source of truth for sizes, formats and tables.

The golden model, the testbenches and the RTL generator (``hls/generate.py``)
all read a :class:`KernelConfig` from here; nothing else states a dimension, a
fixed-point format or an approximation-table parameter.

``tiny`` checks a whole model in seconds, ``small`` is a mid-size per-commit
configuration, and ``m3vit`` has the real sizes of the M3ViT model that
Edge-MoE runs (``../shared/m3vit-weights/README.md``).  Both per-commit
configurations have token counts that are not multiples of the attention
query parallelism P nor of the linear tile, so tails are always exercised.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields

from golden.fixed import FixedFormat, Overflow, Quant, ap_fixed, ap_ufixed

__all__ = [
    "ALL_CONFIG_NAMES",
    "CONFIG_NAMES",
    "MUTANT_CONFIGS",
    "PER_COMMIT_CONFIGS",
    "UNIT_CONFIGS",
    "ConfigError",
    "ExpConfig",
    "Formats",
    "GeluConfig",
    "KernelConfig",
    "RecipConfig",
    "RsqrtConfig",
    "build_config",
    "config_argument",
    "load_config",
]


class ConfigError(ValueError):
    """An impossible configuration; the message names the offending field.

    ``config`` is the configuration's name, ``field`` the offending field
    (dotted for nested ones, ``"gelu.step_log2"``; None for a fault of the
    whole file), ``message`` what is wrong, ``file`` the configuration file
    (``.toml``) it was read from, if any.
    """

    def __init__(
        self, config: str, field_name: str | None, message: str, file: str | None = None
    ) -> None:
        where = f"configuration {config!r}" + (f" (file {file})" if file else "")
        what = f"field {field_name!r}: {message}" if field_name else message
        super().__init__(f"{where}: {what}")
        self.config = config
        self.field = field_name
        self.message = message
        self.file = file

    def in_file(self, file: str | os.PathLike) -> ConfigError:
        """The same error, saying which configuration file it comes from (kept if set)."""
        if self.file is not None:
            return self
        return ConfigError(self.config, self.field, self.message, os.fspath(file))


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest of ``choices`` to ``word``, or ``""``."""
    close = difflib.get_close_matches(word, list(choices), n=2, cutoff=0.6)
    if not close:
        return ""
    return "; did you mean " + " or ".join(repr(c) for c in close) + "?"


def check_field_names(
    config: str, keys: Iterable[str], cls: type | None = None, prefix: str = ""
) -> None:
    """Raise :class:`ConfigError` for the first key that is no field of ``cls``
    (default :class:`KernelConfig`), naming it (``prefix`` + key) and the closest field."""
    known = [f.name for f in fields(KernelConfig if cls is None else cls)]
    for key in keys:
        if key not in known:
            raise ConfigError(
                config,
                prefix + str(key),
                "no such configuration field" + did_you_mean(str(key), known),
            )


@dataclass(frozen=True)
class GeluConfig:
    """GELU(x) = ReLU(x) - delta(|x|), delta(t) = t * Phi(-t), from an interpolated table.

    The table holds delta at ``t = i * 2**-step_log2`` for ``t`` in
    ``[0, 2**range_log2]`` (``entries`` values, the last one closing the final
    segment), each rounded to nearest as ``ap_ufixed<table_bits, 0>``.  Beyond
    the range delta is taken as 0 (delta(8) < 1e-14).
    """

    step_log2: int = 7
    range_log2: int = 3
    table_bits: int = 24

    @property
    def segments(self) -> int:
        return 1 << (self.range_log2 + self.step_log2)

    @property
    def entries(self) -> int:
        return self.segments + 1

    @property
    def rom_bits(self) -> int:
        return self.entries * self.table_bits


class _UnitIntervalRom:
    """A ROM of values in (0.5, 1], each entry ``ap_ufixed<table_bits + 1, 1>``,
    sampled 2**-step_log2 apart: 2**step_log2 steps and the entry closing the last
    (a unit with a wider input range says how many entries it has)."""

    step_log2: int
    table_bits: int

    @property
    def entries(self) -> int:
        return (1 << self.step_log2) + 1

    @property
    def entry_bits(self) -> int:
        return self.table_bits + 1

    @property
    def rom_bits(self) -> int:
        return self.entries * self.entry_bits


@dataclass(frozen=True)
class ExpConfig(_UnitIntervalRom):
    """exp(x) for x <= 0 (``golden/approx/exp.py``): base-2 range reduction and a 2^-f table.

    t = -x * log2(e) with log2(e) quantised to ``log2e_bits`` fraction bits
    (round to nearest) and t rounded to ``t_frac_bits`` fraction bits; t = k + f
    with k an integer and f in [0, 1).  2^-f comes from a ROM holding
    2^(-i * 2**-step_log2) for i = 0..2**step_log2 (``entries`` values), each
    correctly rounded to ``ap_ufixed<table_bits + 1, 1>`` (values in (0.5, 1]),
    linearly interpolated; the shift by k and the output rounding are one step.
    """

    log2e_bits: int = 32
    t_frac_bits: int = 30
    step_log2: int = 10
    table_bits: int = 30


@dataclass(frozen=True)
class _NewtonRaphsonConfig(_UnitIntervalRom):
    """An interpolated seed from a ROM and ``newton_steps`` Newton-Raphson steps,
    the mantissa and every iterate with ``mant_bits`` fraction bits."""

    step_log2: int = 6
    table_bits: int = 30
    newton_steps: int = 1
    mant_bits: int = 30


@dataclass(frozen=True)
class RecipConfig(_NewtonRaphsonConfig):
    """1/m for a normalised mantissa m in [1, 2) (``golden/approx/reciprocal.py``).

    Seed: linear interpolation in a ROM of 1/(1 + i * 2**-step_log2),
    i = 0..2**step_log2, entries correctly rounded to ``ap_ufixed<table_bits + 1, 1>``;
    then ``newton_steps`` Newton-Raphson steps y += y * (1 - m * y).  The input
    mantissa and every iterate have ``mant_bits`` fraction bits.
    """


@dataclass(frozen=True)
class RsqrtConfig(_NewtonRaphsonConfig):
    """1/sqrt(m), m in [1, 4) normalised by an even shift (``golden/approx/rsqrt.py``).

    Seed: linear interpolation in a ROM of 1/sqrt(1 + i * 2**-step_log2),
    i = 0..3 * 2**step_log2, entries correctly rounded to ``ap_ufixed<table_bits + 1, 1>``;
    then ``newton_steps`` steps y += y * (1 - m * y^2) / 2; ``mant_bits``
    fraction bits for the mantissa and every iterate.
    """

    @property
    def entries(self) -> int:
        return 3 * (1 << self.step_log2) + 1


@dataclass(frozen=True)
class Formats:
    """The fixed-point format of every tensor class (Edge-MoE's choices).

    Quantisation/overflow modes say how a wider intermediate is narrowed into
    the class: features round to nearest and saturate.
    """

    feature: FixedFormat = ap_fixed(32, 10, Quant.RND, Overflow.SAT)
    linear_weight: FixedFormat = ap_fixed(16, 2, Quant.RND, Overflow.SAT)
    attn_bias: FixedFormat = ap_fixed(16, 7, Quant.RND, Overflow.SAT)
    bias: FixedFormat = ap_fixed(16, 5, Quant.RND, Overflow.SAT)
    norm: FixedFormat = ap_fixed(16, 5, Quant.RND, Overflow.SAT)
    patch_weight: FixedFormat = ap_fixed(16, 0, Quant.RND, Overflow.SAT)
    pixel: FixedFormat = ap_ufixed(8, 0, Quant.RND, Overflow.SAT)
    # Approximations (golden/approx, golden/softmax.py, golden/layernorm.py).
    exp_out: FixedFormat = ap_ufixed(32, 1, Quant.RND, Overflow.SAT)  # exp(x), x <= 0
    softmax_sum: FixedFormat = ap_ufixed(44, 13, Quant.RND, Overflow.SAT)  # running sum of exps
    prob: FixedFormat = ap_ufixed(25, 1, Quant.RND, Overflow.SAT)  # softmax probabilities
    recip_out: FixedFormat = ap_ufixed(32, 1, Quant.RND, Overflow.SAT)  # reciprocal() default
    rsqrt_out: FixedFormat = ap_ufixed(32, 11, Quant.RND, Overflow.SAT)  # rsqrt() default
    ln_mean: FixedFormat = ap_fixed(48, 10, Quant.RND, Overflow.SAT)  # LayerNorm row mean
    ln_var: FixedFormat = ap_ufixed(62, 19, Quant.RND, Overflow.SAT)  # variance, var + eps
    ln_norm: FixedFormat = ap_fixed(40, 8, Quant.RND, Overflow.SAT)  # (x - mean) * rsqrt
    # Kernel stages (golden/stages).
    # Q and K rounded to 14 fraction bits before Q.K^T: 24x24-bit products, exact dot product.
    attn_qk: FixedFormat = ap_fixed(24, 10, Quant.RND, Overflow.SAT)
    # MoE combine weights as stored in the expert queues (the gate softmax's prob, cast).
    moe_score: FixedFormat = ap_ufixed(25, 1, Quant.RND, Overflow.SAT)


@dataclass(frozen=True)
class KernelConfig:
    """Sizes, formats and approximation parameters of one kernel build."""

    name: str
    dim: int
    heads: int
    layers: int
    mlp_hidden: int
    expert_hidden: int
    experts: int
    top_k: int
    tasks: int
    moe_layers: tuple[int, ...]
    image_hw: tuple[int, int]
    patch: int = 16
    channels: int = 3
    linear_tile: tuple[int, int] = (8, 8)  # (output rows, input columns) per tile
    attn_parallel: int = 4  # P: query tokens cached on chip per K/V pass
    axi_data_width: int = 64
    ln_eps: float = 1e-6  # LayerNorm epsilon (M3ViT)
    formats: Formats = field(default_factory=Formats)
    gelu: GeluConfig = field(default_factory=GeluConfig)
    exp: ExpConfig = field(default_factory=ExpConfig)
    recip: RecipConfig = field(default_factory=RecipConfig)
    rsqrt: RsqrtConfig = field(default_factory=RsqrtConfig)

    def __post_init__(self) -> None:
        self.validate()

    # ---- derived sizes
    @property
    def patches(self) -> int:
        h, w = self.image_hw
        return (h // self.patch) * (w // self.patch)

    @property
    def tokens(self) -> int:
        """Class token plus one token per patch."""
        return 1 + self.patches

    @property
    def head_dim(self) -> int:
        return self.dim // self.heads

    @property
    def attn_scale_log2(self) -> int:
        """The attention scale head_dim**-0.5 as a power of two (a shift in hardware)."""
        return -(self.head_dim.bit_length() - 1) // 2

    def is_moe(self, layer: int) -> bool:
        return layer in self.moe_layers

    # ---- checks
    def _fail(self, field_name: str, message: str) -> None:
        raise ConfigError(self.name, field_name, message)

    def validate(self) -> None:
        """Reject impossible configurations with a message naming the field."""
        self._validate_types()
        positive = (
            "dim", "heads", "layers", "mlp_hidden", "expert_hidden", "experts",
            "top_k", "tasks", "patch", "channels", "attn_parallel", "axi_data_width",
        )  # fmt: skip
        for name in positive:
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                self._fail(name, f"must be a positive integer, got {value!r}")
        if self.dim % self.heads:
            self._fail("dim", f"{self.dim} is not divisible by heads={self.heads}")
        hd = self.dim // self.heads
        if hd & (hd - 1) or (hd.bit_length() - 1) % 2:
            self._fail("heads", f"head_dim {hd} is not a power of 4, so head_dim**-0.5 is no shift")
        if self.top_k > self.experts:
            self._fail("top_k", f"k={self.top_k} exceeds the number of experts {self.experts}")
        for layer in self.moe_layers:
            if not 0 <= layer < self.layers:
                self._fail("moe_layers", f"layer {layer} is outside 0..{self.layers - 1}")
        if len(set(self.moe_layers)) != len(self.moe_layers):
            twice = sorted({x for x in self.moe_layers if self.moe_layers.count(x) > 1})
            self._fail("moe_layers", f"layer(s) {twice} listed more than once")
        h, w = self.image_hw
        if h % self.patch or w % self.patch or h < self.patch or w < self.patch:
            self._fail(
                "image_hw", f"{self.image_hw} is not a whole number of {self.patch}-pixel patches"
            )
        rows, cols = self.linear_tile
        if rows < 1 or cols < 1:
            self._fail("linear_tile", f"tile {self.linear_tile} must be at least 1x1")
        width = self.axi_data_width
        if width < 32 or width > 1024 or width & (width - 1):
            self._fail("axi_data_width", f"{width} is not a power of two in 32..1024")
        self._validate_gelu()
        self._validate_approx()

    def _validate_types(self) -> None:
        """Every field, and every field of the nested parameter classes, of its declared
        type (before any value is looked at: a string where a number belongs is named,
        not a TypeError from deep inside a check)."""
        problem = _type_problem(self, KernelConfig, "")
        if problem is not None:
            self._fail(*problem)

    def _validate_gelu(self) -> None:
        g, feature = self.gelu, self.formats.feature
        if not 0 <= g.step_log2 <= feature.frac_bits:
            self._fail(
                "gelu.step_log2",
                f"step 2^-{g.step_log2} must be coarser than one LSB of the feature format "
                f"(0..{feature.frac_bits})",
            )
        if g.range_log2 < 0:
            self._fail("gelu.range_log2", f"must be >= 0, got {g.range_log2}")
        # |x| up to 2**range_log2 must be representable in the feature format.
        if g.range_log2 > feature.int_bits - 1:
            self._fail(
                "gelu.range_log2",
                f"table range 2^{g.range_log2} exceeds the feature format {feature} "
                f"({feature.int_bits - 1} integer bits of magnitude)",
            )
        # Interpolation rounds once by table_bits - step_log2 bits: at least one.
        if not g.step_log2 < g.table_bits <= 52:
            self._fail(
                "gelu.table_bits",
                f"{g.table_bits} must exceed step_log2={g.step_log2} and be at most 52",
            )

    # ---- exp / reciprocal / rsqrt / softmax / LayerNorm (golden/approx and users)
    def _validate_int(self, name: str, value, lo: int, hi: int, why: str) -> None:
        if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
            self._fail(name, f"must be an integer in {lo}..{hi} ({why}), got {value!r}")

    def _validate_rounding(self, name: str, fmt: FixedFormat) -> None:
        if fmt.quant not in (Quant.TRN, Quant.RND):
            self._fail(name, f"{fmt}: the approximation datapaths round by AP_TRN or AP_RND only")

    def _validate_approx(self) -> None:
        f = self.formats
        F = f.feature.frac_bits
        for name in ("exp_out", "softmax_sum", "prob", "recip_out", "rsqrt_out"):
            fmt = getattr(f, name)
            self._validate_rounding(f"formats.{name}", fmt)
            if fmt.signed:
                self._fail(f"formats.{name}", f"{fmt} must be unsigned")
        for name in ("ln_mean", "ln_var", "ln_norm"):
            self._validate_rounding(f"formats.{name}", getattr(f, name))
        self._validate_rounding("formats.feature", f.feature)

        e = self.exp
        self._validate_int("exp.log2e_bits", e.log2e_bits, 8, 55 - F,
                           "|x| <= 64 times log2(e) must fit 62 bits")  # fmt: skip
        self._validate_int("exp.t_frac_bits", e.t_frac_bits, 1, F + e.log2e_bits,
                           "t = -x log2(e) has no more bits than its exact product")  # fmt: skip
        self._validate_int("exp.step_log2", e.step_log2, 1, min(14, e.t_frac_bits),
                           "at most 2^14 segments, and no finer than t's LSB")  # fmt: skip
        self._validate_int("exp.table_bits", e.table_bits, 8, 40, "ROM entry fraction bits")
        if e.table_bits + e.t_frac_bits - e.step_log2 < f.exp_out.frac_bits:
            self._fail("exp.table_bits",
                       f"interpolation precision 2^-{e.table_bits + e.t_frac_bits - e.step_log2} "
                       f"is coarser than formats.exp_out {f.exp_out}")  # fmt: skip
        if e.table_bits + 1 + e.t_frac_bits - e.step_log2 > 61:
            self._fail("exp.t_frac_bits", "interpolation accumulator exceeds 61 bits")
        if f.exp_out.int_bits < 1 or f.exp_out.frac_bits < 1:
            self._fail("formats.exp_out", f"{f.exp_out} cannot hold exp(0) = 1")

        for name, cfg in (("recip", self.recip), ("rsqrt", self.rsqrt)):
            self._validate_int(f"{name}.step_log2", cfg.step_log2, 4, 12,
                               "coarser seeds overflow the Newton residual")  # fmt: skip
            self._validate_int(f"{name}.newton_steps", cfg.newton_steps, 0, 3, "Newton steps")
            self._validate_int(f"{name}.mant_bits", cfg.mant_bits, 16, 30,
                               "products of two mantissas must fit 62 bits")  # fmt: skip
            self._validate_int(f"{name}.table_bits", cfg.table_bits, cfg.mant_bits, 40,
                               "ROM entries at least as precise as the mantissa")  # fmt: skip

        # Softmax: exact sums of exps, a row of `tokens` keys must fit the running sum.
        if f.softmax_sum.frac_bits < f.exp_out.frac_bits:
            self._fail("formats.softmax_sum",
                       f"{f.softmax_sum} has fewer fraction bits than formats.exp_out "
                       f"{f.exp_out}: the sum of exps would not be exact")  # fmt: skip
        if f.softmax_sum.width > 62 or (1 << f.softmax_sum.int_bits) <= self.tokens:
            self._fail("formats.softmax_sum",
                       f"{f.softmax_sum} is too narrow for the table ranges: a row of "
                       f"{self.tokens} keys sums to up to {self.tokens}")  # fmt: skip
        if f.prob.int_bits < 1 or f.prob.frac_bits < 1 or f.prob.width > 32:
            self._fail("formats.prob", f"{f.prob} must hold 1.0 in at most 32 bits")

        # LayerNorm: mean, variance of features and the normalised value must fit.
        mag = f.feature.int_bits - 1  # |x| < 2**mag
        if f.ln_mean.frac_bits < F or f.ln_mean.int_bits < f.feature.int_bits:
            self._fail("formats.ln_mean",
                       f"{f.ln_mean} is too narrow for the feature format {f.feature}")  # fmt: skip
        if f.ln_mean.frac_bits + mag + 2 > 62:
            self._fail("formats.ln_mean", f"{f.ln_mean}: deviations would exceed 62 bits")
        if f.ln_var.signed or f.ln_var.width > 62 or f.ln_var.int_bits < 2 * mag + 1:
            self._fail("formats.ln_var",
                       f"{f.ln_var} is too narrow for the table ranges: unsigned, at most "
                       f"62 bits, >= {2 * mag + 1} integer bits (var < 2^{2 * mag})")  # fmt: skip
        if not isinstance(self.ln_eps, float | int) or not 0 < self.ln_eps < 1:
            self._fail("ln_eps", f"must be a number in (0, 1), got {self.ln_eps!r}")
        if self.ln_eps * 2.0**f.ln_var.frac_bits < 2**20:
            self._fail("formats.ln_var",
                       f"{f.ln_var} is too coarse for ln_eps={self.ln_eps}: eps must be held "
                       f"to 20 significant bits")  # fmt: skip
        # |(x - mean) / std| <= sqrt(dim - 1) for a population variance.
        if (1 << (2 * (f.ln_norm.int_bits - 1))) <= self.dim - 1:
            self._fail("formats.ln_norm",
                       f"{f.ln_norm} cannot hold sqrt(dim - 1) = {(self.dim - 1) ** 0.5:.3g}",
                       )  # fmt: skip
        if f.ln_norm.width + f.norm.width > 62 or f.ln_norm.frac_bits < F:
            self._fail("formats.ln_norm", f"{f.ln_norm} times a norm weight must fit 62 bits")


# ---------------------------------------------------------------- field types

_HINTS: dict[type, dict[str, object]] = {}


def field_types(cls: type) -> dict[str, object]:
    """The declared type of every field of the configuration dataclass ``cls``."""
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _matches(value, hint) -> bool:
    if hint is int:
        return _is_int(value)
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if typing.get_origin(hint) is tuple:
        args = typing.get_args(hint)
        if not isinstance(value, tuple):
            return False
        if len(args) == 2 and args[1] is Ellipsis:
            return all(_matches(v, args[0]) for v in value)
        if len(value) != len(args):
            return False
        return all(_matches(v, a) for v, a in zip(value, args, strict=True))
    return isinstance(value, hint) if isinstance(hint, type) else True


def _describe(hint) -> str:
    """What a value of type ``hint`` is, in words for a Python caller and a .toml file."""
    if hint is int:
        return "an integer"
    if hint is float:
        return "a number"
    if hint is str:
        return "a string"
    if hint is FixedFormat:
        return "a fixed-point format (in a .toml file a string like 'ap_fixed<16,5,AP_RND,AP_SAT>')"
    if typing.get_origin(hint) is tuple:
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            return "a tuple of integers (an array in a .toml file)"
        return f"a tuple of {len(args)} integers (an array in a .toml file)"
    if dataclasses.is_dataclass(hint):
        return f"a {hint.__name__} (a table in a .toml file)"
    return str(hint)


def _type_problem(obj, cls: type, prefix: str) -> tuple[str, str] | None:
    """(field, message) for the first field of ``obj`` not of its declared type, or None."""
    hints = field_types(cls)
    for f in fields(cls):
        value, hint = getattr(obj, f.name), hints[f.name]
        if not _matches(value, hint):
            return prefix + f.name, f"must be {_describe(hint)}, got {value!r}"
        if dataclasses.is_dataclass(hint):
            problem = _type_problem(value, hint, f"{prefix}{f.name}.")
            if problem is not None:
                return problem
    return None


_CONFIGS: dict[str, dict] = {
    # A whole model in seconds: 9 tokens (9 % P=4 = 1, 9 % tile rows 8 = 1).
    "tiny": dict(
        dim=32, heads=2, layers=2, mlp_hidden=64, expert_hidden=32, experts=4, top_k=2,
        tasks=2, moe_layers=(1,), image_hw=(32, 64), linear_tile=(8, 8), attn_parallel=4,
        axi_data_width=64, gelu=GeluConfig(step_log2=6, range_log2=3, table_bits=24),
    ),
    # Mid-size: 33 tokens (33 % P=5 = 3, 33 % tile rows 8 = 1).
    "small": dict(
        dim=64, heads=4, layers=4, mlp_hidden=128, expert_hidden=64, experts=8, top_k=2,
        tasks=2, moe_layers=(1, 3), image_hw=(64, 128), linear_tile=(8, 16), attn_parallel=5,
        axi_data_width=128,
    ),
    # The real M3ViT sizes: 129 tokens, MoE on odd layers.
    "m3vit": dict(
        dim=192, heads=3, layers=12, mlp_hidden=768, expert_hidden=384, experts=16, top_k=2,
        tasks=2, moe_layers=(1, 3, 5, 7, 9, 11), image_hw=(128, 256), linear_tile=(16, 16),
        attn_parallel=8, axi_data_width=256,
    ),
}  # fmt: skip

#: Configurations of the model's golden model and units.
CONFIG_NAMES: tuple[str, ...] = tuple(_CONFIGS)
#: All-dense variants (no MoE layer) that the kernel runs end to end.
_CONFIGS.update(
    {f"{name}_dense": {**_CONFIGS[name], "moe_layers": ()} for name in ("tiny", "small")}
)
#: Every name load_config accepts.
ALL_CONFIG_NAMES: tuple[str, ...] = tuple(_CONFIGS)
#: Kernel (whole-model) builds of the per-commit suite.
KERNEL_CONFIGS: tuple[str, ...] = ("tiny_dense", "small_dense")
PER_COMMIT_CONFIGS: tuple[str, ...] = ("tiny", "small")
#: Unit benches run on the smallest and on the real parameterisation.
UNIT_CONFIGS: tuple[str, ...] = ("tiny", "m3vit")
#: Mutation tests and parameter variants build on the smallest configuration.
MUTANT_CONFIGS: tuple[str, ...] = ("tiny",)


#: Suffix of a configuration file (golden/config_file.py) that load_config accepts.
CONFIG_FILE_SUFFIX = ".toml"


def is_config_file(name: str | os.PathLike) -> bool:
    """Whether ``name`` names a configuration file (a path ending in ``.toml``), not a preset."""
    return isinstance(name, os.PathLike) or (
        isinstance(name, str) and name.lower().endswith(CONFIG_FILE_SUFFIX)
    )


def preset_fields(name: str, config: str | None = None) -> dict:
    """The fields of preset ``name`` (``name`` itself excluded).  An unknown preset is a
    :class:`ConfigError`: field ``name`` of configuration ``name``, or field ``base``
    of ``config`` when a configuration file names it as its base."""
    if name not in _CONFIGS:
        hint = did_you_mean(name, ALL_CONFIG_NAMES)
        if config is None and any(c in name for c in "/\\."):
            hint += f" (a configuration file must end in {CONFIG_FILE_SUFFIX})"
        known = f"known: {', '.join(ALL_CONFIG_NAMES)}"
        if config is None:
            raise ConfigError(name, "name", f"unknown configuration{hint}; {known}")
        raise ConfigError(config, "base", f"unknown configuration {name!r}{hint}; {known}")
    return dict(_CONFIGS[name])


def build_config(name: str, base: Mapping, overrides: Mapping) -> KernelConfig:
    """``KernelConfig(name=name, **base, **overrides)``: the one way every configuration
    (preset or file) is made, so that all get the same field-name and value checks."""
    check_field_names(name, overrides)
    merged = {**base, "name": name, **overrides}
    for f in fields(KernelConfig):
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        if required and f.name not in merged:
            raise ConfigError(
                name, f.name, "is required (no preset to take it from: give it, or a base preset)"
            )
    return KernelConfig(**merged)


def load_config(name: str | os.PathLike, **overrides) -> KernelConfig:
    """The named configuration, optionally with fields replaced (validated again).

    ``name`` is a preset (:data:`ALL_CONFIG_NAMES`) or the path of a configuration
    file ending in ``.toml`` (:mod:`golden.config_file`: a base preset and field
    overrides); keyword overrides apply on top of either.
    """
    if is_config_file(name):
        from golden.config_file import read_config_file

        return read_config_file(name, **overrides)
    if not isinstance(name, str):
        raise ConfigError(repr(name), None, "a configuration is a preset name or a .toml path")
    return build_config(name, preset_fields(name), overrides)


def config_argument(value: str) -> str:
    """An argparse ``type=`` for options taking a configuration: a preset name or a
    ``.toml`` file that loads (its ConfigError is the usage error); the text itself."""
    import argparse

    try:
        load_config(value)
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return value
