"""ci.coverage.functional: bins follow the golden model's own index arithmetic,
every classified value lands in its group's space, and counts merge across
files into a report that names every bin missed."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ci.coverage import COVERAGE_ENV, functional
from ci.coverage.functional import GROUPS, merge, report
from golden.config import load_config


def _values(group: str, cfg, rng):
    """Stimulus of the kind the group's bench drives."""
    feat = cfg.formats.feature
    if group == "gelu.segment":
        return rng.integers(feat.min_raw, feat.max_raw, size=20_000, endpoint=True)
    if group == "exp.range":
        return -rng.integers(0, 1 << 32, size=20_000)
    if group in ("recip.range", "rsqrt.range"):
        fmt = functional.nr_input_format(cfg, group.split(".")[0])
        return rng.integers(0, fmt.max_raw, size=20_000, endpoint=True) >> rng.integers(
            0, 40, 20_000
        )
    if group == "attention.jobs":
        kinds = ["increasing", "ties", "uniform8"]
        return [(int(n), kinds[n % 3]) for n in rng.integers(1, cfg.tokens + 1, size=50)]
    if group == "kernel.stop_after":
        from hls.registers import STOP_ALL

        return [STOP_ALL, 0, 3]
    if group == "topk.ties":
        return rng.integers(-3, 3, size=(500, cfg.experts))
    return rng.integers(0, cfg.experts, size=(cfg.tokens, cfg.top_k))


@pytest.mark.parametrize("group", sorted(GROUPS))
def test_every_classified_value_is_in_its_space(group):
    rng = np.random.default_rng(1)
    g = GROUPS[group]
    for name, overrides in g.configs:
        cfg = load_config(name, **dict(overrides))
        space = set(g.space(cfg))
        labels = set(np.asarray(list(g.classify(cfg, _values(group, cfg, rng))), dtype=str))
        assert labels and labels <= space, labels - space


def test_gelu_bins_are_the_segments_of_golden_gelu():
    cfg = load_config("tiny")
    m = cfg.formats.feature.frac_bits - cfg.gelu.step_log2
    x = np.array([0, 1, (1 << m) - 1, 1 << m, -(1 << m), (cfg.gelu.segments << m) - 1,
                  cfg.gelu.segments << m, -(cfg.gelu.segments << m)])  # fmt: skip
    last = cfg.gelu.segments - 1
    assert list(GROUPS["gelu.segment"].classify(cfg, x)) == [
        "+0", "+0", "+0", "+1", "-1", f"+{last}", "+beyond", "-beyond",
    ]  # fmt: skip


def test_queue_shapes():
    cfg = load_config("tiny")  # 4 experts, top-2, 9 tokens
    classify = GROUPS["queues.shape"].classify
    every = np.array([[0, 1], [2, 3]])
    full = np.array([[0, e % 3 + 1] for e in range(cfg.tokens)])
    assert classify(cfg, every) == ["every_expert_used"]
    assert classify(cfg, full) == ["every_expert_used", "all_tokens_to_one_expert", "max_length"]
    assert classify(cfg, np.array([[2, 2]])) == [
        "empty_expert", "all_tokens_to_one_expert", "repeated_expert_in_token", "single_token",
    ]  # fmt: skip


def test_merge_and_report(tmp_path):
    a = {"topk.ties": {"tiny[top_k=2]": {"distinct": 3, "tie_at_rank0": 1}}}
    b = {"topk.ties": {"tiny[top_k=2]": {"distinct": 2, "bogus": 1}}}
    (tmp_path / "a.json").write_text(json.dumps(a))
    (tmp_path / "b.json").write_text(json.dumps(b))
    hits = merge([tmp_path / "a.json", tmp_path / "b.json"])
    assert hits["topk.ties"]["tiny[top_k=2]"] == {"distinct": 5, "tie_at_rank0": 1, "bogus": 1}
    r = report(hits, {"topk.ties": GROUPS["topk.ties"]})
    assert r["per_group"]["topk.ties"]["tiny[top_k=2]"] == {"covered": 2, "total": 4}
    assert "topk.ties tiny[top_k=2] all_equal" in r["bins_missed"]
    assert "topk.ties m3vit[top_k=2] distinct" in r["bins_missed"]  # never sampled at all
    assert r["unknown"] == ["topk.ties[tiny[top_k=2]] bogus"]
    assert 0 < r["pct"] < 100


def test_sampling_writes_one_file_per_process_only_when_asked(tmp_path, monkeypatch):
    cfg = load_config("tiny")
    monkeypatch.setattr(functional, "_recorder", None)
    monkeypatch.delenv(COVERAGE_ENV, raising=False)
    functional.sample("topk.ties", cfg, np.array([[1, 2, 3, 4]]))
    assert functional._recorder is None  # off: nothing recorded
    monkeypatch.setenv(COVERAGE_ENV, str(tmp_path))
    functional.sample("topk.ties", cfg, np.array([[1, 2, 3, 4], [1, 1, 1, 1]]))
    functional.sample("topk.ties", cfg, np.array([[5, 6, 7, 8]]))
    functional._recorder.write()  # what atexit does when the process ends
    (path,) = tmp_path.glob("functional-*.json")
    assert merge([path]) == {
        "topk.ties": {"tiny[top_k=2]": {"distinct": 2, "tie_at_rank0": 1, "tie_at_rank1": 1,
                                         "all_equal": 1}}
    }  # fmt: skip
