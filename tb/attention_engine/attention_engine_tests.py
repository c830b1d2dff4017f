"""cocotb tests of rtl/attention_engine.sv against golden.stages.attention.attention.

Run through tb/attention_engine/test_attention_engine.py (pytest), which builds
the engine for a configuration and sets the environment read here:

EDGEMOE_CONFIG   configuration name (golden.config.load_config)
EDGEMOE_SEED     seed of every random choice (printed by each test)

Every job runs through :func:`tb.components.engine_bench.run_job` (the job handshake
every engine shares, done_o in the cycle of the job's last write beat, its
write beats, every read inside its Q, K, V rows) and is checked the same way
(:func:`run_jobs`): the output rows equal the golden model bit for bit,
nothing else in memory changed and no byte outside the output rows was
written, the read commands are exactly the schedule's (per group: its Q rows,
K rows 0..T-1, V rows 0..T-1, one command each, so K and V are read
ceil(T/P) times) and all their beats were taken, the write commands are one
per group (its valid rows), and the engine is idle after the last job. The
memory (tb.components.enginemem) stalls every handshake at random.
"""

from __future__ import annotations

import cocotb
import numpy as np
from cocotb.triggers import ClockCycles

from ci.coverage import functional
from hls.geometry import geometry
from tb.attention_engine.stimulus import (
    KINDS,
    Job,
    golden_attention,
    mac_bounds,
    make_qkv,
    pack_rows,
    region_bytes,
    unpack_rows,
)
from tb.components import engine_bench as bench
from tb.components.enginemem import EngineMemory
from tb.simenv import env_config, env_seed

CFG = env_config()  # the tiny-P variant's build replaces attn_parallel and axi_data_width
GEO = geometry(CFG)
P = CFG.attn_parallel
REGION_BYTES = region_bytes(GEO)
SLOTS = 4  # sets of (Q, K, V, Y) regions in the bench memory
PAGE = 4096
MEM_BYTES = PAGE + SLOTS * 4 * REGION_BYTES
STALL = 0.3


def _rng(salt: int) -> np.random.Generator:
    seed = env_seed()
    return np.random.default_rng([seed, salt])


async def _setup(dut, salt: int, stall: float = STALL) -> EngineMemory:
    if len(dut.u_mem.rd_data_i) != CFG.axi_data_width:
        raise AssertionError(
            f"rd_data_i is {len(dut.u_mem.rd_data_i)} bits, configuration {CFG.name} has "
            f"{CFG.axi_data_width}-bit beats"
        )
    dut._log.info("config %s seed %d (rerun with --sim-seed %d)", CFG.name, env_seed(), env_seed())
    return await bench.start(dut, MEM_BYTES, env_seed() + salt, stall)


