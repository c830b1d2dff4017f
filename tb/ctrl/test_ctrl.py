"""pytest entry of the control bench: rtl/ctrl_regs.sv in tb/ctrl/ctrl_regs_tb.sv
(its s_axi_control on the bench adapter axi_control_tb_port; cocotb tests in
tb/ctrl/ctrl_tests.py) and rtl/arg_check.sv (tb/ctrl/arg_check_tests.py)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from ci.rtl_sources import rtl_closure
from golden.config import load_config
from hls.axi_port import CONTROL_PORT
from hls.registers import REGISTER_MAP, Status, check_args
from tb.components.axi.control import register_map_from_vitis_header
from tb.components.axi.tb_port import tb_port_file
from tb.components.bench_pytest import BenchBuild
from tb.ctrl.model import RegFileModel
from tb.marks import mutant_test
from tb.mutation import Mutant
from tb.simbuild import PORT_SIGNALS

#: The two builds of the bench, by top.
BENCHES = {
    "ctrl_regs": BenchBuild(
        "ctrl_regs_tb",
        "tb.ctrl.ctrl_tests",
        sources=rtl_closure(
            Path(__file__).with_name("ctrl_regs_tb.sv"), tb_port_file(CONTROL_PORT)
        ),
        configs="sim_config",
        public=(*PORT_SIGNALS, "axi_control_tb_port:*"),
    ),
    "arg_check": BenchBuild("arg_check", "tb.ctrl.arg_check_tests", configs="sim_config"),
}

test_ctrl_registers = BENCHES["ctrl_regs"].cocotb_test(
    [
        "ctrl_reset_values", "ctrl_sequencing", "ctrl_interrupts", "ctrl_args",
        "ctrl_concurrent", "ctrl_backpressure", "ctrl_driver_errors",
    ],
    timeout=300,
    doc="""Reset values, ap_ctrl_hs sequencing incl. auto_restart, interrupts, argument
    round trips / reserved / read-only / WSTRB, concurrency, random backpressure,
    and the driver's end-to-end error handling.""",
)  # fmt: skip
test_ctrl_hypothesis = BENCHES["ctrl_regs"].cocotb_test(
    ["ctrl_hypothesis"],
    timeout=300,
    kinds=[pytest.mark.hypothesis],
    doc="Random register access sequences against the register-file model, in the simulation.",
)
test_arg_check = BENCHES["arg_check"].cocotb_test(
    ["argcheck_reset_idle", "argcheck_codes", "argcheck_stream", "argcheck_hypothesis"],
    timeout=300,
    doc="Every error code and boundary; >= 100,000 vectors under stalls; Hypothesis.",
)


#: Mutants: (mutant, cocotb test that must catch it, model check of the shrunk input).
MUTANTS = {
    "done_not_cor": (
        Mutant("done_not_cor", "ctrl_regs.sv", "task_done_q <= 1'b0;",
               "task_done_q <= task_done_q;", "ap_done is not clear-on-read"),
        "ctrl_hypothesis",
    ),
    "isr_set_not_toggle": (
        Mutant("isr_set_not_toggle", "ctrl_regs.sv", "isr_q[0] ^ ctrl_req_i.w.data[0]",
               "isr_q[0] | ctrl_req_i.w.data[0]", "ISR bit 0 set on write instead of toggled"),
        "ctrl_hypothesis",
    ),
    "task_id_offset": (
        Mutant("task_id_offset", "ctrl_regs.sv", "addr_t'(CTRL_ADDR_TASK_ID_DATA_0),",
               "addr_t'(CTRL_ADDR_TASK_ID_DATA_0 + 4),", "task_id at its reserved word"),
        "ctrl_hypothesis",
    ),
    "task_id_non_strict": (
        Mutant("task_id_non_strict", "arg_check.sv", "args_i.task_id >= 32'(NUM_TASKS)",
               "args_i.task_id > 32'(NUM_TASKS)", "task_id == TASKS accepted"),
        "argcheck_hypothesis",
    ),
}  # fmt: skip


