"""A minimal AXI4-Lite master for long runs: Python touches the bus only during an access.

cocotbext-axi's ``AxiLiteMaster`` samples its response channels on every
clock edge even when idle, so a kernel run of millions of cycles pays Python
on every cycle. :class:`LiteDriver` drives one access at a time straight on
the ``<prefix>_*`` signals and is silent in between, which is what the fast
memory path needs. It offers the two calls :class:`tb.components.axi.control.KernelControl`
uses (``read`` returning an object with ``.data`` and ``.resp``, ``write``);
the protocol benches keep ``AxiLiteMaster``.
"""

from __future__ import annotations

from types import SimpleNamespace

from cocotb.triggers import ReadOnly, RisingEdge

__all__ = ["LiteDriver", "LiteTimeout"]


class LiteTimeout(AssertionError):
    """The slave did not complete a handshake within the allowed cycles."""


class LiteDriver:
    """One-access-at-a-time AXI4-Lite master on ``dut.<prefix>_*`` (32-bit data)."""

    def __init__(self, dut, clock, prefix: str = "s_axi_control", max_wait: int = 64) -> None:
        self.clock = clock
        self.max_wait = max_wait
        self.s = {
            n: getattr(dut, f"{prefix}_{n}")
            for n in ("AWVALID", "AWREADY", "AWADDR", "WVALID", "WREADY", "WDATA", "WSTRB",
                      "BVALID", "BREADY", "BRESP", "ARVALID", "ARREADY", "ARADDR", "RVALID",
                      "RREADY", "RDATA", "RRESP")
        }  # fmt: skip
        for n in ("AWVALID", "WVALID", "BREADY", "ARVALID", "RREADY"):
            self.s[n].value = 0

    async def _until(self, what: str, cond) -> None:
        for _ in range(self.max_wait):
            await ReadOnly()
            if cond():
                return
            await RisingEdge(self.clock)
        raise LiteTimeout(f"AXI4-Lite {what} not completed within {self.max_wait} cycles")

    async def write(self, address: int, data: bytes) -> SimpleNamespace:
        if len(data) != 4 or address % 4:
            raise ValueError("LiteDriver writes whole aligned 32-bit words")
        s = self.s
        await RisingEdge(self.clock)
        s["AWADDR"].value = address
        s["WDATA"].value = int.from_bytes(data, "little")
        s["WSTRB"].value = 0xF
        s["AWVALID"].value = 1
        s["WVALID"].value = 1
        s["BREADY"].value = 1
        aw = w = False
        for _ in range(self.max_wait):
            await ReadOnly()
            aw_hs = bool(s["AWVALID"].value) and bool(s["AWREADY"].value)
            w_hs = bool(s["WVALID"].value) and bool(s["WREADY"].value)
            b_hs = bool(s["BVALID"].value)
            resp = int(s["BRESP"].value) if b_hs else 0
            await RisingEdge(self.clock)
            aw, w = aw or aw_hs, w or w_hs
            if aw_hs:
                s["AWVALID"].value = 0
            if w_hs:
                s["WVALID"].value = 0
            if b_hs and aw and w:
                s["BREADY"].value = 0
                return SimpleNamespace(resp=resp)
        raise LiteTimeout(
            f"AXI4-Lite write of 0x{address:x} not completed in {self.max_wait} cycles"
        )

    async def read(self, address: int, length: int) -> SimpleNamespace:
        if length != 4 or address % 4:
            raise ValueError("LiteDriver reads whole aligned 32-bit words")
        s = self.s
        await RisingEdge(self.clock)
        s["ARADDR"].value = address
        s["ARVALID"].value = 1
        s["RREADY"].value = 1
        await self._until("read address", lambda: bool(s["ARREADY"].value))
        await RisingEdge(self.clock)
        s["ARVALID"].value = 0
        await self._until("read data", lambda: bool(s["RVALID"].value))
        data, resp = int(s["RDATA"].value), int(s["RRESP"].value)
        await RisingEdge(self.clock)
        s["RREADY"].value = 0
        return SimpleNamespace(data=data.to_bytes(4, "little"), resp=resp)
