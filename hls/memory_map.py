"""The kernel's memory map and the packing of fixed-point values into AXI beats.

One source of truth, shared by the testbench, the documentation
(``docs/memory_map.md``) and users: where every weight tensor, image,
scratch (activation) buffer and output lives, relative to the four base
pointers the control registers carry, and how raw fixed-point values are laid
out in ``axi_data_width``-bit beats.

Spaces and base pointers
    ``image``   the input image(s): ``image<n>`` (C, H, W) pixels, one region per image;
    ``weights`` every tensor of :func:`golden.weights.expected_shapes`, in model order;
    ``scratch`` one buffer per stage tap of :mod:`golden.model` (``patch_embed``, then
                ``l<L>_<stage>`` for every stage of every layer) plus, for each MoE
                layer, the per-expert queues ``l<L>_queue_tokens`` (E, T),
                ``l<L>_queue_scores`` (E, T) and ``l<L>_queue_lengths`` (E,);
    ``output``  ``output<n>`` (T, D) features, one region per image.
    Every region starts on a 4 KiB boundary relative to its space's base pointer;
    with a 4 KiB-aligned base pointer (recommended; the kernel itself needs only
    beat alignment) a region never shares a page with another and a DMA of one
    region starts page-aligned.

Packing (:func:`pack` / :func:`unpack`)
    An element of a format ``W`` bits wide occupies a *lane* of
    ``element_bytes(fmt)`` bytes: W rounded up to 1, 2, 4 or 8 bytes.  The value
    in a lane is the raw two's complement value sign-extended to the lane
    (signed formats) or zero-extended (unsigned formats), little-endian.  A beat
    of B = axi_data_width / 8 bytes holds ``B // element_bytes`` lanes; lane i
    occupies bytes ``[i * e, (i + 1) * e)`` of the beat, i.e. bits
    ``[8 * e * i, 8 * e * (i + 1))`` of RDATA/WDATA (AXI byte lane k is address
    offset k).  A tensor is stored row after row in C order; a *row* is its last
    axis (``patch_embed_weight`` (D, C, p, p) is stored as its linear view
    (D, C*p*p), the rows the linear engine reads), and every row starts on a
    beat boundary: a row of n elements takes ``ceil(n / lanes)`` beats, the
    lanes past its end hold zeros.

``python -m hls.memory_map --config m3vit`` prints the map of a configuration
as Markdown tables.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from golden.config import CONFIG_NAMES, KernelConfig, load_config
from golden.fixed import FixedFormat
from golden.quantize_weights import format_of
from golden.taps import DENSE_STAGES, MOE_STAGES
from golden.weights import expected_shapes

__all__ = [
    "PAGE_BYTES",
    "SPACES",
    "TOKEN_INDEX",
    "MemoryMap",
    "MemoryMapError",
    "Region",
    "beats_per_row",
    "element_bytes",
    "lanes_per_beat",
    "main",
    "markdown",
    "memory_map",
    "pack",
    "packed_bytes",
    "unpack",
]

#: Every region is aligned to (and padded to) this many bytes: AXI's 4 KiB page.
PAGE_BYTES = 4096
#: The base pointers of the control registers, one address space each.
SPACES: tuple[str, ...] = ("image", "weights", "scratch", "output")
#: Token indices in the expert queues: unsigned 32-bit integers.
TOKEN_INDEX = FixedFormat(32, 32, signed=False)


class MemoryMapError(ValueError):
    """A shape, value, format or beat width the packing cannot handle; the message says which."""


# ------------------------------------------------------------------ packing


def element_bytes(fmt: FixedFormat) -> int:
    """Bytes of one lane: the format's width rounded up to 1, 2, 4 or 8 bytes."""
    if not isinstance(fmt, FixedFormat):
        raise MemoryMapError(f"expected a FixedFormat, got {fmt!r}")
    nbytes = (fmt.width + 7) // 8
    return 1 << (nbytes - 1).bit_length()


