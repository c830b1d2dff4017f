"""Mutation tests: prove a bench catches bugs by breaking a copy of the RTL.

A :class:`Mutant` is a textual change of one RTL file (an operator flipped, a
constant one LSB off, a comparison made non-strict).  :func:`build_mutant`
copies the file into the build tree, applies the change and builds the copy
in place of the original; ``rtl/`` itself is never touched and holds no test
hooks.  :func:`assert_caught` checks that the bench failed and returns the
failing input it reported, so a test can confirm that input really separates
the mutant from the golden model.  :func:`run_mutant` does both steps: build
the mutant, run one Hypothesis testcase (unshrunk), return the failing input.
A bench states its mutants with :func:`by_name` (and marks its mutant test with
:func:`tb.marks.mutant_test`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from ci.rtl_sources import RTL_DIR, rtl_closure
from tb.hypothesis_sim import FAILING_INPUT, expected_failure_env
from tb.simbuild import SIM_ROOT, SimBuild, SimResult

__all__ = [
    "Mutant",
    "assert_caught",
    "build_mutant",
    "by_name",
    "run_caught",
    "run_mutant",
]

_T = TypeVar("_T")


@dataclass(frozen=True)
class Mutant:
    name: str
    file: str  # file name inside rtl/
    pattern: str  # must occur exactly once in the file
    replacement: str
    why: str = ""


def by_name(*entries: tuple[Mutant, _T]) -> dict[str, tuple[Mutant, _T]]:
    """A bench's mutant table: each mutant with what its test needs to confirm the
    kill (the knobs of its Python model, the job that must expose it ...), keyed
    by the mutant's name."""
    return {mutant.name: (mutant, extra) for mutant, extra in entries}


def build_mutant(
    sim_builds: Callable[..., SimBuild],
    config: str,
    toplevel: str,
    mutant: Mutant,
    *,
    sources: Sequence[Path] | None = None,
    parameters: Mapping[str, object] | None = None,
    overrides: Mapping[str, object] | None = None,
    public: Sequence[str] | None = None,
) -> SimBuild:
    """Build ``toplevel`` with ``mutant`` applied to its copy of ``rtl/<mutant.file>``.

    ``sources`` are the build's RTL files (default ``rtl_closure(toplevel)``); the
    mutated file replaces its original among them. ``public``: as for the
    unmutated build (``tb.simbuild.build``).
    """
    original = RTL_DIR / mutant.file
    text = original.read_text()
    count = text.count(mutant.pattern)
    if count != 1:
        raise AssertionError(
            f"mutant {mutant.name}: {mutant.pattern!r} occurs {count} times in rtl/{mutant.file}, "
            "not once (update the mutant after changing the RTL)"
        )
    src_dir = SIM_ROOT / config / f"mutant-src-{toplevel}-{mutant.name}"
    src_dir.mkdir(parents=True, exist_ok=True)
    mutated = src_dir / mutant.file
    mutated.write_text(text.replace(mutant.pattern, mutant.replacement))
    srcs = [Path(s).resolve() for s in (sources or rtl_closure(toplevel))]
    if original.resolve() not in srcs:
        raise AssertionError(f"mutant {mutant.name}: rtl/{mutant.file} is not among the sources")
    srcs = [mutated if s == original.resolve() else s for s in srcs]
    return sim_builds(
        toplevel,
        config,
        parameters=parameters,
        overrides=overrides,
        name=f"{toplevel}-mutant-{mutant.name}",
        sources=srcs,
        public=public,
    )


def assert_caught(result: SimResult, testcase: str) -> str:
    """The run of ``testcase`` failed with a failing input; return the text that names it."""
    assert not result.passed, f"the bench did not catch the mutant ({testcase} passed)"
    cases = [c for c in result.testcases if c.name == testcase]
    assert cases, f"{testcase} did not run: {[c.name for c in result.testcases]}"
    case = cases[0]
    assert case.status == "failed", f"expected a failure, got {case.status}: {case.message}"
    m = re.search(FAILING_INPUT + r"\s*(.*?)(?: \(seed \d+\))?$", case.message, re.S)
    assert m, f"no failing input in the failure message: {case.message}"
    return m.group(1).strip()


def run_mutant(
    sim_builds: Callable[..., SimBuild],
    config: str,
    toplevel: str,
    mutant: Mutant,
    testcase: str,
    tests_module: str,
    seed: int,
    *,
    sources: Sequence[Path] | None = None,
    parameters: Mapping[str, object] | None = None,
    extra_env: Mapping[str, str] | None = None,
) -> str:
    """Build ``mutant`` (:func:`build_mutant`), run ``testcase`` of ``tests_module`` on it
    and return the failing input the failure reported (:func:`assert_caught`).

    The caller still confirms that input against the golden model and its model
    of the mutation.
    """
    sim = build_mutant(sim_builds, config, toplevel, mutant, sources=sources, parameters=parameters)
    return run_caught(sim, tests_module, testcase, seed, extra_env)


def run_caught(
    sim: SimBuild,
    tests_module: str,
    testcase: str,
    seed: int,
    extra_env: Mapping[str, str] | None = None,
) -> str:
    """Run ``testcase`` on a mutant's build and return the failing input it reported
    (:func:`assert_caught`): the first failing example, not shrunk (a kill needs
    no minimal input, and shrinking cost most of a mutant's run time), except in
    the nightly tier (``HYPOTHESIS_PROFILE=long``), which reports minimal inputs."""
    env = {**expected_failure_env(), **(extra_env or {})}
    result = sim.run(tests_module, [testcase], seed=seed, extra_env=env, check=False)
    return assert_caught(result, testcase)
