"""cocotb tests of the row-operation engines, bit for bit against the golden model.

``rtl/layernorm_engine.sv`` against ``golden.layernorm.layernorm`` (tests ``ln_*``)
and ``rtl/residual_engine.sv`` against ``golden.stages.residual.residual_add``
(tests ``res_*``), each behind ``tb.components.enginemem.EngineMemory``. Every job's output
region is compared bit for bit and every byte outside it must stay unwritten.

Run through tb/layernorm_residual_engines/test_layernorm_residual_engines.py
(pytest), which builds the engine for a configuration and sets the environment read here:

EDGEMOE_CONFIG        configuration name (golden.config.load_config)
EDGEMOE_SEED          seed of every random choice (printed by each test)
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import cocotb
import numpy as np
from cocotb.triggers import RisingEdge

from golden.config import load_config
from golden.layernorm import layernorm
from golden.stages.residual import residual_add
from hls.geometry import geometry
from hls.memory_map import pack, unpack
from tb.components import engine_bench as bench
from tb.components.enginemem import EngineMemory
from tb.layernorm.model import edge_rows, gamma_beta, random_rows
from tb.layernorm_residual_engines.stimulus import (
    feature_bytes,
    first_difference,
    layout,
    norm_bytes,
    residual_operands,
)
from tb.simenv import env_config_name, env_seed, seeded_rng

CFG = load_config(env_config_name())
GEO = geometry(CFG)
FEAT, NORM = CFG.formats.feature, CFG.formats.norm
F, GF = FEAT.frac_bits, NORM.frac_bits
#: Stall probability of the memory model in the functional tests.
STALL = 0.3
#: Every memory the bench lays out fits in this many bytes.
MEM_BYTES = 3 * feature_bytes(CFG, CFG.tokens) + 2 * norm_bytes(CFG) + 64 * GEO.beat_bytes


# ---------------------------------------------------------------------- harness


async def start(dut, seed: int, stall: float) -> EngineMemory:
    """:func:`tb.components.engine_bench.start` with the bench's memory of MEM_BYTES."""
    return await bench.start(dut, MEM_BYTES, seed, stall)


def read_features(mem: EngineMemory, addr: int, tokens: int) -> np.ndarray:
    n = feature_bytes(CFG, tokens)
    return unpack(mem.data[addr : addr + n], FEAT, (tokens, CFG.dim), GEO.beat_bits)


def put(mem: EngineMemory, addr: int, blob: bytes) -> None:
    mem.data[addr : addr + len(blob)] = np.frombuffer(blob, dtype=np.uint8)


def job_bound(tokens: int, per_row: int, stall: float = STALL) -> int:
    """A generous cycle bound for a job under *stall* (the memory stalls each side)."""
    return int((tokens * per_row + 8 * GEO.feature_row_beats + 400) / (1 - stall) ** 2)


class RowJob(ABC):
    """One row-operation job of ``tokens`` rows: its input tensors and the output
    placed at random beat-aligned addresses (inputs written to memory), the job
    fields, the run (write beats, reads inside the inputs) and the check of the
    output against :meth:`compare` (an error string or None)."""

    #: (tensor key, the engine_job_t field holding its address).
    FIELDS: tuple[tuple[str, str], ...] = ()

    def __init__(self, mem, tokens: int, inputs: dict[str, tuple[bytes | None, int]], rng):
        """*inputs*: key -> (packed tensor, or None to leave memory as it is; bytes)."""
        self.tokens = tokens
        self.y_bytes = feature_bytes(CFG, tokens)
        sizes = {k: n for k, (_, n) in inputs.items()} | {"y": self.y_bytes}
        self.addr, total = layout(sizes, GEO.beat_bytes, rng)
        assert total <= mem.size, "bench memory too small for the layout"
        self.read_regions = [(self.addr[k], n) for k, (_, n) in inputs.items()]
        for k, (blob, _) in inputs.items():
            if blob is not None:
                put(mem, self.addr[k], blob)

    @property
    def fields(self) -> dict[str, int]:
        addrs = {field: self.addr[k] for k, field in self.FIELDS}
        return addrs | {"tokens": self.tokens}

    async def run(self, dut, mem, max_cycles: int) -> int:
        return await bench.run_job(
            dut, mem, self.fields, max_cycles,
            write_beats=self.tokens * GEO.feature_row_beats, read_regions=self.read_regions,
        )  # fmt: skip

    async def run_checked(self, dut, mem, max_cycles: int, label: str) -> int:
        """Run on a clean write mask, then :meth:`check`; the job's cycles."""
        mem.clear_written()
        cycles = await self.run(dut, mem, max_cycles)
        self.check(mem, label)
        return cycles

    @abstractmethod
    def compare(self, y: np.ndarray) -> str | None:
        """Error text naming the first difference from golden, or None."""

    def check(self, mem, label: str) -> None:
        bench.check_written(mem, self.addr["y"], self.y_bytes, label)
        if self.tokens:
            err = self.compare(read_features(mem, self.addr["y"], self.tokens))
            if err is not None:
                raise bench.JobError(f"{label}: {err}")


