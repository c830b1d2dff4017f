"""The pytest side that every simulation bench shares, written once.

A bench's ``test_<unit>.py`` states what it builds as a :class:`BenchBuild`: the
toplevel, the cocotb module of its tests, its RTL (default: the top's
``rtl_closure``), its Verilator parameters and the configurations it runs on.
From that one object it takes

* its cocotb runs as pytest tests, one per configuration (:meth:`BenchBuild.cocotb_test`,
  marked with :func:`tb.marks.sim_test`; the session-wide ``sim_builds`` fixture
  makes each build once),
* the K = 1 and K = EXPERTS build variants of the MoE benches
  (:meth:`BenchBuild.k_variants_test`),
* its mutant builds and runs with the same sources and parameters
  (:meth:`BenchBuild.build_mutant`, :meth:`BenchBuild.run_mutant`), and the
  failure message a mutant must cause (:func:`failure_of`).

What stays in the bench is what differs: which cocotb tests a pytest test runs,
the mutant table and how a failing input is confirmed against the golden model.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from hls.program import Engine
from tb.components.engine_bench import ENGINE_TB_TOPLEVEL, engine_tb_build
from tb.marks import sim_test
from tb.mutation import Mutant, build_mutant, run_caught
from tb.simbuild import PORT_SIGNALS, SimBuild, SimResult

__all__ = ["BenchBuild", "engine_bench_build", "failure_of"]

#: The fixtures of tb/conftest.py that parametrise a build over configurations.
CONFIG_FIXTURES = ("unit_config", "sim_config")


@dataclass(frozen=True)
class BenchBuild:
    """How a bench builds its top, for every configuration it runs on.

    ``parameters`` are the Verilator parameters: a mapping used for every
    configuration, or a function of the configuration's name. ``configs`` names
    the fixture of ``tb/conftest.py`` its tests are parametrised over:
    ``unit_config`` (tiny and m3vit) or ``sim_config`` (the per-commit ones).
    """

    toplevel: str
    tests: str
    sources: Sequence[Path] | None = None
    #: The build folder's name (``build/sim/<config>/<name>/``); default the toplevel.
    #: Benches that share a toplevel (the engine benches) need their own.
    name: str | None = None
    parameters: Mapping[str, object] | Callable[[str], Mapping[str, object]] = field(
        default_factory=dict
    )
    configs: str = "unit_config"
    #: The signals cocotb sees (``tb.simbuild.build(public=...)``): by default the
    #: top's ports (a smaller, faster model than with every signal public); add
    #: the signals a bench touches inside, or None for every signal.
    public: Sequence[str] | None = PORT_SIGNALS

    def __post_init__(self) -> None:
        if self.configs not in CONFIG_FIXTURES:
            raise ValueError(f"configs must be one of {CONFIG_FIXTURES}, not {self.configs!r}")

    @property
    def build_name(self) -> str:
        return self.name or self.toplevel

    def parameters_for(self, config: str) -> dict[str, object]:
        chosen = self.parameters(config) if callable(self.parameters) else self.parameters
        return dict(chosen)

    def build(
        self,
        sim_builds: Callable[..., SimBuild],
        config: str,
        *,
        overrides: Mapping[str, object] | None = None,
        name: str | None = None,
    ) -> SimBuild:
        """The bench's build for ``config`` (a variant with ``overrides`` needs its
        own ``name``)."""
        return sim_builds(
            self.toplevel,
            config,
            parameters=self.parameters_for(config),
            overrides=overrides,
            name=name or self.build_name,
            sources=self.sources,
            public=self.public,
        )

    def run(
        self,
        sim_builds: Callable[..., SimBuild],
        config: str,
        testcases: Sequence[str],
        seed: int,
    ) -> SimResult:
        """Run ``testcases`` of the bench's cocotb module on its build for ``config``."""
        return self.build(sim_builds, config).run(self.tests, list(testcases), seed=seed)

    def cocotb_test(
        self,
        testcases: Sequence[str],
        *,
        timeout: int,
        kinds: Sequence[pytest.MarkDecorator] = (),
        doc: str,
    ) -> Callable:
        """A pytest test that runs ``testcases`` of the bench's cocotb module on the
        build of each configuration of ``configs``, marked ``sim`` and ``kinds`` with
        ``timeout`` seconds; ``doc`` says what it checks. Bind it in the test module
        under a ``test_`` name."""
        chosen = list(testcases)

        # pytest parametrises a test over the configuration fixtures its signature
        # names, so there is one function per fixture.
        if self.configs == "sim_config":

            def test(sim_config, sim_builds, seed_report):
                self.run(sim_builds, sim_config, chosen, seed_report)
        else:

            def test(unit_config, sim_builds, seed_report):
                self.run(sim_builds, unit_config, chosen, seed_report)

        test.__doc__ = doc
        return sim_test(timeout, *kinds)(test)

    def k_variants_test(
        self, testcases: Sequence[str], *, extra_env: Mapping[str, str], doc: str
    ) -> Callable:
        """The variant test of an MoE bench: ``testcases`` on the builds with
        ``top_k`` replaced by 1 (``k1``) and by the number of experts (``kE``), on
        the mutant configuration (the package and the module's K follow the
        override); ``extra_env`` shortens the runs."""
        chosen = list(testcases)

        @sim_test(900, pytest.mark.variant)
        @pytest.mark.parametrize("variant", ["k1", "kE"])
        def test(mutant_config, variant, sim_builds, seed_report):
            from golden.config import load_config

            k = 1 if variant == "k1" else load_config(mutant_config).experts
            sim = self.build(
                sim_builds,
                mutant_config,
                overrides={"top_k": k},
                name=f"{self.build_name}-{variant}",
            )
            sim.run(self.tests, chosen, seed=seed_report, extra_env=extra_env)

        test.__doc__ = doc
        return test

    def build_mutant(
        self,
        sim_builds: Callable[..., SimBuild],
        config: str,
        mutant: Mutant,
        *,
        overrides: Mapping[str, object] | None = None,
    ) -> SimBuild:
        """The bench's build for ``config`` with ``mutant`` applied
        (:func:`tb.mutation.build_mutant`)."""
        return build_mutant(
            sim_builds,
            config,
            self.toplevel,
            mutant,
            sources=self.sources,
            parameters=self.parameters_for(config),
            overrides=overrides,
            public=self.public,
        )

    def run_mutant(
        self,
        sim_builds: Callable[..., SimBuild],
        config: str,
        mutant: Mutant,
        testcase: str,
        seed: int,
        extra_env: Mapping[str, str] | None = None,
    ) -> str:
        """Build ``mutant``, run the Hypothesis ``testcase`` on it and return the
        failing input it reported (:func:`tb.mutation.run_caught`)."""
        sim = self.build_mutant(sim_builds, config, mutant)
        return run_caught(sim, self.tests, testcase, seed, extra_env)


def engine_bench_build(engine: Engine, tests: str) -> BenchBuild:
    """An engine bench's build: ``engine`` under the engine benches' one top
    (``tb/components/engine_tb.sv``, the engine chosen by its ``ENGINE`` number), which
    puts the engine's memory-port structs (engine_mem_req_t / engine_mem_rsp_t) on
    the flat names of engine_mem_tb_port (``u_mem``) that tb.components.enginemem
    drives; built as ``<engine>_engine_tb``."""
    return BenchBuild(
        ENGINE_TB_TOPLEVEL,
        tests,
        name=f"{engine.name.lower()}_engine_tb",
        **engine_tb_build(engine),
    )


def failure_of(result: SimResult, testcase: str, mutant: Mutant) -> str:
    """The failure message of ``testcase`` in a mutant's run (not a Hypothesis
    test: a directed test that must fail), after checking that it failed."""
    assert not result.passed, f"the bench did not catch mutant {mutant.name} ({mutant.why})"
    case = next(c for c in result.testcases if c.name == testcase)
    assert case.status == "failed", f"expected a failure, got {case.status}: {case.message}"
    return case.message
