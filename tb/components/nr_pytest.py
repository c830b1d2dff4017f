"""pytest bodies shared by the recip and rsqrt benches (tb/recip, tb/rsqrt).

Each bench's ``test_<kind>.py`` states its unit (the kind and the mutants of
its RTL: rtl/<kind>_unit.sv and the modules both units share: nr_core,
nr_normalise, interp_rom, nr_newton_update) and takes its tests from
:func:`bench_tests`; the cocotb side is ``<kind>_tests.py`` on top of
tb/components/nr_bench.py.  Both units are built
with LANES=1 for their input format (recip: formats.softmax_sum, rsqrt:
formats.ln_var) on the unit configurations (tiny and m3vit by default,
--sim-config to choose); mutants on tiny only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pytest

from golden.config import load_config
from tb.components.bench_pytest import BenchBuild
from tb.components.nr_unit import NrUnit, check_minimal_input
from tb.marks import mutant_test
from tb.mutation import Mutant

#: Mutant name -> (textual mutant of an RTL file of the unit, rtl_model knobs that model it).
Mutants = Mapping[str, tuple[Mutant, dict[str, bool]]]


def newton_sign(why: str) -> tuple[Mutant, dict[str, bool]]:
    """A mutant both units share: the residual of their Newton update (nr_newton_update)
    flipped, 1 - P read as P - 1 (P = m*y for recip, m*y^2 for rsqrt)."""
    return (
        Mutant(
            "newton_sign",
            "nr_newton_update.sv",
            "$signed(ResOne) - $signed({1'b0, prod_i})",
            "$signed({1'b0, prod_i}) - $signed(ResOne)",
            why,
        ),
        {"newton_sign": True},
    )


def seed_index_off() -> tuple[Mutant, dict[str, bool]]:
    """A mutant both units share: their seed interpolation is the same module (interp_rom)."""
    return (
        Mutant(
            "seed_index_off",
            "interp_rom.sv",
            "addr_lo + AddrW'(1)",
            "addr_lo + AddrW'(0)",
            "constant one LSB off: the upper seed entry read at i, not i + 1 (no slope)",
        ),
        {"seed_index_off": True},
    )


def _unit(kind: str, config: str) -> NrUnit:
    return NrUnit(kind, load_config(config))


def bench_tests(kind: str, mutants: Mutants) -> tuple[Callable, ...]:
    """The tests ``test_<kind>_stream``, ``test_<kind>_hypothesis`` and
    ``test_<kind>_bench_catches_mutant``, in that order, for a test module to bind
    under those names."""
    bench = BenchBuild(
        "nr_core",
        f"tb.{kind}.{kind}_tests",
        name=f"{kind}_unit",
        parameters=lambda config: _unit(kind, config).parameters,
    )
    test_stream = bench.cocotb_test(
        [
            f"{kind}_reset_idle",
            f"{kind}_throughput",
            f"{kind}_zero_input",
            f"{kind}_stream",
            f"{kind}_reset_mid_stream",
        ],
        timeout=600,
        doc="""Reset, full rate and latency, x = 0, >= 100,000 vectors under stalls,
        mid-stream reset.""",
    )
    test_hypothesis = bench.cocotb_test(
        [f"{kind}_hypothesis"],
        timeout=600,
        kinds=[pytest.mark.hypothesis],
        doc="Hypothesis property inside the simulation (bridge/resume), aimed at the corners.",
    )

    @mutant_test(mutants)
    def test_bench_catches_mutant(mutant_config, mutant, sim_builds, seed_report):
        mut, knobs = mutants[mutant]
        text = bench.run_mutant(sim_builds, mutant_config, mut, f"{kind}_hypothesis", seed_report)
        summary = check_minimal_input(_unit(kind, mutant_config), text, knobs)
        print(f"mutant {mutant} ({mut.why}): failing input {summary}")

    test_bench_catches_mutant.__doc__ = f"""A mutated copy of the RTL (tiny only) fails
        {kind}_hypothesis with a shrunk input that really separates the mutant from the
        golden model."""
    for test, name in (
        (test_stream, "stream"),
        (test_hypothesis, "hypothesis"),
        (test_bench_catches_mutant, "bench_catches_mutant"),
    ):
        test.__name__ = test.__qualname__ = f"test_{kind}_{name}"
    return test_stream, test_hypothesis, test_bench_catches_mutant
