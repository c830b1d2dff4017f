"""Write the error-bound reports: summary.json, summary.md and PNG plots."""

from __future__ import annotations

import json
from pathlib import Path

__all__ = ["gelu_markdown", "plot_gelu", "read_summary", "write_summary"]


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
