"""Hypothesis properties that run inside a cocotb simulation, with shrinking.

Hypothesis is a blocking library; cocotb tests are coroutines.  ``cocotb.task.bridge``
runs the blocking property in a thread while the simulator waits, and the
property drives the DUT through coroutines wrapped in ``cocotb.task.resume``
(DESIGN.md section 4).  A failing example is shrunk by Hypothesis, which
replays the minimal example last: its message is the one reported, as
``minimal failing input: ...``, so a bench failure names the smallest input
that breaks the unit.

Mutation tests (``tb/mutation.py``) expect a failure and only need an input that
kills the mutant, so they run with ``EDGEMOE_SHRINK=0``: no shrink phase, the
first failing example is reported (``first failing input (not shrunk): ...``).
Shrinking cost most of a mutant's run (softmax_stats ``sum_rounding_dropped``:
23 s of shrinking, 1.3 s without); the nightly tier still shrinks them.

Usage inside a cocotb test::

    @resume
    async def run(x): ...                   # drives the DUT, returns its outputs

    def prop(xs):                           # blocking; raises AssertionError(msg)
        check(xs, run(xs))

    await run_property(dut, prop, strategies={"xs": st.lists(...)},
                       examples=1000, seed=env_seed(), unit="gelu")
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping, Sequence

from cocotb.task import bridge
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

__all__ = [
    "FAILING_INPUT",
    "MINIMAL",
    "UNSHRUNK",
    "example_scale",
    "examples_for",
    "expected_failure_env",
    "run_property",
    "shrinking",
    "stall_pattern",
]

#: The prefix of the failure message naming the shrunk input.
MINIMAL = "minimal failing input:"
#: ... and of the first failing example when shrinking is off (``EDGEMOE_SHRINK=0``).
UNSHRUNK = "first failing input (not shrunk):"
#: Matches either prefix.
FAILING_INPUT = r"(?:minimal|first) failing input(?: \(not shrunk\))?:"


def stall_pattern(max_cycles: int) -> st.SearchStrategy[list[bool]]:
    """A cyclic stall pattern for a stream driver's ``in_idle`` / ``out_idle``: up to
    ``max_cycles`` random idle flags and a trailing False that keeps the side moving."""
    return st.lists(st.booleans(), max_size=max_cycles).map(lambda p: [*p, False])


def _long_profile() -> bool:
    """The nightly tier's Hypothesis profile (``HYPOTHESIS_PROFILE=long``)."""
    return os.environ.get("HYPOTHESIS_PROFILE") == "long"


def example_scale() -> int:
    """How many times the default example counts run: 20 in the nightly tier, else 1."""
    return 20 if _long_profile() else 1


def shrinking() -> bool:
    """Whether failing examples are shrunk: unless ``EDGEMOE_SHRINK=0``."""
    return os.environ.get("EDGEMOE_SHRINK", "1") != "0"


def expected_failure_env() -> dict[str, str]:
    """The environment of a simulation expected to fail (a mutant): report the first
    failing example unshrunk, except in the nightly tier, which shrinks it."""
    return {} if _long_profile() else {"EDGEMOE_SHRINK": "0"}


def examples_for(env_var: str, default: int) -> int:
    """Examples to run: ``env_var`` if set, else ``default`` (20x under HYPOTHESIS_PROFILE=long)."""
    return int(os.environ.get(env_var, example_scale() * default))


async def run_property(
    dut,
    prop: Callable[..., None],
    *,
    strategies: Mapping[str, st.SearchStrategy],
    examples: int,
    seed: int,
    unit: str,
    explicit: Sequence[Mapping[str, object]] = (),
) -> None:
    """Run ``prop(**drawn)`` for ``examples`` seeded examples inside the simulation.

    ``explicit`` examples (keyword dicts) always run first, whatever the seed: the
    corners a mutant hides in must not depend on the draw.

    ``prop`` raises ``AssertionError(message)`` on a mismatch (any other
    exception is a failure too).  On failure this raises ``AssertionError``
    whose message starts with :data:`MINIMAL` followed by the last (shrunk)
    example's message (:data:`UNSHRUNK` and the first failing example's message
    under ``EDGEMOE_SHRINK=0``), plus the seed to rerun with.
    """
    failures: list[str] = []
    calls = 0

    def recorded(**kwargs) -> None:
        nonlocal calls
        calls += 1
        try:
            prop(**kwargs)
        except AssertionError as exc:
            failures.append(str(exc) or repr(kwargs))
            raise
        except Exception as exc:
            failures.append(f"{kwargs}: {type(exc).__name__}: {exc}")
            raise

    test = given(**strategies)(recorded)
    for kwargs in reversed(explicit):  # decorators apply inside out: keep the order
        test = example(**kwargs)(test)
    shrink = shrinking()
    test = settings(
        max_examples=examples,
        phases=list(Phase) if shrink else [Phase.explicit, Phase.reuse, Phase.generate],
        database=None,
        deadline=None,
        print_blob=False,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )(hypothesis_seed(seed)(test))

    dut._log.info("%s: Hypothesis, %d examples, seed %d", unit, examples, seed)
    t0 = time.perf_counter()
    try:
        await bridge(test)()
    except Exception as exc:
        detail = failures[-1] if failures else f"{type(exc).__name__}: {exc}"
        msg = f"{MINIMAL if shrink else UNSHRUNK} {detail}"
        dut._log.error(
            "%s (%s; seed %d; %d examples run, %d failing, %.1f s)",
            msg, unit, seed, calls, len(failures), time.perf_counter() - t0,
        )  # fmt: skip
        raise AssertionError(
            f"{unit}: Hypothesis falsified the property; {msg} (seed {seed})"
        ) from exc
    dut._log.info("%s: %d examples passed in %.1f s", unit, calls, time.perf_counter() - t0)
