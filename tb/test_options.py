"""The benches' command-line options fail fast and briefly on bad values."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("option", ["--sim-config", "--kernel-config"])
def test_an_unknown_configuration_is_one_line(option):
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
         "--report-dir", "", "tb/gelu", option, "nope"],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    out = (proc.stdout + proc.stderr).strip().splitlines()
    assert proc.returncode == pytest.ExitCode.USAGE_ERROR, out
    assert out == [f"ERROR: unknown {option} ['nope']; known: {out[0].split('known: ')[1]}"]
    assert "'tiny'" in out[0]
