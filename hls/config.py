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

from dataclasses import dataclass, field, fields

from golden.fixed import FixedFormat, Overflow, Quant, ap_fixed, ap_ufixed

__all__ = [
    "CONFIG_NAMES",
    "PER_COMMIT_CONFIGS",
    "ConfigError",
    "Formats",
    "GeluConfig",
    "KernelConfig",
    "load_config",
]


class ConfigError(ValueError):
    """An impossible configuration; the message names the offending field."""

    def __init__(self, config: str, field_name: str, message: str) -> None:
        super().__init__(f"configuration {config!r}: field {field_name!r}: {message}")
        self.field = field_name


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

CONFIG_NAMES: tuple[str, ...] = tuple(_CONFIGS)
PER_COMMIT_CONFIGS: tuple[str, ...] = ("tiny", "small")


def load_config(name: str, **overrides) -> KernelConfig:
    """The named configuration, optionally with fields replaced (validated again)."""
    if name not in _CONFIGS:
        raise ConfigError(name, "name", f"unknown configuration; known: {', '.join(CONFIG_NAMES)}")
    known = {f.name for f in fields(KernelConfig)}
    for key in overrides:
        if key not in known:
            raise ConfigError(name, key, "no such configuration field")
    return KernelConfig(name=name, **{**_CONFIGS[name], **overrides})
