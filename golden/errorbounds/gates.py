"""The error-bound gates of DESIGN.md section 3, checked against summary.json.

A gate names a value in the summary by a dotted path, a comparison and a
limit; ``check`` returns one line per gate and whether all passed.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import Any

__all__ = ["GATES", "TARGETS", "Gate", "check"]


@dataclass(frozen=True)
class Gate:
    path: str  # dotted path into summary.json
    limit: float
    compare: str = "<="  # value <compare> limit must hold
    why: str = ""

    def holds(self, value: float) -> bool:
        ops = {"<=": operator.le, ">=": operator.ge}
        return ops[self.compare](value, self.limit)


GATES: tuple[Gate, ...] = (
    Gate("gelu.max_abs", 1e-4, "<=", "GELU max abs error on [-8, 8), all inputs"),
    Gate("exp.max_abs", 2.0**-16, "<=", "exp max abs error on (-16, 0], all inputs"),
    Gate("softmax.max_abs", 2.0**-16, "<=", "softmax element vs float64, rows 9..1024"),
    Gate("softmax.argmax_kept", 1, ">=", "maximal scores keep the maximal probability"),
    Gate("reciprocal.max_rel", 2.0**-16, "<=", "reciprocal relative error"),
    Gate("rsqrt.max_rel", 2.0**-16, "<=", "rsqrt relative error"),
    Gate("layernorm.min_sqnr_db", 90.0, ">=", "LayerNorm SQNR on every gated row class"),
    Gate("model.min_layer_sqnr_db", 60.0, ">=", "per-layer SQNR vs float64, same input/weights"),
)

# Targets of DESIGN.md section 3 (reported next to the gates, not enforced).
TARGETS: dict[str, float] = {
    "exp.max_abs": 2.0**-21,
    "softmax.max_abs": 2.0**-19,
    "reciprocal.max_rel": 2.0**-20,
    "rsqrt.max_rel": 2.0**-20,
}


def _lookup(summary: dict[str, Any], path: str) -> Any:
    node: Any = summary
    for key in path.split("."):
        if not isinstance(node, dict) or key not in node:
            raise KeyError(path)
        node = node[key]
    return node


def check(summary: dict[str, Any]) -> tuple[bool, list[str]]:
    """Every gate against ``summary``; a missing value fails its gate."""
    ok, lines = True, []
    for gate in GATES:
        try:
            value = float(_lookup(summary, gate.path))
        except KeyError:
            ok = False
            lines.append(f"FAIL {gate.path}: missing from the summary ({gate.why})")
            continue
        passed = gate.holds(value)
        ok &= passed
        verdict = "pass" if passed else "FAIL"
        lines.append(
            f"{verdict} {gate.path} = {value:.6g} (gate {gate.compare} {gate.limit:g}; {gate.why})"
        )
    return ok, lines
