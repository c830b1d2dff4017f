"""coverage/testplan.toml: every feature has a test, and every test it names exists."""

from __future__ import annotations

import pytest

from ci.coverage.functional import GROUPS
from ci.coverage.testplan import TESTPLAN, TestplanError, load, problems


def test_the_testplan_is_complete_and_every_test_exists():
    features = load(TESTPLAN)
    assert len(features) >= 30
    assert problems(features, groups=GROUPS) == []
    # Every functional coverage group is part of some feature.
    assert set(GROUPS) <= {b for f in features for b in f.bins}
    ids = {f.id for f in features}
    # The five Edge-MoE techniques each have their entry.
    assert {i for i in ids if i.startswith("edge_moe.")} == {
        "edge_moe.attention_reordering", "edge_moe.online_softmax", "edge_moe.gelu_table",
        "edge_moe.unified_linear_engine", "edge_moe.patch_reordering",
    }  # fmt: skip


def _plan(tmp_path, body: str):
    path = tmp_path / "testplan.toml"
    path.write_text(body)
    return load(path)


def test_a_feature_without_a_test_fails(tmp_path):
    plan = _plan(tmp_path, '[[feature]]\nid = "a.b"\ndesign = "x"\nwhat = "y"\n')
    assert problems(plan) == ["a.b: no test verifies it"]


def test_a_test_or_group_that_does_not_exist_fails(tmp_path):
    plan = _plan(
        tmp_path,
        '[[feature]]\nid = "a.b"\ndesign = "x"\nwhat = "y"\n'
        'tests = ["tb/gelu/test_gelu.py::test_gelu_stream", "tb/gelu/test_gelu.py::test_nope",'
        ' "tb/nope.py::test_x", "no_separator"]\n'
        'cocotb = ["tb.ctrl.ctrl_tests:ctrl_args", "tb.ctrl.ctrl_tests:ctrl_nope"]\n'
        'bins = ["gelu.nope"]\n'
        '[[feature]]\nid = "a.b"\ndesign = "x"\nwhat = "y"\n'
        'tests = ["tb/gelu/test_gelu.py::test_gelu_stream"]\n',
    )
    assert problems(plan) == [
        "a.b: test 'tb/gelu/test_gelu.py::test_nope': tb/gelu/test_gelu.py defines no test_nope",
        "a.b: test 'tb/nope.py::test_x': no file tb/nope.py",
        "a.b: test 'no_separator' is not 'path::function'",
        "a.b: cocotb test 'tb.ctrl.ctrl_tests:ctrl_nope': tb.ctrl.ctrl_tests has no @cocotb.test "
        "ctrl_nope",
        "a.b: no coverage group 'gelu.nope'",
        "a.b: the id is used twice",
    ]


def test_a_malformed_plan_is_an_error(tmp_path):
    with pytest.raises(TestplanError, match="missing"):
        _plan(tmp_path, '[[feature]]\nid = "a.b"\n')
    with pytest.raises(TestplanError, match="unknown"):
        _plan(tmp_path, '[[feature]]\nid = "a"\ndesign = "x"\nwhat = "y"\ntest = []\n')


def test_the_regression_report_links_each_feature_to_its_results(tmp_path):
    from ci.regression.report import _markdown, summarise, testplan_results

    path = tmp_path / "testplan.toml"
    path.write_text(
        '[[feature]]\nid = "a.ok"\ndesign = "x"\nwhat = "y"\ntests = ["t/test_a.py::test_a"]\n'
        '[[feature]]\nid = "a.bad"\ndesign = "x"\nwhat = "y"\n'
        'tests = ["t/test_a.py::test_a", "t/test_b.py::test_b"]\n'
        '[[feature]]\nid = "a.idle"\ndesign = "x"\nwhat = "y"\ntests = ["t/test_c.py::test_c"]\n'
    )
    tests = [
        {"nodeid": "t/test_a.py::test_a[tiny]", "outcome": "passed"},
        {"nodeid": "t/test_a.py::test_a[m3vit]", "outcome": "passed"},
        {"nodeid": "t/test_b.py::test_b", "outcome": "failed"},
    ]
    got = {f["feature"]: (f["status"], f["passed"], f["failed"]) for f in
           testplan_results(tests, path)}  # fmt: skip
    assert got == {"a.ok": ("passed", 2, 0), "a.bad": ("failed", 2, 1), "a.idle": ("not run", 0, 0)}
    # The real testplan, in the markdown of a run of one of its tests.
    run = [{"nodeid": "tb/gelu/test_gelu.py::test_gelu_stream[tiny]", "outcome": "passed",
            "duration_s": 1.0, "group": "g", "seed": 1, "rerun": "x"}]  # fmt: skip
    text = _markdown(summarise({}, run))
    assert "| `edge_moe.gelu_table` | passed | 1 | 0 | 0 |" in text
