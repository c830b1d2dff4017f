"""pytest plugin of the regression, loaded by the root ``conftest.py`` for every run.

* One seed per run (``--sim-seed N``, default a fresh one, printed): every
  simulation's stimulus and in-simulation Hypothesis, and the golden tests'
  Hypothesis (as ``--hypothesis-seed``), follow it; under pytest-xdist the
  controller hands its seed to every worker.
* ``--shard K/N``: run only the K-th of N balanced shards (``ci.regression.shards``):
  the tests of a file on one configuration (which share builds) stay together,
  weighed by recorded durations.
* Under pytest-xdist (``-n auto --dist loadfile``) each test file goes to one
  worker, so each of its builds is made once, and the files go out heaviest
  first by recorded durations (``--dist loadgroup`` cannot be used: xdist 3.8
  renames node ids through an attribute pytest 9 no longer reads).
* ``--randomised-only``: only the tests whose outcome depends on the seed (the
  flake hunt, ``nox -s flakes``).
* Every run writes ``summary.json`` and ``summary.md`` into ``--report-dir``
  (default ``reports/regression``): tests, seeds, durations, outcomes, and for
  each failure the one command that reruns it alone with the same seed and a
  waveform (``ci.regression.report``), and ``junit.xml`` beside them unless
  ``--junitxml`` says otherwise; the run's tier (``EDGEMOE_TIER``, set by
  the nox sessions) picks the command's nox session.
"""

from __future__ import annotations

import datetime
import os
import secrets
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ci.regression import report as regression_report
from ci.regression import shards

__all__ = ["SEED_KEY", "session_seed"]

SEED_KEY = pytest.StashKey[int]()
REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_REPORT_DIR = REPO_ROOT / "reports" / "regression"
#: Fixtures whose use makes a test's outcome depend on the seed.
SEEDED_FIXTURES = ("sim_seed", "seed_report")
#: The user property carrying a test's group, configurations and sim marker.
_INFO = "edgemoe"
#: Characters of a failure message kept in summary.json.
MESSAGE_CHARS = 4000


def session_seed(config: pytest.Config) -> int:
    """The run's seed (``--sim-seed``, or the fresh one this run chose)."""
    return config.stash[SEED_KEY]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("edgemoe-cv regression")
    group.addoption(
        "--sim-seed",
        type=int,
        default=None,
        metavar="N",
        help="seed of every random choice: stimulus, AXI pauses, Hypothesis (default: fresh, "
        "printed)",
    )
    group.addoption(
        "--shard",
        default=None,
        metavar="K/N",
        help="run only shard K of N (balanced by ci/regression/durations.json)",
    )
    group.addoption(
        "--report-dir",
        default=str(DEFAULT_REPORT_DIR),
        metavar="DIR",
        help="where summary.json / summary.md go (default reports/regression; '' for none)",
    )
    group.addoption(
        "--randomised-only",
        action="store_true",
        default=False,
        help="only the tests whose outcome depends on the seed (simulations, Hypothesis)",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    worker = getattr(config, "workerinput", None)
    if worker is not None and "edgemoe_seed" in worker:
        seed = int(worker["edgemoe_seed"])
    else:
        chosen = config.getoption("--sim-seed")
        seed = chosen if chosen is not None else secrets.randbelow(2**31)
    config.stash[SEED_KEY] = seed
    # The golden tests' Hypothesis follows the run's seed unless told otherwise
    # (the Hypothesis plugin reads the option in its own pytest_configure, later).
    if getattr(config.option, "hypothesis_seed", "absent") is None:
        config.option.hypothesis_seed = str(seed)
    if config.getoption("shard"):
        try:
            shards.parse_shard(config.getoption("shard"))
        except ValueError as exc:
            raise pytest.UsageError(str(exc)) from None
    # JUnit XML beside the summary unless --junitxml names another file (the
    # junitxml plugin reads the option in its own pytest_configure, later).
    report_dir = config.getoption("report_dir")
    if report_dir and getattr(config.option, "xmlpath", "absent") is None:
        config.option.xmlpath = str(Path(report_dir) / "junit.xml")
    if getattr(config.option, "numprocesses", None):
        # xdist's controller: keep the workers' collection order (heaviest file
        # first) instead of sorting files by their number of tests.
        config.option.loadscopereorder = False
    config.pluginmanager.register(_Regression(config), "edgemoe-regression")


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node) -> None:
    """xdist (controller): every worker gets this run's seed."""
    node.workerinput["edgemoe_seed"] = node.config.stash[SEED_KEY]


def pytest_report_header(config: pytest.Config) -> list[str]:
    seed = config.stash[SEED_KEY]
    lines = [f"edgemoe-cv seed: {seed} (rerun with --sim-seed {seed})"]
    if config.getoption("shard"):
        lines.append(f"edgemoe-cv shard: {config.getoption('shard')}")
    return lines


def _params(item: pytest.Item) -> dict:
    callspec = getattr(item, "callspec", None)
    return dict(callspec.params) if callspec is not None else {}


def _is_randomised(item: pytest.Item) -> bool:
    fixtures = getattr(item, "fixturenames", ())
    if any(f in fixtures for f in SEEDED_FIXTURES):
        return True
    return bool(getattr(getattr(item, "obj", None), "is_hypothesis_test", False))


