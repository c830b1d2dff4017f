"""A Python memory on an engine's command/data ports, for the engine unit benches.

The kernel's engines (``rtl/*_engine.sv``) share one memory port, a
request/response pair of packed structs (``engine_mem_req_t`` /
``engine_mem_rsp_t``, generated into ``edgemoe_cfg_pkg`` by ``hls/generate.py``;
``rtl/engine_mem_mux.sv`` puts the running engine's onto the AXI read and write
masters). cocotb does not reach struct members in a Verilator model, so the
engine benches' top (``tb/components/engine_tb.sv``) unpacks the structs into
these flat ports (on ``engine_mem_tb_port``, ``u_mem``), which this model drives::

    rd_cmd_valid_o / rd_cmd_ready_i / rd_cmd_addr_o / rd_cmd_beats_o
    rd_valid_i / rd_ready_o / rd_data_i          beats of the read commands, in order
    wr_cmd_valid_o / wr_cmd_ready_i / wr_cmd_addr_o / wr_cmd_beats_o
    wr_valid_o / wr_ready_i / wr_data_o          beats of the write commands, in order

:class:`EngineMemory` serves those ports from a NumPy byte array: the read data
is a :class:`~tb.components.channel.Source`, the two command ports and the
write data are :class:`~tb.components.channel.Sink` s of one
:class:`~tb.components.channel.ChannelEngine` (a cycle at a time, from a single
coroutine), with seeded random stalls (:class:`~tb.components.channel.RandomPauses`)
on every ready/valid it drives. It checks the protocol as it goes: addresses
must be beat aligned and inside the memory, commands at least one beat long,
a write data beat needs an open write command (one accepted in the same cycle
counts), and a beat offered by the engine must not change until taken. A
violation raises :class:`EngineMemoryError` (and fails the test). While
``rst_ni`` is low every queued command is dropped, as the kernel's masters
are reset with the engine.
"""

from __future__ import annotations

from collections import deque
from pathlib import Path

import cocotb
import numpy as np

from tb.components.channel import (
    ChannelEngine,
    ChannelError,
    RandomPauses,
    Sink,
    Source,
    read_unsigned,
)

__all__ = ["ENGINE_MEM_TB_PORT", "EngineMemory", "EngineMemoryError"]

#: The bench-side adapter every engine bench top instantiates as ``u_mem``: the
#: engine's struct port on the flat names this model drives (add it to the build's
#: sources).
ENGINE_MEM_TB_PORT = Path(__file__).with_name("engine_mem_tb_port.sv")


class EngineMemoryError(ChannelError):
    """The engine broke the memory-port protocol; the message says how."""


