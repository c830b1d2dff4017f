"""The regression machinery (ci/regression): shards, seeds, the report, merging.

The end-to-end tests run pytest on a small generated project that loads the
same plugin as the real suite (``pytester``), so they exercise exactly what a
regression run does: one seed for every worker, balanced disjoint shards, a
summary with a rerun command that reproduces a failure, and the merge of two
shards into one JUnit XML and one summary.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from ci.regression import __main__ as cli
from ci.regression import report, shards

# A project of 12 tests in 3 "configurations"; test_odd fails when the seed is odd.
PROJECT_TESTS = """
import pytest

@pytest.fixture
def sim_seed(pytestconfig):
    from ci.regression.plugin import session_seed
    return session_seed(pytestconfig)

@pytest.mark.parametrize("sim_config", ["a", "b", "c"])
@pytest.mark.parametrize("n", range(3))
def test_many(sim_config, n, sim_seed):
    assert sim_seed >= 0

@pytest.mark.parametrize("sim_config", ["a", "b", "c"])
def test_odd(sim_config, sim_seed):
    assert sim_seed % 2 == 0, f"seed {sim_seed} is odd"
"""


@pytest.fixture(autouse=True)
def _no_tier(monkeypatch):
    """Rerun commands of the inner runs are plain pytest, whichever tier runs this."""
    monkeypatch.delenv("EDGEMOE_TIER", raising=False)


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeconftest('pytest_plugins = ("ci.regression.plugin",)')
    pytester.makepyfile(test_project=PROJECT_TESTS)
    return pytester


def _summary(folder) -> dict:
    return json.loads((folder / "summary.json").read_text())


def test_parse_shard():
    assert shards.parse_shard("2/3") == (2, 3)
    for bad in ("0/2", "3/2", "1", "a/b", "1/2/3"):
        with pytest.raises(ValueError, match=r"K/N|1 <= K <= N"):
            shards.parse_shard(bad)


def test_group_keeps_a_configuration_together():
    assert shards.group_of("tb/x/test_x.py::t[tiny]", {"sim_config": "tiny"}) == (
        "tb/x/test_x.py[tiny]"
    )
    assert shards.group_of("tb/k.py::t[s]", {"kernel_stage": ("small_dense", 4)}) == (
        "tb/k.py[small_dense]"
    )
    assert shards.group_of("golden/tests/test_a.py::t", {}) == "golden/tests/test_a.py"


def test_balance_is_disjoint_complete_and_even():
    groups = {f"g{i}": [f"t{i}"] for i in range(20)}
    weights = {f"t{i}": float(w) for i, w in enumerate([9, 7, 6, 5, 5, 4, 4, 3, 3, 3] * 2)}
    bins = shards.balance(groups, weights, 3)
    flat = [g for b in bins for g in b]
    assert sorted(flat) == sorted(groups)
    loads = [sum(weights[groups[g][0]] for g in b) for b in bins]
    # LPT: no bin exceeds the ideal share by more than the largest group.
    assert max(loads) <= sum(loads) / 3 + 9
    assert shards.balance(groups, weights, 3) == bins  # deterministic


def test_estimate_falls_back_to_siblings_then_default():
    known = {"a.py::x": 4.0, "a.py::y": 6.0}
    got = shards.estimate(["a.py::x", "a.py::new", "b.py::z"], known)
    assert got == {"a.py::x": 4.0, "a.py::new": 5.0, "b.py::z": shards.DEFAULT_DURATION_S}


def test_rerun_command_names_tier_seed_and_waves():
    cmd = report.rerun_command("tb/g/test_g.py::t[tiny]", 7, "sim", sim=True)
    assert cmd == "nox -R -s sim -- 'tb/g/test_g.py::t[tiny]' --sim-seed 7 --waves"
    assert report.rerun_command("g.py::t", 7, None, sim=False) == (
        "python -m pytest g.py::t --sim-seed 7"
    )


def test_summary_records_failures_with_a_rerun_that_reproduces(project, tmp_path):
    out = tmp_path / "rep"
    res = project.runpytest("--sim-seed", "3", "--report-dir", str(out))
    res.assert_outcomes(passed=9, failed=3)
    summary = _summary(out)
    assert summary["seed"] == 3 and not summary["ok"]
    assert summary["totals"] == {"passed": 9, "failed": 3, "error": 0, "skipped": 0}
    assert summary["configurations"] == ["a", "b", "c"]
    failed = [t for t in summary["tests"] if t["outcome"] == "failed"]
    assert {t["nodeid"] for t in failed} == {f"test_project.py::test_odd[{c}]" for c in "abc"}
    assert all("seed 3 is odd" in t["message"] for t in failed)
    assert (out / "junit.xml").is_file()
    md = (out / "summary.md").read_text()
    assert "## Failures" in md and failed[0]["rerun"] in md
    # The terminal ends with each failure's message and its rerun command.
    res.stdout.fnmatch_lines([
        "*failures: what differed, and the command that reruns each alone*",
        "test_project.py::test_odd[[]a[]]:",
        "    AssertionError: seed 3 is odd*",
        f"    rerun (same seed, waveform): {failed[0]['rerun']}",
    ])  # fmt: skip
    # The printed command, run as it stands, fails the same way with the same seed.
    argv = shlex.split(failed[0]["rerun"])
    assert argv[:3] == ["python", "-m", "pytest"]
    rerun_out = tmp_path / "rerun"
    proc = subprocess.run(
        [sys.executable, *argv[1:], "--report-dir", str(rerun_out), "-p", "no:cacheprovider"],
        cwd=project.path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1, proc.stdout
    again = _summary(rerun_out)
    assert again["seed"] == 3 and again["totals"]["failed"] == 1
    assert again["tests"][0]["nodeid"] == failed[0]["nodeid"]


def test_workers_share_the_seed(project, tmp_path):
    out = tmp_path / "rep"
    res = project.runpytest_subprocess(
        "-n", "2", "--dist", "loadfile", "--sim-seed", "4", "--report-dir", str(out)
    )
    res.assert_outcomes(passed=12)
    summary = _summary(out)
    assert summary["seed"] == 4 and summary["configurations"] == ["a", "b", "c"]
    assert {t["seed"] for t in summary["tests"]} == {4}


def test_workers_take_the_heaviest_file_first(project, tmp_path, monkeypatch):
    project.makepyfile(test_light="def test_light():\n    pass\n")
    durations = tmp_path / "durations.json"
    recorded = {"test_light.py::test_light": 0.1, "test_project.py::test_odd[a]": 50.0}
    durations.write_text(json.dumps({"tests": recorded}))
    monkeypatch.setenv("EDGEMOE_DURATIONS", str(durations))
    out = tmp_path / "rep"
    project.runpytest_subprocess(
        "-n", "1", "--dist", "loadfile", "--sim-seed", "2", "--report-dir", str(out)
    ).assert_outcomes(passed=13)
    ran = [tc.get("name") for tc in ET.parse(out / "junit.xml").getroot().iter("testcase")]
    # test_light.py sorts first by name; test_project.py weighs more and runs first.
    assert ran[-1] == "test_light" and len(ran) == 13


def test_two_shards_are_disjoint_and_merge_into_one_report(project, tmp_path):
    folders = []
    for k in (1, 2):
        out = tmp_path / f"shard-{k}"
        project.runpytest("--shard", f"{k}/2", "--sim-seed", "6", "--report-dir", str(out))
        folders.append(out)
    a, b = (_summary(f) for f in folders)
    ids_a = {t["nodeid"] for t in a["tests"]}
    ids_b = {t["nodeid"] for t in b["tests"]}
    assert ids_a and ids_b and not ids_a & ids_b and len(ids_a | ids_b) == 12
    # A configuration never straddles two shards.
    cfg_a = {c for t in a["tests"] for c in t["configs"]}
    cfg_b = {c for t in b["tests"] for c in t["configs"]}
    assert not cfg_a & cfg_b
    merged_dir = tmp_path / "merged"
    assert cli.main(["merge", *map(str, folders), "--out", str(merged_dir)]) == 0
    merged = _summary(merged_dir)
    assert merged["totals"]["passed"] == 12 and len(merged["shards"]) == 2
    junit = ET.parse(merged_dir / "junit.xml").getroot()
    assert junit.get("tests") == "12"
    assert len(list(junit.iter("testcase"))) == 12


def test_merge_refuses_shards_of_different_seeds(project, tmp_path):
    for k, seed in ((1, "6"), (2, "8")):
        project.runpytest(
            "--shard", f"{k}/2", "--sim-seed", seed, "--report-dir", str(tmp_path / f"s{k}")
        )
    with pytest.raises(cli.MergeError, match="different seeds"):
        cli.merge([tmp_path / "s1", tmp_path / "s2"], tmp_path / "m")
    with pytest.raises(cli.MergeError, match=r"no summary\.json"):
        cli.merge([tmp_path / "absent"], tmp_path / "m")


def test_randomised_only_keeps_seeded_tests(pytester: pytest.Pytester, tmp_path):
    pytester.makeconftest('pytest_plugins = ("ci.regression.plugin",)')
    pytester.makepyfile(
        test_mixed="""