def make_job(
    kind: str, t: int, slot: int, rng: np.random.Generator, *, offsets: bool = True
) -> Job:
    """A job of t tokens in memory slot `slot` (Q, K, V, Y regions, each at a
    random beat offset inside its region's guard page when `offsets`)."""
    q, k, v = make_qkv(kind, t, rng, CFG)
    bb = GEO.beat_bytes
    base = PAGE + slot * 4 * REGION_BYTES
    addrs = []
    for i in range(4):
        off = int(rng.integers(0, PAGE // bb)) * bb if offsets else 0
        addrs.append(base + i * REGION_BYTES + off)
    return Job(t, q, k, v, *addrs, kind=kind)


def _describe(job: Job) -> str:
    return f"{job.kind} T={job.tokens}"


def job_fields(job: Job) -> dict[str, int]:
    """The engine_job_t fields of *job* (the attention engine's operands a, b, c: Q, K, V)."""
    return {
        "a": job.q_addr,
        "b": job.k_addr,
        "c": job.v_addr,
        "y": job.y_addr,
        "tokens": job.tokens,
    }


def place(mem: EngineMemory, job: Job) -> None:
    """Write the job's Q, K, V rows into the memory."""
    for arr, addr in ((job.q, job.q_addr), (job.k, job.k_addr), (job.v, job.v_addr)):
        b = pack_rows(arr, CFG)
        mem.data[addr : addr + b.size] = b


async def run_job(dut, mem: EngineMemory, job: Job, label: str) -> int:
    """:func:`tb.components.engine_bench.run_job` of *job*: its write beats, every read
    inside its Q, K, V rows; the cycles from its handshake to done_o."""
    rows = job.tokens * GEO.feature_row_bytes
    return await bench.run_job(
        dut, mem, job_fields(job), 20 * mac_bounds(job.tokens, GEO)["memory"] + 2000,
        write_beats=job.tokens * GEO.feature_row_beats,
        read_regions=[(a, rows) for a in (job.q_addr, job.k_addr, job.v_addr)], label=label,
    )  # fmt: skip


async def run_jobs(
    dut,
    mem: EngineMemory,
    jobs: list[Job],
    *,
    gap: int = 0,
    what: str = "",
) -> list[int]:
    """Run `jobs` one after another and check everything (module docstring).

    `gap` idle cycles after each done_o (0: the next job is taken in the cycle
    after it, the first the engine is ready). Returns the cycles of each job,
    from the cycle it is taken to its done_o pulse.
    """
    for job in jobs:
        place(mem, job)
    expect = mem.data.copy()
    written = np.zeros(MEM_BYTES, dtype=bool)
    gold = []
    for job in jobs:
        y = golden_attention(job, CFG)
        gold.append(y)
        b = pack_rows(y, CFG)
        expect[job.y_addr : job.y_addr + b.size] = b
        written[job.y_addr : job.y_addr + b.size] = True
    n_rd, n_wr = len(mem.read_commands), len(mem.write_commands)
    rd_beats0 = mem.read_beats
    mem.clear_written()

    cycles = []
    for i, job in enumerate(jobs):
        if i and gap:
            await ClockCycles(dut.clk_i, gap)
        cycles.append(await run_job(dut, mem, job, f"{what}: job {i} ({_describe(job)})"))
    # Nothing more may happen after the last done.
    await bench.expect_idle(dut, 20, f"{what}: after the last job's done_o")

    # Outputs, bit for bit.
    for i, (job, y) in enumerate(zip(jobs, gold, strict=True)):
        n = job.tokens * GEO.feature_row_bytes
        got = unpack_rows(mem.data[job.y_addr : job.y_addr + n], job.tokens, CFG)
        bad = np.argwhere(got != y)
        if len(bad):
            r, c = (int(v) for v in bad[0])
            raise AssertionError(
                f"{what}: job {i} ({_describe(job)}): {len(bad)} of {y.size} outputs differ "
                f"from golden.stages.attention.attention; first: row {r} (group {r // P} "
                f"lane {r % P}) column {c} (head {c // CFG.head_dim}): rtl {int(got[r, c])} "
                f"golden {int(y[r, c])}"
            )
    # Nothing else written or changed.
    stray = np.flatnonzero(mem.written & ~written)
    if stray.size:
        raise AssertionError(
            f"{what}: {stray.size} bytes written outside the output rows, first at "
            f"0x{int(stray[0]):x}"
        )
    missing = np.flatnonzero(written & ~mem.written)
    if missing.size:
        raise AssertionError(
            f"{what}: {missing.size} output bytes never written, first at 0x{int(missing[0]):x}"
        )
    diff = np.flatnonzero(mem.data != expect)
    if diff.size:
        raise AssertionError(f"{what}: memory differs from the expectation at 0x{int(diff[0]):x}")
    # Traffic: the schedule's commands, in order, and every beat taken.
    want_rd = [c for job in jobs for c in job.read_commands(GEO)]
    got_rd = mem.read_commands[n_rd:]
    if got_rd != want_rd:
        first = next(
            (i for i, (a, b) in enumerate(zip(got_rd, want_rd, strict=False)) if a != b),
            min(len(got_rd), len(want_rd)),
        )
        raise AssertionError(
            f"{what}: read commands differ from the schedule at command {first}: "
            f"got {got_rd[first : first + 3]}, want {want_rd[first : first + 3]} "
            f"({len(got_rd)} commands, want {len(want_rd)})"
        )
    want_beats = sum(b for _, b in want_rd)
    if mem.read_beats - rd_beats0 != want_beats or mem.pending_read_beats:
        raise AssertionError(
            f"{what}: {mem.read_beats - rd_beats0} read beats taken, want {want_beats} "
            f"({mem.pending_read_beats} pending)"
        )
    k_rows = sum(b for a, b in got_rd if any(a == j.k_addr for j in jobs)) // GEO.feature_row_beats
    v_rows = sum(b for a, b in got_rd if any(a == j.v_addr for j in jobs)) // GEO.feature_row_beats
    want_kv = sum(-(-j.tokens // P) * j.tokens for j in jobs)
    if k_rows != want_kv or v_rows != want_kv:
        raise AssertionError(f"{what}: {k_rows} K rows / {v_rows} V rows read, want {want_kv}")
    want_wr = [c for job in jobs for c in job.write_commands(GEO)]
    if mem.write_commands[n_wr:] != want_wr:
        raise AssertionError(f"{what}: write commands {mem.write_commands[n_wr:]}, want {want_wr}")
    for job, c in zip(jobs, cycles, strict=True):
        b = mac_bounds(job.tokens, GEO)
        dut._log.info(
            "%s: %s: %d cycles (MAC bound 2*T*T*D/HEAD_DIM %d, padded to P lanes %d, "
            "memory beats %d)",
            what,
            _describe(job),
            c,
            b["mac"],
            b["mac_padded"],
            b["memory"],
        )
    functional.sample("attention.jobs", CFG, [(job.tokens, job.kind) for job in jobs])
    return cycles


def _tail_tokens() -> list[int]:
    """Every remainder mod P (T = 1 .. P + 1), a few more, and T = TOKENS."""
    ts = [*range(1, P + 2), 2 * P + 1, CFG.tokens]
    return sorted({t for t in ts if t <= CFG.tokens})


@cocotb.test(timeout_time=200, timeout_unit="ms")
async def attn_tails(dut):
    """Every T mod P (T = 1 .. P+1, 2P+1; random +-8 and realistic LayerNorm + QKV
    linear data) and T = TOKENS (rows increasing monotonically: the online
    rescaling's worst case), back to back, under random memory stalls."""
    mem = await _setup(dut, 1)
    rng = _rng(1)
    ts = _tail_tokens()
    for i in range(0, len(ts), SLOTS):
        chunk = ts[i : i + SLOTS]
        jobs = [
            make_job(
                "increasing" if t == CFG.tokens else ("uniform8", "realistic")[(i + s) % 2],
                t,
                s,
                rng,
            )
            for s, t in enumerate(chunk)
        ]
        await run_jobs(dut, mem, jobs, what=f"tails {chunk}")


@cocotb.test(timeout_time=200, timeout_unit="ms")
async def attn_extremes(dut):
    """Saturating scores and values, monotonically increasing rows, all-equal
    rows, one-hot rows, ties and LSB neighbours, with 2P+3 tokens (and TOKENS
    on the small configurations)."""
    mem = await _setup(dut, 2)
    rng = _rng(2)
    kinds = [k for k in KINDS if k not in ("uniform8", "realistic")]
    # A tail size with three groups; TOKENS too where that is cheap (the long
    # increasing rows run in attn_tails).
    plan = [(k, min(CFG.tokens, 2 * P + 3)) for k in kinds]
    if CFG.tokens <= 40:
        plan += [(k, CFG.tokens) for k in kinds]
    for i in range(0, len(plan), SLOTS):
        chunk = plan[i : i + SLOTS]
        jobs = [make_job(k, t, s, rng) for s, (k, t) in enumerate(chunk)]
        await run_jobs(dut, mem, jobs, gap=int(rng.integers(0, 5)), what=f"extremes {chunk}")


@cocotb.test(timeout_time=100, timeout_unit="ms")
async def attn_cycles(dut):
    """No memory stalls: cycles of a TOKENS-token job against the MAC and
    memory bounds (figures only, logged)."""
    mem = await _setup(dut, 3, stall=0.0)
    rng = _rng(3)
    jobs = [make_job("realistic", CFG.tokens, 0, rng, offsets=False)]
    cycles = await run_jobs(dut, mem, jobs, what="cycles")
    b = mac_bounds(CFG.tokens, GEO)
    dut._log.info(
        "CYCLES config=%s T=%d cycles=%d mac=%d mac_padded=%d memory=%d",
        CFG.name,
        CFG.tokens,
        cycles[0],
        b["mac"],
        b["mac_padded"],
        b["memory"],
    )


@cocotb.test(timeout_time=200, timeout_unit="ms")
async def attn_reset_mid_job(dut):
    """Reset at several points of a job of several groups (loading, pass 1,
    pass 2, writing), each followed by a clean job that must be exact and
    undisturbed."""
    mem = await _setup(dut, 4)
    rng = _rng(4)
    # A first clean job measures how long such a job takes under stalls.
    t = min(CFG.tokens, 4 * P + 3)
    (est,) = await run_jobs(dut, mem, [make_job("uniform8", t, 2, rng)], what="reference job")
    for frac in (0.02, 0.3, 0.6, 0.85):
        job = make_job("uniform8", t, 0, rng)
        place(mem, job)
        wait = max(1, int(frac * est))
        dut._log.info("reset %d cycles into a %d-token job", wait, job.tokens)
        # One cycle to the handshake, then wait cycles of the job.
        await bench.reset_mid_job(
            dut, mem, job_fields(job), wait + 1, reset_cycles=int(rng.integers(1, 4))
        )
        kind = KINDS[int(rng.integers(0, len(KINDS)))]
        clean = make_job(kind, int(rng.integers(1, t + 1)), 1, rng)
        await run_jobs(dut, mem, [clean], what=f"after a reset at {frac:.0%}")
