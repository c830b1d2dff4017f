"""The error-bound reports: gates, exact reciprocal/rsqrt errors, plots, partial runs, CLI."""

from __future__ import annotations

import io
import json
import math
import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import mpmath
import numpy as np
import pytest

from golden.approx.reciprocal import reciprocal_mantissa, reciprocal_parts
from golden.approx.rsqrt import rsqrt_mantissa, rsqrt_parts
from golden.config import load_config
from golden.errorbounds import approx, gates, report
from golden.errorbounds import gelu as gelu_bounds
from golden.errorbounds.__main__ import main
from golden.errorbounds.progress import Progress
from golden.fixed import ap_ufixed

ROOT = Path(__file__).resolve().parents[2]
CFG = load_config("m3vit")
M = CFG.recip.mant_bits

# ---------------------------------------------------------------- gates


def test_every_gate_is_within_2x_of_its_measurement_or_the_design_target():
    for g in gates.GATES:
        d = g.design
        assert g.path in gates.DESIGN
        # never looser than the design target (nor, a fortiori, the outer gate)
        assert g.limit <= d.target if g.compare == "<=" else g.limit >= d.target, g
        if g.basis == "target":
            assert g.limit == d.target and g.set_from is None, g
        else:
            assert g.basis == "measured" and g.set_from is not None, g
            assert g.holds(g.set_from), g
            if d.unit == "dB":  # 2x in error amplitude = 6.02 dB
                assert 0 < g.set_from - g.limit <= gates.AMPLITUDE_DB, g
            else:
                assert 1 < g.limit / g.set_from <= 2, g


def test_gates_unmeasured_are_not_failures_unless_required():
    ok, results = gates.check({})
    assert ok and {r.status for r in results} == {"not measured"}
    assert len(results) == len({g.path for g in gates.GATES})  # one per quantity
    ok, results = gates.check({}, require_all=True)
    assert not ok and {r.status for r in results} == {"FAIL"}
    line = results[0].line()
    assert line.startswith("FAIL gelu.max_abs: not measured") and "--only gelu" in line


def test_model_gate_follows_the_weights_kind():
    def model(kind, db):
        return {"model": {"weights_kind": kind, "min_layer_sqnr_db": db}}

    for kind, db, passed in (("real", 100.0, True), ("real", 98.0, False),
                             ("synthetic", 110.0, True), ("synthetic", 105.0, False)):  # fmt: skip
        _, results = gates.check(model(kind, db))
        (r,) = [r for r in results if r.gate.path == "model.min_layer_sqnr_db"]
        assert r.gate.applies == ("model.weights_kind", kind)
        assert r.passed is passed


def test_margin_is_a_ratio_or_db():
    g = next(g for g in gates.GATES if g.path == "reciprocal.max_rel")
    ratio, text = gates.margin(g, g.limit / 2)
    assert ratio == pytest.approx(2) and text.startswith("2.00x (+1.00 bits)")
    g = next(g for g in gates.GATES if g.path == "layernorm.min_sqnr_db")
    db, text = gates.margin(g, g.limit + 6.0206)
    assert db == pytest.approx(6.0206) and "(2.00x)" in text


# ---------------------------------------------------------------- exact 1/x and 1/sqrt(x)


def _y(fn, m_raw):
    parts, span = (reciprocal_parts, 1) if fn == "recip" else (rsqrt_parts, 2)
    y, scale = parts(np.array([m_raw]), ap_ufixed(M + span, span), CFG)
    assert scale[0] == 0
    return int(y[0])


def test_gelu_reference_tails_are_what_crfix_computes():
    """The GELU reference skips crfix for |x| >= TAIL (0 or x exactly): crfix itself
    agrees around the threshold and at the domain's ends."""
    import crfix

    frac = load_config("m3vit").formats.feature.frac_bits
    tail = int(gelu_bounds.TAIL * 2**frac)
    lo, hi = (int(v * 2**frac) for v in gelu_bounds.DOMAIN)
    x = np.concatenate([np.arange(c - 2000, c + 2000) for c in (-tail, tail)]
                       + [np.arange(lo, lo + 2000), np.arange(hi - 2000, hi)])  # fmt: skip
    direct = crfix.gelu(x.astype(np.int32), fin=frac, fout=gelu_bounds.REF_FRAC, bits=32)
    assert (gelu_bounds._reference(x, frac) == direct).all()