def _replay_ctrl(shrunk: str, mutant: str) -> None:
    """The shrunk op sequence must separate the register-file model from the same
    model with the mutant's bug (reads, ap_start, interrupt or arguments differ)."""
    m = re.search(r"ops=(\[.*?\]) pauses=", shrunk, re.S)
    assert m, f"no op sequence in the shrunk example: {shrunk}"
    ops = ast.literal_eval(m.group(1))

    class Mutated(RegFileModel):
        def read(self, addr):
            done = self.done
            v = super().read(addr)
            if mutant == "done_not_cor" and addr == 0:
                self.done = done
            if mutant == "task_id_offset" and addr in (0x40, 0x44):
                return self.args["task_id"] if addr == 0x44 else 0
            return v

        def write(self, addr, data, strb=0xF):
            if mutant == "isr_set_not_toggle" and addr == 0x0C and strb & 1:
                self.isr = ((self.isr | data) & 1) | ((self.isr ^ data) & 2)
                return
            if mutant == "task_id_offset" and addr in (0x40, 0x44):
                if addr == 0x44:
                    super().write(0x40, data, strb)
                return
            super().write(addr, data, strb)

    def trace(model):
        out = []
        model.idle_in = 1
        model.settle()
        for op in ops:
            if op[0] == "w":
                model.write(op[1], op[2], op[3])
            elif op[0] == "r":
                out.append(model.read(op[1]))
            elif op[0] == "done":
                model.kernel_done()
            elif op[0] == "ready":
                model.kernel_ready()
            elif op[0] == "idle":
                model.kernel_idle(op[1])
            model.settle()
            out.append((model.start, model.irq, tuple(sorted(model.args.items()))))
        return out

    assert trace(RegFileModel()) != trace(Mutated()), (
        f"the shrunk sequence does not separate the correct and the mutated model: {ops}"
    )


@mutant_test(MUTANTS)
def test_ctrl_bench_catches_mutant(mutant_config, mutant, sim_builds, seed_report):
    """A mutated copy of the RTL fails the Hypothesis property with a shrunk input
    that really separates the mutant from the model (tiny configuration only)."""
    mut, testcase = MUTANTS[mutant]
    top = mut.file.removesuffix(".sv")
    shrunk = BENCHES[top].run_mutant(sim_builds, mutant_config, mut, testcase, seed_report)
    print(f"mutant {mutant}: failing input: {shrunk}")
    if top == "ctrl_regs":
        _replay_ctrl(shrunk, mutant)
    else:
        vals = dict(re.findall(r"(\w+)=(\d+)", shrunk))
        m = re.search(r"rtl (\d+) model (\d+)", shrunk)
        assert m and vals, f"unexpected shrunk text: {shrunk}"
        args = {k: int(v) for k, v in vals.items()}
        cfg = load_config(mutant_config)
        assert int(check_args(cfg, args)) == int(m.group(2))
        # The mutant accepts task_id == TASKS: the model with TASKS + 1 tasks predicts it.
        mutated = check_args(load_config(mutant_config, tasks=cfg.tasks + 1), args)
        assert int(mutated) == int(m.group(1)) != int(m.group(2))
        assert args["task_id"] == cfg.tasks


def test_register_map_layout():
    """Offsets follow the Vitis rule: arguments from 0x10, a pointer three words, a
    scalar two; read-only registers after the arguments; Status codes unique."""
    off = 0x10
    seen_ro = False
    for r in REGISTER_MAP:
        assert r.offset == off, f"{r.name} at 0x{r.offset:x}, expected 0x{off:x}"
        off += 12 if r.kind == "ptr64" else 8
        seen_ro |= r.access == "ro"
        assert not (seen_ro and r.access == "rw"), "an argument after a read-only register"
    assert len({int(s) for s in Status}) == len(Status)


VITIS_HEADER = """
// 0x10 : Data signal of image
//        bit 31~0 - image[31:0] (Read/Write)
// 0x58 : Data signal of status
//        bit 31~0 - status[31:0] (Read)
#define XEDGEMOE_CONTROL_ADDR_AP_CTRL        0x00
#define XEDGEMOE_CONTROL_ADDR_IMAGE_DATA     0x10
#define XEDGEMOE_CONTROL_BITS_IMAGE_DATA     64
#define XEDGEMOE_CONTROL_ADDR_TASK_ID_DATA   0x40
#define XEDGEMOE_CONTROL_BITS_TASK_ID_DATA   32
#define XEDGEMOE_CONTROL_ADDR_STATUS_DATA    0x58
#define XEDGEMOE_CONTROL_BITS_STATUS_DATA    32
"""


def test_register_map_from_vitis_header():
    regs = {r.name: r for r in register_map_from_vitis_header(VITIS_HEADER)}
    assert set(regs) == {"image", "task_id", "status"}
    assert (regs["image"].kind, regs["image"].offset, regs["image"].access) == ("ptr64", 0x10, "rw")
    assert (regs["task_id"].kind, regs["task_id"].offset) == ("u32", 0x40)
    assert regs["status"].access == "ro"


def test_vitis_header_access_of_a_mixed_case_argument():
    """Vitis keeps the C name's case in the comments (``outCount``) and upper-cases the
    defines: a read-only argument is still read as read-only."""
    header = """
// 0x10 : Data signal of outCount
//        bit 31~0 - outCount[31:0] (Read)
#define XK_CONTROL_ADDR_OUTCOUNT_DATA 0x10
#define XK_CONTROL_BITS_OUTCOUNT_DATA 32
"""
    (reg,) = register_map_from_vitis_header(header)
    assert (reg.name, reg.access) == ("outcount", "ro")