import pytest

@pytest.fixture
def seed_report():
    return 1

def test_fixed():
    pass

def test_seeded(seed_report):
    pass
"""
    )
    res = pytester.runpytest("--randomised-only", "--report-dir", str(tmp_path / "r"))
    res.assert_outcomes(passed=1, deselected=1)
    assert [t["nodeid"] for t in _summary(tmp_path / "r")["tests"]] == [
        "test_mixed.py::test_seeded"
    ]


# ---------------------------------------------------------------- the flake hunt


def _git(path, *args):
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}  # fmt: skip
    subprocess.run(["git", *args], cwd=path, check=True, capture_output=True, env=env)


def test_flake_hunt_reports_each_failing_seed(project, capsys):
    out = project.path / "flakes"
    code = cli.hunt_flakes(4, [], out, resume=False)
    doc = json.loads((out / "summary.json").read_text())
    odd = [s for s in doc["seeds"] if s % 2]
    assert len(doc["runs"]) == 4 and doc["flakes"] == 3 * len(odd)
    assert code == (1 if odd else 0)
    md = (out / "summary.md").read_text()
    for seed in odd:
        assert f"(seed {seed}): AssertionError: seed {seed} is odd" in md


def test_flake_hunt_resumes_at_the_same_commit(project):
    _git(project.path, "init", "-q")
    _git(project.path, "add", "test_project.py", "conftest.py")
    _git(project.path, "commit", "-q", "-m", "project")
    (project.path / ".gitignore").write_text("flakes/\n")
    out = project.path / "flakes"
    cli.hunt_flakes(2, ["-k", "test_many"], out)
    first = json.loads((out / "summary.json").read_text())["seeds"]
    cli.hunt_flakes(3, ["-k", "test_many"], out)  # one more run, the two counted
    doc = json.loads((out / "summary.json").read_text())
    assert doc["seeds"][:2] == first and len(doc["seeds"]) == 3
    assert len(list(out.glob("run-*"))) == 3
    cli.hunt_flakes(1, ["-k", "test_odd"], out)  # other arguments: a new run
    assert len(list(out.glob("run-*"))) == 4
    # Uncommitted changes: nothing earlier counts, and this run will not count later.
    (project.path / "test_project.py").write_text(PROJECT_TESTS + "\n# changed\n")
    cli.hunt_flakes(2, ["-k", "test_many"], out)
    assert len(list(out.glob("run-*"))) == 6
    assert json.loads((out / "summary.json").read_text())["dirty"] is True
