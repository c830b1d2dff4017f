"""Throughput figures of the benches, for ``nox -s bench``.

Each bench calls :func:`record` with what it streamed; the figures land in
``build/bench/<unit>-<config>.json`` and ``python -m tb.benchlog`` prints them
as a table (``nox -s bench`` runs the benches, then this).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ci.rtl_sources import BUILD_ROOT

__all__ = ["BENCH_DIR", "load", "record"]

BENCH_DIR = BUILD_ROOT / "bench"


def record(unit: str, config: str, vectors: int, seconds: float, **extra: float) -> Path:
    """Write one bench's figure: ``vectors`` checked in ``seconds`` of wall time."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    path = BENCH_DIR / f"{unit}-{config}.json"
    entry = {
        "unit": unit,
        "config": config,
        "vectors": int(vectors),
        "seconds": float(seconds),
        "vectors_per_s": vectors / seconds if seconds > 0 else float("inf"),
        **extra,
    }
    path.write_text(json.dumps(entry, indent=1) + "\n")
    return path


def load() -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(BENCH_DIR.glob("*.json"))]


def clear() -> None:
    """Forget earlier figures, so the table shows one run only."""
    for path in BENCH_DIR.glob("*.json"):
        path.unlink()


def _memory_ratios(rows: list[dict]) -> list[str]:
    """Simulated cycles per second of the same DMA copy: AxiRam, the DPI-C fast
    path and the bare Verilator C++ harness (the ceiling), as ratios."""
    by = {(r["unit"], r["config"]): r for r in rows}
    lines = []
    for config in sorted({r["config"] for r in rows}):
        bare = by.get(("fastmem_dma_bare", config))
        fast = by.get(("fastmem_dma", config))
        axi = by.get(("axi_dma", config))
        if not (bare and fast):
            continue
        b, f = bare["cycles_per_s"], fast["cycles_per_s"]
        line = f"{config}: fast path {f:.0f} cycles/s = {f / b:.3f} of the bare harness ({b:.0f})"
        if axi and "cycles_per_s" in axi:
            line += f"; AxiRam {axi['cycles_per_s']:.0f} = {axi['cycles_per_s'] / b:.4f}"
        lines.append(line)
    return lines


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args == ["--clear"]:
        clear()
        return 0
    rows = load()
    if not rows:
        print(f"no bench figures in {BENCH_DIR}: run the simulation benches first")
        return 1
    print(f"{'unit':<22} {'config':<8} {'vectors':>10} {'seconds':>8} {'vectors/s':>12}")
    for r in rows:
        print(
            f"{r['unit']:<22} {r['config']:<8} {r['vectors']:>10} {r['seconds']:>8.2f} "
            f"{r['vectors_per_s']:>12.0f}"
        )
    for line in _memory_ratios(rows):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
