"""The error-bound gates of DESIGN.md section 3, as one test of the per-commit suite.

It runs the whole measurement (``python -m golden.errorbounds --gate``, about 4
minutes on one core) inside pytest, so that under pytest-xdist it runs on one
core beside the simulations instead of after them, and writes the reports
where the ``errorbounds`` session does (``reports/errorbounds/``).
"""

from __future__ import annotations

from pathlib import Path

from golden.errorbounds.__main__ import main

REPORT_DIR = Path(__file__).resolve().parents[2] / "reports" / "errorbounds"


def test_every_approximation_meets_its_gate(capsys):
    status = main(["--out", str(REPORT_DIR), "--gate"])
    out = capsys.readouterr()
    failing = [line for line in out.out.splitlines() if "FAIL" in line]
    details = "\n".join(failing + out.err.strip().splitlines())
    assert status == 0, f"error-bound gates failed ({REPORT_DIR / 'summary.md'}):\n{details}"
