"""Split a test run into groups that share a build, and the groups into balanced shards.

A *group* is what must stay together for a build to be made only once on a
machine: the tests of one test file on one configuration (the
``sim_config``-style parameters of ``tb/conftest.py``). Groups are weighed by
the durations recorded in ``ci/regression/durations.json`` (refreshed with
``python -m ci.regression durations``) and dealt out largest first to the
lightest shard (LPT), so every shard gets a similar share of the wall time.
"""

from __future__ import annotations

import json
import os
import statistics
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

__all__ = [
    "CONFIG_PARAMS",
    "DEFAULT_DURATION_S",
    "DURATIONS_FILE",
    "balance",
    "group_of",
    "item_configs",
    "load_durations",
    "parse_shard",
]

DURATIONS_FILE = Path(__file__).resolve().parent / "durations.json"
#: Seconds assumed for a test with no recorded duration and no recorded sibling.
DEFAULT_DURATION_S = 2.0
#: Test parameters that name a configuration (each needs builds of its own).
CONFIG_PARAMS = ("sim_config", "unit_config", "mutant_config", "kernel_config", "kernel_stage")


def parse_shard(text: str) -> tuple[int, int]:
    """``"K/N"`` -> (K, N), 1 <= K <= N; ValueError with the rule otherwise."""
    try:
        k, n = (int(part) for part in text.split("/"))
    except ValueError:
        raise ValueError(f"--shard takes K/N (e.g. 1/2), not {text!r}") from None
    if not 1 <= k <= n:
        raise ValueError(f"--shard {text}: need 1 <= K <= N")
    return k, n


def item_configs(params: Mapping[str, object]) -> list[str]:
    """The configuration names among a test's parameters (``kernel_stage`` is (config, stage))."""
    out = []
    for key in CONFIG_PARAMS:
        if key in params:
            value = params[key]
            out.append(str(value[0] if isinstance(value, tuple) else value))
    return out


def group_of(nodeid: str, params: Mapping[str, object]) -> str:
    """The group of a test: its file, and its configuration where it has one."""
    path = nodeid.split("::", 1)[0]
    configs = item_configs(params)
    return f"{path}[{','.join(configs)}]" if configs else path


def load_durations(path: Path | None = None) -> dict[str, float]:
    """Recorded seconds per test node id ({} when the file is absent): *path*, else
    ``$EDGEMOE_DURATIONS``, else :data:`DURATIONS_FILE`."""
    path = Path(path or os.environ.get("EDGEMOE_DURATIONS") or DURATIONS_FILE)
    if not path.is_file():
        return {}
    data = json.loads(path.read_text())
    if not isinstance(data, dict) or not all(
        isinstance(v, int | float) for v in data.get("tests", {}).values()
    ):
        raise ValueError(f"{path}: expected {{'tests': {{nodeid: seconds}}}}")
    return {k: float(v) for k, v in data.get("tests", {}).items()}


def estimate(nodeids: Sequence[str], durations: Mapping[str, float]) -> dict[str, float]:
    """Seconds per test: recorded, else the median of recorded tests of the same file,
    else :data:`DEFAULT_DURATION_S`."""
    by_file: dict[str, list[float]] = {}
    for nodeid, secs in durations.items():
        by_file.setdefault(nodeid.split("::", 1)[0], []).append(secs)
    out = {}
    for nodeid in nodeids:
        if nodeid in durations:
            out[nodeid] = durations[nodeid]
        else:
            siblings = by_file.get(nodeid.split("::", 1)[0])
            out[nodeid] = statistics.median(siblings) if siblings else DEFAULT_DURATION_S
    return out


def balance(
    groups: Mapping[str, Iterable[str]], weights: Mapping[str, float], bins: int
) -> list[list[str]]:
    """Deal *groups* (name -> node ids) into *bins* lists of group names, heaviest
    group first onto the lightest bin (ties broken by name, so every process that
    computes it gets the same answer). Each bin is ordered heaviest group first."""
    load = [0.0] * bins
    out: list[list[str]] = [[] for _ in range(bins)]
    totals = {g: sum(weights[n] for n in ids) for g, ids in groups.items()}
    for name in sorted(totals, key=lambda g: (-totals[g], g)):
        i = min(range(bins), key=lambda b: (load[b], b))
        out[i].append(name)
        load[i] += totals[name]
    return out
