"""One-paragraph descriptions of where an RTL output differs from the golden model.

A failure message must read at a glance: how many elements differ, by how many
LSBs (a histogram, so "all 288 elements differ by +1 LSB" shows a rounding bug at
once), the first and the largest difference with raw and decoded values, and a
hint when the whole buffer holds one value (it was probably never written).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from golden.fixed import FixedFormat, to_float

__all__ = ["describe_mismatch"]

#: How many distinct LSB differences the histogram lists before "...".
HISTOGRAM_ENTRIES = 4


def _lsb(d: int) -> str:
    return f"{d:+d} LSB"


def _value(raw: int, fmt: FixedFormat | None) -> str:
    if fmt is None:
        return f"raw {raw}"
    return f"raw {raw} = {float(to_float(np.array([raw]), fmt)[0]):.10g}"


def _position(index: tuple[int, ...], axes: Sequence[str]) -> str:
    names = list(axes) + [f"axis {i}" for i in range(len(axes), len(index))]
    return ", ".join(f"{name} {i}" for name, i in zip(names, index, strict=False))


def describe_mismatch(
    got: np.ndarray,
    expected: np.ndarray,
    fmt: FixedFormat | None = None,
    axes: Sequence[str] = ("token", "element"),
    got_name: str = "kernel",
) -> str | None:
    """None when *got* equals *expected* element for element; otherwise the
    description (both arrays hold raw integers of *fmt*, same shape)."""
    got = np.asarray(got)
    expected = np.asarray(expected)
    if got.shape != expected.shape:
        raise ValueError(f"shapes differ: {got.shape} vs {expected.shape}")
    differs = got != expected
    if not differs.any():
        return None
    delta = got.astype(object) - expected.astype(object)  # raw ints of any width
    count = int(differs.sum())
    hist = Counter(int(d) for d in delta[differs])
    if len(hist) == 1 and count == differs.size:
        (only,) = hist
        head = f"all {count} elements differ by {_lsb(only)}"
    else:
        common = ", ".join(f"{_lsb(d)} x{n}" for d, n in hist.most_common(HISTOGRAM_ENTRIES))
        more = ", ..." if len(hist) > HISTOGRAM_ENTRIES else ""
        head = f"{count} of {differs.size} elements differ ({common}{more})"

    def at(index: tuple[int, ...]) -> str:
        return (
            f"{_position(index, axes)}: {got_name} {_value(int(got[index]), fmt)}, "
            f"golden {_value(int(expected[index]), fmt)} ({_lsb(int(delta[index]))})"
        )

    first = tuple(int(i) for i in np.argwhere(differs)[0])
    parts = [head, f"first at {at(first)}"]
    magnitude = np.abs(np.where(differs, delta, 0)).astype(float)
    worst = tuple(int(i) for i in np.unravel_index(int(np.argmax(magnitude)), got.shape))
    if abs(delta[worst]) > abs(delta[first]):
        parts.append(f"largest at {at(worst)}")
    flat = got.reshape(-1)
    if got.size > 1 and (flat == flat[0]).all():
        parts.append(
            f"every element reads raw {int(flat[0])}: the buffer was probably never written"
        )
    return "; ".join(parts)