@pytest.mark.parametrize("fn", ["recip", "rsqrt"])
def test_the_exhaustive_sweep_runs_the_units_own_datapath(fn):
    """The sweep calls the mantissa datapath directly: on normalised mantissas the
    whole unit (normalisation included) returns the same y with scale 0."""
    parts, mantissa, span = (
        (reciprocal_parts, reciprocal_mantissa, 1) if fn == "recip"
        else (rsqrt_parts, rsqrt_mantissa, 2)
    )  # fmt: skip
    lo, hi = 1 << M, 1 << (M + span)
    rng = np.random.default_rng(2)
    edges = [lo, lo + 1, hi - 1, hi - 2, (2 << M) - 1] + ([2 << M] if span == 2 else [])
    m = np.concatenate([edges, rng.integers(lo, hi, 4000)]).astype(np.int64)
    y, scale = parts(m, ap_ufixed(M + span, span), CFG)
    assert not scale.any()
    np.testing.assert_array_equal(mantissa(m, CFG), y)


def test_reciprocal_exact_error_agrees_with_mpmath_at_the_reported_input():
    # The independent check's m = 1.007885695, on the old 24-bit grid and the unit's 30-bit one.
    for m_raw in (round(1.007885695 * 2**24) << (M - 24), round(1.007885695 * 2**M)):
        y = _y("recip", m_raw)
        exact = approx.exact_rel_error("recip", m_raw, y, M)
        assert exact == Fraction(y * m_raw - (1 << 2 * M), 1 << 2 * M)  # integers only
        with mpmath.workdps(100):
            gap = abs(approx.mpmath_rel_error("recip", m_raw, y, M)
                      - mpmath.mpf(exact.numerator) / exact.denominator)  # fmt: skip
            assert gap < mpmath.mpf(10) ** -95
    assert float(approx.exact_rel_error("recip", 1082209024, _y("recip", 1082209024), M)) == (
        pytest.approx(-4.0796e-9, abs=1e-13)
    )


def test_rsqrt_exact_error_agrees_with_mpmath_including_a_truncated_tail():
    cases = [(1 << M, (0, 0)), (4293535670, (0, 0)), (4293989415, ((1 << 29) - 1, 29)),
             (3 << (M - 1), (12345, 17))]  # fmt: skip
    for m_raw, tail in cases:
        y = _y("rsqrt", m_raw)
        exact = approx.exact_rel_error("rsqrt", m_raw, y, M, tail)
        with mpmath.workdps(100):
            gap = abs(approx.mpmath_rel_error("rsqrt", m_raw, y, M, tail)
                      - mpmath.mpf(exact.numerator) / exact.denominator)  # fmt: skip
            assert gap < mpmath.mpf(10) ** -75


def test_tail_bits_of_the_served_formats():
    assert approx.tail_bits("recip", CFG.formats.softmax_sum, M) == (13, 0)
    assert approx.tail_bits("rsqrt", CFG.formats.ln_var, M) == (31, 29)


@pytest.mark.parametrize(
    ("fn", "center", "worst_rel"),
    [("recip", 1082145724, -4705261760 / 2**60), ("rsqrt", 4293535670, None)],
)
def test_exhaustive_maximum_bounds_every_sampled_error(fn, center, worst_rel):
    """On a window of 2**15 mantissas around the reported worst input: the exact
    maxima are attained, and no mpmath-evaluated sample (with or without a
    truncated tail) exceeds them."""
    served = CFG.formats.softmax_sum if fn == "recip" else CFG.formats.ln_var
    lo, hi = center - (1 << 14), center + (1 << 14)
    sec = approx.exhaustive_unit_error(CFG, fn, served, mantissas=(lo, hi), progress=False)
    assert sec["points"] == hi - lo and sec["worst"]["m_raw"] == center
    if worst_rel is not None:
        assert sec["worst"]["rel"] == worst_rel  # the full run's maximum: exact
    assert sec["served"]["max_rel"] >= sec["max_rel"]
    rng = np.random.default_rng(0)
    extra = approx.tail_bits(fn, served, M)
    with mpmath.workdps(60):
        for m_raw in [center, *rng.integers(lo, hi, 40).tolist()]:
            y = _y(fn, m_raw)
            t = extra[0] if m_raw < (2 << M) else extra[1]
            for tail in ((0, 0), (int(rng.integers(0, 1 << t)), t), ((1 << t) - 1, t)):
                e = abs(float(approx.mpmath_rel_error(fn, m_raw, y, M, tail, dps=60)))
                assert e <= sec["served"]["max_rel"]
                if tail == (0, 0):
                    assert e <= sec["max_rel"]


