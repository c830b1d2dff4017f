"""``python -m golden.errorbounds``: measure every approximation and write the reports.

Writes ``<out>/summary.json`` (sections of measurements not run this time are
kept), ``<out>/summary.md`` (always rendered from the whole summary.json) and
PNG plots.  Gates (``gates.py``) of sections never measured are reported as
"not measured"; with ``--gate`` they fail, as does any gate that does not
hold, and the exit status is 1.  A measurement that cannot run (the model
without PyTorch) prints one line and makes the exit status 1.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from golden.config import CONFIG_NAMES, KernelConfig, config_argument, load_config
from golden.errorbounds import approx as approx_bounds
from golden.errorbounds import gates, report
from golden.errorbounds import gelu as gelu_bounds

PRODUCT = "m3vit"  # the configuration the gates apply to: always measured
SWEEP_STEPS = (5, 6, 7, 8)
SWEEP_TABLE_BITS = (16, 18, 20, 24)


class Unavailable(RuntimeError):
    """A measurement that cannot run here (a missing optional dependency)."""


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _distinct(cfgs: list[KernelConfig], key: Callable) -> dict[str, str | None]:
    """config name -> None (measure it) or the name of an earlier config with the same key."""
    seen: dict = {}
    out: dict[str, str | None] = {}
    for c in cfgs:
        k = key(c)
        out[c.name] = seen.get(k)
        seen.setdefault(k, c.name)
    return out


def run_gelu(summary: dict, out: Path, cfgs: list[KernelConfig]) -> None:
    product = next(c for c in cfgs if c.name == PRODUCT)
    same = _distinct(cfgs, lambda c: (c.gelu, c.formats.feature))
    measured = [c for c in cfgs if same[c.name] is None]
    variants = gelu_bounds.sweep_variants(product, SWEEP_STEPS, SWEEP_TABLE_BITS)
    oracle = gelu_bounds.check_reference_with_mpmath(product)
    sections, sweep = gelu_bounds.measure(measured, variants)
    target = gates.DESIGN["gelu.max_abs"].target
    best = gelu_bounds.smallest_rom_reaching(sweep, target)
    report.plot_gelu(sections, gates.gate_for(summary, "gelu.max_abs"), out / "gelu_error.png")
    public = {n: {k: v for k, v in s.items() if k != "envelope"} for n, s in sections.items()}
    at = _now()
    summary["gelu"] = {**public[PRODUCT], "reference_check": oracle, "measured_at": at}
    summary["gelu_by_config"] = {
        c.name: public[c.name] if same[c.name] is None else {"same_as": same[c.name]} for c in cfgs
    }
    summary["gelu_table_sweep"] = {
        "target": target,
        "rows": sweep,
        "smallest_meeting_target": best,
    }


def _per_config_runner(name: str, measure: Callable, key: Callable, plot: Callable):
    """A MEASUREMENTS entry: ``measure(cfg)`` once per distinct ``key(cfg)``, plotted for m3vit."""

    def run(summary: dict, out: Path, cfgs: list[KernelConfig]) -> None:
        same = _distinct(cfgs, key)
        at = _now()
        by_config = {}
        for c in cfgs:
            if same[c.name] is not None:
                by_config[c.name] = {"same_as": same[c.name]}
                continue
            section = measure(c)
            if c.name == PRODUCT:
                plot(name, section, summary, out / f"{name}_error.png")
            public = {k: v for k, v in section.items() if k != "envelope"}
            by_config[c.name] = {"config": c.name, "measured_at": at, **public}
        product = by_config[PRODUCT]
        if "same_as" in product:
            product = {**by_config[product["same_as"]], "config": PRODUCT}
        summary[name] = product
        summary[f"{name}_by_config"] = by_config

    return run


def _plot_envelope(name, section, summary, path):
    path_key = "exp.max_abs" if name == "exp" else f"{name}.max_rel"
    report.plot_envelope(name, section, gates.gate_for(summary, path_key), path)


def _plot_by_class(name, section, summary, path):
    report.plot_by_class(name, section, list(gates.GATES), path)


def run_model(summary: dict, out: Path, cfgs: list[KernelConfig]) -> None:
    try:
        from golden.errorbounds.model import measure_model  # imports torch: only when run
    except ModuleNotFoundError as exc:
        if exc.name != "torch":
            raise
        raise Unavailable(
            "needs PyTorch, which is not installed: install the `float` extra "
            "(pip install -e '.[float]')"
        ) from None
    at = _now()
    by_config = {}
    for c in cfgs:
        section = measure_model(c)
        section["measured_at"] = at
        if c.name == PRODUCT:
            summary["model"] = section
            print(f"errorbounds: model: {section['weights']}")
        by_config[c.name] = {
            k: section[k]
            for k in ("config", "weights", "weights_kind", "min_layer_sqnr_db", "min_sqnr_by_task")
        }
    summary["model_by_config"] = by_config
    report.plot_model(summary["model"], gates.gate_for(summary, "model.min_layer_sqnr_db"),
                      out / "model_sqnr.png")  # fmt: skip


MEASUREMENTS: dict[str, Callable] = {
    "gelu": run_gelu,
    "exp": _per_config_runner(
        "exp", approx_bounds.measure_exp,
        lambda c: (c.exp, c.formats.feature, c.formats.exp_out), _plot_envelope),
    "reciprocal": _per_config_runner(
        "reciprocal", approx_bounds.measure_reciprocal,
        lambda c: (c.recip, c.formats.softmax_sum), _plot_envelope),
    "rsqrt": _per_config_runner(
        "rsqrt", approx_bounds.measure_rsqrt,
        lambda c: (c.rsqrt, c.formats.ln_var), _plot_envelope),
    "softmax": _per_config_runner(
        "softmax", approx_bounds.measure_softmax,
        lambda c: (c.exp, c.recip, c.formats), _plot_by_class),
    "layernorm": _per_config_runner(
        "layernorm", approx_bounds.measure_layernorm,
        lambda c: (c.rsqrt, c.formats, c.dim, c.ln_eps), _plot_by_class),
    "model": run_model,
}  # fmt: skip
assert tuple(MEASUREMENTS) == report.ORDER


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("reports/errorbounds"))
    parser.add_argument(
        "--only",
        action="append",
        choices=report.ORDER,
        help="run only these measurements (repeatable); default: all. summary.md still "
        "shows every section measured so far in --out",
    )
    parser.add_argument(
        "--config",
        action="append",
        type=config_argument,
        metavar="NAME|FILE.toml",
        help=f"configurations to measure (repeatable; a preset or a configuration file); "
        f"default: all ({', '.join(CONFIG_NAMES)}). "
        f"Applies to every measurement; {PRODUCT}, the configuration the gates apply to, is "
        "always measured too.  Units whose parameters two configurations share are measured "
        f"once; the model uses the real weights for {PRODUCT} only (synthetic ones otherwise)",
    )
    parser.add_argument(
        "--gate",
        action="store_true",
        help="exit 1 when a gate fails or was never measured in --out",
    )
    args = parser.parse_args(argv)  # fmt: skip
    # The product first: configurations sharing its units refer to its sections.
    names = list(dict.fromkeys([PRODUCT, *(args.config or CONFIG_NAMES)]))
    cfgs = [load_config(n) for n in names]
    taken = [c.name for c in cfgs]
    if len(set(taken)) != len(taken):
        parser.error(f"two configurations share a name ({taken}): reports are kept by name")
    summary_path = args.out / "summary.json"
    args.out.mkdir(parents=True, exist_ok=True)
    summary = report.read_summary(summary_path)
    unavailable = summary.setdefault("unavailable", {})
    failed_runs = []
    for name in args.only or report.ORDER:
        start = time.perf_counter()
        try:
            MEASUREMENTS[name](summary, args.out, cfgs)
        except Unavailable as exc:
            print(f"errorbounds: {name}: NOT MEASURED: {exc}", file=sys.stderr)
            unavailable[name] = str(exc)
            failed_runs.append(name)
            continue
        unavailable.pop(name, None)
        print(f"errorbounds: {name} measured in {time.perf_counter() - start:.1f} s", flush=True)
    if not unavailable:
        summary.pop("unavailable")
    ok, results = gates.check(summary, require_all=args.gate)
    summary["gates"] = [r.as_dict() for r in results]
    report.write_summary(summary, summary_path)
    (args.out / "summary.md").write_text(report.render_markdown(summary, results))
    print("\n".join(r.line() for r in results))
    print(f"errorbounds: wrote {summary_path}, {args.out / 'summary.md'}")
    status = 0
    if failed_runs:
        print(f"errorbounds: could not measure {', '.join(failed_runs)}", file=sys.stderr)
        status = 1
    if not ok:
        failing = [r.gate.path for r in results if r.status == "FAIL"]
        if args.gate:
            print(f"errorbounds: gate check failed: {', '.join(failing)}", file=sys.stderr)
            status = 1
        else:
            print(f"errorbounds: {len(failing)} gate(s) FAIL (exit status 1 only with --gate)")
    return status


if __name__ == "__main__":
    sys.exit(main())