# ---------------------------------------------------------------------- LayerNorm


class LnJob(RowJob):
    """One LayerNorm job: x, gamma, beta placed in memory, golden.layernorm."""

    FIELDS = (("x", "a"), ("g", "b"), ("b", "c"), ("y", "y"))

    def __init__(self, mem, x, gamma, beta, rng):
        self.x, self.gamma, self.beta = x, gamma, beta
        nb = norm_bytes(CFG)
        inputs = {
            "x": (pack(x, FEAT, GEO.beat_bits) if len(x) else None, feature_bytes(CFG, len(x))),
            "g": (pack(gamma, NORM, GEO.beat_bits), nb),
            "b": (pack(beta, NORM, GEO.beat_bits), nb),
        }
        super().__init__(mem, len(x), inputs, rng)

    def compare(self, y: np.ndarray) -> str | None:
        gold = layernorm(self.x, self.gamma, self.beta, CFG)
        err = first_difference(y, gold, "golden.layernorm", x=self.x)
        if err is None:
            return None
        r = int(np.argwhere(y != gold)[0][0])
        return f"{err}; row {r} = {self.x[r].tolist()}"


def ln_rows(rng: np.random.Generator, count: int) -> np.ndarray:
    """Edge rows first (constant rows, extremes, one-LSB spreads, mean +-10 with
    std 0.05 and finer), then mixed random rows; *count* rows in all."""
    one = 1 << F
    tiny_spread = [
        np.rint(m * one + s * one * rng.standard_normal(CFG.dim))
        for m, s in ((10.0, 0.05), (-10.0, 0.05), (10.0, 2.0**-18), (100.0, 0.05))
    ]
    edges = np.concatenate([edge_rows(GEO, F), np.array(tiny_spread, dtype=np.int64)])
    rng.shuffle(edges)
    rest = random_rows(GEO, F, max(0, count - len(edges)), rng)
    return np.concatenate([edges, rest])[:count]


