"""cocotb harness shared by the engine benches (tb/linear_engine/, tb/layernorm_residual_engines/,
tb/attention_engine/).

Every ``rtl/*_engine.sv`` has the same job handshake (``job_valid_i`` /
``job_ready_o`` with an ``engine_job_t`` ``job_i``, a one-cycle ``done_o`` pulse in the
cycle the job's last write beat is accepted) and the same memory ports, served
by :class:`tb.components.enginemem.EngineMemory`, so every engine bench builds its
engine under one top, ``engine_tb.sv`` (:func:`engine_tb_build`), and names a
job's fields as ``engine_job_t`` does (:func:`job_word` packs them). This module
holds what the benches do around that: bring the engine up behind a memory with random contents
(:func:`start`), reset it (:func:`engine_reset`), swap the memory model for
another stall probability (:func:`restall`), run one job with a cycle bound and
check its protocol (:func:`run_job`), abandon a job with a reset
(:func:`reset_mid_job`), check the written region (:func:`check_written`), the
idle state out of reset (:func:`idle_after_reset`) and after the last job
(:func:`expect_idle`). Failures raise
:class:`JobError` with a message; nothing waits without a bound.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import cocotb
import numpy as np
from cocotb.triggers import ClockCycles, First, ReadOnly, RisingEdge, Timer

from ci.rtl_sources import rtl_closure
from hls.generate import ENGINE_JOB_FIELDS
from hls.program import Engine
from tb.components.enginemem import ENGINE_MEM_TB_PORT, EngineMemory
from tb.components.stream import CLOCK_PERIOD_NS, start_clock
from tb.simbuild import PORT_SIGNALS

__all__ = [
    "ENGINE_TB",
    "ENGINE_TB_TOPLEVEL",
    "JobError",
    "check_written",
    "engine_reset",
    "engine_tb_build",
    "expect_idle",
    "idle_after_reset",
    "job_word",
    "reset_mid_job",
    "restall",
    "run_job",
    "start",
]

#: The bench top of every engine bench: the engine of number ENGINE (hls.program.Engine)
#: with its job ports and its memory port on engine_mem_tb_port.sv (u_mem).
ENGINE_TB = Path(__file__).with_name("engine_tb.sv")
#: The module name of :data:`ENGINE_TB`.
ENGINE_TB_TOPLEVEL = "engine_tb"
#: What the engine benches touch: the top's job ports and u_mem's flat memory port
#: (only they are public: half the build time of a fully public engine).
ENGINE_TB_PUBLIC = (*PORT_SIGNALS, "engine_mem_tb_port:*")


def engine_tb_build(engine: Engine) -> dict[str, object]:
    """What builds *engine* under :data:`ENGINE_TB` (toplevel :data:`ENGINE_TB_TOPLEVEL`): the
    ``sources``, ``parameters`` and ``public`` keyword arguments of the
    ``sim_builds`` fixture and of ``tb.mutation.build_mutant``. Give each engine's
    build its own name."""
    return {
        "sources": rtl_closure(ENGINE_TB, ENGINE_MEM_TB_PORT),
        "parameters": {"ENGINE": int(engine)},
        "public": ENGINE_TB_PUBLIC,
    }


def job_word(fields: Mapping[str, int]) -> int:
    """The ``engine_job_t`` value of a job: *fields* by the struct's field names
    (``hls.generate.ENGINE_JOB_FIELDS``: a, b, c, d, y, tokens, k, m, gelu,
    bias_alt, patch), those not given 0."""
    unknown = set(fields) - {name for name, _ in ENGINE_JOB_FIELDS}
    if unknown:
        raise ValueError(f"not fields of engine_job_t: {sorted(unknown)}")
    word = 0
    for name, bits in ENGINE_JOB_FIELDS:
        value = int(fields.get(name, 0))
        if not 0 <= value < 1 << bits:
            raise ValueError(f"job field {name} = {value} does not fit {bits} bits")
        word = word << bits | value
    return word


#: Outputs that must stay low while the engine is in reset or idle.
_QUIET = ("rd_cmd_valid_o", "wr_cmd_valid_o", "wr_valid_o", "done_o")


def _signal(dut, name: str):
    """A bench top's signal: the memory port's flat names (rd_*, wr_*) live on its
    engine_mem_tb_port (u_mem), the job ports on the top."""
    return getattr(dut.u_mem if name.startswith(("rd_", "wr_")) else dut, name)


class JobError(AssertionError):
    """The engine broke the job protocol or its output is wrong."""


async def engine_reset(dut, cycles: int = 3) -> None:
    """Hold rst_ni low (job_valid_i low) and check the engine comes out idle."""
    dut.rst_ni.value = 0
    dut.job_valid_i.value = 0
    await ClockCycles(dut.clk_i, cycles)
    await ReadOnly()
    for name in _QUIET:
        if _signal(dut, name).value:
            raise JobError(f"{name} is high during reset")
    if not dut.job_ready_o.value:
        raise JobError("job_ready_o is low during reset")
    await RisingEdge(dut.clk_i)
    dut.rst_ni.value = 1
    await RisingEdge(dut.clk_i)


async def start(dut, size: int, seed: int, stall: float) -> EngineMemory:
    """Clock, a memory model of *size* random bytes, job inputs idle, reset."""
    dut.job_i.value = 0
    start_clock(dut)
    mem = EngineMemory(dut, size, seed=seed, stall=stall)
    mem.data[:] = np.random.default_rng(seed + 1).integers(0, 256, size, dtype=np.uint8)
    mem.start()
    await engine_reset(dut)
    return mem


def restall(dut, mem: EngineMemory, stall: float, seed: int) -> EngineMemory:
    """Between jobs: a new memory model with another stall probability, same contents."""
    mem.stop()
    new = EngineMemory(dut, mem.size, seed=seed, stall=stall)
    new.data[:] = mem.data
    new.start()
    return new


async def run_job(
    dut,
    mem: EngineMemory,
    fields: dict[str, int],
    max_cycles: int,
    *,
    write_beats: int | None = None,
    read_regions: list[tuple[int, int]] | None = None,
    label: str = "",
) -> int:
    """Offer a job (call right after a rising edge), wait for done_o at most
    *max_cycles* cycles; return the cycles from the job handshake to done_o
    (1: the cycle after the handshake) and leave right after the next rising
    edge, so the next job may follow at once. Checks: job_ready_o high when
    idle, low while the job runs; done_o only as a pulse of a running job (a
    longer pulse is caught by the next call), in the cycle a write beat is
    accepted when the job writes; *write_beats* write beats in all, none owed;
    every read command inside one of *read_regions* ((address, bytes))."""
    edge, ro = RisingEdge(dut.clk_i), ReadOnly()
    what = f"{label}: " if label else ""
    writes0, reads0 = mem.write_beats, len(mem.read_commands)
    dut.job_i.value = job_word(fields)
    dut.job_valid_i.value = 1
    await ro
    if dut.done_o.value:
        raise JobError(f"{what}done_o is high while no job runs (a pulse longer than one cycle?)")
    if not dut.job_ready_o.value:
        raise JobError(f"{what}job_ready_o is low while the engine is idle")
    await edge
    dut.job_valid_i.value = 0
    await ro
    c0 = mem.cycles - 1  # this is cycle 1 of the job
    # Sleep until done_o or job_ready_o rises (cheaper than a per-cycle loop).
    while not dut.done_o.value:
        if dut.job_ready_o.value:
            raise JobError(f"{what}job_ready_o is high {mem.cycles - c0} cycles into a running job")
        left = max_cycles - (mem.cycles - c0)
        timeout = Timer(max(left, 1) * CLOCK_PERIOD_NS, "ns")
        fired = await First(RisingEdge(dut.done_o), RisingEdge(dut.job_ready_o), timeout)
        if fired is timeout or left <= 0:
            raise JobError(
                f"{what}no done_o within {max_cycles} cycles (fields {fields}; read beats "
                f"{mem.read_beats}, write beats {mem.write_beats}, pending reads "
                f"{mem.pending_read_beats}, pending writes {mem.pending_write_beats})"
            )
        await ro
    if dut.job_ready_o.value:
        raise JobError(f"{what}job_ready_o is high in the cycle of done_o")
    if write_beats and not (dut.u_mem.wr_valid_o.value and dut.u_mem.wr_ready_i.value):
        raise JobError(f"{what}done_o in a cycle without a write beat accepted")
    cycles = mem.cycles - c0
    await edge
    if mem.pending_write_beats:
        raise JobError(f"{what}done_o with {mem.pending_write_beats} write beats still owed")
    if write_beats is not None and mem.write_beats - writes0 != write_beats:
        raise JobError(f"{what}{mem.write_beats - writes0} write beats, expected {write_beats}")
    for addr, beats in mem.read_commands[reads0:] if read_regions is not None else ():
        end = addr + beats * mem.beat_bytes
        if not any(a <= addr and end <= a + n for a, n in read_regions):
            raise JobError(f"{what}read of {beats} beats at 0x{addr:x} outside the job's inputs")
    return cycles


async def reset_mid_job(
    dut, mem: EngineMemory, fields: dict[str, int], after: int, reset_cycles: int = 3
) -> None:
    """Start a job, reset the engine (for *reset_cycles* cycles) *after* cycles
    into it (the job must still run then) and check it comes out of reset idle."""
    task = cocotb.start_soon(run_job(dut, mem, fields, 1 << 30))
    await ClockCycles(dut.clk_i, after)
    assert not task.done(), f"job finished within {after} cycles: the reset is not mid-job"
    task.cancel()
    await engine_reset(dut, reset_cycles)


def check_written(mem: EngineMemory, y_addr: int, y_bytes: int, label: str = "") -> None:
    """Exactly the bytes of the output region were written (since clear_written)."""
    expect = np.zeros(mem.size, dtype=bool)
    expect[y_addr : y_addr + y_bytes] = True
    bad = np.flatnonzero(mem.written != expect)
    if len(bad):
        a = int(bad[0])
        what = "not written" if expect[a] else "written outside the output region"
        raise JobError(
            f"{label + ': ' if label else ''}{len(bad)} bytes wrong in the write mask; first at "
            f"0x{a:x} ({what}; output region 0x{y_addr:x}..0x{y_addr + y_bytes:x})"
        )


async def expect_idle(dut, cycles: int, what: str = "with no job") -> None:
    """For *cycles* cycles (call right after a rising edge): job_ready_o high, no
    command, no write, no done_o, no read data taken."""
    for _ in range(cycles):
        await ReadOnly()
        for name in (*_QUIET, "rd_ready_o"):
            if _signal(dut, name).value:
                raise JobError(f"{name} high {what}")
        if not dut.job_ready_o.value:
            raise JobError(f"job_ready_o low {what}")
        await RisingEdge(dut.clk_i)


async def idle_after_reset(dut, size: int, seed: int) -> None:
    """Out of reset: :func:`expect_idle` for 32 cycles."""
    await start(dut, size, seed, 0.0)
    await expect_idle(dut, 32)
