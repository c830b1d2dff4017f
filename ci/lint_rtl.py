"""Lint every module in rtl/ and every generated module with `verilator --lint-only -Wall`.

Each module is linted as the top, with the configuration package and modules
generated for a configuration ("tiny" by default) and every other file of rtl/
(so modules may instantiate each other). Any warning fails; the only waivers are
the Verilator control files in rtl/lint/.

    python -m ci.lint_rtl [--config NAME ...]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ci.rtl_sources import LINT_WAIVERS, RTL_DIR, generated, rtl_modules
from ci.toolchain import ToolchainError, setup_verilator


def _lint_one(verilator: Path, top: str, sources: list[Path]) -> tuple[bool, str]:
    """Lint *top*; (clean, the warning lines or the tool's output)."""
    cmd = [
        str(verilator),
        "--lint-only",
        "-Wall",
        "--top-module",
        top,
        *map(str, LINT_WAIVERS),
        *map(str, sources),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    messages = [
        line
        for line in (proc.stdout + proc.stderr).splitlines()
        if line.startswith("%") or line.startswith(" ")
    ]
    clean = proc.returncode == 0 and not any(m.startswith("%") for m in messages)
    return clean, "\n".join(messages) or proc.stdout + proc.stderr


def lint(config: str, verilator: Path) -> int:
    """Lint every module for *config*, one Verilator per core; the number of failing modules."""
    gen = generated(config)
    sources, modules = rtl_modules()
    if not modules:
        print(f"no modules found in {RTL_DIR}")
        return 0
    modules |= gen.modules
    sources = [Path(gen.package), *gen.modules.values(), *sources]
    tops = sorted(modules)
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        results = pool.map(lambda top: _lint_one(verilator, top, sources), tops)
        failed = 0
        for top, (clean, messages) in zip(tops, results, strict=True):
            where = f"{top} ({modules[top].relative_to(RTL_DIR.parent)}) [{config}]"
            if clean:
                print(f"ok   {where}")
            else:
                failed += 1
                print(f"FAIL {where}\n{messages}")
    return failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--config",
        action="append",
        help='configuration whose generated package is used (repeatable; default "tiny")',
    )
    args = parser.parse_args(argv)
    try:
        verilator = setup_verilator()
    except ToolchainError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    failed = sum(lint(config, verilator) for config in args.config or ["tiny"])
    if failed:
        print(f"{failed} module(s) with lint warnings")
        return 1
    print("rtl lint clean")
    return 0


if __name__ == "__main__":
    sys.exit(main())