def job_schedule(rng: np.random.Generator, edge_count: int) -> list[tuple[int, float]]:
    """(tokens, memory stall probability) per job: 1, TOKENS, an odd count, 2, 0,
    four random counts, TOKENS, then TOKENS until *edge_count* rows have been used, all
    under STALL; then heavy stalls (0.7) and none, each with a random count and
    TOKENS."""
    t = CFG.tokens
    odd = max(1, (t // 2) | 1)
    counts = [1, t, odd, 2, 0, *(int(c) for c in rng.integers(1, t + 1, 4)), t]
    while sum(counts) < edge_count:
        counts.append(t)
    jobs = [(c, STALL) for c in counts]
    for stall in (0.7, 0.0):
        jobs += [(int(rng.integers(1, t + 1)), stall), (t, stall)]
    return jobs


async def resets_mid_job(dut, seed: int, early: tuple[int, int], make_job) -> None:
    """Three rounds: a TOKENS job ``make_job(mem, tokens, rng)`` reset *early*[k]
    cycles into it (round 2: a random cycle with rows in flight), then a clean
    job of a random token count, bit for bit."""
    dut._log.info("seed %d", seed)
    rng = np.random.default_rng(seed)
    mem = await start(dut, seed, STALL)
    t = CFG.tokens
    for k, after in enumerate((*early, int(rng.integers(10, t * GEO.feature_row_beats)))):
        await bench.reset_mid_job(dut, mem, make_job(mem, t, rng).fields, after)
        tokens = int(rng.integers(1, t + 1))
        await make_job(mem, tokens, rng).run_checked(
            dut, mem, job_bound(tokens, 2 * GEO.feature_row_beats),
            f"clean job after a reset {after} cycles into a job (round {k}; seed {seed})",
        )  # fmt: skip


async def throughput(dut, seed: int, make_job, read_bound, name: str) -> None:
    """No stalls: ``make_job(mem, tokens, rng)`` jobs of 1 and TOKENS tokens, bit for
    bit; cycles per job logged against ``read_bound(tokens)`` read beats."""
    rng = np.random.default_rng(seed)
    mem = await start(dut, seed, 0.0)
    for tokens in (1, CFG.tokens, CFG.tokens):
        cycles = await make_job(mem, tokens, rng).run_checked(
            dut, mem, job_bound(tokens, 4 * GEO.feature_row_beats),
            f"{tokens} tokens without stalls (seed {seed})",
        )  # fmt: skip
        bound = read_bound(tokens)
        dut._log.info(
            "%s %s: %d tokens x %d beats: %d cycles per job; read bound %d "
            "beats (%.3f of it), %.2f cycles per row",
            name, env_config_name(), tokens, GEO.feature_row_beats, cycles, bound, cycles / bound,
            cycles / tokens,
        )  # fmt: skip


async def jobs_back_to_back(dut, make_job, schedule, seed: int) -> None:
    """Run ``make_job(j, tokens, mem)`` jobs of *schedule* without reset; the memory
    model is swapped (same contents) when the stall probability changes."""
    rng = np.random.default_rng(seed + 3)
    mem = await start(dut, seed, schedule[0][1])
    for j, (tokens, stall) in enumerate(schedule):
        if stall != mem.stall:
            mem = bench.restall(dut, mem, stall, seed + j)
        job, label = make_job(j, tokens, mem)
        cycles = await job.run_checked(
            dut, mem, job_bound(tokens, 2 * GEO.feature_row_beats, stall),
            f"job {j} ({tokens} tokens, {label}, stalls {stall}; seed {seed})",
        )  # fmt: skip
        dut._log.info("job %d: %d tokens in %d cycles (stalls %.1f)", j, tokens, cycles, stall)
        for _ in range(int(rng.choice([0, 0, 1, 3]))):  # sometimes a gap between jobs
            await RisingEdge(dut.clk_i)


@cocotb.test(timeout_time=100, timeout_unit="us")
async def ln_reset_idle(dut):
    """Out of reset: job_ready_o high, no command, no write, no done_o."""
    await bench.idle_after_reset(dut, MEM_BYTES, env_seed())


@cocotb.test(timeout_time=200, timeout_unit="ms")
async def ln_jobs(dut):
    """Back-to-back jobs without reset (token counts 1, odd, 2, 0, random,
    TOKENS), each with its own gamma/beta (random, identity, extremes, max with
    alternating beta, small) and rows (edge rows, mean 10 / std 0.05 rows,
    mixed random), random addresses, memory stalls: every output bit for bit,
    nothing written outside the output region."""
    s, rng = seeded_rng(dut)
    schedule = job_schedule(rng, len(edge_rows(GEO, F)) + 4)
    rows = ln_rows(rng, sum(t for t, _ in schedule))
    pos = 0

    def make_job(j, tokens, mem):
        nonlocal pos
        gamma, beta = gamma_beta(GEO, GF, j % 5, rng)
        job = LnJob(mem, rows[pos : pos + tokens], gamma, beta, rng)
        pos += tokens
        return job, f"gamma/beta kind {j % 5}"

    await jobs_back_to_back(dut, make_job, schedule, s)


@cocotb.test(timeout_time=200, timeout_unit="ms")
async def ln_reset_mid_job(dut):
    """A reset in the middle of a job (early: during the gamma/beta load; late:
    rows in flight), then a clean job, three times: the clean job bit for bit."""

    def make_job(mem, tokens, rng):
        gamma, beta = gamma_beta(GEO, GF, int(rng.integers(0, 5)), rng)
        return LnJob(mem, ln_rows(rng, tokens), gamma, beta, rng)

    await resets_mid_job(dut, env_seed() + 7, (3, GEO.norm_row_beats + 4), make_job)


@cocotb.test(timeout_time=100, timeout_unit="ms")
async def ln_throughput(dut):
    """No stalls: cycles per job for 1 and TOKENS tokens against the read bound
    (gamma + beta + x beats, one per cycle); results checked."""

    def make_job(mem, tokens, rng):
        gamma, beta = gamma_beta(GEO, GF, 0, rng)
        return LnJob(mem, random_rows(GEO, F, tokens, rng), gamma, beta, rng)

    def read_bound(tokens):
        return 2 * GEO.norm_row_beats + tokens * GEO.feature_row_beats

    await throughput(dut, env_seed() + 11, make_job, read_bound, "layernorm_engine")


# ---------------------------------------------------------------------- residual


class ResJob(RowJob):
    """One residual job: a, b placed in memory, golden residual_add."""

    FIELDS = (("a", "a"), ("b", "b"), ("y", "y"))

    def __init__(self, mem, a, b, rng):
        self.a, self.b = a, b
        n, t = feature_bytes(CFG, len(a)), len(a)
        inputs = {
            "a": (pack(a, FEAT, GEO.beat_bits) if t else None, n),
            "b": (pack(b, FEAT, GEO.beat_bits) if t else None, n),
        }
        super().__init__(mem, t, inputs, rng)

    def compare(self, y: np.ndarray) -> str | None:
        gold = residual_add(self.a, self.b, CFG)
        return first_difference(y, gold, "golden residual_add", a=self.a, b=self.b)


@cocotb.test(timeout_time=100, timeout_unit="us")
async def res_reset_idle(dut):
    """Out of reset: job_ready_o high, no command, no write, no done_o."""
    await bench.idle_after_reset(dut, MEM_BYTES, env_seed())


@cocotb.test(timeout_time=200, timeout_unit="ms")
async def res_jobs(dut):
    """Back-to-back jobs without reset (token counts 1, odd, 2, 0, random,
    TOKENS), rows of uniform, moderate, saturating-up, saturating-down and
    corner operands, random addresses, memory stalls: bit for bit, nothing
    written outside the output region."""
    s, rng = seeded_rng(dut)

    def make_job(j, tokens, mem):
        return ResJob(mem, *residual_operands(GEO, tokens, rng), rng), "mixed operand rows"

    await jobs_back_to_back(dut, make_job, job_schedule(rng, 0), s)


@cocotb.test(timeout_time=200, timeout_unit="ms")
async def res_reset_mid_job(dut):
    """A reset in the middle of a job (after the first commands; with rows in
    flight), then a clean job, three times: the clean job bit for bit."""

    def make_job(mem, tokens, rng):
        return ResJob(mem, *residual_operands(GEO, tokens, rng), rng)

    await resets_mid_job(dut, env_seed() + 7, (3, GEO.feature_row_beats + 2), make_job)


@cocotb.test(timeout_time=100, timeout_unit="ms")
async def res_throughput(dut):
    """No stalls: cycles per job for 1 and TOKENS tokens against the read bound
    (2 * tokens * row beats, one read beat per cycle); results checked."""

    def make_job(mem, tokens, rng):
        return ResJob(mem, *residual_operands(GEO, tokens, rng), rng)

    await throughput(
        dut, env_seed() + 11, make_job, lambda t: 2 * t * GEO.feature_row_beats, "residual_engine"
    )
