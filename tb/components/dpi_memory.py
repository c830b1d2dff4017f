"""Python side of the fast memory path: the DPI-C buffer of tb/fastmem/dpi_mem.c
(behind the AXI4 slave tb/fastmem/axi_dpi_mem.sv) as a zero-copy NumPy ``uint8``
array, and the Verilator arguments that link the buffer into a build.

The simulator (Verilator, linked with ``-rdynamic``) exports the buffer's
functions; cocotb runs Python in the same process, so ``ctypes.CDLL(None)``
finds them. Writes through :attr:`DpiMemory.array` are seen by the RTL's next
AXI read and vice versa: there is no copy and no Python per beat.
"""

from __future__ import annotations

import ctypes
import hashlib
from pathlib import Path

import numpy as np

__all__ = ["AXI_DPI_MEM", "DPI_C", "DpiMemory", "dpi_build_args"]

_FASTMEM = Path(__file__).resolve().parents[1] / "fastmem"
#: The C buffer and the AXI4 slave over it (tb-only RTL, kept with the fastmem bench).
DPI_C = _FASTMEM / "dpi_mem.c"
AXI_DPI_MEM = _FASTMEM / "axi_dpi_mem.sv"


def dpi_build_args() -> list[str]:
    """Verilator arguments adding the C buffer (a C file is not a runner source)
    and exporting its symbols to Python (-rdynamic); the -D carries the C file's
    hash so simbuild rebuilds when it changes."""
    digest = hashlib.sha256(DPI_C.read_bytes()).hexdigest()[:16]
    return [str(DPI_C), "-CFLAGS", f"-DDPI_MEM_SRC={digest}", "-LDFLAGS", "-rdynamic"]


class DpiMemory:
    """The buffer behind ``axi_dpi_mem``; ``size`` (bytes) reallocates it zeroed."""

    def __init__(self, size: int | None = None, lib: ctypes.CDLL | None = None):
        self._lib = lib or ctypes.CDLL(None)
        try:
            init = self._lib.dpi_mem_init
        except AttributeError:
            raise RuntimeError(
                "dpi_mem_init not found in the process: build with tb/fastmem/dpi_mem.c "
                "and -LDFLAGS -rdynamic"
            ) from None
        init.restype = ctypes.c_void_p
        init.argtypes = [ctypes.c_uint64]
        self._lib.dpi_mem_base.restype = ctypes.c_void_p
        self._lib.dpi_mem_size.restype = ctypes.c_uint64
        self._lib.dpi_mem_stat.restype = ctypes.c_uint64
        self._lib.dpi_mem_stat.argtypes = [ctypes.c_int]
        if size is not None:
            if not init(size):
                raise MemoryError(f"dpi_mem_init({size}) failed")
        self._map()

    def _map(self) -> None:
        base = self._lib.dpi_mem_base()
        self.size = int(self._lib.dpi_mem_size())
        ptr = ctypes.cast(base, ctypes.POINTER(ctypes.c_uint8))
        #: The whole buffer, zero-copy (valid until the next ``dpi_mem_init``).
        self.array: np.ndarray = np.ctypeslib.as_array(ptr, shape=(self.size,))

    def write(self, addr: int, data) -> None:
        buf = np.frombuffer(bytes(data), dtype=np.uint8) if not isinstance(
            data, np.ndarray) else data.reshape(-1).view(np.uint8)  # fmt: skip
        self._check(addr, buf.size)
        self.array[addr : addr + buf.size] = buf

    def read(self, addr: int, n: int) -> bytes:
        self._check(addr, n)
        return self.array[addr : addr + n].tobytes()

    def view(self, addr: int, n: int) -> np.ndarray:
        """A zero-copy slice."""
        self._check(addr, n)
        return self.array[addr : addr + n]

    def stats(self) -> dict[str, int]:
        """Beats read and written by the RTL, and out-of-range accesses."""
        s = self._lib.dpi_mem_stat
        return {"reads": int(s(0)), "writes": int(s(1)), "faults": int(s(2))}

    def _check(self, addr: int, n: int) -> None:
        if addr < 0 or n < 0 or addr + n > self.size:
            raise IndexError(f"[{addr:#x}, +{n}) outside the {self.size}-byte buffer")
