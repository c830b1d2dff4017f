"""cocotb tests of rtl/ctrl_regs.sv: the s_axi_control slave (Vitis HLS ap_ctrl_hs layout).

Software side: cocotbext-axi ``AxiLiteMaster`` and the reusable driver
``tb.components.axi.control.KernelControl``.  Kernel side: cocotb plays the kernel,
driving ap_done/ap_ready/ap_idle (:class:`FakeKernel`, or single pulses in the
Hypothesis property) and status/cycles (status from ``hls.registers.check_args``,
the model of ``rtl/arg_check.sv``). Clock, reset, the AXI-Lite master and the
fake kernel are the environment in ``tb/ctrl/env.py``.

EDGEMOE_CONFIG / EDGEMOE_SEED   configuration and seed (tb.simbuild)
CTRL_HYP_EXAMPLES               Hypothesis examples of ctrl_hypothesis (default 400)
CTRL_RANDOM_OPS                 operations of ctrl_backpressure (default 3000)
"""

from __future__ import annotations

import random
import time

import cocotb
from cocotb.task import resume
from cocotb.triggers import ClockCycles, RisingEdge
from hypothesis import strategies as st

from hls.registers import (
    ADDR_AP_CTRL,
    ADDR_GIE,
    ADDR_IER,
    ADDR_ISR,
    REGISTER_MAP,
    Status,
    register,
    stage_count,
)
from tb import benchlog
from tb.components.axi.control import KernelControl, KernelTimeout
from tb.ctrl.env import (
    CFG,
    FakeKernel,
    check_outputs,
    control_port,
    good_args,
    pulse,
    quiet,
    rd,
    reset,
    set_pauses,
    setup,
    wr,
)
from tb.ctrl.model import ALL_WORDS, MAP_END, RESERVED_WORDS, RW_WORDS, RegFileModel
from tb.hypothesis_sim import examples_for, run_property
from tb.simenv import env_int, env_seed


# ---------------------------------------------------------------- tests
@cocotb.test(timeout_time=1, timeout_unit="ms")
async def ctrl_reset_values(dut):
    """After reset: every word of the map (and beyond) reads its reset value,
    the kernel-side outputs are 0."""
    axil = await setup(dut)
    quiet(axil)
    model = RegFileModel(idle_in=1)
    model.settle()
    check_outputs(dut, model, "after reset")
    port = control_port(dut)
    for addr in (*ALL_WORDS, MAP_END, MAP_END + 4, (1 << len(port.s_axi_control_ARADDR)) - 4):
        got, want = await rd(axil, addr), model.read(addr)
        assert got == want, f"reset value of 0x{addr:02x}: 0x{got:x}, expected 0x{want:x}"
    assert int(port.s_axi_control_RRESP.value) == 0


