"""Shared fixtures and Hypothesis profiles for the golden-model tests.

Hypothesis profile, chosen by the environment variable HYPOTHESIS_PROFILE:

* ``default`` - enough examples for a quick local run (the whole of
  golden/tests well under a minute on two cores);
* ``ci``      - the same number of examples, still randomised, but every
  failure prints the seed/blob needed to reproduce it;
* ``long``    - 20x the examples, for a soak run before a release.

``deadline=None`` everywhere: the ap_fixed oracle is a subprocess whose latency
is not the code under test.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

DEFAULT_EXAMPLES = 40

_common = dict(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("default", max_examples=DEFAULT_EXAMPLES, **_common)
settings.register_profile(
    "ci", max_examples=DEFAULT_EXAMPLES, derandomize=False, print_blob=True, **_common
)
settings.register_profile("long", max_examples=20 * DEFAULT_EXAMPLES, print_blob=True, **_common)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "default")
settings.load_profile(PROFILE)


def pytest_report_header(config):
    return (
        f"golden/tests: Hypothesis profile {PROFILE!r} ({settings.default.max_examples} examples); "
        "a failure prints its @reproduce_failure blob; rerun with --hypothesis-seed=N to pin"
    )


@pytest.fixture(scope="session")
def apfixed():
    """The compiled ap_fixed oracle (see apfixed_harness.py), one process per session.

    Skips - the only skip allowed in these tests - when g++ or the ap_types
    headers (shipped in the hls4ml wheel) are missing.
    """
    from golden.tests import apfixed_harness

    try:
        harness = apfixed_harness.start()
    except apfixed_harness.HarnessUnavailable as exc:
        pytest.skip(f"ap_fixed oracle unavailable: {exc}")
    try:
        yield harness
    finally:
        harness.close()
