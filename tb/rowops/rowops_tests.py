"""cocotb tests of the row-operation engines, bit for bit against the golden model.

``rtl/layernorm_engine.sv`` against ``golden.layernorm.layernorm`` (tests ``ln_*``)
and ``rtl/residual_engine.sv`` against ``golden.stages.residual.residual_add``
(tests ``res_*``), each behind ``tb.enginemem.EngineMemory``. Every job's output
region is compared bit for bit and every byte outside it must stay unwritten.

Run through tb/rowops/test_rowops.py (pytest), which builds the engine for a
configuration and sets the environment read here:

EDGEMOE_CONFIG        configuration name (hls.config.load_config)
EDGEMOE_SEED          seed of every random choice (printed by each test)
"""

from __future__ import annotations

import cocotb
import numpy as np
from cocotb.triggers import ClockCycles, ReadOnly, RisingEdge

from golden.layernorm import layernorm
from golden.stages.residual import residual_add
from hls.config import load_config
from hls.memory_map import pack, unpack
from tb.enginemem import EngineMemory
from tb.layernorm.model import LnGeometry, edge_rows, gamma_beta, random_rows
from tb.rowops.model import (
    Geometry,
    feature_bytes,
    first_difference,
    layout,
    norm_bytes,
    residual_operands,
)
from tb.simbuild import env_config_name, env_seed
from tb.stream import start_clock

CFG = load_config(env_config_name())
GEO = Geometry.from_config(CFG)
LN_GEO = LnGeometry.from_config(CFG)
FEAT, NORM = CFG.formats.feature, CFG.formats.norm
F, GF = FEAT.frac_bits, NORM.frac_bits
#: Stall probability of the memory model in the functional tests.
STALL = 0.3
#: Every memory the bench lays out fits in this many bytes.
MEM_BYTES = 3 * feature_bytes(CFG, GEO.tokens) + 2 * norm_bytes(CFG) + 64 * GEO.beat_bytes


class JobError(AssertionError):
    """The engine broke the job protocol or its output is wrong."""


# ---------------------------------------------------------------------- harness


async def engine_reset(dut, cycles: int = 3) -> None:
    """Hold rst_ni low (job_valid_i low) and check the engine comes out idle."""
    dut.rst_ni.value = 0
    dut.job_valid_i.value = 0
    await ClockCycles(dut.clk_i, cycles)
    await ReadOnly()
    for name in ("rd_cmd_valid_o", "wr_cmd_valid_o", "wr_valid_o", "done_o"):
        if getattr(dut, name).value:
            raise JobError(f"{name} is high during reset")
    if not dut.job_ready_o.value:
        raise JobError("job_ready_o is low during reset")
    await RisingEdge(dut.clk_i)
    dut.rst_ni.value = 1
    await RisingEdge(dut.clk_i)


async def start(dut, seed: int, stall: float) -> EngineMemory:
    """Clock, memory model (random contents), job inputs idle, reset."""
    for name in dir(dut):
        if name.startswith("job_") and name.endswith("_i"):
            getattr(dut, name).value = 0
    start_clock(dut)
    mem = EngineMemory(dut, MEM_BYTES, seed=seed, stall=stall)
    mem.data[:] = np.random.default_rng(seed + 1).integers(0, 256, MEM_BYTES, dtype=np.uint8)
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
) -> int:
    """Offer a job (call right after a rising edge), wait for done_o; return the
    cycles from the job handshake to done_o. Checks: job_ready_o high when idle,
    low while the job runs; done_o only as a one-cycle pulse of a running job,
    in the cycle the last write beat is accepted; *write_beats* write beats in
    all; every read command inside one of *read_regions* ((address, bytes))."""
    edge, ro = RisingEdge(dut.clk_i), ReadOnly()
    writes0, reads0 = mem.write_beats, len(mem.read_commands)
    for name, value in fields.items():
        getattr(dut, name).value = value
    dut.job_valid_i.value = 1
    await ro
    if dut.done_o.value:
        raise JobError("done_o is high while no job runs (a pulse longer than one cycle?)")
    if not dut.job_ready_o.value:
        raise JobError("job_ready_o is low while the engine is idle")
    await edge
    dut.job_valid_i.value = 0
    cycles = 0
    while True:
        await ro
        cycles += 1
        done = bool(dut.done_o.value)
        if dut.job_ready_o.value:
            raise JobError(f"job_ready_o is high {cycles} cycles into a running job")
        if done and write_beats and not (dut.wr_valid_o.value and dut.wr_ready_i.value):
            raise JobError("done_o in a cycle without a write beat accepted")
        await edge
        if done:
            break
        if cycles > max_cycles:
            raise JobError(
                f"no done_o within {max_cycles} cycles (fields {fields}; read beats "
                f"{mem.read_beats}, write beats {mem.write_beats}, pending reads "
                f"{mem.pending_read_beats}, pending writes {mem.pending_write_beats})"
            )
    if mem.pending_write_beats:
        raise JobError(f"done_o with {mem.pending_write_beats} write beats still owed")
    if write_beats is not None and mem.write_beats - writes0 != write_beats:
        raise JobError(f"{mem.write_beats - writes0} write beats, expected {write_beats}")
    for addr, beats in mem.read_commands[reads0:] if read_regions is not None else ():
        end = addr + beats * GEO.beat_bytes
        if not any(a <= addr and end <= a + n for a, n in read_regions):
            raise JobError(f"read of {beats} beats at 0x{addr:x} outside the job's inputs")
    return cycles