@cocotb.test(timeout_time=2, timeout_unit="ms")
async def ctrl_sequencing(dut):
    """ap_start/ap_ready/ap_done/ap_idle with a fake kernel: ap_start self-clears
    on ap_ready, ap_done and ap_ready are clear-on-read, ap_idle follows the kernel;
    auto_restart keeps restarting and reports ap_done once, when the kernel goes
    idle after auto_restart is cleared."""
    axil = await setup(dut)
    quiet(axil)
    kern = FakeKernel(dut, latency=30)
    ctl = KernelControl(axil, REGISTER_MAP, interrupt=dut.interrupt_o)
    rng = random.Random(env_seed())
    await ctl.write_args(**good_args(rng))

    c = await ctl.read_control()
    assert c.idle and not (c.start or c.done or c.ready), f"before start: {c}"
    await ctl.start()
    await ClockCycles(dut.clk_i, 5)
    assert int(dut.ap_start_o.value) == 0, "ap_start not cleared after ap_ready"
    c = await ctl.read_control()
    assert c.ready and not c.idle and not c.done and not c.start, f"running: {c}"
    c = await ctl.read_control()
    assert not c.ready, f"ap_ready not clear-on-read: {c}"
    c = await ctl.wait_done(200)
    assert c.done and kern.runs == 1
    await ClockCycles(dut.clk_i, 2)
    c = await ctl.read_control()
    assert not c.done and c.idle, f"ap_done not clear-on-read / not idle: {c}"
    assert await ctl.read_status() == Status.OK
    assert await ctl.read_cycles() == 30

    # ap_ready at the end, together with ap_done (a non-pipelined HLS kernel).
    kern.ready_at_start = False
    await ctl.start()
    c = await ctl.wait_done(200)
    assert c.done and c.ready and kern.runs == 2, f"ready with done: {c}"
    assert int(dut.ap_start_o.value) == 0

    # auto_restart: the kernel keeps running; no ap_ready or ap_done is reported.
    kern.ready_at_start = True
    await ctl.set_auto_restart(True)
    await ctl.start()
    runs0 = kern.runs
    await ClockCycles(dut.clk_i, 200)
    c = await ctl.read_control()
    assert kern.runs >= runs0 + 4, f"auto_restart: only {kern.runs - runs0} runs"
    assert c.start and c.auto_restart and not c.done and not c.ready and not c.idle, (
        f"auto_restart running: {c}"
    )
    await ctl.set_auto_restart(False)
    c = await ctl.wait_done(200)
    await ClockCycles(dut.clk_i, 3)
    c2 = await ctl.read_control()
    assert c2.idle and not c2.start and not c2.done, f"after auto_restart off: {c2}"
    runs1 = kern.runs
    await ClockCycles(dut.clk_i, 100)
    assert kern.runs == runs1, "the kernel restarted after auto_restart was cleared"
    kern.stop()


@cocotb.test(timeout_time=2, timeout_unit="ms")
async def ctrl_interrupts(dut):
    """GIE/IER/ISR: ISR bits set on done/ready only when enabled in IER, toggle on
    write (a 1 written to a clear bit sets it); interrupt = GIE && |ISR, also bit 9."""
    axil = await setup(dut)
    quiet(axil)
    m = RegFileModel(idle_in=1)

    async def step(op, *a):
        if op == "w":
            await wr(axil, *a)
            m.write(*a)
        elif op == "done":
            await pulse(dut, "ap_done_i")
            m.kernel_done()
        elif op == "ready":
            await pulse(dut, "ap_ready_i")
            m.kernel_ready()
        await ClockCycles(dut.clk_i, 3)
        m.settle()
        check_outputs(dut, m, f"after {op}{a}")
        for addr in (ADDR_AP_CTRL, ADDR_GIE, ADDR_IER, ADDR_ISR):
            got, want = await rd(axil, addr), m.read(addr)
            assert got == want, f"after {op}{a}: 0x{addr:02x} reads 0x{got:x}, model 0x{want:x}"

    m.settle()
    await step("done")  # IER = 0: ISR stays 0
    await step("w", ADDR_IER, 0b11)
    await step("done")  # ISR[0] set, no interrupt (GIE = 0)
    await step("w", ADDR_GIE, 1)  # interrupt now
    assert int(dut.interrupt_o.value) == 1
    await step("w", ADDR_ISR, 0b01)  # toggle: clears
    assert int(dut.interrupt_o.value) == 0
    await step("w", ADDR_ISR, 0b10)  # toggle: sets ISR[1] by software
    assert int(dut.interrupt_o.value) == 1
    await step("w", ADDR_ISR, 0b10)
    await step("ready")
    await step("w", ADDR_GIE, 0)  # masks
    assert int(dut.interrupt_o.value) == 0
    await step("w", ADDR_GIE, 1)
    await step("w", ADDR_ISR, 0b11)  # toggles both: ready clears, done sets
    await step("w", ADDR_IER, 0b10, 0b1110)  # WSTRB[0] low: ignored
    await step("w", ADDR_ISR, 0b11, 0b0010)  # ignored
    await step("w", ADDR_ISR, 0b01)

    # The driver's interrupt wait, with a fake kernel.
    kern = FakeKernel(dut, latency=15)
    ctl = KernelControl(axil, REGISTER_MAP, interrupt=dut.interrupt_o)
    await ctl.clear_isr()
    await ctl.enable_interrupts(done=True, ready=True)
    await ctl.write_args(**good_args(random.Random(env_seed())))
    await ctl.start()
    c = await ctl.wait_done(300)
    assert c.done and kern.runs == 1
    await ClockCycles(dut.clk_i, 2)
    assert await ctl.read_isr() == 0 and int(dut.interrupt_o.value) == 0
    kern.stop()


