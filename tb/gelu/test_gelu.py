"""pytest entry of the GELU bench (cocotb tests in tb/gelu/gelu_tests.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pytest

from tb.gelu.model import GeluGeometry, gelu_model, read_rom_hex
from tb.simbuild import RTL_DIR, SIM_ROOT, generated

TESTS = "tb.gelu.gelu_tests"
#: Lanes of the bench build: 8 x 32-bit words per beat.
LANES = 8


@pytest.fixture(scope="session")
def gelu_sim(sim_config, sim_builds):
    return sim_builds("gelu_unit", sim_config, parameters={"LANES": LANES})


@pytest.mark.sim
@pytest.mark.timeout(600)
def test_gelu_stream(gelu_sim, seed_report):
    """Reset, full-rate throughput, and >= 1M inputs under random stalls, bit-exact."""
    gelu_sim.run(TESTS, ["gelu_reset_idle", "gelu_throughput", "gelu_stream"], seed=seed_report)


@pytest.mark.sim
@pytest.mark.timeout(600)
def test_gelu_hypothesis(gelu_sim, seed_report):
    """Hypothesis property inside the simulation (bridge/resume)."""
    gelu_sim.run(TESTS, ["gelu_hypothesis"], seed=seed_report)


@dataclass(frozen=True)
class Mutant:
    """A textual change of rtl/gelu_unit.sv and the same change in the Python model."""

    pattern: str
    replacement: str
    model: dict = field(default_factory=dict)


MUTANTS = {
    # Round half up becomes truncation.
    "no_rounding": Mutant("AccW'(1) << (Shift - 1)", "AccW'(0)", {"round_half": False}),
    # |x| of a negative x off by one LSB (one's complement).
    "abs_off_by_one": Mutant("(~x0 + DATA_W'(1))", "(~x0)", {"abs_ones_complement": True}),
}


@pytest.mark.sim
@pytest.mark.timeout(900)
@pytest.mark.parametrize("mutant", sorted(MUTANTS))
def test_gelu_bench_catches_mutant(sim_config, mutant, sim_builds, seed_report):
    """A mutated copy of the RTL must fail gelu_hypothesis with a shrunk input
    that really separates the mutant from the golden model."""
    mut = MUTANTS[mutant]
    source = (RTL_DIR / "gelu_unit.sv").read_text()
    assert source.count(mut.pattern) == 1, (
        f"mutant {mutant}: {mut.pattern!r} must occur exactly once in rtl/gelu_unit.sv "
        "(update MUTANTS after changing the RTL)"
    )
    src_dir = SIM_ROOT / sim_config / f"mutant-src-{mutant}"
    src_dir.mkdir(parents=True, exist_ok=True)
    mutated = src_dir / "gelu_unit.sv"
    mutated.write_text(source.replace(mut.pattern, mut.replacement))

    sim = sim_builds(
        "gelu_unit",
        sim_config,
        parameters={"LANES": LANES},
        name=f"gelu_unit-mutant-{mutant}",
        sources=[mutated],
    )
    result = sim.run(TESTS, ["gelu_hypothesis"], seed=seed_report, check=False)
    assert not result.passed, f"the bench did not catch mutant {mutant}"
    (case,) = result.testcases
    assert case.status == "failed", f"expected a failure, got {case.status}: {case.message}"
    m = re.search(r"minimal failing input: x=(-?\d+) .*rtl (-?\d+) golden (-?\d+)", case.message)
    assert m, f"no shrunk input in the failure message: {case.message}"
    assert "minimal failing input" in result.log
    x, y_rtl, y_gold = (int(v) for v in m.groups())
    print(f"mutant {mutant}: minimal failing input x={x}, rtl {y_rtl}, golden {y_gold}")

    from golden.gelu import gelu
    from hls.config import load_config

    cfg = load_config(sim_config)
    geo = GeluGeometry.from_config(cfg)
    table = read_rom_hex(generated(sim_config).gelu_rom)
    xa = np.array([x], dtype=np.int64)
    assert int(gelu(xa, cfg)[0]) == y_gold
    assert int(gelu_model(xa, table, geo)[0]) == y_gold, "the Python model disagrees with golden"
    assert int(gelu_model(xa, table, geo, **mut.model)[0]) == y_rtl, (
        "the mutant's output is not what the modelled mutation predicts"
    )
    assert y_rtl != y_gold
