"""Kernel benchmark (``nox -s bench``): simulation speed and kernel cycles, into bench.json.

For each configuration, in one run:

* the same kernel run (synthetic weights and image, every stage checked) three
  ways: cocotb + cocotbext-axi ``AxiRam`` (no pauses), cocotb + the DPI-C fast
  memory path, and the bare Verilator C++ harness (no cocotb: the ceiling);
  simulated kernel cycles per wall-clock second of each, and their ratios to
  the bare harness;
* the kernel's cycles per stage and per layer (fast-path run, the sequencer's
  stage-done times) against an ideal: for the linear stages and the patch
  embedding the MAC bound (MACs / the linear tile's ROWS x COLS MACs per
  cycle), for attention its MACs over the attention engine's MACs per cycle
  (:data:`ATTN_MACS_PER_CYCLE`), for LayerNorm and residual stages the read
  bound (beats read at one beat per cycle).

    python -m tb.kernel.bench [--config NAME[@LAYER] ...] [--out reports/bench/bench.json]

``NAME@LAYER`` stops after that layer's ``residual2`` (``m3vit@0``: the patch
embedding and layer 0 of the real sizes; m3vit's MoE layers have no engine yet).
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from golden.config import KERNEL_CONFIGS, load_config
from hls.memory_map import memory_map
from hls.program import Op, program
from hls.registers import STOP_ALL, stage_index
from tb import simbuild
from tb.kernel.fastpath import axiram_build_spec, fast_build_spec, run_bare
from tb.kernel.model import synthetic_inputs

TESTS = "tb.kernel.kernel_tests"
DEFAULT_OUT = Path("reports/bench/bench.json")


def attn_macs_per_cycle(cfg) -> int:
    """MACs per cycle of the attention engine: one HEAD_DIM-wide dot product
    (one key, one head, one query lane) per cycle in both passes."""
    return cfg.head_dim


def ideal_cycles(cfg) -> list[dict]:
    """Per stage: work and the ideal cycle count (see the module docstring)."""
    mm = memory_map(cfg)
    rows, cols = cfg.linear_tile
    t, d = cfg.tokens, cfg.dim
    out = []
    for st in program(cfg):
        if st.op in (Op.LINEAR, Op.PATCH_EMBED):
            tokens = t - 1 if st.op is Op.PATCH_EMBED else t  # token 0 is a copy
            macs = tokens * st.m * st.k
            ideal, bound = -(-macs // (rows * cols)), "MAC"
        elif st.op is Op.ATTENTION:
            macs = 2 * t * t * d  # Q.K^T and A.V
            ideal, bound = -(-macs // attn_macs_per_cycle(cfg)), "MAC"
        else:
            macs = 0
            ideal, bound = sum(mm[o.region].beats for o in st.operands[:-1] if o.region), "read"
        out.append({"stage": st.index, "layer": st.layer, "name": st.name, "op": st.op.name,
                    "macs": macs, "ideal_cycles": ideal, "bound": bound})  # fmt: skip
    return out


def _cocotb_run(sim, seed: int, stop: int, env: dict) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        stats = Path(tmp) / "stats.json"
        sim.run(TESTS, ["kernel_run"], seed=seed, run_name="bench",
                extra_env={"KERNEL_STOP": "all" if stop == STOP_ALL else str(stop),
                           "KERNEL_STATS": str(stats), **env})  # fmt: skip
        return json.loads(stats.read_text())


def bench_config(name: str, seed: int, stop_layer: int | None) -> dict:
    cfg = load_config(name)
    stop = STOP_ALL if stop_layer is None else stage_index(cfg, stop_layer, "residual2")
    inputs = synthetic_inputs(cfg, seed)
    axiram = simbuild.build("edgemoe_kernel", name, **axiram_build_spec())
    fast = simbuild.build(config=name, **fast_build_spec())
    ram = _cocotb_run(axiram, seed, stop, {"KERNEL_PAUSE": "0"})
    fp = _cocotb_run(fast, seed, stop, {})
    bare = run_bare(name, inputs, stop)
    speed = {
        "axiram_cycles_per_s": ram["cycles"] / ram["wall_s"],
        "fastpath_cycles_per_s": fp["cycles"] / fp["wall_s"],
        "bare_cycles_per_s": bare["cycles_per_s"],
    }
    speed["axiram_over_bare"] = speed["axiram_cycles_per_s"] / speed["bare_cycles_per_s"]
    speed["fastpath_over_bare"] = speed["fastpath_cycles_per_s"] / speed["bare_cycles_per_s"]
    ideal = {s["stage"]: s for s in ideal_cycles(cfg)}
    stages = [{**ideal[s["stage"]], "cycles": s["cycles"]} for s in fp["stages"]]
    layers: dict[int, dict] = {}
    for s in stages:
        acc = layers.setdefault(s["layer"], {"layer": s["layer"], "cycles": 0, "ideal_cycles": 0})
        acc["cycles"] += s["cycles"]
        acc["ideal_cycles"] += s["ideal_cycles"]
    return {
        "config": name,
        "stop_after": "all" if stop == STOP_ALL else stop,
        "kernel_cycles": fp["cycles"],
        "kernel_cycles_axiram": ram["cycles"],
        "kernel_cycles_bare": bare["kernel_cycles"],
        "speed": speed,
        "stages": stages,
        "layers": list(layers.values()),
    }


def print_report(results: list[dict]) -> None:
    print("\nkernel simulation speed (simulated kernel cycles per wall-clock second)")
    print(f"{'config':<14}{'AxiRam':>12}{'fast path':>12}{'bare C++':>12}"
          f"{'AxiRam/bare':>13}{'fast/bare':>11}")  # fmt: skip
    for r in results:
        s = r["speed"]
        print(f"{r['config']:<14}{s['axiram_cycles_per_s']:>12,.0f}"
              f"{s['fastpath_cycles_per_s']:>12,.0f}{s['bare_cycles_per_s']:>12,.0f}"
              f"{s['axiram_over_bare']:>13.3f}{s['fastpath_over_bare']:>11.3f}")  # fmt: skip
    for r in results:
        print(f"\n{r['config']}: kernel cycles per stage (stop_after {r['stop_after']}); "
              f"total {r['kernel_cycles']:,}")  # fmt: skip
        print(
            f"{'stage':>5} {'layer':>5} {'name':<12}{'cycles':>10}{'ideal':>10}{'ratio':>7}  bound"
        )
        for s in r["stages"]:
            ratio = s["cycles"] / s["ideal_cycles"] if s["ideal_cycles"] else float("nan")
            print(f"{s['stage']:>5} {s['layer']:>5} {s['name']:<12}{s['cycles']:>10,}"
                  f"{s['ideal_cycles']:>10,}{ratio:>7.2f}  {s['bound']}")  # fmt: skip
        for lay in r["layers"]:
            ratio = lay["cycles"] / lay["ideal_cycles"]
            print(f"  layer {lay['layer']:>2}: {lay['cycles']:>10,} cycles, ideal "
                  f"{lay['ideal_cycles']:>10,} ({ratio:.2f}x)")  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", action="append", default=None, metavar="NAME[@LAYER]",
                    help=f"configuration, optionally up to a layer (repeatable; default "
                         f"{', '.join(KERNEL_CONFIGS)}, whole model)")  # fmt: skip
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    results = []
    for spec in args.config or KERNEL_CONFIGS:
        name, _, layer = spec.partition("@")
        results.append(bench_config(name, args.seed, int(layer) if layer else None))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"kernel": results}, indent=1) + "\n")
    print_report(results)
    print(f"\nwritten: {args.out}")


if __name__ == "__main__":
    main()
