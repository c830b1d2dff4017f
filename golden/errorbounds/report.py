"""Write the error-bound reports: summary.json, summary.md and PNG plots.

summary.md is always rendered from the whole summary.json (``render_markdown``),
so a partial run (``--only``) never drops the sections of earlier runs, and a
section never measured says so.  Gate and target figures come from
``gates.py``.  Every plot has a fixed size (``FIGSIZE`` inches at ``DPI``,
no tight bounding box), so no label can stretch it.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from golden.errorbounds.gates import DESIGN, Gate, Result

__all__ = [
    "MAX_PLOT_PX",
    "ORDER",
    "TITLES",
    "log_floor",
    "plot_by_class",
    "plot_envelope",
    "plot_gelu",
    "plot_model",
    "png_size",
    "read_summary",
    "render_markdown",
    "write_summary",
]

#: Sections of the report, in order, with their titles.
TITLES = {
    "gelu": "GELU",
    "exp": "exp(x), x <= 0",
    "reciprocal": "Reciprocal 1/x",
    "rsqrt": "Reciprocal square root 1/sqrt(x)",
    "softmax": "Softmax (two-pass and single-pass online)",
    "layernorm": "LayerNorm",
    "model": "Golden model against float",
}
ORDER = tuple(TITLES)
DPI = 100
MAX_PLOT_PX = 2000  # no plot is larger in either direction (tests check)


def read_summary(path: Path) -> dict:
    """The existing summary (sections of other measurements are kept), or {}."""
    if path.exists():
        try:
            return json.loads(path.read_text())
        except json.JSONDecodeError:
            return {}
    return {}


def write_summary(summary: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
    tmp.replace(path)  # never leave a half-written summary behind


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) in pixels from a PNG's IHDR chunk."""
    import struct

    head = Path(path).read_bytes()[:24]
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        raise ValueError(f"{path} is not a PNG")
    return struct.unpack(">II", head[16:24])


def _fmt(v: float | None) -> str:
    return "-" if v is None else f"{v:.3e}"


def gate_value_text(v: float | None, unit: str = "") -> str:
    """A measured value or gate as the reports print it (also ci/report_html)."""
    if v is None:
        return "-"
    if unit == "dB":
        return f"{v:.2f} dB"
    if unit == "flag":
        return "yes" if v >= 1 else "no"
    return f"{v:.4g}"


# ---------------------------------------------------------------- markdown