class EngineMemory:
    """``size`` bytes of memory behind ``dut``'s engine ports (see the module docstring).

    ``stall`` is the probability, per cycle and per driven handshake signal,
    of holding it low; ``seed`` makes the stalls repeatable.
    """

    def __init__(self, dut, size: int, *, seed: int = 0, stall: float = 0.0) -> None:
        self.dut = dut
        # the flat names live on the bench top's engine_mem_tb_port (u_mem)
        self.port = port = dut.u_mem
        self.beat_bits = len(port.rd_data_i)
        self.beat_bytes = self.beat_bits // 8
        if size <= 0 or size % self.beat_bytes:
            raise ValueError(f"size {size} must be a positive multiple of {self.beat_bytes} bytes")
        if not 0.0 <= stall < 1.0:
            raise ValueError(f"stall probability {stall} must be in [0, 1)")
        self.size = size
        self.data = np.zeros(size, dtype=np.uint8)
        self.stall = stall
        self.read_beats = 0
        self.write_beats = 0
        self.read_commands: list[tuple[int, int]] = []  # (addr, beats), in order
        self.write_commands: list[tuple[int, int]] = []
        self.written = np.zeros(size, dtype=bool)  # bytes written since clear_written()
        self._reads: deque[list[int]] = deque()
        self._writes: deque[list[int]] = deque()
        self._task = None
        # The four channels of the port, in the order they are sampled (a write
        # command before the write data: a command and its first beat may share a
        # cycle); the pauses are drawn in the same order, one row per cycle.
        pauses = RandomPauses(np.random.default_rng(seed), stall, 4)
        wr_data = port.wr_data_o
        read_data = Source(
            port.rd_valid_i, port.rd_ready_o, pauses.channel(0), self._offer_read, self._read_taken
        )
        channels = [
            read_data,
            self._command_sink("rd", "read", self._reads, self.read_commands, pauses.channel(1)),
            self._command_sink("wr", "write", self._writes, self.write_commands, pauses.channel(2)),
            Sink(port.wr_valid_o, port.wr_ready_i, pauses.channel(3),
                 lambda: read_unsigned(wr_data), self._write_beat,
                 name="write data (wr_data_o)", error=EngineMemoryError),
        ]  # fmt: skip
        self._engine = ChannelEngine(
            dut.clk_i, channels, reset_n=dut.rst_ni, on_reset=self._drop_commands,
            error=EngineMemoryError,
        )  # fmt: skip

    def _command_sink(self, port: str, kind: str, queue: deque, log: list, pauses) -> Sink:
        """The ``rd``/``wr`` command port: a command taken is checked, queued as
        [next address, beats left] and logged."""
        dut = self.port
        addr, beats = getattr(dut, f"{port}_cmd_addr_o"), getattr(dut, f"{port}_cmd_beats_o")

        def take(cmd: tuple[int, int]) -> None:
            self._check_cmd(kind, *cmd)
            queue.append(list(cmd))
            log.append(cmd)

        return Sink(
            getattr(dut, f"{port}_cmd_valid_o"), getattr(dut, f"{port}_cmd_ready_i"), pauses,
            lambda: (read_unsigned(addr), read_unsigned(beats)), take,
            name=f"{kind} command ({port}_cmd_*)", error=EngineMemoryError,
        )  # fmt: skip

    # ---------------------------------------------------------------- helpers
    @property
    def cycles(self) -> int:
        """Rising edges seen since :meth:`start`."""
        return self._engine.cycle

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

    def _drop_commands(self) -> None:
        """In reset: the commands queued go, as the kernel's masters are reset too."""
        self._reads.clear()
        self._writes.clear()

    def _offer_read(self) -> bool:
        """Drive the next read beat, if a read command has one left."""
        if not self._reads:
            return False
        a = self._reads[0][0]
        self.port.rd_data_i.value = int.from_bytes(
            self.data[a : a + self.beat_bytes].tobytes(), "little"
        )
        return True

    def _read_taken(self) -> None:
        head = self._reads[0]
        head[0] += self.beat_bytes
        head[1] -= 1
        if head[1] == 0:
            self._reads.popleft()
        self.read_beats += 1

    def _write_beat(self, word: int) -> None:
        if not self._writes:
            raise EngineMemoryError(
                f"cycle {self.cycles}: write data beat with no open write command"
            )
        head, bb = self._writes[0], self.beat_bytes
        a = head[0]
        self.data[a : a + bb] = np.frombuffer(word.to_bytes(bb, "little"), np.uint8)
        self.written[a : a + bb] = True
        head[0] += bb
        head[1] -= 1
        if head[1] == 0:
            self._writes.popleft()
        self.write_beats += 1

    # ---------------------------------------------------------------- serving
    def start(self) -> None:
        """Start serving (the clock must be running): the first cycle is the next
        rising edge."""
        if self._task is None:
            self._task = cocotb.start_soon(self._engine.run(first_edge=True))

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    @property
    def pending_write_beats(self) -> int:
        """Beats still owed to accepted write commands (0 once a job's writes are all in)."""
        return sum(beats for _, beats in self._writes)

    @property
    def pending_read_beats(self) -> int:
        """Beats of accepted read commands not yet taken by the engine."""
        return sum(beats for _, beats in self._reads)
