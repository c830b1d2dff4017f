"""Stimulus of the DMA bench: random commands whose addresses and lengths sit
near the burst rules' edges (4 KiB pages, 256-beat bursts).
"""

from __future__ import annotations

import numpy as np

from tb.components.axi.bursts import MAX_BURST, PAGE, Command


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