def gates_markdown(results: list[Result]) -> str:
    lines = [
        "## Gates",
        "",
        "Measured value, enforced gate and margin (errors: gate / measured, also in bits;",
        "SQNR: measured - gate in dB, also as an amplitude ratio), next to DESIGN.md",
        "section 3's outer gate / target.  A *measured*-based gate is 1.5x the value",
        "measured when it was set (SQNR: 3.5 dB); a *target*-based gate is the design target",
        "(see golden/errorbounds/gates.py).",
        "",
        "| quantity | measured | gate | margin | design outer / target | basis | status |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        d = r.as_dict()
        unit = r.gate.design.unit
        measured = (gate_value_text(r.value, unit) if r.value is not None
                    else f"not measured ({r.note})")  # fmt: skip
        cmp = "" if unit == "flag" else f"{d['compare']} "
        gate, outer, target = (gate_value_text(d[k], unit)
                               for k in ("gate", "design_outer", "design_target"))  # fmt: skip
        lines.append(
            f"| {d['quantity']} (`{d['path']}`"
            + (f", when {d['applies']}" if d["applies"] else "")
            + f") | {measured} | {cmp}{gate} | {d['margin_text']} "
            f"| {cmp}{outer} / {cmp}{target} "
            f"| {d['basis']} | **{d['status']}** |"
        )
    return "\n".join(lines) + "\n"


def _measured_at(s: dict) -> str:
    at = s.get("measured_at")
    return f"Measured {at}." if at else ""


def _by_config_lines(by_config: dict | None, columns, cells) -> list[str]:
    """A per-configuration table: ``cells(section)`` for each measured configuration."""
    if not by_config:
        return []
    lines = [
        "Per configuration (units with identical parameters are measured once):",
        "",
        "| config | " + " | ".join(columns) + " |",
        "|---|" + "---|" * len(columns),
    ]
    for name, s in by_config.items():
        if "same_as" in s:
            lines.append(f"| {name} | same unit as {s['same_as']} |" + " |" * (len(columns) - 1))
        else:
            lines.append(f"| {name} | " + " | ".join(cells(s)) + " |")
    return [*lines, ""]


def gelu_markdown(summary: dict) -> str:
    s = summary["gelu"]
    by_config = summary.get("gelu_by_config", {"m3vit": s})
    sweep = summary.get("gelu_table_sweep", {})
    target = DESIGN["gelu.max_abs"].target
    lines = [
        f"Error of the golden GELU (ReLU minus an interpolated delta table) against "
        f"{s['reference']}, over every representable input of the feature format in "
        f"[-8, 8). {_measured_at(s)}",
        "",
        "| config | step | entries x bits | ROM bits | max abs | mean abs | at x | points |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, c in by_config.items():
        if "same_as" in c:
            c = {**by_config[c["same_as"]], "config": name}
        lines.append(
            f"| {c['config']} | 2^-{c['step_log2']} | {c['table_entries']} x {c['table_bits']} "
            f"| {c['rom_bits']} | {_fmt(c['max_abs'])} | {_fmt(c['mean_abs'])} "
            f"| {c['argmax_x']:.7f} | {c['points']} |"
        )
    lines += [
        "",
        "### Table step and entry width against the target",
        "",
        "Max abs error over the negative half [-8, 0) (exhaustive; it is exactly the",
        "table's error, which the positive half repeats).",
        "",
        "| step | entry bits | entries | ROM bits | max abs | meets target |",
        "|---|---|---|---|---|---|",
    ]
    for r in sweep.get("rows", []):
        ok = "yes" if r["max_abs"] <= target else "no"
        lines.append(
            f"| 2^-{r['step_log2']} | {r['table_bits']} | {r['entries']} | {r['rom_bits']} "
            f"| {_fmt(r['max_abs'])} | {ok} |"
        )
    lines.append("")
    best = sweep.get("smallest_meeting_target")
    if best is None:
        lines.append(f"No swept table reaches {target:g}.")
    else:
        lines.append(
            f"Smallest ROM reaching {target:g}: step 2^-{best['step_log2']} with "
            f"{best['table_bits']}-bit entries, {best['entries']} entries = "
            f"{best['rom_bits']} bits ({best['rom_bits'] / 8192:.2f} KiB), max abs "
            f"{_fmt(best['max_abs'])}."
        )
    return "\n".join(lines) + "\n"


def _unit_markdown(name: str, s: dict, by_config: dict | None) -> list[str]:
    o, v, w = s["octave"], s["served"], s["sweep"]

    def at(worst: dict) -> str:
        tail = "" if worst["tail_lsb"] == "0" else f" + {worst['tail_lsb']} LSB"
        return f"m = {worst['m']:.12f} (raw {worst['m_raw']}{tail}), z - 1 = {worst['z_minus_1']}"

    trunc = ", ".join(f"{k}: {b}" for k, b in v["truncated_bits"].items())
    lines = [
        f"Seed ROM {s['table_entries']} x {s['table_entry_bits']} bits, "
        f"{s['newton_steps']} Newton step(s), {s['mant_bits']}-bit mantissas. "
        f"Method: {s['method']}; with m and y raw integers, z = y*m (1/x) or y^2*m (1/sqrt(x)) "
        "is an exact rational and the relative error (z - 1, or sqrt(z) - 1) grows with z, "
        "so its extremes are decided in integer arithmetic. "
        f"Cross-checked with mpmath at {s['reference_check']['mpmath_dps']} digits on "
        f"{s['reference_check']['samples']} inputs. {_measured_at(s)}",
        "",
        "| inputs | points | max rel | log2 | worst input |",
        "|---|---|---|---|---|",
        f"| every mantissa of [{o['interval'][0]}, {o['interval'][1]}) at {o['mant_bits']} "
        "fraction bits "
        f"| {o['points']} | {_fmt(o['max_rel'])} | {math.log2(o['max_rel']):.2f} "
        f"| {at(o['worst'])} |",
        f"| every input of {v['format']} (mantissa truncated below: at most {trunc} bits) "
        f"| all | {_fmt(v['max_rel'])} | {math.log2(v['max_rel']):.2f} | {at(v['worst'])} |",
        f"| log-spaced sample of {w['format']} ({w['reference']}) | {w['points']} "
        f"| {_fmt(w['max_rel'])} | {math.log2(w['max_rel']):.2f} | x = {w['argmax_x']:.6g} |",
        "",
        f"Largest positive error {_fmt(o['largest']['rel'])} at {at(o['largest'])}; "
        f"most negative {_fmt(o['smallest']['rel'])}; mean |error| {_fmt(o['mean_rel'])}.",
        "",
    ]
    lines += _by_config_lines(by_config, ["ROM", "Newton", "max rel"],
                              lambda c: [f"{c['table_entries']} x {c['table_entry_bits']}",
                                         str(c["newton_steps"]), _fmt(c["max_rel"])])  # fmt: skip
    return lines


def approx_markdown(name: str, summary: dict) -> str:
    """The markdown body of one approximation's measurement (exp, 1/x, 1/sqrt, softmax, LN)."""
    s = summary[name]
    by_config = summary.get(f"{name}_by_config")
    lines: list[str] = []
    if name == "exp":
        lines += [
            f"Every representable input of (-16, 0] ({s['points']} points) against "
            f"{s['reference']}; output {s['output_format']}; ROM {s['table_entries']} x "
            f"{s['table_entry_bits']} bits. {_measured_at(s)}",
            "",
            "| max abs | in u = 2^-22 | log2 | mean abs | at x | tail max abs | flush to 0 below |",
            "|---|---|---|---|---|---|---|",
            f"| {_fmt(s['max_abs'])} | {s['max_abs_u']:.3f} | {s['max_abs_log2']:.2f} "
            f"| {_fmt(s['mean_abs'])} | {s['argmax_x']:.7f} | {_fmt(s['tail_max_abs'])} "
            f"| {s['flush_to_zero_from']} |",
            "",
        ]
        lines += _by_config_lines(by_config, ["ROM", "max abs"],
                                  lambda c: [f"{c['table_entries']} x {c['table_entry_bits']}",
                                             _fmt(c["max_abs"])])  # fmt: skip
    elif name in ("reciprocal", "rsqrt"):
        lines += _unit_markdown(name, s, by_config)
    elif name == "softmax":
        lines += [
            f"{s['rows']} rows ({s['points']} probabilities) of lengths {s['lengths']} against "
            f"the {s['reference']} (which is within {_fmt(s['reference_vs_crfix_max_abs'])} "
            f"of crfix's correctly rounded softmax); probabilities {s['prob_format']}. "
            f"{_measured_at(s)}",
            f"Argmax kept: {'yes' if s['argmax_kept'] else 'NO'} ({s['argmax_definition']}).",
            "",
            "| class | length | rows | two-pass | online | online, random order |",
            "|---|---|---|---|---|---|",
        ]
        for r in s["by_class"]:
            lines.append(
                f"| {r['class']} | {r['length']} | {r['rows']} | {_fmt(r['two_pass'])} "
                f"| {_fmt(r['online'])} | {_fmt(r['online_random_order'])} |"
            )
        lines.append("")
        lines += _by_config_lines(by_config, ["max abs", "argmax kept"],
                                  lambda c: [_fmt(c["max_abs"]),
                                             "yes" if c["argmax_kept"] else "NO"])  # fmt: skip
    elif name == "layernorm":
        lines += [
            f"Rows of {s['dim']} features against the {s['reference']} (itself within "
            f"{_fmt(s['reference_vs_mpmath_max_abs'])} of mpmath). {s['note']}. "
            f"{_measured_at(s)}",
            "",
            "| class | affine | gated | min SQNR dB | median | rounded-reference min | "
            "exact rows | max abs |",
            "|---|---|---|---|---|---|---|---|",
        ]

        def db(v):
            return "exact" if v is None else f"{v:.1f}"

        for r in s["by_class"]:
            lines.append(
                f"| {r['class']} | {r['affine']} | {'yes' if r['gated'] else 'no'} "
                f"| {db(r['min_sqnr_db'])} | {db(r['median_sqnr_db'])} "
                f"| {db(r['rounded_reference_min_sqnr_db'])} | {r['exact_rows']} "
                f"| {_fmt(r['max_abs'])} |"
            )
        lines.append("")
        lines += _by_config_lines(by_config, ["dim", "min SQNR dB (gated classes)"],
                                  lambda c: [str(c["dim"]), f"{c['min_sqnr_db']:.2f}"])  # fmt: skip
    return "\n".join(lines) + "\n"


def model_markdown(summary: dict) -> str:
    """Per-layer tables of the golden model against float, one per task."""
    s = summary["model"]
    lines = [
        f"Configuration `{s['config']}`, weights: {s['weights']}. Synthesised tensors "
        f"(not in the real data): {len(s['synthesised'])}"
        + (f" ({', '.join(s['synthesised'])})" if s["synthesised"] else "")
        + f". Weights saturated by quantisation: {s['saturated_weights']}. {_measured_at(s)}",
        "",
        "*Arithmetic only*: each layer fed the golden model's own input and the same",
        "quantised weights, against float64. *End to end*: the golden model (quantised",
        "weights and image) against the float32 model with the original float weights.",
        "Experts: share of tokens whose chosen expert set equals the float model's.",
        "",
    ]
    for task, t in s["tasks"].items():
        lines += [
            f"### Task {task}",
            "",
            "| layer | kind | SQNR dB | max abs | experts | worst stage (SQNR dB) "
            "| end-to-end SQNR dB | e2e MSE | e2e max abs | e2e experts |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        for row, e2e in zip(t["per_layer"], t["end_to_end"], strict=True):
            worst = min(row["stages"].items(), key=lambda kv: kv[1]["sqnr_db"])
            kind = row["kind"] + (" (synthesised experts)" if row["synthesised_experts"] else "")
            ex = row.get("experts", {}).get("token_set_agreement")
            eex = e2e.get("experts", {}).get("token_set_agreement")
            lines.append(
                f"| {row['layer']} | {kind} | {row['sqnr_db']:.1f} | {_fmt(row['max_abs'])} "
                f"| {'-' if ex is None else f'{ex:.3f}'} | {worst[0]} ({worst[1]['sqnr_db']:.1f}) "
                f"| {e2e['sqnr_db']:.1f} | {_fmt(e2e['mse'])} | {_fmt(e2e['max_abs'])} "
                f"| {'-' if eex is None else f'{eex:.3f}'} |"
            )
        lines.append("")
    by_config = summary.get("model_by_config")
    lines += _by_config_lines(by_config, ["weights", "min per-layer SQNR dB, per task"],
                              lambda c: [c["weights_kind"], ", ".join(
                                  f"task {k}: {v:.1f}" for k, v in c["min_sqnr_by_task"].items())
                              ])  # fmt: skip
    return "\n".join(lines) + "\n"


def render_markdown(summary: dict, results: list[Result]) -> str:
    """summary.md from the whole summary: gates first, then every section in ORDER."""
    parts = ["# Error bounds", "", gates_markdown(results)]
    for name in ORDER:
        parts += [f"## {TITLES[name]}", ""]
        if name not in summary:
            parts += [
                f"Not measured yet: run `python -m golden.errorbounds --only {name}`"
                + (f" ({summary['unavailable'][name]})" if name in summary.get("unavailable",
                                                                                {}) else "")
                + ".",
                "",
            ]  # fmt: skip
        elif name == "gelu":
            parts.append(gelu_markdown(summary))
        elif name == "model":
            parts.append(model_markdown(summary))
        else:
            parts.append(approx_markdown(name, summary))
    return "\n".join(parts)


# ---------------------------------------------------------------- plots


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _figure(width: float, height: float):
    """A figure whose saved size is bounded by MAX_PLOT_PX whatever it holds."""
    plt = _pyplot()
    cap = MAX_PLOT_PX / DPI
    return plt.subplots(figsize=(min(width, cap), min(height, cap)))


def _save(fig, path: Path) -> None:
    import matplotlib.pyplot as plt

    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)  # no bbox_inches="tight": the size stays the figure's
    plt.close(fig)


def _axis_top(data_top: float, gate: Gate, room: float = 1.15) -> float:
    """An axis end showing the data and the gate, and the target too when within 10x."""
    top = max(data_top, gate.limit)
    if gate.design.target <= 10 * top:
        top = max(top, gate.design.target)
    return top * room if top > 0 else 1.0


def _limit_lines(ax, gate: Gate, top: float, symmetric: bool, horizontal: bool = True,
                 suffix: str = "") -> str:  # fmt: skip
    """Draw the gate and target lines that fall inside the axis; say where the others are."""
    outside = []
    for value, label, color in ((gate.limit, "gate", "red"),
                                (gate.design.target, "target", "gray")):  # fmt: skip
        if value <= top:
            for sign in (1, -1) if symmetric else (1,):
                if horizontal:
                    ax.axhline(sign * value, ls="--", lw=0.8, color=color)
                else:
                    ax.axvline(sign * value, ls="--", lw=0.8, color=color)
            ax.plot([], [], ls="--", color=color, label=f"{label} {value:.3g}{suffix}")
        else:
            outside.append(f"{label} {value:.3g} ({value / top:.0f}x the axis end)")
    return ("; beyond the axis: " + ", ".join(outside)) if outside else ""


def plot_gelu(sections: dict[str, dict], gate: Gate, path: Path) -> None:
    """Per-bin GELU error envelopes of every measured configuration."""
    fig, ax = _figure(12, 5.4)
    top = 0.0
    for s in sections.values():
        env = s["envelope"]
        label = f"{s['config']} (step {s['step']:g}, max {s['max_abs']:.2e})"
        line = ax.plot(env["x"], env["err_max"], lw=0.8, label=label)[0]
        ax.plot(env["x"], env["err_min"], lw=0.8, color=line.get_color())
        top = max(top, *(abs(v) for v in env["err_max"] + env["err_min"] if math.isfinite(v)))
    top = _axis_top(top, gate)
    note = _limit_lines(ax, gate, top, symmetric=True, suffix=" (m3vit)")
    ax.set_ylim(-top, top)
    ax.set_xlabel("x")
    ax.set_ylabel("GELU error (golden - reference)")
    ax.set_title(f"GELU: per-bin error envelope, every representable input in [-8, 8){note}",
                 fontsize=10)  # fmt: skip
    ax.legend(fontsize=8, loc="upper right")
    ax.grid(alpha=0.3)
    _save(fig, path)


def plot_envelope(name: str, section: dict, gate: Gate, path: Path) -> None:
    """Per-bin error envelope (exp: absolute vs x; 1/x, 1/sqrt: relative vs mantissa)."""
    env = section["envelope"]
    xs = env.get("x", env.get("m"))
    fig, ax = _figure(12, 5.4)
    ax.plot(xs, env["err_max"], lw=0.8, label="max error in bin")
    ax.plot(xs, env["err_min"], lw=0.8, label="min error in bin")
    finite = [abs(v) for v in env["err_max"] + env["err_min"] if math.isfinite(v)]
    top = _axis_top(max(finite, default=0.0), gate)
    note = _limit_lines(ax, gate, top, symmetric=True)
    ax.set_ylim(-top, top)
    absolute = "x" in env
    ax.set_xlabel("x" if absolute else "normalised mantissa m")
    ax.set_ylabel("golden - reference" if absolute else "relative error at m (exact)")
    worst = section[gate.path.split(".")[1]]
    over = "every input, max" if absolute else "every mantissa; max over every input"
    ax.set_title(f"{TITLES[name]}: per-bin error envelope over {over} {worst:.3g}{note}",
                 fontsize=10)  # fmt: skip
    ax.legend(fontsize=8, loc="upper right")
    ax.grid(alpha=0.3)
    _save(fig, path)


def log_floor(values: list[float]) -> tuple[list[float], float]:
    """Values for a log axis: zeros (exact) drawn at a floor a decade below the smallest."""
    positive = [v for v in values if v > 0]
    floor = min(positive) / 10 if positive else 1e-12
    return [v if v > 0 else floor for v in values], floor


def plot_by_class(name: str, section: dict, gates_: list[Gate], path: Path) -> None:
    """Bars per row class: softmax max abs error (log scale) or LayerNorm min SQNR."""
    rows = section["by_class"]
    fig, ax = _figure(12, 2.0 + 0.22 * len(rows))
    if name == "softmax":
        labels = [f"{r['class']} /{r['length']}" for r in rows]
        keys = ("two_pass", "online", "online_random_order")
        shown, floor = log_floor([r[k] for r in rows for k in keys])
        width = 0.27
        for k, key in enumerate(keys):
            vals = shown[k::3]
            ypos = [i + (k - 1) * width for i in range(len(rows))]
            ax.barh(ypos, vals, height=width, label=key.replace("_", " "))
            for y, r in zip(ypos, rows, strict=True):
                if r[key] == 0:
                    ax.text(floor, y, " 0 (exact)", va="center", fontsize=6)
        gate = next(g for g in gates_ if g.path == "softmax.max_abs")
        top = _axis_top(max(shown), gate, room=2.0)
        ax.set_xscale("log")
        ax.set_xlim(floor / 2, top)
        note = _limit_lines(ax, gate, top, symmetric=False, horizontal=False)
        ax.set_xlabel(f"max |p - float64 softmax| (log scale; 0 = exact, drawn at {floor:.1g})")
    else:
        labels = [f"{r['class']} ({r['affine']})" for r in rows]
        finite = [r["min_sqnr_db"] for r in rows if r["min_sqnr_db"] is not None]
        finite += [r["rounded_reference_min_sqnr_db"] for r in rows
                   if r["rounded_reference_min_sqnr_db"] is not None]  # fmt: skip
        exact_at = max(finite, default=100.0) + 20
        vals = [exact_at if r["min_sqnr_db"] is None else r["min_sqnr_db"] for r in rows]
        ref = [exact_at if r["rounded_reference_min_sqnr_db"] is None
               else r["rounded_reference_min_sqnr_db"] for r in rows]  # fmt: skip
        ax.barh([i - 0.2 for i in range(len(rows))], vals, height=0.4,
                label="golden min SQNR")  # fmt: skip
        ax.barh([i + 0.2 for i in range(len(rows))], ref, height=0.4,
                label="float64 rounded to the feature format")  # fmt: skip
        for i, r in enumerate(rows):
            if r["min_sqnr_db"] is None:
                ax.text(exact_at, i - 0.2, " exact (no error)", va="center", fontsize=6)
        gate = next(g for g in gates_ if g.path == "layernorm.min_sqnr_db")
        top = exact_at + 30
        ax.set_xlim(0, top)
        note = _limit_lines(ax, gate, top, symmetric=False, horizontal=False)
        ax.set_xlabel("SQNR vs float64 (dB); not-gated classes are marked in the labels")
        labels = [
            lab + ("" if r["gated"] else " [not gated]")
            for lab, r in zip(labels, rows, strict=True)
        ]
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels(labels, fontsize=7)
    ax.invert_yaxis()
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.grid(alpha=0.3, axis="x")
    what = "max abs error per row class and length" if name == "softmax" else \
        "min SQNR per row class"  # fmt: skip
    ax.set_title(f"{TITLES[name]}: {what}{note}", fontsize=10)
    _save(fig, path)


def plot_model(s: dict, gate: Gate, path: Path) -> None:
    """Per-layer SQNR (arithmetic only and end to end) for every task."""
    fig, ax = _figure(10, 5.4)
    top = 0.0
    for task, t in s["tasks"].items():
        layers = [r["layer"] for r in t["per_layer"]]
        arith = [r["sqnr_db"] for r in t["per_layer"]]
        ax.plot(layers, arith, "o-", label=f"task {task}: arithmetic only")
        e2e = [r["sqnr_db"] for r in t["end_to_end"]]
        ax.plot(layers, e2e, "s--", label=f"task {task}: end to end (no gate)")
        top = max(top, *(v for v in arith + e2e if math.isfinite(v)))
    for value, label, color in ((gate.limit, "gate", "red"),
                                (gate.design.target, "target", "gray")):  # fmt: skip
        ax.axhline(value, color=color, ls="--", lw=0.8, label=f"{label} {value:g} dB (arithmetic)")
    ax.set_ylim(0, max(top, gate.limit) + 15)
    ax.set_xlabel("layer")
    ax.set_ylabel("output SQNR vs float (dB)")
    ax.set_title(f"Golden model vs float per layer ({s['config']}, {s['weights_kind']} weights)",
                 fontsize=10)  # fmt: skip
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower left")
    _save(fig, path)