def _beat_bytes(beat_bits: int) -> int:
    if (
        not isinstance(beat_bits, int | np.integer)
        or isinstance(beat_bits, bool)
        or beat_bits < 8
        or beat_bits & (beat_bits - 1)
    ):
        raise MemoryMapError(f"beat width {beat_bits!r} is not a power of two of at least 8 bits")
    return int(beat_bits) // 8


def lanes_per_beat(fmt: FixedFormat, beat_bits: int) -> int:
    """Elements of ``fmt`` per ``beat_bits``-bit beat."""
    eb, bb = element_bytes(fmt), _beat_bytes(beat_bits)
    if eb > bb:
        raise MemoryMapError(
            f"a {fmt} element takes {eb} bytes, more than a {beat_bits}-bit beat ({bb} bytes)"
        )
    return bb // eb


def beats_per_row(row_elems: int, fmt: FixedFormat, beat_bits: int) -> int:
    """Beats taken by a row of ``row_elems`` elements (the last one zero-padded)."""
    return -(-row_elems // lanes_per_beat(fmt, beat_bits))


def _row_split(shape: tuple[int, ...], row_elems: int | None) -> tuple[int, int]:
    if not shape:
        raise MemoryMapError("a tensor needs at least one axis (a scalar has no rows)")
    if any(not isinstance(n, int | np.integer) or n < 0 for n in shape):
        raise MemoryMapError(f"shape {shape} must hold non-negative integers")
    size = math.prod(shape)
    cols = int(shape[-1]) if row_elems is None else int(row_elems)
    if cols < 1 or size % cols:
        raise MemoryMapError(f"shape {shape} does not split into rows of {cols} elements")
    return size // cols, cols


def packed_bytes(
    shape: tuple[int, ...], fmt: FixedFormat, beat_bits: int, row_elems: int | None = None
) -> int:
    """Bytes :func:`pack` produces for a tensor of ``shape``."""
    rows, cols = _row_split(tuple(shape), row_elems)
    return rows * beats_per_row(cols, fmt, beat_bits) * _beat_bytes(beat_bits)


def _lane_dtype(fmt: FixedFormat) -> np.dtype:
    return np.dtype(f"<{'i' if fmt.signed else 'u'}{element_bytes(fmt)}")


def _checked_raw(raw, fmt: FixedFormat) -> np.ndarray:
    """``raw`` as an integer array with every value inside ``fmt``'s range."""
    arr = np.asarray(raw)
    if arr.dtype == object:
        flat = arr.reshape(-1).tolist()
        if not all(isinstance(v, int | np.integer) and not isinstance(v, bool) for v in flat):
            raise MemoryMapError("raw values must be integers (got dtype object with non-ints)")
        lo = min(flat, default=0)
        hi = max(flat, default=0)
        if flat and (lo < fmt.min_raw or hi > fmt.max_raw):
            raise MemoryMapError(
                f"raw values {lo}..{hi} outside {fmt} (raw {fmt.min_raw}..{fmt.max_raw})"
            )
        return np.array(flat, dtype=_lane_dtype(fmt)).reshape(arr.shape)
    if arr.dtype.kind not in "iu":
        raise MemoryMapError(f"raw values must be an integer array, got dtype {arr.dtype}")
    if arr.size:
        lo, hi = int(arr.min()), int(arr.max())
        if lo < fmt.min_raw or hi > fmt.max_raw:
            where = int(np.argmin(arr) if lo < fmt.min_raw else np.argmax(arr))
            index = tuple(int(i) for i in np.unravel_index(where, arr.shape))
            raise MemoryMapError(
                f"raw value {int(arr.reshape(-1)[where])} at index {index} is outside {fmt} "
                f"(raw {fmt.min_raw}..{fmt.max_raw})"
            )
    return arr.astype(_lane_dtype(fmt), copy=False)


def pack(
    raw, fmt: FixedFormat, beat_bits: int, *, shape=None, row_elems: int | None = None
) -> bytes:
    """Raw fixed-point values -> the bytes of whole beats (see the module docstring).

    ``raw`` is an integer array (any integer dtype, or Python ints) of raw values
    of ``fmt``; ``shape`` (optional) is the shape it must have; ``row_elems``
    overrides the row length (default: the last axis).  Raises
    :class:`MemoryMapError` for a wrong shape, a non-integer array or a value
    outside the format's range.
    """
    arr = np.asarray(raw)
    if shape is not None and arr.shape != tuple(shape):
        raise MemoryMapError(f"array shape {arr.shape}, expected {tuple(shape)}")
    rows, cols = _row_split(arr.shape, row_elems)
    lanes = lanes_per_beat(fmt, beat_bits)
    values = _checked_raw(arr, fmt).reshape(rows, cols)
    padded_cols = -(-cols // lanes) * lanes
    if padded_cols == cols:
        return np.ascontiguousarray(values).tobytes()
    out = np.zeros((rows, padded_cols), dtype=_lane_dtype(fmt))
    out[:, :cols] = values
    return out.tobytes()


def unpack(
    data,
    fmt: FixedFormat,
    shape: tuple[int, ...],
    beat_bits: int,
    *,
    row_elems: int | None = None,
    check_padding: bool = False,
) -> np.ndarray:
    """The inverse of :func:`pack`: bytes -> raw values of ``shape`` (int64; uint64 for
    64-bit unsigned formats).

    ``data`` (bytes, bytearray, memoryview or a uint8 array) must be exactly
    :func:`packed_bytes` long.  A lane whose value is outside ``fmt`` (say the
    sign extension of a 25-bit value in its 32-bit lane is broken) raises
    :class:`MemoryMapError`; with ``check_padding`` so does a non-zero padding lane.
    """
    shape = tuple(int(n) for n in shape)
    rows, cols = _row_split(shape, row_elems)
    lanes = lanes_per_beat(fmt, beat_bits)
    buf = np.frombuffer(data, dtype=np.uint8) if not isinstance(data, np.ndarray) else data
    if buf.dtype != np.uint8 or buf.ndim != 1:
        raise MemoryMapError(f"data must be bytes or a 1-D uint8 array, got {buf.dtype}")
    need = packed_bytes(shape, fmt, beat_bits, row_elems)
    if buf.size != need:
        raise MemoryMapError(f"{buf.size} bytes, shape {shape} of {fmt} packs into {need}")
    padded_cols = -(-cols // lanes) * lanes
    lanes_arr = buf.view(_lane_dtype(fmt)).reshape(rows, padded_cols)
    if check_padding and padded_cols > cols and np.any(lanes_arr[:, cols:]):
        row = int(np.flatnonzero(np.any(lanes_arr[:, cols:], axis=1))[0])
        raise MemoryMapError(f"row {row}: non-zero padding lanes past element {cols}")
    values = lanes_arr[:, :cols]
    out_dtype = np.uint64 if (not fmt.signed and fmt.width == 64) else np.int64
    if values.size:
        lo, hi = int(values.min()), int(values.max())
        if lo < fmt.min_raw or hi > fmt.max_raw:
            bad = (values < fmt.min_raw) if lo < fmt.min_raw else (values > fmt.max_raw)
            r, c = (int(v) for v in np.argwhere(bad)[0])
            raise MemoryMapError(
                f"lane value {int(values[r, c])} (row {r}, element {c}) is outside {fmt} "
                f"(raw {fmt.min_raw}..{fmt.max_raw}): corrupt data or the wrong format"
            )
    return values.astype(out_dtype).reshape(shape)


# ------------------------------------------------------------------ the map


@dataclass(frozen=True)
class Region:
    """One tensor in one space: ``offset`` bytes from the space's base pointer."""

    name: str
    space: str
    offset: int
    shape: tuple[int, ...]
    fmt: FixedFormat
    beat_bits: int
    row_elems: int

    @property
    def rows(self) -> int:
        return math.prod(self.shape) // self.row_elems

    @property
    def lanes(self) -> int:
        return lanes_per_beat(self.fmt, self.beat_bits)

    @property
    def beats_per_row(self) -> int:
        return beats_per_row(self.row_elems, self.fmt, self.beat_bits)

    @property
    def row_bytes(self) -> int:
        return self.beats_per_row * self.beat_bits // 8

    @property
    def beats(self) -> int:
        return self.rows * self.beats_per_row

    @property
    def nbytes(self) -> int:
        """Bytes of packed data (the region's extent up to the next page is padding)."""
        return self.rows * self.row_bytes

    @property
    def end(self) -> int:
        """The first byte after the region's data."""
        return self.offset + self.nbytes

    @property
    def aligned_end(self) -> int:
        return -(-self.end // PAGE_BYTES) * PAGE_BYTES

    def row_offset(self, *index: int) -> int:
        """Byte offset (from the space base) of the first row under a leading index,
        e.g. ``row_offset(e)`` of expert e in an (E, EH, D) tensor."""
        lead = self.shape[: len(index)]
        if len(index) > len(self.shape) - 1 or any(
            not 0 <= i < n for i, n in zip(index, lead, strict=True)
        ):
            raise MemoryMapError(f"{self.name}: index {index} outside shape {self.shape}")
        flat = int(np.ravel_multi_index(index, lead)) if index else 0
        elems = flat * math.prod(self.shape[len(index) :])
        return self.offset + elems // self.row_elems * self.row_bytes

    def pack(self, raw) -> bytes:
        return pack(raw, self.fmt, self.beat_bits, shape=self.shape, row_elems=self.row_elems)

    def unpack(self, data, *, check_padding: bool = False) -> np.ndarray:
        return unpack(
            data, self.fmt, self.shape, self.beat_bits,
            row_elems=self.row_elems, check_padding=check_padding,
        )  # fmt: skip


@dataclass(frozen=True)
class MemoryMap:
    """Every region of a configuration, by space; see the module docstring."""

    config: str
    beat_bits: int
    images: int
    regions: tuple[Region, ...]

    @cached_property
    def _by_name(self) -> dict[str, Region]:
        return {r.name: r for r in self.regions}

    def __getitem__(self, name: str) -> Region:
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(f"no region {name!r} in the memory map of {self.config!r}") from None

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __iter__(self) -> Iterator[Region]:
        return iter(self.regions)

    def space(self, space: str) -> list[Region]:
        if space not in SPACES:
            raise MemoryMapError(f"unknown space {space!r}; spaces: {', '.join(SPACES)}")
        return [r for r in self.regions if r.space == space]

    def space_bytes(self, space: str) -> int:
        """Bytes a buffer at the space's base pointer must have (whole pages)."""
        return max((r.aligned_end for r in self.space(space)), default=0)

    def build(self, space: str, arrays: Mapping[str, np.ndarray]) -> bytearray:
        """The contents of a whole space: ``arrays[name]`` packed into each region
        (regions not in ``arrays`` are left zero; unknown names raise)."""
        names = {r.name for r in self.space(space)}
        unknown = set(arrays) - names
        if unknown:
            raise MemoryMapError(f"no regions {sorted(unknown)} in space {space!r}")
        blob = bytearray(self.space_bytes(space))
        for name, raw in arrays.items():
            region = self[name]
            blob[region.offset : region.end] = region.pack(raw)
        return blob

    def read(self, name: str, space_data, *, check_padding: bool = False) -> np.ndarray:
        """Unpack region ``name`` from the bytes of its whole space."""
        region = self[name]
        view = memoryview(space_data)[region.offset : region.end]
        if len(view) != region.nbytes:
            raise MemoryMapError(
                f"{name}: the {region.space} data holds {len(space_data)} bytes, the region "
                f"ends at {region.end}"
            )
        return region.unpack(view, check_padding=check_padding)


def _scratch_tensors(cfg: KernelConfig) -> list[tuple[str, tuple[int, ...], FixedFormat]]:
    t, d, f = cfg.tokens, cfg.dim, cfg.formats.feature
    widths = {"fc1_gelu": cfg.mlp_hidden, "gate_logits": cfg.experts}
    out: list[tuple[str, tuple[int, ...], FixedFormat]] = [("patch_embed", (t, d), f)]
    for layer in range(cfg.layers):
        stages = MOE_STAGES if cfg.is_moe(layer) else DENSE_STAGES
        for stage in stages:
            out.append((f"l{layer}_{stage}", (t, widths.get(stage, d)), f))
            if stage == "gate_logits":
                e = cfg.experts
                out += [
                    (f"l{layer}_queue_tokens", (e, t), TOKEN_INDEX),
                    (f"l{layer}_queue_scores", (e, t), cfg.formats.moe_score),
                    (f"l{layer}_queue_lengths", (e,), TOKEN_INDEX),
                ]
    return out


def memory_map(cfg: KernelConfig, images: int = 1) -> MemoryMap:
    """The memory map of ``cfg`` for ``images`` images per run."""
    if not isinstance(images, int) or isinstance(images, bool) or images < 1:
        raise MemoryMapError(f"images must be a positive integer, got {images!r}")
    beat = cfg.axi_data_width
    f = cfg.formats
    Entry = tuple[str, tuple[int, ...], FixedFormat, int]  # name, shape, format, row length
    tensors: dict[str, list[Entry]] = {s: [] for s in SPACES}
    c, (h, w) = cfg.channels, cfg.image_hw
    for n in range(images):
        tensors["image"].append((f"image{n}", (c, h, w), f.pixel, w))
        tensors["output"].append((f"output{n}", (cfg.tokens, cfg.dim), f.feature, cfg.dim))
    for name, shape in expected_shapes(cfg).items():
        row = math.prod(shape[1:]) if name == "patch_embed_weight" else shape[-1]
        tensors["weights"].append((name, shape, format_of(cfg, name), row))
    for name, shape, fmt in _scratch_tensors(cfg):
        tensors["scratch"].append((name, shape, fmt, shape[-1]))

    regions = []
    for space in SPACES:
        offset = 0
        for name, shape, fmt, row in tensors[space]:
            region = Region(name, space, offset, tuple(shape), fmt, beat, row)
            regions.append(region)
            offset = region.aligned_end
    return MemoryMap(cfg.name, beat, images, tuple(regions))


# ------------------------------------------------------------------ report


def _fmt_name(fmt: FixedFormat) -> str:
    if fmt.frac_bits == 0 and fmt.int_bits == fmt.width:
        return f"{'' if fmt.signed else 'u'}int{fmt.width}"
    return f"ap_{'' if fmt.signed else 'u'}fixed<{fmt.width},{fmt.int_bits}>"


def markdown(mm: MemoryMap) -> str:
    """The map as Markdown: one table per space."""
    lines = [
        f"## Memory map of configuration `{mm.config}` "
        f"({mm.beat_bits}-bit beats, {mm.images} image{'s' * (mm.images != 1)})",
        "",
        "| space | base pointer size (bytes) |",
        "|---|---:|",
        *(f"| {s} | {mm.space_bytes(s)} (0x{mm.space_bytes(s):x}) |" for s in SPACES),
    ]
    for space in SPACES:
        lines += [
            "",
            f"### {space}",
            "",
            "| region | offset | bytes | shape | format | lanes/beat | beats/row | beats |",
            "|---|---:|---:|---|---|---:|---:|---:|",
        ]
        for r in mm.space(space):
            shape = "x".join(map(str, r.shape))
            if r.row_elems != r.shape[-1]:
                shape += f" (rows of {r.row_elems})"
            lines.append(
                f"| `{r.name}` | 0x{r.offset:08x} | {r.nbytes} | {shape} | {_fmt_name(r.fmt)} "
                f"| {r.lanes} | {r.beats_per_row} | {r.beats} |"
            )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Print a configuration's memory map (Markdown).")
    parser.add_argument("--config", choices=CONFIG_NAMES, required=True)
    parser.add_argument("--images", type=int, default=1, help="images per run (default 1)")
    args = parser.parse_args(argv)
    print(markdown(memory_map(load_config(args.config), images=args.images)), end="")


if __name__ == "__main__":
    main()
