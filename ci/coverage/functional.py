"""Functional coverage: the corners the benches must reach, as named groups of
bins, sampled by the benches and merged across processes, shards and the whole
regression.

A :class:`Group` defines, for a configuration, its bin space (every bin that
must be hit) and how a batch of stimulus falls into bins (``classify``); the
classification uses the golden model's own index arithmetic, so a bin is the
case the hardware really handles (a GELU table segment, an exp range-reduction
class). :data:`GROUPS` lists them with the configurations (and build variants)
the regression samples each on.

Sampling costs nothing unless ``EDGEMOE_COVERAGE_DIR`` is set (``nox -s
coverage``): then :func:`sample` counts the bins in the process and writes them,
when the process ends, to ``functional-<pid>-<ns>.json`` in that folder;
:func:`merge` sums any number of those files and :func:`report` compares the
sum with the bin spaces.
"""

from __future__ import annotations

import atexit
import json
import os
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ci.coverage import coverage_dir
from golden.approx.exp import exp_range_reduction
from golden.approx.reciprocal import reciprocal_range_reduction
from golden.approx.rsqrt import rsqrt_range_reduction
from golden.config import KERNEL_CONFIGS, KernelConfig, load_config
from golden.fixed import FixedFormat
from golden.gelu import gelu_segment
from hls.program import program
from hls.registers import STOP_ALL

__all__ = [
    "GROUPS",
    "Group",
    "merge",
    "report",
    "sample",
    "space_key",
]

#: The configurations of the unit benches (tb/conftest.py ``unit_config``) and of
#: the benches on the per-commit configurations (``sim_config``: GELU, control, DMA).
UNIT_CONFIGS = ("tiny", "m3vit")
SIM_CONFIGS = ("tiny", "small")


@dataclass(frozen=True)
class Group:
    """A functional coverage group: its bins for a configuration, and how values
    fall into them."""

    name: str
    doc: str
    space: Callable[[KernelConfig], list[str]]
    classify: Callable[[KernelConfig, object], Iterable[str]]
    #: The configurations the regression samples it on: (name, overrides).
    configs: tuple[tuple[str, tuple[tuple[str, object], ...]], ...]
    #: Fields of the configuration that make a variant of this group (top_k).
    variant_fields: tuple[str, ...] = ()

    def key(self, cfg: KernelConfig) -> str:
        return space_key(cfg, self.variant_fields)

    def expected(self) -> dict[str, list[str]]:
        """Bin space per configuration key, for every configuration it is sampled on."""
        out = {}
        for name, overrides in self.configs:
            cfg = load_config(name, **dict(overrides))
            out[self.key(cfg)] = self.space(cfg)
        return out


def space_key(cfg: KernelConfig, fields: Iterable[str] = ()) -> str:
    """``tiny``, or ``tiny[top_k=1]`` for a group whose bins depend on ``top_k``."""
    extra = ",".join(f"{f}={getattr(cfg, f)}" for f in fields)
    return f"{cfg.name}[{extra}]" if extra else cfg.name


# --- GELU: every table segment and the region beyond it, both signs ----------------


def _gelu_space(cfg: KernelConfig) -> list[str]:
    n = cfg.gelu.segments
    return [f"{s}{i}" for s in "+-" for i in range(n)] + ["+beyond", "-beyond"]


def _gelu_classify(cfg: KernelConfig, x) -> np.ndarray:
    x = np.asarray(x, dtype=np.int64)
    seg = gelu_segment(x, cfg)
    names = np.array([*map(str, range(cfg.gelu.segments)), "beyond"])
    return np.char.add(np.where(x < 0, "-", "+"), names[seg])


# --- exp: every range-reduction class k (2**-k) and every table segment ----------


def _exp_k_max(cfg: KernelConfig) -> int:
    """The largest shift k an input reaches (at the clamp, exp(-64))."""
    lowest = -(1 << (cfg.formats.feature.frac_bits + 6))
    k, _ = exp_range_reduction(np.array([lowest]), cfg)
    return int(k[0])


def _exp_space(cfg: KernelConfig) -> list[str]:
    segs = 1 << cfg.exp.step_log2
    return [f"k{k}" for k in range(_exp_k_max(cfg) + 1)] + [f"seg{i}" for i in range(segs)]


def _exp_classify(cfg: KernelConfig, x) -> np.ndarray:
    k, i = exp_range_reduction(np.asarray(x, dtype=np.int64), cfg)
    return np.concatenate([np.char.add("k", k.astype(str)), np.char.add("seg", i.astype(str))])


# --- reciprocal and rsqrt: every exponent class and seed segment, and zero --------------


def nr_input_format(cfg: KernelConfig, kind: str) -> FixedFormat:
    """The format the reciprocal (``recip``: the softmax row sums) or rsqrt
    (``rsqrt``: the LayerNorm variances) unit takes: what its consumer feeds it."""
    return cfg.formats.softmax_sum if kind == "recip" else cfg.formats.ln_var


