"""A Python memory on an engine's command/data ports, for the engine unit benches.

The kernel's engines (``rtl/*_engine.sv``) share one memory port, a
request/response pair of packed structs (``engine_mem_req_t`` /
``engine_mem_rsp_t``, generated into ``edgemoe_cfg_pkg`` by ``hls/generate.py``;
``rtl/engine_mem_mux.sv`` puts the running engine's onto the AXI read and write
masters). cocotb does not reach struct members in a Verilator model, so each
engine bench builds a thin top (``tb/<bench>/<engine>_tb.sv``) that unpacks
the structs into these flat ports, which this model drives::

    rd_cmd_valid_o / rd_cmd_ready_i / rd_cmd_addr_o / rd_cmd_beats_o
    rd_valid_i / rd_ready_o / rd_data_i          beats of the read commands, in order
    wr_cmd_valid_o / wr_cmd_ready_i / wr_cmd_addr_o / wr_cmd_beats_o
    wr_valid_o / wr_ready_i / wr_data_o          beats of the write commands, in order

:class:`EngineMemory` serves those ports from a NumPy byte array, one cycle at
a time from a single coroutine (drive after the rising edge, sample at
``ReadOnly``, as :func:`tb.components.stream.stream` does), with seeded random stalls on
every ready/valid it drives. It checks the protocol as it goes: addresses
must be beat aligned and inside the memory, commands at least one beat long,
a write data beat needs an open write command (one accepted in the same cycle
counts), and a beat offered by the engine must not change until taken. A
violation raises :class:`EngineMemoryError` (and fails the test). While
``rst_ni`` is low every queued command is dropped, as the kernel's masters
are reset with the engine.
"""

from __future__ import annotations

from collections import deque

import cocotb
import numpy as np
from cocotb.triggers import ReadOnly, RisingEdge

__all__ = ["EngineMemory", "EngineMemoryError"]


class EngineMemoryError(AssertionError):
    """The engine broke the memory-port protocol; the message says how."""


