"""The testplan (``coverage/testplan.toml``): every feature of the design mapped
to the tests that verify it and the functional coverage groups that sample it.

:func:`problems` lists what makes the plan wrong: a feature without a test, a
test or coverage group that does not exist, a duplicate id. Tests are found by
reading their files (no import, no collection): a pytest test ``path::name`` is
a top-level ``def name`` or an assignment to ``name`` in ``path``; a cocotb test
``module:name`` is a function ``name`` decorated with ``cocotb.test`` in the
module's file.
"""

from __future__ import annotations

import ast
import functools
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ci.rtl_sources import REPO_ROOT

__all__ = ["TESTPLAN", "Feature", "TestplanError", "load", "problems"]

TESTPLAN = REPO_ROOT / "coverage" / "testplan.toml"
_FIELDS = {"id", "design", "what", "tests", "cocotb", "bins"}


class TestplanError(ValueError):
    """A testplan file that cannot be read as one."""

    __test__ = False  # not a pytest test class


@dataclass(frozen=True)
class Feature:
    id: str
    design: str
    what: str
    tests: tuple[str, ...] = ()
    cocotb: tuple[str, ...] = ()
    bins: tuple[str, ...] = field(default=())


def load(path: Path = TESTPLAN) -> list[Feature]:
    """The features of the testplan file *path*."""
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise TestplanError(f"{path}: {exc}") from None
    features = []
    for n, entry in enumerate(data.get("feature", []), start=1):
        unknown = set(entry) - _FIELDS
        missing = {"id", "design", "what"} - set(entry)
        if unknown or missing:
            raise TestplanError(
                f"{path}: feature {n}: missing {sorted(missing)}, unknown {sorted(unknown)}"
            )
        lists = {k: tuple(entry.get(k, ())) for k in ("tests", "cocotb", "bins")}
        features.append(Feature(entry["id"], entry["design"], entry["what"], **lists))
    return features


@functools.cache
def _top_level_names(path: Path) -> frozenset[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
    return frozenset(names)


@functools.cache
def _cocotb_tests(path: Path) -> frozenset[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    out = set()
    for node in tree.body:
        if isinstance(node, ast.AsyncFunctionDef):
            for dec in node.decorator_list:
                target = dec.func if isinstance(dec, ast.Call) else dec
                if ast.unparse(target) == "cocotb.test":
                    out.add(node.name)
    return frozenset(out)


def _test_problem(test: str, root: Path) -> str | None:
    path, sep, name = test.partition("::")
    if not sep or not name:
        return f"test {test!r} is not 'path::function'"
    file = root / path
    if not file.is_file():
        return f"test {test!r}: no file {path}"
    if name not in _top_level_names(file):
        return f"test {test!r}: {path} defines no {name}"
    return None


def _cocotb_problem(test: str, root: Path) -> str | None:
    module, sep, name = test.partition(":")
    if not sep or not name:
        return f"cocotb test {test!r} is not 'module:function'"
    file = root / (module.replace(".", "/") + ".py")
    if not file.is_file():
        return f"cocotb test {test!r}: no module {module}"
    if name not in _cocotb_tests(file):
        return f"cocotb test {test!r}: {module} has no @cocotb.test {name}"
    return None


def problems(
    features: list[Feature], *, groups: Iterable[str] = (), root: Path = REPO_ROOT
) -> list[str]:
    """What is wrong with *features*: each problem one line naming the feature.
    *groups*: the functional coverage groups that exist."""
    known = set(groups)
    out = []
    seen: set[str] = set()
    for f in features:
        if f.id in seen:
            out.append(f"{f.id}: the id is used twice")
        seen.add(f.id)
        if not f.tests and not f.cocotb:
            out.append(f"{f.id}: no test verifies it")
        for test in f.tests:
            if (p := _test_problem(test, root)) is not None:
                out.append(f"{f.id}: {p}")
        for test in f.cocotb:
            if (p := _cocotb_problem(test, root)) is not None:
                out.append(f"{f.id}: {p}")
        out += [f"{f.id}: no coverage group {g!r}" for g in f.bins if g not in known]
    return out