def test_sampled_served_inputs_stay_within_the_exact_maximum():
    """Exact rationals on real softmax_sum inputs whose mantissa lies in the window."""
    fmt = CFG.formats.softmax_sum
    center = 1082145724
    sec = approx.exhaustive_unit_error(
        CFG, "recip", fmt, mantissas=(center - 64, center + 64), progress=False
    )
    rng = np.random.default_rng(1)
    shift = fmt.width - 1 - M  # top octave: 13 bits below the mantissa
    m = rng.integers(center - 64, center + 64, 50)
    x = (m << shift) + rng.integers(0, 1 << shift, 50)
    rel = approx.sweep_rel_errors("recip", x, fmt, CFG)
    assert rel.max() <= sec["served"]["max_rel"]


# ---------------------------------------------------------------- plots


def _envelope_section(top, key="m", n=512):
    xs = np.linspace(1, 2, n).tolist()
    return {"max_rel": top, "max_abs": top, "envelope": {
        key: xs, "err_max": [top] * n, "err_min": [-top / 2] * (n - 1) + [-math.inf]}}  # fmt: skip


def test_plots_have_bounded_size_titles_and_show_zeros(tmp_path):
    gate = {g.path: g for g in gates.GATES}
    report.plot_envelope("rsqrt", _envelope_section(1e-12), gate["rsqrt.max_rel"],
                         tmp_path / "rsqrt_error.png")  # fmt: skip
    report.plot_envelope("exp", _envelope_section(1e-3, "x"), gate["exp.max_abs"],
                         tmp_path / "exp_error.png")  # fmt: skip
    classes = ["random", "one-hot", "all-equal"]
    soft = {"by_class": [{"class": c, "length": n, "two_pass": 0.0 if c == "all-equal" else 1e-8,
                          "online": 0.0, "online_random_order": 3e-7}
                         for n in (9, 129, 1024, 4096) for c in classes * 10]}  # fmt: skip
    report.plot_by_class("softmax", soft, list(gates.GATES), tmp_path / "softmax_error.png")
    ln = {"by_class": [{"class": f"c{i}", "affine": "identity", "gated": i % 2 == 0,
                        "min_sqnr_db": None if i == 3 else 100.0 + i,
                        "rounded_reference_min_sqnr_db": None if i == 3 else 120.0}
                       for i in range(200)]}  # fmt: skip
    report.plot_by_class("layernorm", ln, list(gates.GATES), tmp_path / "layernorm_error.png")
    pngs = sorted(tmp_path.glob("*.png"))
    assert len(pngs) == 4
    for p in pngs:
        w, h = report.png_size(p)
        assert 0 < w <= report.MAX_PLOT_PX and 0 < h <= report.MAX_PLOT_PX, (p.name, w, h)
    shown, floor = report.log_floor([0.0, 1e-8, 3e-7])
    assert shown == [floor, 1e-8, 3e-7] and 0 < floor < 1e-8


# ---------------------------------------------------------------- progress


class _Clock:
    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t


def test_progress_is_quiet_off_a_terminal():
    clock, out = _Clock(), io.StringIO()
    bar = Progress("gelu", 1000, stream=out, clock=clock)
    for i in range(1, 101):
        clock.t = float(i)
        bar.update(10 * i)
    bar.close()
    lines = out.getvalue().splitlines()
    assert len(lines) == 3  # at 30, 60 and 90 s
    assert "30.0%" in lines[0] and "/s)" in lines[0] and "left" in lines[0]


def test_progress_rewrites_one_line_on_a_terminal():
    class Tty(io.StringIO):
        def isatty(self):
            return True

    clock, out = _Clock(), Tty()
    bar = Progress("rsqrt", 100, stream=out, clock=clock)
    for i in range(1, 11):
        clock.t = float(i)
        bar.update(10 * i)
    bar.close()
    assert bar.lines == 10 and "\n" not in out.getvalue() and out.getvalue().count("\r") == 11


# ---------------------------------------------------------------- partial runs, --config, CLI


