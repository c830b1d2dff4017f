"""Reference model and stimulus of the DMA bench (pure Python, no cocotb).

:func:`split_bursts` is the specification of how ``rtl/axi_read_master.sv`` and
``rtl/axi_write_master.sv`` cut a command into AXI4 INCR bursts:
``burst = min(beats left, 256, beats left in the 4 KiB page)``, starting at the
command's (beat-aligned) address.  The protocol monitor compares every AR/AW
with it; its ``max_burst`` / ``page_slack`` knobs model the mutants of the
mutation test.
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


# ------------------------------------------------------------------ stimulus


def near_page_addr(rng: np.random.Generator, beat_bytes: int, base: int, pages: int) -> int:
    """A beat-aligned address in [base, base + pages pages), mostly within a few
    beats of a 4 KiB boundary or of the point 256 beats before one."""
    page = int(rng.integers(0, pages))
    per_page = PAGE // beat_bytes
    anchors = [0, per_page, per_page - MAX_BURST, MAX_BURST, int(rng.integers(0, per_page))]
    beat = anchors[int(rng.integers(0, len(anchors)))] + int(rng.integers(-3, 4))
    beat = min(max(beat, 0), per_page - 1)
    return base + page * PAGE + beat * beat_bytes


def random_length(rng: np.random.Generator, beat_bytes: int) -> int:
    """Burst-relevant lengths: single beats, short, around 256 and around a page."""
    per_page = PAGE // beat_bytes
    choice = int(rng.integers(0, 6))
    if choice == 0:
        return 1
    if choice == 1:
        return int(rng.integers(2, 16))
    if choice == 2:
        return MAX_BURST + int(rng.integers(-2, 3))
    if choice == 3:
        return per_page + int(rng.integers(-2, 3))
    if choice == 4:
        return int(rng.integers(MAX_BURST, 3 * MAX_BURST))
    return int(rng.integers(1, 2 * MAX_BURST))


def random_commands(
    rng: np.random.Generator,
    beat_bytes: int,
    count: int,
    *,
    read_base: int,
    write_base: int,
    pages: int,
) -> list[Command]:
    """``count`` commands, reads within ``pages`` pages at ``read_base`` and writes
    within ``pages`` pages at ``write_base`` (so reads never see writes in flight)."""
    cmds = []
    for _ in range(count):
        kind = "rd" if rng.random() < 0.5 else "wr"
        base = read_base if kind == "rd" else write_base
        addr = near_page_addr(rng, beat_bytes, base, pages)
        cmds.append(Command(kind, addr, random_length(rng, beat_bytes)))
    return cmds


def cyclic_pattern(rng: np.random.Generator, length: int, p: float) -> list[bool]:
    """Per-cycle pause flags (True: pause), i.i.d. with probability ``p``."""
    return [bool(v) for v in rng.random(length) < p]


def cycle_forever(pattern: list[bool]) -> Iterator[bool]:
    """A pause generator for cocotbext-axi (``set_pause_generator``)."""
    while True:
        yield from pattern