def _nr_reduce(kind: str, cfg: KernelConfig, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    reduce = reciprocal_range_reduction if kind == "recip" else rsqrt_range_reduction
    return reduce(x, nr_input_format(cfg, kind), cfg)


def _nr_space(kind: str) -> Callable[[KernelConfig], list[str]]:
    def space(cfg: KernelConfig) -> list[str]:
        fmt = nr_input_format(cfg, kind)
        top = np.array([1 << b for b in range(int(fmt.max_raw).bit_length())], dtype=np.int64)
        exps = sorted(set(_nr_reduce(kind, cfg, top)[0].tolist()))
        approx = cfg.recip if kind == "recip" else cfg.rsqrt
        segs = (1 if kind == "recip" else 3) << approx.step_log2  # m in [1, 2) or [1, 4)
        return ["zero", *(f"e{e}" for e in exps), *(f"seg{i}" for i in range(segs))]

    return space


def _nr_classify(kind: str) -> Callable[[KernelConfig, object], np.ndarray]:
    def classify(cfg: KernelConfig, x) -> np.ndarray:
        x = np.asarray(x, dtype=np.int64)
        pos = x[x > 0]
        e, i = _nr_reduce(kind, cfg, pos)
        zeros = np.full(int((x == 0).sum()), "zero")
        return np.concatenate([zeros, np.char.add("e", e.astype(str)),
                               np.char.add("seg", i.astype(str))])  # fmt: skip

    return classify


# --- attention: every tail mod P, one and several query groups, the row classes -----

#: The softmax row classes an attention job must be run with (the bench's
#: stimulus kinds of the same names, tb/attention_engine/stimulus.py).
ATTENTION_ROW_CLASSES = ("increasing", "ties", "onehot", "equal", "saturate")


def _attention_space(cfg: KernelConfig) -> list[str]:
    p = cfg.attn_parallel
    return [*(f"tokens_mod_p{r}" for r in range(p)), "one_group", "several_groups",
            *(f"rows_{k}" for k in ATTENTION_ROW_CLASSES)]  # fmt: skip


def _attention_classify(cfg: KernelConfig, jobs) -> list[str]:
    """Jobs as (tokens, stimulus kind)."""
    out = []
    for tokens, kind in jobs:
        out.append(f"tokens_mod_p{tokens % cfg.attn_parallel}")
        out.append("one_group" if tokens <= cfg.attn_parallel else "several_groups")
        if kind in ATTENTION_ROW_CLASSES:
            out.append(f"rows_{kind}")
    return out


# --- control: every stop-after value of the kernel ------------------------------------


def _stop_after_space(cfg: KernelConfig) -> list[str]:
    return [*(f"stage{i}" for i in range(len(program(cfg)))), "all"]


def _stop_after_classify(cfg: KernelConfig, stops) -> list[str]:
    return ["all" if s == STOP_ALL else f"stage{s}" for s in stops]


# --- top-k: ties at every rank, one-hot and all-equal tokens ------------------------


def _topk_space(cfg: KernelConfig) -> list[str]:
    ranks = [f"tie_at_rank{j}" for j in range(min(cfg.top_k, cfg.experts - 1))]
    return [*ranks, "all_equal", "distinct"]


def _topk_classify(cfg: KernelConfig, logits) -> list[str]:
    """Per token: a tie between the experts ranked j and j + 1 (j < k: it decides
    which expert is chosen or in which slot), all logits equal, or none equal."""
    x = np.sort(np.asarray(logits, dtype=np.int64), axis=1)[:, ::-1]
    out: list[str] = []
    ties = x[:, :-1] == x[:, 1:]
    for j in range(min(cfg.top_k, cfg.experts - 1)):
        out += ["tie_at_rank" + str(j)] * int(ties[:, j].sum())
    out += ["all_equal"] * int(ties.all(axis=1).sum())
    out += ["distinct"] * int((~ties).all(axis=1).sum())
    return out


# --- expert queues: empty, full, every expert, repeated -----------------------------


def _queues_space(cfg: KernelConfig) -> list[str]:
    repeated = ["repeated_expert_in_token"] if cfg.top_k > 1 else []  # needs two slots
    return [
        "empty_expert", "every_expert_used", "all_tokens_to_one_expert", "max_length",
        *repeated, "single_token",
    ]  # fmt: skip


def _queues_classify(cfg: KernelConfig, experts) -> list[str]:
    """One batch of top-k choices (tokens x k)."""
    ex = np.asarray(experts, dtype=np.int64)
    tokens = len(ex)
    holds = np.array([(ex == e).any(axis=1).sum() for e in range(cfg.experts)])
    out = []
    if (holds == 0).any():
        out.append("empty_expert")
    if (holds > 0).all():
        out.append("every_expert_used")
    if (holds == tokens).any():
        out.append("all_tokens_to_one_expert")
        if tokens == cfg.tokens:
            out.append("max_length")
    if any(len(set(row)) < len(row) for row in ex.tolist()):
        out.append("repeated_expert_in_token")
    if tokens == 1:
        out.append("single_token")
    return out


_UNIT = tuple((name, ()) for name in UNIT_CONFIGS)
_SIM = tuple((name, ()) for name in SIM_CONFIGS)
_K_VARIANTS = (("tiny", (("top_k", 1),)), ("tiny", (("top_k", load_config("tiny").experts),)))

GROUPS: dict[str, Group] = {
    g.name: g
    for g in (
        Group("gelu.segment", "every GELU table segment and the region beyond, both signs",
              _gelu_space, _gelu_classify, _SIM),
        Group("exp.range", "every exp shift class 2**-k and every table segment",
              _exp_space, _exp_classify, _UNIT),
        Group("recip.range", "every reciprocal input exponent and seed segment, and zero",
              _nr_space("recip"), _nr_classify("recip"), _UNIT),
        Group("rsqrt.range", "every rsqrt input exponent (even shift) and seed segment, and zero",
              _nr_space("rsqrt"), _nr_classify("rsqrt"), _UNIT),
        Group("attention.jobs", "every token count mod P, one and several query groups, "
              "the softmax row classes", _attention_space, _attention_classify,
              (*_UNIT, ("tiny", (("attn_parallel", 1), ("axi_data_width", 256)))),
              ("attn_parallel",)),
        Group("kernel.stop_after", "every stop-after stage of the kernel and a whole run",
              _stop_after_space, _stop_after_classify,
              tuple((name, ()) for name in KERNEL_CONFIGS)),
        Group("topk.ties", "ties at every rank that decides a choice, all-equal, distinct",
              _topk_space, _topk_classify, _UNIT + _K_VARIANTS, ("top_k",)),
        Group("queues.shape", "empty expert, every expert, one expert in every token, a full "
              "queue, an expert twice in a token, one token", _queues_space, _queues_classify,
              _UNIT + _K_VARIANTS, ("top_k",)),
    )
}  # fmt: skip


# --- sampling (in the benches) -----------------------------------------------------


class _Recorder:
    """The bins hit in this process, written to one file when it ends."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / f"functional-{os.getpid()}-{time.time_ns()}.json"
        self.hits: dict[str, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
        atexit.register(self.write)

    def add(self, group: str, key: str, labels: Iterable[str]) -> None:
        labels = labels if isinstance(labels, np.ndarray) else list(labels)
        values, counts = np.unique(np.asarray(labels, dtype=str), return_counts=True)
        bins = self.hits[group][key]
        for v, c in zip(values.tolist(), counts.tolist(), strict=True):
            bins[v] += c

    def write(self) -> None:
        if self.hits:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            data = {g: {k: dict(b) for k, b in keys.items()} for g, keys in self.hits.items()}
            self.path.write_text(json.dumps(data, sort_keys=True))


_recorder: _Recorder | None = None


def sample(group: str, cfg: KernelConfig, values) -> None:
    """Count the bins of *group* that *values* fall into (a no-op unless
    ``EDGEMOE_COVERAGE_DIR`` is set)."""
    global _recorder
    folder = coverage_dir()
    if folder is None:
        return
    g = GROUPS[group]
    if _recorder is None:
        _recorder = _Recorder(folder)
    _recorder.add(group, g.key(cfg), g.classify(cfg, values))


# --- merging and reporting -----------------------------------------------------------


def merge(files: Iterable[Path]) -> dict[str, dict[str, dict[str, int]]]:
    """``group -> configuration key -> bin -> count``, summed over *files*."""
    total: dict[str, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
    for path in files:
        for group, keys in json.loads(Path(path).read_text()).items():
            for key, bins in keys.items():
                total[group][key].update(bins)
    return {g: {k: dict(b) for k, b in keys.items()} for g, keys in total.items()}


def report(
    hits: Mapping[str, Mapping[str, Mapping[str, int]]], groups: Mapping[str, Group] = GROUPS
) -> dict:
    """Per group and configuration: bins hit of the space, and the bins missed;
    ``pct`` over every bin of every group; ``unknown`` names bins sampled that no
    space holds (a classification the model does not know: a bug)."""
    per_group: dict[str, dict] = {}
    missed: list[str] = []
    unknown: list[str] = []
    covered = total = 0
    for name, group in groups.items():
        entry = {}
        for key, space in group.expected().items():
            got = hits.get(name, {}).get(key, {})
            miss = [b for b in space if got.get(b, 0) == 0]
            unknown += [f"{name}[{key}] {b}" for b in got if b not in set(space)]
            entry[key] = {"covered": len(space) - len(miss), "total": len(space)}
            missed += [f"{name} {key} {b}" for b in miss]
            covered += len(space) - len(miss)
            total += len(space)
        per_group[name] = entry
    pct = None if total == 0 else round(100.0 * covered / total, 2)
    return {"pct": pct, "per_group": per_group, "bins_missed": missed, "unknown": unknown}