class EngineMemory:
    """``size`` bytes of memory behind ``dut``'s engine ports (see the module docstring).

    ``stall`` is the probability, per cycle and per driven handshake signal,
    of holding it low; ``seed`` makes the stalls repeatable.
    """

    def __init__(self, dut, size: int, *, seed: int = 0, stall: float = 0.0) -> None:
        self.dut = dut
        self.beat_bits = len(dut.rd_data_i)
        self.beat_bytes = self.beat_bits // 8
        if size <= 0 or size % self.beat_bytes:
            raise ValueError(f"size {size} must be a positive multiple of {self.beat_bytes} bytes")
        if not 0.0 <= stall < 1.0:
            raise ValueError(f"stall probability {stall} must be in [0, 1)")
        self.size = size
        self.data = np.zeros(size, dtype=np.uint8)
        self.stall = stall
        self._rng = np.random.default_rng(seed)
        self.read_beats = 0
        self.write_beats = 0
        self.read_commands: list[tuple[int, int]] = []  # (addr, beats), in order
        self.write_commands: list[tuple[int, int]] = []
        self.written = np.zeros(size, dtype=bool)  # bytes written since clear_written()
        self.cycles = 0
        self._reads: deque[list[int]] = deque()
        self._writes: deque[list[int]] = deque()
        self._task = None
        # per command port: (kind, address, beats, queue of [next addr, beats left], log)
        self._cmd_ports = {
            "rd": ("read", dut.rd_cmd_addr_o, dut.rd_cmd_beats_o, self._reads, self.read_commands),
            "wr": ("write", dut.wr_cmd_addr_o, dut.wr_cmd_beats_o, self._writes,
                   self.write_commands),
        }  # fmt: skip

    # ---------------------------------------------------------------- helpers
    def clear_written(self) -> None:
        self.written[:] = False

    def _check_cmd(self, kind: str, addr: int, beats: int) -> None:
        if beats < 1:
            raise EngineMemoryError(f"cycle {self.cycles}: {kind} command with {beats} beats")
        if addr % self.beat_bytes:
            raise EngineMemoryError(
                f"cycle {self.cycles}: {kind} address 0x{addr:x} is not aligned to "
                f"{self.beat_bytes}-byte beats"
            )
        end = addr + beats * self.beat_bytes
        if end > self.size:
            raise EngineMemoryError(
                f"cycle {self.cycles}: {kind} of {beats} beats at 0x{addr:x} ends at 0x{end:x}, "
                f"past the {self.size}-byte memory"
            )

    def _beat(self, addr: int) -> int:
        return int.from_bytes(self.data[addr : addr + self.beat_bytes].tobytes(), "little")

    def _command(self, port: str, valid, ready: bool, held):
        """Sample the ``rd``/``wr`` command port offering a command (*valid*) or
        holding one untaken (*held*): queue it when *ready*, else return it as
        the command now held; raise if a held command changed or was dropped."""
        if not valid:
            raise EngineMemoryError(f"cycle {self.cycles}: {port}_cmd_valid_o dropped untaken")
        kind, addr, beats, queue, log = self._cmd_ports[port]
        cmd = (addr.value.to_unsigned(), beats.value.to_unsigned())
        if held is not None and cmd != held:
            raise EngineMemoryError(
                f"cycle {self.cycles}: {kind} command changed from {held} to {cmd} "
                "before it was taken"
            )
        if not ready:
            return cmd
        self._check_cmd(kind, *cmd)
        queue.append(list(cmd))
        log.append(cmd)
        return None

    # ---------------------------------------------------------------- serving
    def start(self) -> None:
        """Start serving (the clock must be running)."""
        if self._task is None:
            self._task = cocotb.start_soon(self._serve())

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def _serve(self) -> None:  # one cycle loop, kept together for speed
        dut = self.dut
        edge, ro = RisingEdge(dut.clk_i), ReadOnly()
        bb = self.beat_bytes
        reads, writes = self._reads, self._writes  # [next addr, beats left] per command
        held_rd_cmd = held_wr_cmd = held_wr = None  # offered, not yet taken
        rd_valid = False
        rd_data = 0
        rng, p = self._rng, self.stall
        while True:
            await edge
            self.cycles += 1
            go = rng.random(4) >= p if p else (True, True, True, True)
            if not dut.rst_ni.value:
                reads.clear()
                writes.clear()
                held_rd_cmd = held_wr_cmd = held_wr = None
                rd_valid = False
            # drive: read data (hold an offered beat until taken)
            if not rd_valid and reads and go[0]:
                rd_valid = True
                rd_data = self._beat(reads[0][0])
                dut.rd_data_i.value = rd_data
            dut.rd_valid_i.value = int(rd_valid)
            cmd_rdy, wcmd_rdy, w_rdy = bool(go[1]), bool(go[2]), bool(go[3])
            dut.rd_cmd_ready_i.value = int(cmd_rdy)
            dut.wr_cmd_ready_i.value = int(wcmd_rdy)
            dut.wr_ready_i.value = int(w_rdy)
            await ro
            if not dut.rst_ni.value:
                continue
            # read data handshake
            if rd_valid and dut.rd_ready_o.value:
                head = reads[0]
                head[0] += bb
                head[1] -= 1
                if head[1] == 0:
                    reads.popleft()
                rd_valid = False
                self.read_beats += 1
            # commands (the write command before the data: a command and its
            # first beat may share a cycle)
            valid = dut.rd_cmd_valid_o.value
            if valid or held_rd_cmd is not None:
                held_rd_cmd = self._command("rd", valid, cmd_rdy, held_rd_cmd)
            valid = dut.wr_cmd_valid_o.value
            if valid or held_wr_cmd is not None:
                held_wr_cmd = self._command("wr", valid, wcmd_rdy, held_wr_cmd)
            # write data
            if dut.wr_valid_o.value:
                word = dut.wr_data_o.value.to_unsigned()
                if held_wr is not None and word != held_wr:
                    raise EngineMemoryError(
                        f"cycle {self.cycles}: wr_data_o changed while waiting for wr_ready_i"
                    )
                if w_rdy:
                    if not writes:
                        raise EngineMemoryError(
                            f"cycle {self.cycles}: write data beat with no open write command"
                        )
                    head = writes[0]
                    a = head[0]
                    self.data[a : a + bb] = np.frombuffer(word.to_bytes(bb, "little"), np.uint8)
                    self.written[a : a + bb] = True
                    head[0] += bb
                    head[1] -= 1
                    if head[1] == 0:
                        writes.popleft()
                    self.write_beats += 1
                    held_wr = None
                else:
                    held_wr = word
            elif held_wr is not None:
                raise EngineMemoryError(f"cycle {self.cycles}: wr_valid_o dropped untaken")

    @property
    def pending_write_beats(self) -> int:
        """Beats still owed to accepted write commands (0 once a job's writes are all in)."""
        return sum(beats for _, beats in self._writes)

    @property
    def pending_read_beats(self) -> int:
        """Beats of accepted read commands not yet taken by the engine."""
        return sum(beats for _, beats in self._reads)