@cocotb.test(timeout_time=2, timeout_unit="ms")
async def ctrl_args(dut):
    """Argument round trips (64-bit pointers in two words), reserved words read 0,
    read-only registers ignore writes, partial WSTRB merges bytes."""
    axil = await setup(dut)
    quiet(axil)
    rng = random.Random(env_seed())
    m = RegFileModel(idle_in=1)
    m.settle()
    ctl = KernelControl(axil, REGISTER_MAP)
    vals = {r.name: rng.getrandbits(r.bits) for r in REGISTER_MAP if r.access == "rw"}
    await ctl.write_args(**vals)
    for name, v in vals.items():
        m.args[name] = v
        assert await ctl.read_arg(name) == v, f"{name} round trip"
    check_outputs(dut, m, "after write_args")
    dut.status_i.value = 0xDEADBEEF
    dut.cycles_i.value = 0x12345678
    m.ro.update(status=0xDEADBEEF, cycles=0x12345678)
    for addr in RESERVED_WORDS:
        await wr(axil, addr, 0xFFFF_FFFF)
        assert await rd(axil, addr) == 0, f"reserved word 0x{addr:02x} does not read 0"
    for name in ("status", "cycles"):
        reg = register(name)
        await wr(axil, reg.offset, 0x5555_AAAA)
        got = await rd(axil, reg.offset)
        assert got == m.ro[name], f"read-only {name} changed by a write: 0x{got:x}"
    try:
        await ctl.write_args(status=1)
    except AssertionError as exc:
        assert "read-only" in str(exc)
    else:
        raise AssertionError("the driver let software write a read-only register")
    # Every WSTRB pattern on every argument word and on the control block.
    for addr in (*[o for r in REGISTER_MAP for o in r.data_offsets], ADDR_GIE, ADDR_IER):
        for strb in range(16):
            data = rng.getrandbits(32)
            await wr(axil, addr, data, strb)
            m.write(addr, data, strb)
            got, want = await rd(axil, addr), m.read(addr)
            assert got == want, (
                f"0x{addr:02x} after WSTRB 0b{strb:04b} write of 0x{data:08x}: "
                f"0x{got:08x}, model 0x{want:08x}"
            )
    await ClockCycles(dut.clk_i, 2)
    m.settle()
    check_outputs(dut, m, "after partial writes")


@cocotb.test(timeout_time=2, timeout_unit="ms")
async def ctrl_concurrent(dut):
    """A read and a write in the same cycle; an event and a clear-on-read of its bit
    in the same cycle (the event wins, as in the generated slave)."""
    axil = await setup(dut)
    quiet(axil)
    m = RegFileModel(idle_in=1)
    m.settle()
    # Write the image pointer while reading it back, many times: reads see the
    # old or the new value, never a mix; the final value sticks.
    old = 0
    for i in range(20):
        new = random.Random(i).getrandbits(32)
        w = cocotb.start_soon(wr(axil, register("image").offset, new))
        r = await rd(axil, register("image").offset)
        await w
        assert r in (old, new), f"concurrent read 0x{r:x} is neither 0x{old:x} nor 0x{new:x}"
        old = new
    # ap_done held high across the AR handshake of the control word: the event
    # wins over clear-on-read, so ap_done is still set afterwards.
    await rd(axil, ADDR_AP_CTRL)
    await RisingEdge(dut.clk_i)
    dut.ap_done_i.value = 1
    c1 = await rd(axil, ADDR_AP_CTRL)
    dut.ap_done_i.value = 0
    await ClockCycles(dut.clk_i, 2)
    c2 = await rd(axil, ADDR_AP_CTRL)
    c3 = await rd(axil, ADDR_AP_CTRL)
    assert c1 & 2 and c2 & 2 and not c3 & 2, (
        f"ap_done across a read: 0x{c1:x}, 0x{c2:x}, 0x{c3:x} (expected set, set, clear)"
    )


