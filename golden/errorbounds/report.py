"""Write the error-bound reports: summary.json, summary.md and PNG plots."""

from __future__ import annotations

import json
import math
from pathlib import Path

__all__ = [
    "approx_markdown",
    "gelu_markdown",
    "plot_by_class",
    "plot_envelope",
    "plot_gelu",
    "read_summary",
    "write_summary",
]


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


def _fmt(v: float) -> str:
    return f"{v:.3e}"


def gelu_markdown(sections: dict[str, dict], sweep: list[dict], best: dict | None,
                  target: float, gate: float) -> str:  # fmt: skip
    lines = [
        "## GELU",
        "",
        "Error of the golden GELU (ReLU minus an interpolated delta table) against",
        f"{next(iter(sections.values()))['reference']}, over every representable input",
        "of the feature format in [-8, 8).",
        "",
        "| config | step | entries x bits | ROM bits | max abs | mean abs | at x | points |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for s in sections.values():
        lines.append(
            f"| {s['config']} | 2^-{s['step_log2']} "
            f"| {s['table_entries']} x {s['table_bits']} | {s['rom_bits']} | {_fmt(s['max_abs'])} "
            f"| {_fmt(s['mean_abs'])} | {s['argmax_x']:.7f} | {s['points']} |"
        )
    lines += [
        "",
        f"Gate: max abs <= {gate:g}. Target: <= {target:g}.",
        "",
        "### Table step and entry width against the target",
        "",
        "Max abs error over the negative half [-8, 0) (exhaustive; it is exactly the",
        "table's error, which the positive half repeats).",
        "",
        "| step | entry bits | entries | ROM bits | max abs | meets target |",
        "|---|---|---|---|---|---|",
    ]
    for r in sweep:
        ok = "yes" if r["max_abs"] <= target else "no"
        lines.append(
            f"| 2^-{r['step_log2']} | {r['table_bits']} | {r['entries']} | {r['rom_bits']} "
            f"| {_fmt(r['max_abs'])} | {ok} |"
        )
    lines.append("")
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


def plot_gelu(sections: dict[str, dict], gate: float, target: float, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10, 4.5))
    for s in sections.values():
        env = s["envelope"]
        label = f"{s['config']} (step {s['step']:g}, max {s['max_abs']:.2e})"
        line = ax.plot(env["x"], env["err_max"], lw=0.8, label=label)[0]
        ax.plot(env["x"], env["err_min"], lw=0.8, color=line.get_color())
    for y, name in ((gate, "gate"), (target, "target")):
        ax.axhline(y, ls="--", lw=0.7, color="red" if name == "gate" else "gray")
        ax.axhline(-y, ls="--", lw=0.7, color="red" if name == "gate" else "gray")
        ax.text(-7.9, y, f" {name} {y:g}", va="bottom", fontsize=8)
    ax.set_xlabel("x")
    ax.set_ylabel("GELU error (golden - reference)")
    ax.set_title("GELU: per-bin error envelope over every representable input in [-8, 8)")
    ax.legend(fontsize=8, loc="upper right")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


# ---------------------------------------------------------------- exp, 1/x, 1/sqrt, softmax, LN

_TITLES = {
    "exp": "exp(x), x <= 0",
    "reciprocal": "Reciprocal 1/x",
    "rsqrt": "Reciprocal square root 1/sqrt(x)",
    "softmax": "Softmax (two-pass and single-pass online)",
    "layernorm": "LayerNorm",
}


def _gate_lines(section: dict, limits: dict) -> list[str]:
    from golden.errorbounds.gates import TARGETS

    lines = []
    for path, gate in limits.items():
        value = section.get(path.split(".", 1)[1])
        target = TARGETS.get(path)
        tail = f"; target {target:.3e}" if target is not None else ""
        shown = "missing" if value is None else f"{value:.4g}"
        lines.append(f"- `{path}` = {shown} (gate {gate.compare} {gate.limit:.4g}{tail})")
    return lines


