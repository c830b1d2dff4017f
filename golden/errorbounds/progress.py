"""Progress lines for the long measurements (exhaustive GELU, reciprocal, rsqrt).

On a terminal the line is rewritten in place about once a second; when
stdout is not a TTY (CI logs, nox) one line is printed every ``quiet_every``
seconds, so a log shows the job is alive without filling up.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

__all__ = ["Progress"]


def _duration(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 90:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.1f} min"


def _count(n: float) -> str:
    for div, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if n >= div:
            return f"{n / div:.1f}{suffix}"
    return f"{n:.0f}"


class Progress:
    """``update(done)`` after each chunk of ``total`` items; ``close()`` at the end."""

    def __init__(
        self,
        label: str,
        total: int,
        unit: str = "inputs",
        stream: TextIO | None = None,
        tty_every: float = 1.0,
        quiet_every: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.label, self.total, self.unit = label, max(1, int(total)), unit
        self.stream = sys.stdout if stream is None else stream
        isatty = getattr(self.stream, "isatty", None)
        self.tty = bool(isatty and isatty())
        self.every = tty_every if self.tty else quiet_every
        self.clock = clock
        self.start = self.last = clock()
        self.done = 0
        self.lines = 0  # lines printed (for tests)

    def text(self) -> str:
        elapsed = self.clock() - self.start
        rate = self.done / elapsed if elapsed > 0 else 0.0
        left = (self.total - self.done) / rate if rate > 0 else float("nan")
        eta = _duration(left) if rate > 0 else "?"
        return (
            f"errorbounds: {self.label}: {100 * self.done / self.total:5.1f}% "
            f"({_count(self.done)} of {_count(self.total)} {self.unit}, "
            f"{_count(rate)}/s), {eta} left"
        )

    def update(self, done: int) -> None:
        self.done = min(int(done), self.total)
        now = self.clock()
        if now - self.last < self.every:
            return
        self.last = now
        self._emit(self.text())

    def _emit(self, line: str) -> None:
        if self.tty:
            self.stream.write("\r" + line + "\x1b[K")
        else:
            self.stream.write(line + "\n")
        self.stream.flush()
        self.lines += 1

    def close(self) -> None:
        """Clear the in-place line on a terminal (the caller prints the final time)."""
        if self.tty and self.lines:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
