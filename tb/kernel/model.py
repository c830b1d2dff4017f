"""The kernel bench's view of a run, in plain Python: memory layout, inputs,
expected stage outputs, and the comparison that names the first differing element.

Nothing here needs a simulator, so the layout and the expected values are
testable on their own (``tb/kernel/test_model.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from golden.config import KernelConfig
from golden.fixed import FixedFormat
from golden.model import forward
from golden.quantize_weights import quantize_image, quantize_weights
from golden.weights import synthetic_image, synthetic_weights
from hls.memory_map import PAGE_BYTES, SPACES, MemoryMap, Region, memory_map
from hls.program import Op, Space, Stage, program, strides
from tb.mismatch import describe_mismatch

__all__ = [
    "KernelInputs",
    "Layout",
    "StageMismatch",
    "compare_stage",
    "cycle_budget",
    "expected_taps",
    "synthetic_inputs",
]

#: Byte pattern the scratch and output spaces are filled with before a run:
#: a stage that leaves part of its buffer unwritten shows it.
SENTINEL = 0xA5
_SPACE_NAMES = {Space.IMAGE: "image", Space.WEIGHTS: "weights", Space.SCRATCH: "scratch",
                Space.OUTPUT: "output"}  # fmt: skip


@dataclass(frozen=True)
class KernelInputs:
    """Quantised weights (raw, by canonical name), raw images (C, H, W) each, task."""

    qweights: Mapping[str, np.ndarray]
    images: tuple[np.ndarray, ...]
    task: int = 0


def synthetic_inputs(cfg: KernelConfig, seed: int, images: int = 1, task: int = 0) -> KernelInputs:
    """Synthetic weights with the trained spreads and random 8-bit images (seeded)."""
    qw = quantize_weights(cfg, synthetic_weights(cfg, seed))
    imgs = tuple(quantize_image(synthetic_image(cfg, seed + n), cfg) for n in range(images))
    return KernelInputs(qw, imgs, task)


@dataclass(frozen=True)
class Layout:
    """Where the four spaces of the memory map sit in the testbench's DRAM.

    Each space starts on a 4 KiB page, after a guard page (so a null pointer is
    never valid and an overrun lands in memory no space owns).
    """

    cfg: KernelConfig
    images: int = 1

    @cached_property
    def mm(self) -> MemoryMap:
        return memory_map(self.cfg, self.images)

    @cached_property
    def bases(self) -> dict[str, int]:
        out, addr = {}, PAGE_BYTES
        for space in SPACES:
            out[space] = addr
            addr += max(self.mm.space_bytes(space), PAGE_BYTES) + PAGE_BYTES
        return out

    @cached_property
    def size(self) -> int:
        """DRAM bytes (a power of two, as AxiRam wants nothing else but it keeps addresses tidy)."""
        end = max(self.bases[s] + self.mm.space_bytes(s) for s in SPACES) + PAGE_BYTES
        return 1 << (end - 1).bit_length()

    def pointers(self) -> dict[str, int]:
        return dict(self.bases)

    def stage_region(self, stage: Stage, image: int) -> tuple[int, Region]:
        """Absolute address and region of ``stage``'s output buffer for ``image``."""
        y = stage.y
        space = _SPACE_NAMES[y.space]
        addr = self.bases[space] + y.offset
        name = y.region
        if y.space is Space.OUTPUT:
            addr += image * strides(self.cfg)[1]
            name = f"output{image}"
        return addr, self.mm[name]

    def fill(self, inputs: KernelInputs) -> dict[str, bytes]:
        """The initial contents of each space: packed weights and images,
        SENTINEL bytes in scratch and output."""
        if len(inputs.images) != self.images:
            raise ValueError(f"{len(inputs.images)} images for a layout of {self.images}")
        weights = self.mm.build("weights", dict(inputs.qweights))
        image = self.mm.build("image", {f"image{n}": im for n, im in enumerate(inputs.images)})
        out = {"weights": bytes(weights), "image": bytes(image)}
        for space in ("scratch", "output"):
            out[space] = bytes([SENTINEL]) * self.mm.space_bytes(space)
        return out


def expected_taps(cfg: KernelConfig, inputs: KernelInputs) -> list[list[np.ndarray]]:
    """``expected[n][i]``: the golden output of stage ``i`` (of :func:`hls.program.program`)
    for image ``n``."""
    stages = program(cfg)
    out = []
    for image in inputs.images:
        res = forward(cfg, inputs.qweights, image, inputs.task)
        out.append([res.taps[(st.layer, st.name)] for st in stages])
    return out


class StageMismatch(AssertionError):
    """A stage's buffer differs from the golden tap; the message locates the first difference."""


def compare_stage(
    stage: Stage, image: int, got: np.ndarray, expected: np.ndarray, fmt: FixedFormat | None = None
) -> None:
    """Raise :class:`StageMismatch` describing the differences (count, LSB histogram,
    first and largest, decoded with *fmt*: ``tb.mismatch.describe_mismatch``)."""
    if got.shape != expected.shape:
        raise StageMismatch(f"stage {stage.index} ({stage.name}): shape {got.shape}, "
                            f"expected {expected.shape}")  # fmt: skip
    what = describe_mismatch(got, expected, fmt)
    if what is not None:
        raise StageMismatch(
            f"image {image}, stage {stage.index} (layer {stage.layer}, {stage.name}, "
            f"{stage.op.name}): {what}"
        )


def cycle_budget(cfg: KernelConfig, last_stage: int, images: int = 1) -> int:
    """A generous bound on the cycles a run up to ``last_stage`` may take, for
    timeouts: 40 cycles per beat of every tensor a stage touches, plus the
    attention engine's score work, plus slack. A correct kernel is far below it."""
    mm = memory_map(cfg)
    rows, _ = cfg.linear_tile
    total = 0
    for st in program(cfg)[: last_stage + 1]:
        beats = sum(mm[o.region].beats for o in st.operands if o.region)
        if st.op in (Op.LINEAR, Op.PATCH_EMBED):
            beats *= max(1, st.m // rows)
        if st.op is Op.ATTENTION:
            groups = -(-cfg.tokens // cfg.attn_parallel)
            beats = beats * groups + cfg.tokens * cfg.tokens * cfg.heads
        total += 40 * beats + 2_000
    return images * total + 10_000