def _ops_strategy():
    ctrl_block = st.sampled_from((ADDR_AP_CTRL, ADDR_GIE, ADDR_IER, ADDR_ISR))
    addr = st.one_of(
        ctrl_block, st.sampled_from(sorted(RW_WORDS)), st.sampled_from((*ALL_WORDS, MAP_END))
    )
    data = st.one_of(
        st.sampled_from((0, 1, 2, 3, 0x80, 0x81, 0xFFFF_FFFF)),
        st.integers(0, 2**32 - 1),
    )
    strb = st.one_of(st.just(0xF), st.integers(0, 15))
    small = st.sampled_from((0, 1, 2, 3, 0x80, 0x81))
    op = st.one_of(
        st.tuples(st.just("w"), addr, data, strb),
        # The control block with meaningful bits, and ISR toggles, more often.
        st.tuples(st.just("w"), ctrl_block, small, st.just(0xF)),
        st.tuples(st.just("w"), st.just(ADDR_ISR), st.integers(0, 3), st.just(0xF)),
        st.tuples(st.just("r"), addr),
        st.tuples(st.sampled_from(("done", "ready"))),
        st.tuples(st.just("idle"), st.integers(0, 1)),
        st.tuples(st.just("ro"), st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1)),
    )
    return st.lists(op, min_size=1, max_size=40)


#: Examples that always run first, whatever the seed: every argument word written
#: with all ones, then with a pattern naming its address, so an argument decoded at
#: the wrong offset is caught by the final sweep (a seed once drew 400 examples
#: that never wrote task_id with a non-zero strobe).
ARGUMENT_SWEEPS = tuple(
    {"ops": [("w", a, value(a), 0xF) for a in sorted(RW_WORDS)], "pause_seed": None}
    for value in (lambda a: 0xFFFF_FFFF, lambda a: 0x5A5A_0000 | a)
)

#: Read back at the end of every example: the control word (twice, for the
#: clear-on-read bits), then every word of the map.
SWEEP = (("r", ADDR_AP_CTRL), *(("r", a) for a in ALL_WORDS), ("r", MAP_END))


@cocotb.test(timeout_time=2000, timeout_unit="ms")
async def ctrl_hypothesis(dut):
    """Hypothesis: any sequence of register reads/writes (any WSTRB), kernel
    ap_done/ap_ready pulses and ap_idle changes, with or without random AXI
    pauses, reads what the Python model of the register file predicts, and the
    kernel-side outputs (ap_start, arguments, interrupt) match it after each step.
    A failure is shrunk: 'minimal failing input: ...'."""
    axil = await setup(dut)
    quiet(axil)

    @resume
    async def run(ops, pause_seed) -> str | None:
        set_pauses(axil, None)
        await reset(dut, idle=1)
        set_pauses(axil, None if pause_seed is None else random.Random(pause_seed))
        m = RegFileModel(idle_in=1)
        m.settle()
        done_ops = []
        for op in (*ops, *SWEEP):
            done_ops.append(op)
            kind = op[0]
            got = want = None
            if kind == "w":
                await wr(axil, op[1], op[2], op[3])
                m.write(op[1], op[2], op[3])
            elif kind == "r":
                got = await rd(axil, op[1])
                want = m.read(op[1])
            elif kind == "done":
                await pulse(dut, "ap_done_i")
                m.kernel_done()
            elif kind == "ready":
                await pulse(dut, "ap_ready_i")
                m.kernel_ready()
            elif kind == "idle":
                await RisingEdge(dut.clk_i)
                dut.ap_idle_i.value = op[1]
                m.kernel_idle(op[1])
            elif kind == "ro":
                dut.status_i.value, dut.cycles_i.value = op[1], op[2]
                m.ro.update(status=op[1], cycles=op[2])
            await ClockCycles(dut.clk_i, 3)
            m.settle()
            if got != want:
                return (
                    f"ops={done_ops} pauses={pause_seed}: read of 0x{op[1]:02x} "
                    f"gave 0x{got:x}, model 0x{want:x}"
                )
            try:
                check_outputs(dut, m, f"ops={done_ops} pauses={pause_seed}")
            except AssertionError as exc:
                return str(exc)
        return None

    def prop(ops, pause_seed):
        err = run(ops, pause_seed)
        if err:
            raise AssertionError(err)

    t0 = time.perf_counter()
    n = examples_for("CTRL_HYP_EXAMPLES", 400)
    await run_property(
        dut,
        prop,
        strategies={"ops": _ops_strategy(), "pause_seed": st.none() | st.integers(0, 2**16)},
        examples=n,
        seed=env_seed(),
        unit="ctrl_regs",
        explicit=ARGUMENT_SWEEPS,
    )
    dut._log.info("ctrl_hypothesis: %d examples in %.1f s", n, time.perf_counter() - t0)