def approx_markdown(name: str, s: dict, limits: dict) -> str:
    """The markdown section of one approximation's measurement."""
    lines = [f"## {_TITLES.get(name, name)}", ""]
    if name == "exp":
        lines += [
            f"Every representable input of (-16, 0] ({s['points']} points) against "
            f"{s['reference']}; output {s['output_format']}; ROM {s['table_entries']} x "
            f"{s['table_entry_bits']} bits.",
            "",
            "| max abs | in u = 2^-22 | log2 | mean abs | at x | tail max abs | flush to 0 below |",
            "|---|---|---|---|---|---|---|",
            f"| {_fmt(s['max_abs'])} | {s['max_abs_u']:.3f} | {s['max_abs_log2']:.2f} "
            f"| {_fmt(s['mean_abs'])} | {s['argmax_x']:.7f} | {_fmt(s['tail_max_abs'])} "
            f"| {s['flush_to_zero_from']} |",
        ]
    elif name in ("reciprocal", "rsqrt"):
        o, w = s["octave"], s["sweep"]
        lines += [
            f"Seed ROM {s['table_entries']} x {s['table_entry_bits']} bits, "
            f"{s['newton_steps']} Newton step(s), {s['mant_bits']}-bit mantissas.",
            "",
            "| inputs | points | max rel | log2 | at |",
            "|---|---|---|---|---|",
            f"| every mantissa of {o['interval']} at {o['fraction_bits']} fraction bits "
            f"({o['reference']}) | {o['points']} | {_fmt(o['max_rel'])} "
            f"| {math.log2(o['max_rel']):.2f} | m = {o['argmax_m']:.7f} |",
            f"| log-spaced sweep of {w['format']} ({w['reference']}) | {w['points']} "
            f"| {_fmt(w['max_rel'])} | {math.log2(w['max_rel']):.2f} | x = {w['argmax_x']:.6g} |",
        ]
    elif name == "softmax":
        lines += [
            f"{s['rows']} rows ({s['points']} probabilities) of lengths {s['lengths']} against "
            f"the {s['reference']} (which is within {_fmt(s['reference_vs_crfix_max_abs'])} "
            f"of crfix's correctly rounded softmax); probabilities {s['prob_format']}.",
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
    elif name == "layernorm":
        lines += [
            f"Rows of {s['dim']} features against the {s['reference']} (itself within "
            f"{_fmt(s['reference_vs_mpmath_max_abs'])} of mpmath). {s['note']}.",
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
    lines += ["", *_gate_lines(s, limits), ""]
    return "\n".join(lines) + "\n"


def _save(fig, path: Path) -> None:
    import matplotlib.pyplot as plt

    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_envelope(section: dict, limits: dict, path: Path) -> None:
    """Per-bin error envelope (exp: absolute vs x; 1/x, 1/sqrt: relative vs mantissa)."""
    plt = _pyplot()
    env = section["envelope"]
    xs = env.get("x", env.get("m"))
    fig, ax = plt.subplots(figsize=(10, 4.5))
    ax.plot(xs, env["err_max"], lw=0.8, label="max error in bin")
    ax.plot(xs, env["err_min"], lw=0.8, label="min error in bin")
    for gate in limits.values():
        for sign in (1, -1):
            ax.axhline(sign * gate.limit, ls="--", lw=0.7, color="red")
        ax.text(xs[0], gate.limit, f" gate {gate.limit:.3g}", va="bottom", fontsize=8)
    absolute = "x" in env
    ax.set_xlabel("x" if absolute else "normalised mantissa m")
    ax.set_ylabel("golden - reference" if absolute else "(golden - reference) / reference")
    top = max(abs(v) for v in env["err_max"] + env["err_min"] if math.isfinite(v))
    ax.set_ylim(-3 * top, 3 * top)  # the gate lines are far outside: say so in the text
    ax.set_title(f"{path.stem}: per-bin error envelope (gate lines beyond the axis if absent)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    _save(fig, path)


def plot_by_class(section: dict, limits: dict, path: Path) -> None:
    """Bars per row class: softmax max abs error (log scale) or LayerNorm min SQNR."""
    plt = _pyplot()
    rows = section["by_class"]
    fig, ax = plt.subplots(figsize=(11, 2 + 0.25 * len(rows)))
    if "two_pass" in rows[0]:
        labels = [f"{r['class']} /{r['length']}" for r in rows]
        width = 0.27
        for k, key in enumerate(("two_pass", "online", "online_random_order")):
            ax.barh([i + k * width for i in range(len(rows))], [r[key] for r in rows],
                    height=width, label=key.replace("_", " "))  # fmt: skip
        ax.set_xscale("log")
        ax.set_xlabel("max |p - float64 softmax|")
        for gate in limits.values():
            if gate.path.endswith("max_abs"):
                ax.axvline(gate.limit, ls="--", color="red", lw=0.8)
                ax.text(gate.limit, 0, f" gate {gate.limit:.3g}", fontsize=8, rotation=90)
    else:
        labels = [f"{r['class']} ({r['affine']})" for r in rows]
        vals = [r["min_sqnr_db"] if r["min_sqnr_db"] is not None else 200.0 for r in rows]
        floor = [r["rounded_reference_min_sqnr_db"] or 200.0 for r in rows]
        ax.barh(range(len(rows)), vals, height=0.4, label="min SQNR (exact rows: 200)")
        ax.barh([i + 0.4 for i in range(len(rows))], floor, height=0.4,
                label="float64 rounded to the feature format")  # fmt: skip
        for gate in limits.values():
            ax.axvline(gate.limit, ls="--", color="red", lw=0.8)
        ax.set_xlabel("SQNR vs float64 (dB)")
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels(labels, fontsize=6)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, axis="x")
    ax.set_title(path.stem)
    _save(fig, path)


def model_markdown(s: dict) -> str:
    """Per-layer tables of the golden model against float, one per task."""
    lines = [
        "## Golden model against float",
        "",
        f"Configuration `{s['config']}`, weights: {s['weights']}. Synthesised tensors "
        f"(not in the real data): {len(s['synthesised'])}"
        + (f" ({', '.join(s['synthesised'])})" if s["synthesised"] else "")
        + f". Weights saturated by quantisation: {s['saturated_weights']}.",
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
    return "\n".join(lines) + "\n"


def plot_model(s: dict, path: Path) -> None:
    """Per-layer SQNR (arithmetic only and end to end) for every task."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(9, 4.5))
    for task, t in s["tasks"].items():
        layers = [r["layer"] for r in t["per_layer"]]
        ax.plot(
            layers, [r["sqnr_db"] for r in t["per_layer"]], "o-", label=f"task {task}: arithmetic"
        )
        ax.plot(
            layers, [r["sqnr_db"] for r in t["end_to_end"]], "s--", label=f"task {task}: end to end"
        )
    ax.axhline(60, color="red", ls="--", lw=0.8)
    ax.text(0, 60, " gate 60 dB (arithmetic)", va="bottom", fontsize=8)
    ax.set_xlabel("layer")
    ax.set_ylabel("output SQNR vs float (dB)")
    ax.set_title(
        f"Golden model vs float per layer ({s['config']}, {s['weights'].split(' ')[0]} weights)"
    )
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    _save(fig, path)
