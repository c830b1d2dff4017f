"""``python -m golden.errorbounds``: measure every approximation and write the reports.

Writes ``<out>/summary.json`` (sections of measurements not run this time are
kept), ``<out>/summary.md`` and PNG plots.  With ``--gate``, exits non-zero
when any gate of DESIGN.md section 3 (``gates.py``) fails.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from golden.errorbounds import approx as approx_bounds
from golden.errorbounds import gates, report
from golden.errorbounds import gelu as gelu_bounds
from hls.config import CONFIG_NAMES, load_config

GELU_TARGET = 1.5e-5
SWEEP_STEPS = (5, 6, 7, 8)
SWEEP_TABLE_BITS = (16, 18, 20, 24)


def run_gelu(summary: dict, out: Path, configs: list[str]) -> str:
    cfgs = [load_config(name) for name in configs]
    product = load_config("m3vit")
    if "m3vit" not in configs:
        cfgs.append(product)
    variants = gelu_bounds.sweep_variants(product, SWEEP_STEPS, SWEEP_TABLE_BITS)
    oracle = gelu_bounds.check_reference_with_mpmath(product)
    sections, sweep = gelu_bounds.measure(cfgs, variants)
    gate = next(g.limit for g in gates.GATES if g.path == "gelu.max_abs")
    best = gelu_bounds.smallest_rom_reaching(sweep, GELU_TARGET)
    report.plot_gelu(sections, gate, GELU_TARGET, out / "gelu_error.png")
    public = {name: {k: v for k, v in s.items() if k != "envelope"} for name, s in sections.items()}
    summary["gelu"] = {**public["m3vit"], "reference_check": oracle}
    summary["gelu_by_config"] = public
    summary["gelu_table_sweep"] = {
        "target": GELU_TARGET,
        "rows": sweep,
        "smallest_meeting_target": best,
    }
    return report.gelu_markdown(sections, sweep, best, GELU_TARGET, gate)


def _approx_runner(name: str, measure, plot):
    """A MEASUREMENTS entry for one of golden/errorbounds/approx.py's functions (on m3vit)."""

    def run(summary: dict, out: Path, configs: list[str]) -> str:
        section = measure(load_config("m3vit"))
        limits = {g.path: g for g in gates.GATES if g.path.startswith(f"{name}.")}
        plot(section, limits, out / f"{name}_error.png")
        summary[name] = {k: v for k, v in section.items() if k != "envelope"}
        return report.approx_markdown(name, summary[name], limits)

    return run


def run_model(summary: dict, out: Path, configs: list[str]) -> str:
    from golden.errorbounds.model import measure_model  # imports torch: only when run

    section = measure_model(load_config("m3vit"))
    report.plot_model(section, out / "model_sqnr.png")
    summary["model"] = section
    return report.model_markdown(section)


MEASUREMENTS = {
    "gelu": run_gelu,
    "model": run_model,
    "exp": _approx_runner("exp", approx_bounds.measure_exp, report.plot_envelope),
    "reciprocal": _approx_runner(
        "reciprocal", approx_bounds.measure_reciprocal, report.plot_envelope
    ),
    "rsqrt": _approx_runner("rsqrt", approx_bounds.measure_rsqrt, report.plot_envelope),
    "softmax": _approx_runner("softmax", approx_bounds.measure_softmax, report.plot_by_class),
    "layernorm": _approx_runner("layernorm", approx_bounds.measure_layernorm, report.plot_by_class),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("reports/errorbounds"))
    parser.add_argument(
        "--only",
        action="append",
        choices=sorted(MEASUREMENTS),
        help="run only these measurements (repeatable); default: all",
    )
    parser.add_argument(
        "--config",
        action="append",
        choices=CONFIG_NAMES,
        help="configurations to measure (repeatable); default: all",
    )
    parser.add_argument(
        "--gate", action="store_true", help="exit 1 when a gate of DESIGN.md section 3 fails"
    )
    args = parser.parse_args(argv)  # fmt: skip
    summary_path = args.out / "summary.json"
    summary = report.read_summary(summary_path)
    markdown = ["# Error bounds", ""]
    for name in args.only or sorted(MEASUREMENTS):
        start = time.perf_counter()
        markdown.append(MEASUREMENTS[name](summary, args.out, args.config or list(CONFIG_NAMES)))
        print(f"errorbounds: {name} measured in {time.perf_counter() - start:.1f} s")
    report.write_summary(summary, summary_path)
    ok, lines = gates.check(summary)
    markdown += ["## Gates", "", *[f"- {line}" for line in lines], ""]
    (args.out / "summary.md").write_text("\n".join(markdown))
    print("\n".join(lines))
    print(f"errorbounds: wrote {summary_path}, {args.out / 'summary.md'}")
    if args.gate and not ok:
        print("errorbounds: a gate failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