def check_written(mem: EngineMemory, y_addr: int, y_bytes: int) -> None:
    """Exactly the bytes of the output region were written."""
    expect = np.zeros(mem.size, dtype=bool)
    expect[y_addr : y_addr + y_bytes] = True
    bad = np.flatnonzero(mem.written != expect)
    if len(bad):
        a = int(bad[0])
        what = "not written" if expect[a] else "written outside the output region"
        raise JobError(
            f"{len(bad)} bytes wrong in the write mask; first at 0x{a:x} ({what}; "
            f"output region 0x{y_addr:x}..0x{y_addr + y_bytes:x})"
        )


def read_features(mem: EngineMemory, addr: int, tokens: int) -> np.ndarray:
    n = feature_bytes(CFG, tokens)
    return unpack(mem.data[addr : addr + n], FEAT, (tokens, GEO.dim), GEO.beat_bits)


def put(mem: EngineMemory, addr: int, blob: bytes) -> None:
    mem.data[addr : addr + len(blob)] = np.frombuffer(blob, dtype=np.uint8)


def job_bound(tokens: int, per_row: int, stall: float = STALL) -> int:
    """A generous cycle bound for a job under *stall* (the memory stalls each side)."""
    return int((tokens * per_row + 8 * GEO.row_beats + 400) / (1 - stall) ** 2)


# ---------------------------------------------------------------------- LayerNorm


class LnJob:
    """One LayerNorm job: inputs placed in memory, the golden output, the check."""

    def __init__(self, mem, x, gamma, beta, rng):
        self.x, self.gamma, self.beta = x, gamma, beta
        self.tokens = len(x)
        self.y_bytes = feature_bytes(CFG, self.tokens)
        nb = norm_bytes(CFG)
        self.addr, total = layout(
            {"x": self.y_bytes, "g": nb, "b": nb, "y": self.y_bytes}, GEO.beat_bytes, rng
        )
        assert total <= mem.size, "bench memory too small for the layout"
        if self.tokens:
            put(mem, self.addr["x"], pack(x, FEAT, GEO.beat_bits))
        put(mem, self.addr["g"], pack(gamma, NORM, GEO.beat_bits))
        put(mem, self.addr["b"], pack(beta, NORM, GEO.beat_bits))

    @property
    def fields(self) -> dict[str, int]:
        return {
            "job_x_addr_i": self.addr["x"],
            "job_gamma_addr_i": self.addr["g"],
            "job_beta_addr_i": self.addr["b"],
            "job_y_addr_i": self.addr["y"],
            "job_tokens_i": self.tokens,
        }

    async def run(self, dut, mem, max_cycles: int) -> int:
        nb = norm_bytes(CFG)
        regions = [(self.addr["x"], self.y_bytes), (self.addr["g"], nb), (self.addr["b"], nb)]
        return await run_job(
            dut, mem, self.fields, max_cycles,
            write_beats=self.tokens * GEO.row_beats, read_regions=regions,
        )  # fmt: skip

    def check(self, mem, label: str) -> None:
        check_written(mem, self.addr["y"], self.y_bytes)
        if not self.tokens:
            return
        y = read_features(mem, self.addr["y"], self.tokens)
        gold = layernorm(self.x, self.gamma, self.beta, CFG)
        err = first_difference(y, gold, "golden.layernorm", x=self.x)
        if err is not None:
            r = int(np.argwhere(y != gold)[0][0])
            raise JobError(f"{label}: {err}; row {r} = {self.x[r].tolist()}")