@cocotb.test(timeout_time=5000, timeout_unit="ms")
async def ctrl_backpressure(dut):
    """Random register traffic (CTRL_RANDOM_OPS operations) with random pauses on
    all five AXI-Lite channels, reads checked against the model; the bench's
    throughput figure."""
    axil = await setup(dut)
    quiet(axil)
    seed = env_seed()
    dut._log.info("seed %d (rerun: pytest --sim-seed %d)", seed, seed)
    rng = random.Random(seed)
    set_pauses(axil, rng)
    m = RegFileModel(idle_in=1)
    m.settle()
    n = env_int("CTRL_RANDOM_OPS", 3000)
    words = (*ALL_WORDS, MAP_END)
    t0 = time.perf_counter()
    reads = 0
    for i in range(n):
        addr = rng.choice(words)
        if rng.random() < 0.5:
            data, strb = rng.getrandbits(32), rng.choice((0xF, 0xF, rng.randrange(16)))
            if addr == ADDR_AP_CTRL:
                data &= ~1  # no ap_start without a kernel
            await wr(axil, addr, data, strb)
            m.write(addr, data, strb)
        else:
            got, want = await rd(axil, addr), m.read(addr)
            reads += 1
            assert got == want, (
                f"op {i}: read of 0x{addr:02x} gave 0x{got:x}, model 0x{want:x} (seed {seed})"
            )
        if addr in (ADDR_AP_CTRL, ADDR_GIE, ADDR_ISR):
            await ClockCycles(dut.clk_i, 2)
            m.settle()
    wall = time.perf_counter() - t0
    dut._log.info("%d AXI-Lite operations (%d reads checked) in %.1f s: %.0f ops/s",
                  n, reads, wall, n / wall)  # fmt: skip
    benchlog.record("ctrl_regs", CFG.name, n, wall)


@cocotb.test(timeout_time=5, timeout_unit="ms")
async def ctrl_driver_errors(dut):
    """KernelControl end to end with a fake kernel: good arguments give OK; each
    bad value gives its named error at once (no hang); a hung kernel makes
    wait_done fail with a message, by polling and by interrupt."""
    axil = await setup(dut)
    quiet(axil)
    kern = FakeKernel(dut, latency=25)
    ctl = KernelControl(axil, REGISTER_MAP, interrupt=dut.interrupt_o)
    rng = random.Random(env_seed())
    good = good_args(rng)
    assert await ctl.run(500, **good) == Status.OK
    align = CFG.axi_data_width // 8
    bad = {
        "image": (0, Status.NULL_IMAGE), "weights": (good["weights"] + align // 2,
                                                     Status.MISALIGNED_WEIGHTS),
        "task_id": (CFG.tasks, Status.BAD_TASK_ID), "num_images": (0, Status.ZERO_IMAGES),
        "stop_after": (stage_count(CFG), Status.BAD_STOP_AFTER),
    }  # fmt: skip
    for name, (value, expected) in bad.items():
        status = await ctl.run(500, **{**good, name: value})
        assert status == expected, f"{name}={value:#x}: status {status!r}, expected {expected!r}"
        assert await ctl.read_cycles() == 1, "a bad argument must end the run at once"
    kern.hang = True
    for use_irq in (False, True):
        if use_irq:
            await ctl.enable_interrupts()
        await ctl.start()
        try:
            await ctl.wait_done(300)
        except KernelTimeout as exc:
            dut._log.info("expected timeout: %s", exc)
            assert "300 cycles" in str(exc)
        else:
            raise AssertionError("wait_done returned although the kernel hangs")
    kern.stop()
