"""A window of a VCD waveform: the last stretch before a failure, small enough to open.

Verilator's cocotb main dumps from time 0 (94.5 MB for the 204 us of the
smallest kernel run); what a person needs is the few microseconds before the
failure. :func:`window_vcd` streams a VCD once and writes the part from
``start`` on, opening with a ``$dumpvars`` block that holds every signal's value
at ``start``, so a viewer shows the whole state from the first sample.
"""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["WaveformError", "last_time", "timescale_ps", "window_vcd"]

_TIMESCALE = re.compile(r"\$timescale\s+(\d+)\s*(s|ms|us|ns|ps|fs)\s+\$end", re.S)
_UNIT_PS = {"s": 10**12, "ms": 10**9, "us": 10**6, "ns": 10**3, "ps": 1, "fs": 10**-3}


class WaveformError(ValueError):
    """The file is not a VCD this module can read."""


def _header(path: Path) -> tuple[str, int]:
    """The header text up to and including ``$enddefinitions $end``, and its byte length."""
    text = []
    with open(path, encoding="ascii", errors="replace") as f:
        for line in f:
            text.append(line)
            if "$enddefinitions" in line:
                joined = "".join(text)
                return joined, len(joined.encode())
    raise WaveformError(f"{path}: no $enddefinitions: not a VCD file")


def timescale_ps(path: Path) -> float:
    """The VCD's time unit in picoseconds."""
    header, _ = _header(path)
    m = _TIMESCALE.search(header)
    if m is None:
        raise WaveformError(f"{path}: no $timescale in the header")
    return int(m.group(1)) * _UNIT_PS[m.group(2)]


def last_time(path: Path) -> int:
    """The last timestamp (``#t``) of the file, in its own time unit."""
    size = Path(path).stat().st_size
    with open(path, "rb") as f:
        f.seek(max(0, size - (1 << 16)))
        tail = f.read().decode("ascii", errors="replace")
    stamps = re.findall(r"^#(\d+)", tail, re.M)
    if not stamps:
        raise WaveformError(f"{path}: no timestamp in its last 64 KiB")
    return int(stamps[-1])


def _signal_id(line: str) -> str | None:
    """The identifier a value-change line sets (None for other lines)."""
    c = line[:1]
    if c in "01xzXZuUwWlLhH-":
        return line[1:].strip()
    if c in "bBrR":
        parts = line.split()
        return parts[1] if len(parts) == 2 else None
    return None


def window_vcd(src: Path, dst: Path, start: int) -> int:
    """Write *src* from time *start* (in the file's unit) on to *dst*; return the
    number of value changes written (the initial values included)."""
    header, _ = _header(src)
    values: dict[str, str] = {}
    written = 0
    started = False
    with open(src, encoding="ascii", errors="replace") as f, open(dst, "w") as out:
        out.write(header)
        for line in f:  # the header once more, then the changes
            if "$enddefinitions" in line:
                break
        for line in f:
            if line.startswith("#"):
                if not started and int(line[1:]) >= start:
                    out.write(f"#{start}\n$dumpvars\n")
                    out.writelines(values.values())
                    out.write("$end\n")
                    written += len(values)
                    started = True
                if started:
                    out.write(line)
                continue
            if started:
                out.write(line)
                written += _signal_id(line) is not None
                continue
            sig = _signal_id(line)
            if sig is not None:
                values[sig] = line if line.endswith("\n") else line + "\n"
        if not started:  # the window starts after the last change: the final state
            out.write(f"#{start}\n$dumpvars\n")
            out.writelines(values.values())
            out.write("$end\n")
            written += len(values)
    return written
