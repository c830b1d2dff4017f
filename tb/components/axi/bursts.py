"""AXI4 burst rules of the DMA masters and pause patterns for cocotbext-axi
(pure Python, no cocotb).

:func:`split_bursts` is the specification of how ``rtl/axi_burst_planner.sv`` (one
per direction of ``rtl/axi_dma.sv``) cuts a command into AXI4 INCR bursts:
``burst = min(beats left, 256, beats left in the 4 KiB page)``, starting at the
command's (beat-aligned) address.  The protocol monitor compares every AR/AW
with it; its ``max_burst`` / ``page_slack`` knobs model the mutants of the
mutation test (tb/axi).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

PAGE = 4096
MAX_BURST = 256


@dataclass(frozen=True)
class Command:
    """One DMA command: ``kind`` "rd" or "wr", byte ``addr``, length in ``beats``."""

    kind: str
    addr: int
    beats: int

    def __repr__(self) -> str:  # compact, and valid Python for the shrunk report
        return f"({self.kind!r}, {self.addr:#x}, {self.beats})"


def split_bursts(
    addr: int,
    beats: int,
    beat_bytes: int,
    *,
    max_burst: int = MAX_BURST,
    page_slack: int = 0,
    addr_bits: int = 64,
) -> list[tuple[int, int]]:
    """The (address, beats) of every burst of a command (addresses beat aligned,
    wrapping at 2**addr_bits).  ``page_slack`` > 0 models a page check that lets
    a burst run that many beats past the page end."""
    out = []
    a = addr - addr % beat_bytes
    left = beats
    mask = (1 << addr_bits) - 1
    while left > 0:
        page_left = (PAGE - (a % PAGE)) // beat_bytes + page_slack
        n = min(left, max_burst, page_left)
        out.append((a, n))
        a = (a + n * beat_bytes) & mask
        left -= n
    return out


def burst_violations(addr: int, beats: int, beat_bytes: int) -> list[str]:
    """The AXI4 rules an INCR burst of full-width beats breaks (empty: none)."""
    bad = []
    if not 1 <= beats <= MAX_BURST:
        bad.append(f"{beats} beats (INCR allows 1..{MAX_BURST})")
    if addr % beat_bytes:
        bad.append(f"address {addr:#x} not aligned to the {beat_bytes}-byte beat")
    if addr % PAGE + beats * beat_bytes > PAGE:
        bad.append(f"crosses a 4 KiB boundary ({addr:#x} + {beats * beat_bytes} bytes)")
    return bad


def cyclic_pattern(rng: np.random.Generator, length: int, p: float) -> list[bool]:
    """Per-cycle pause flags (True: pause), i.i.d. with probability ``p``."""
    return [bool(v) for v in rng.random(length) < p]


def cycle_forever(pattern: list[bool]) -> Iterator[bool]:
    """A pause generator for cocotbext-axi (``set_pause_generator``)."""
    while True:
        yield from pattern