def ln_rows(rng: np.random.Generator, count: int) -> np.ndarray:
    """Edge rows first (constant rows, extremes, one-LSB spreads, mean +-10 with
    std 0.05 and finer), then mixed random rows; *count* rows in all."""
    one = 1 << F
    tiny_spread = [
        np.rint(m * one + s * one * rng.standard_normal(GEO.dim))
        for m, s in ((10.0, 0.05), (-10.0, 0.05), (10.0, 2.0**-18), (100.0, 0.05))
    ]
    edges = np.concatenate([edge_rows(LN_GEO, F), np.array(tiny_spread, dtype=np.int64)])
    rng.shuffle(edges)
    rest = random_rows(LN_GEO, F, max(0, count - len(edges)), rng)
    return np.concatenate([edges, rest])[:count]


def job_schedule(rng: np.random.Generator, edge_count: int) -> list[tuple[int, float]]:
    """(tokens, memory stall probability) per job: 1, TOKENS, an odd count, 2, 0,
    four random counts, TOKENS, then TOKENS until *edge_count* rows have been used, all
    under STALL; then heavy stalls (0.7) and none, each with a random count and
    TOKENS."""
    t = GEO.tokens
    odd = max(1, (t // 2) | 1)
    counts = [1, t, odd, 2, 0, *(int(c) for c in rng.integers(1, t + 1, 4)), t]
    while sum(counts) < edge_count:
        counts.append(t)
    jobs = [(c, STALL) for c in counts]
    for stall in (0.7, 0.0):
        jobs += [(int(rng.integers(1, t + 1)), stall), (t, stall)]
    return jobs


async def jobs_back_to_back(dut, make_job, schedule, seed: int) -> None:
    """Run ``make_job(j, tokens, mem)`` jobs of *schedule* without reset; the memory
    model is swapped (same contents) when the stall probability changes."""
    rng = np.random.default_rng(seed + 3)
    mem = await start(dut, seed, schedule[0][1])
    for j, (tokens, stall) in enumerate(schedule):
        if stall != mem.stall:
            mem = restall(dut, mem, stall, seed + j)
        job, label = make_job(j, tokens, mem)
        mem.clear_written()
        cycles = await job.run(dut, mem, job_bound(tokens, 2 * GEO.row_beats, stall))
        job.check(mem, f"job {j} ({tokens} tokens, {label}, stalls {stall}; seed {seed})")
        dut._log.info("job %d: %d tokens in %d cycles (stalls %.1f)", j, tokens, cycles, stall)
        for _ in range(int(rng.choice([0, 0, 1, 3]))):  # sometimes a gap between jobs
            await RisingEdge(dut.clk_i)


async def idle_after_reset(dut) -> None:
    """Out of reset: job_ready_o high, no command, no write, no done_o, for 32 cycles."""
    await start(dut, env_seed(), 0.0)
    for _ in range(32):
        await ReadOnly()
        for name in ("rd_cmd_valid_o", "wr_cmd_valid_o", "wr_valid_o", "done_o", "rd_ready_o"):
            assert not getattr(dut, name).value, f"{name} high with no job"
        assert dut.job_ready_o.value, "job_ready_o low with no job"
        await RisingEdge(dut.clk_i)


@cocotb.test(timeout_time=100, timeout_unit="us")
async def ln_reset_idle(dut):
    """Out of reset: job_ready_o high, no command, no write, no done_o."""
    await idle_after_reset(dut)


@cocotb.test(timeout_time=200, timeout_unit="ms")
async def ln_jobs(dut):
    """Back-to-back jobs without reset (token counts 1, odd, 2, 0, random,
    TOKENS), each with its own gamma/beta (random, identity, extremes, max with
    alternating beta, small) and rows (edge rows, mean 10 / std 0.05 rows,
    mixed random), random addresses, memory stalls: every output bit for bit,
    nothing written outside the output region."""
    s = env_seed()
    dut._log.info("seed %d (rerun: pytest --sim-seed %d)", s, s)
    rng = np.random.default_rng(s)
    schedule = job_schedule(rng, len(edge_rows(LN_GEO, F)) + 4)
    rows = ln_rows(rng, sum(t for t, _ in schedule))
    pos = 0

    def make_job(j, tokens, mem):
        nonlocal pos
        gamma, beta = gamma_beta(LN_GEO, GF, j % 5, rng)
        job = LnJob(mem, rows[pos : pos + tokens], gamma, beta, rng)
        pos += tokens
        return job, f"gamma/beta kind {j % 5}"

    await jobs_back_to_back(dut, make_job, schedule, s)


@cocotb.test(timeout_time=200, timeout_unit="ms")
async def ln_reset_mid_job(dut):
    """A reset in the middle of a job (early: during the gamma/beta load; late:
    rows in flight), then a clean job, three times: the clean job bit for bit."""
    s = env_seed() + 7
    dut._log.info("seed %d", s)
    rng = np.random.default_rng(s)
    mem = await start(dut, s, STALL)
    t = GEO.tokens
    for k, after in enumerate((3, GEO.norm_beats + 4, int(rng.integers(10, t * GEO.row_beats)))):
        gamma, beta = gamma_beta(LN_GEO, GF, int(rng.integers(0, 5)), rng)
        job = LnJob(mem, random_rows(LN_GEO, F, t, rng), gamma, beta, rng)
        task = cocotb.start_soon(run_job(dut, mem, job.fields, 1 << 30))
        await ClockCycles(dut.clk_i, after)
        assert not task.done(), f"job finished within {after} cycles: the reset is not mid-job"
        task.cancel()
        await engine_reset(dut)
        tokens = int(rng.integers(1, t + 1))
        gamma, beta = gamma_beta(LN_GEO, GF, int(rng.integers(0, 5)), rng)
        job = LnJob(mem, ln_rows(rng, tokens), gamma, beta, rng)
        mem.clear_written()
        await job.run(dut, mem, job_bound(tokens, 2 * GEO.row_beats))
        job.check(mem, f"clean job after a reset {after} cycles into a job (round {k}; seed {s})")


@cocotb.test(timeout_time=100, timeout_unit="ms")
async def ln_throughput(dut):
    """No stalls: cycles per job for 1 and TOKENS tokens against the read bound
    (gamma + beta + x beats, one per cycle); results checked."""
    s = env_seed() + 11
    rng = np.random.default_rng(s)
    mem = await start(dut, s, 0.0)
    for tokens in (1, GEO.tokens, GEO.tokens):
        gamma, beta = gamma_beta(LN_GEO, GF, 0, rng)
        job = LnJob(mem, random_rows(LN_GEO, F, tokens, rng), gamma, beta, rng)
        mem.clear_written()
        cycles = await job.run(dut, mem, job_bound(tokens, 4 * GEO.row_beats))
        job.check(mem, f"{tokens} tokens without stalls (seed {s})")
        bound = 2 * GEO.norm_beats + tokens * GEO.row_beats
        dut._log.info(
            "layernorm_engine %s: %d tokens x %d beats: %d cycles per job; read bound %d "
            "beats (%.3f of it), %.2f cycles per row",
            env_config_name(), tokens, GEO.row_beats, cycles, bound, cycles / bound,
            cycles / tokens,
        )  # fmt: skip


# ---------------------------------------------------------------------- residual


class ResJob:
    """One residual job: a, b placed in memory, the golden sum, the check."""

    def __init__(self, mem, a, b, rng):
        self.a, self.b = a, b
        self.tokens = len(a)
        self.y_bytes = feature_bytes(CFG, self.tokens)
        n = self.y_bytes
        self.addr, total = layout({"a": n, "b": n, "y": n}, GEO.beat_bytes, rng)
        assert total <= mem.size, "bench memory too small for the layout"
        if self.tokens:
            put(mem, self.addr["a"], pack(a, FEAT, GEO.beat_bits))
            put(mem, self.addr["b"], pack(b, FEAT, GEO.beat_bits))

    @property
    def fields(self) -> dict[str, int]:
        return {
            "job_a_addr_i": self.addr["a"],
            "job_b_addr_i": self.addr["b"],
            "job_y_addr_i": self.addr["y"],
            "job_tokens_i": self.tokens,
        }

    async def run(self, dut, mem, max_cycles: int) -> int:
        regions = [(self.addr["a"], self.y_bytes), (self.addr["b"], self.y_bytes)]
        return await run_job(
            dut, mem, self.fields, max_cycles,
            write_beats=self.tokens * GEO.row_beats, read_regions=regions,
        )  # fmt: skip

    def check(self, mem, label: str) -> None:
        check_written(mem, self.addr["y"], self.y_bytes)
        if not self.tokens:
            return
        y = read_features(mem, self.addr["y"], self.tokens)
        gold = residual_add(self.a, self.b, CFG)
        err = first_difference(y, gold, "golden residual_add", a=self.a, b=self.b)
        if err is not None:
            raise JobError(f"{label}: {err}")


@cocotb.test(timeout_time=100, timeout_unit="us")
async def res_reset_idle(dut):
    """Out of reset: job_ready_o high, no command, no write, no done_o."""
    await idle_after_reset(dut)


@cocotb.test(timeout_time=200, timeout_unit="ms")
async def res_jobs(dut):
    """Back-to-back jobs without reset (token counts 1, odd, 2, 0, random,
    TOKENS), rows of uniform, moderate, saturating-up, saturating-down and
    corner operands, random addresses, memory stalls: bit for bit, nothing
    written outside the output region."""
    s = env_seed()
    dut._log.info("seed %d (rerun: pytest --sim-seed %d)", s, s)
    rng = np.random.default_rng(s)

    def make_job(j, tokens, mem):
        return ResJob(mem, *residual_operands(GEO, tokens, rng), rng), "mixed operand rows"

    await jobs_back_to_back(dut, make_job, job_schedule(rng, 0), s)


@cocotb.test(timeout_time=200, timeout_unit="ms")
async def res_reset_mid_job(dut):
    """A reset in the middle of a job (after the first commands; with rows in
    flight), then a clean job, three times: the clean job bit for bit."""
    s = env_seed() + 7
    dut._log.info("seed %d", s)
    rng = np.random.default_rng(s)
    mem = await start(dut, s, STALL)
    t = GEO.tokens
    for k, after in enumerate((3, GEO.row_beats + 2, int(rng.integers(10, t * GEO.row_beats)))):
        job = ResJob(mem, *residual_operands(GEO, t, rng), rng)
        task = cocotb.start_soon(run_job(dut, mem, job.fields, 1 << 30))
        await ClockCycles(dut.clk_i, after)
        assert not task.done(), f"job finished within {after} cycles: the reset is not mid-job"
        task.cancel()
        await engine_reset(dut)
        tokens = int(rng.integers(1, t + 1))
        job = ResJob(mem, *residual_operands(GEO, tokens, rng), rng)
        mem.clear_written()
        await job.run(dut, mem, job_bound(tokens, 2 * GEO.row_beats))
        job.check(mem, f"clean job after a reset {after} cycles into a job (round {k}; seed {s})")


@cocotb.test(timeout_time=100, timeout_unit="ms")
async def res_throughput(dut):
    """No stalls: cycles per job for 1 and TOKENS tokens against the read bound
    (2 * tokens * row beats, one read beat per cycle); results checked."""
    s = env_seed() + 11
    rng = np.random.default_rng(s)
    mem = await start(dut, s, 0.0)
    for tokens in (1, GEO.tokens, GEO.tokens):
        job = ResJob(mem, *residual_operands(GEO, tokens, rng), rng)
        mem.clear_written()
        cycles = await job.run(dut, mem, job_bound(tokens, 4 * GEO.row_beats))
        job.check(mem, f"{tokens} tokens without stalls (seed {s})")
        bound = 2 * tokens * GEO.row_beats
        dut._log.info(
            "residual_engine %s: %d tokens x %d beats: %d cycles per job; read bound %d "
            "beats (%.3f of it)",
            env_config_name(), tokens, GEO.row_beats, cycles, bound, cycles / bound,
        )  # fmt: skip