def _deselect(config: pytest.Config, items: list[pytest.Item], keep) -> None:
    dropped = [i for i in items if not keep(i)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [i for i in items if keep(i)]


def _message(rep: pytest.TestReport) -> str:
    """The failure (or skip) message: the exception's own text, not the traceback."""
    longrepr = rep.longrepr
    if isinstance(longrepr, tuple):  # a skip: (file, line, reason)
        return str(longrepr[2])
    crash = getattr(longrepr, "reprcrash", None)
    text = crash.message if crash is not None else str(longrepr)
    return text[:MESSAGE_CHARS]


def _git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


class _Regression:
    """Selection, ordering and the report of one run (registered by pytest_configure)."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.start = time.monotonic()
        self.started = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
        self.tests: dict[str, dict] = {}
        self.info: dict[str, dict] = {}  # nodeid -> group, configs, sim marker

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]):
        """After -m/-k: the flake-hunt filter, the shard, the heaviest-first order."""
        if config.getoption("randomised_only"):
            _deselect(config, items, _is_randomised)
        group = {i.nodeid: shards.group_of(i.nodeid, _params(i)) for i in items}
        ids: dict[str, list[str]] = {}  # group -> its tests' node ids
        for item in items:
            ids.setdefault(group[item.nodeid], []).append(item.nodeid)
        weights = shards.estimate([i.nodeid for i in items], shards.load_durations())
        if config.getoption("shard"):
            k, n = shards.parse_shard(config.getoption("shard"))
            mine = set(shards.balance(ids, weights, n)[k - 1])
            _deselect(config, items, lambda i: group[i.nodeid] in mine)
            ids = {g: v for g, v in ids.items() if g in mine}
        if hasattr(config, "workerinput"):
            # An xdist worker: its collection order is the order files are handed
            # out (loadfile), so the heaviest file comes first.
            files: dict[str, list[str]] = {}
            for nodeids in ids.values():
                files.setdefault(nodeids[0].split("::", 1)[0], []).extend(nodeids)
            rank = {f: r for r, f in enumerate(shards.balance(files, weights, 1)[0])}
            items.sort(key=lambda i: rank[i.nodeid.split("::", 1)[0]])
        # What the report needs of each test travels with its reports (user
        # properties): under xdist only the workers collect.
        for item in items:
            item.user_properties.append((_INFO, {
                "group": group[item.nodeid],
                "configs": shards.item_configs(_params(item)),
                "sim": item.get_closest_marker("sim") is not None,
            }))  # fmt: skip

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        nodeid = report.nodeid
        entry = self.tests.setdefault(
            nodeid, {"nodeid": nodeid, "outcome": "passed", "duration_s": 0.0, "message": ""}
        )
        entry["duration_s"] = round(entry["duration_s"] + report.duration, 3)
        for key, value in report.user_properties:
            if key == _INFO:
                self.info[nodeid] = value
        if report.failed:
            entry["outcome"] = "failed" if report.when == "call" else "error"
            entry["message"] = _message(report)
        elif report.skipped and entry["outcome"] == "passed":
            entry["outcome"] = "skipped"
            entry["message"] = _message(report)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        config = self.config
        out = config.getoption("report_dir")
        if hasattr(config, "workerinput") or not out:
            return
        seed = session_seed(config)
        tier = os.environ.get("EDGEMOE_TIER") or None
        tests = []
        for nodeid, entry in self.tests.items():
            info = self.info.get(nodeid) or {
                "group": shards.group_of(nodeid, {}),
                "configs": [],
                "sim": False,
            }
            tests.append(
                {
                    **entry,
                    "group": info["group"],
                    "configs": info["configs"],
                    "seed": seed,
                    "rerun": regression_report.rerun_command(nodeid, seed, tier, sim=info["sim"]),
                }
            )
        meta = {
            "tier": tier,
            "seed": seed,
            "shard": config.getoption("shard"),
            "command": shlex.join(["pytest", *config.invocation_params.args]),
            "started": self.started,
            "wall_s": round(time.monotonic() - self.start, 1),
            "git_commit": _git_commit(),
            "python": sys.version.split()[0],
            "junit_xml": getattr(config.option, "xmlpath", None),
        }
        summary = regression_report.summarise(meta, tests)
        js, md = regression_report.write(summary, Path(out))
        self._summary_paths = (js, md, summary)

    def pytest_terminal_summary(self, terminalreporter, exitstatus, config) -> None:
        paths = getattr(self, "_summary_paths", None)
        if paths is None:
            return
        js, md, summary = paths
        tr = terminalreporter
        failures = [t for t in summary["tests"] if t["outcome"] in ("failed", "error")]
        if failures:
            tr.section("failures: what differed, and the command that reruns each alone")
            for t in failures:
                tr.write_line(f"{t['nodeid']}:")
                first = (t["message"].strip().splitlines() or ["(no message)"])[0]
                tr.write_line(f"    {first}")
                tr.write_line(f"    rerun (same seed, waveform): {t['rerun']}")
        tr.write_line(f"regression report: {md} ({js})")
