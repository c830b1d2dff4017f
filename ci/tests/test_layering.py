"""The top-level packages import one way: golden <- hls <- ci <- tb.

golden is the numerics (no hardware view), hls the hardware's description
generated from it, ci the tooling that builds and lints the RTL, tb the
testbenches on top of all three. A module importing a package to its right
(tests included) would make a cycle; this test names every such import.
"""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
#: Each package may import only the packages before it.
LAYERS = ("golden", "hls", "ci", "tb")


def _imported_packages(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names & set(LAYERS)


def test_packages_import_one_way():
    wrong = []
    for rank, package in enumerate(LAYERS):
        allowed = set(LAYERS[: rank + 1])
        for path in sorted((REPO / package).rglob("*.py")):
            for target in sorted(_imported_packages(path) - allowed):
                wrong.append(f"{path.relative_to(REPO)} imports {target}")
    assert not wrong, "imports against golden <- hls <- ci <- tb:\n" + "\n".join(wrong)


def test_the_check_sees_an_import_against_the_layers(tmp_path):
    """The scanner finds both import forms (guards the test above)."""
    probe = tmp_path / "probe.py"
    probe.write_text("import tb.simbuild\nfrom ci.rtl_sources import RTL_DIR\nimport numpy\n")
    assert _imported_packages(probe) == {"tb", "ci"}