def test_partial_runs_render_every_section_and_gate_only_when_asked(tmp_path, capsys):
    assert main(["--out", str(tmp_path), "--only", "softmax", "--config", "tiny"]) == 0
    first = capsys.readouterr().out
    assert "FAIL" not in first and "---- gelu.max_abs: not measured" in first
    assert main(["--out", str(tmp_path), "--only", "layernorm", "--config", "tiny"]) == 0
    summary = json.loads((tmp_path / "summary.json").read_text())
    md = (tmp_path / "summary.md").read_text()
    for title in report.TITLES.values():
        assert f"## {title}" in md
    assert "| all-equal | 1024 |" in md  # the softmax section of the first run is still there
    assert "Not measured yet: run `python -m golden.errorbounds --only gelu`" in md
    # --config applies: LayerNorm per dim; softmax's units are m3vit's, measured once
    assert summary["layernorm_by_config"]["tiny"]["dim"] == 32
    assert summary["layernorm"]["dim"] == 192
    assert summary["softmax_by_config"]["tiny"] == {"same_as": "m3vit"}
    statuses = {g["path"]: g["status"] for g in summary["gates"]}
    assert statuses["layernorm.min_sqnr_db"] == "pass"
    assert statuses["gelu.max_abs"] == "not measured"
    g = next(g for g in summary["gates"] if g["path"] == "layernorm.min_sqnr_db")
    assert {"measured", "gate", "margin", "design_target", "basis", "status"} <= set(g)
    capsys.readouterr()
    assert main(["--out", str(tmp_path), "--only", "softmax", "--gate"]) == 1
    captured = capsys.readouterr()
    assert "FAIL gelu.max_abs: not measured" in captured.out
    assert "gate check failed" in captured.err


def _no_torch_env(tmp_path: Path) -> dict:
    """An environment in which ``import torch`` fails as on a fresh errorbounds install."""
    stub = tmp_path / "no_torch" / "torch"
    stub.mkdir(parents=True)
    (stub / "__init__.py").write_text(
        "raise ModuleNotFoundError(\"No module named 'torch'\", name='torch')\n"
    )
    path = os.pathsep.join([str(stub.parent), str(ROOT), os.environ.get("PYTHONPATH", "")])
    return {**os.environ, "PYTHONPATH": path, "MPLBACKEND": "Agg"}


def test_cli_runs_softmax_without_torch_and_model_fails_in_one_line(tmp_path):
    env = _no_torch_env(tmp_path)
    out = tmp_path / "eb"
    run = subprocess.run(
        # softmax, the quickest measurement with a plot; --config tiny: the product
        # (m3vit) and one more, not every preset
        [sys.executable, "-m", "golden.errorbounds", "--only", "softmax", "--config", "tiny",
         "--out", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert "softmax_by_config" in summary and (out / "softmax_error.png").exists()
    run = subprocess.run(
        [sys.executable, "-m", "golden.errorbounds", "--only", "model", "--out", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    errors = [line for line in run.stderr.splitlines() if "model" in line]
    assert errors[0].startswith("errorbounds: model: NOT MEASURED: needs PyTorch")
    assert "softmax" in json.loads((out / "summary.json").read_text())  # kept
    assert "needs PyTorch" in (out / "summary.md").read_text()


def test_model_gate_holds_on_synthetic_weights_for_both_tasks(tmp_path, monkeypatch):
    """Where the real weights are absent (a fresh clone), m3vit runs on synthetic weights:
    the section says so and the per-layer SQNR gate for that case holds on each task."""
    pytest.importorskip("torch", reason="the model measurement needs the `float` extra")
    from golden.errorbounds.model import measure_model

    monkeypatch.delenv("EDGEMOE_WEIGHTS", raising=False)
    monkeypatch.setattr("golden.errorbounds.model.default_weights_dir", lambda: None)
    section = measure_model(CFG)
    assert section["weights_kind"] == "synthetic" and "REAL WEIGHTS ABSENT" in section["weights"]
    assert set(section["min_sqnr_by_task"]) == {"0", "1"}
    for task, db in section["min_sqnr_by_task"].items():
        _, results = gates.check({"model": {**section, "min_layer_sqnr_db": db}})
        (r,) = [r for r in results if r.gate.path == "model.min_layer_sqnr_db"]
        assert r.gate.applies == ("model.weights_kind", "synthetic")
        assert r.status == "pass", (task, r.line())
