"""Stimulus, memory layout and expectations of the attention-engine bench.

A *job* is T query/key/value rows (raw feature format) at four addresses of
the bench memory; its expectation is ``golden.stages.attention.attention``
(bit for bit), the read commands the schedule must issue (per group of P
queries: the group's Q rows, then K rows 0..T-1, then V rows 0..T-1, each one
command) and the write commands (per group, its valid Y rows).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from golden.config import KernelConfig
from golden.fixed import from_float
from golden.layernorm import layernorm
from golden.stages.attention import attention
from golden.stages.linear import linear
from hls.geometry import Geometry
from hls.memory_map import PAGE_BYTES, pack, unpack

#: Stimulus kinds (see :func:`make_qkv`).
KINDS = (
    "uniform8",  # every element uniform in +-8
    "realistic",  # LayerNorm + QKV linear of trained-like synthetic weights (golden stages)
    "saturate",  # |Q|, |K| near the feature maximum: scores saturate; V over the full range
    "increasing",  # every row's scores increase with the key index (online-rescaling worst case)
    "equal",  # all keys equal: all-equal rows
    "onehot",  # one key dominates every row (others' exp flush to 0)
    "ties",  # few distinct small values: ties and one-LSB neighbours
)


def region_bytes(geo: Geometry) -> int:
    """One (TOKENS x D) tensor plus a guard page, page aligned."""
    n = geo.config.tokens * geo.feature_row_bytes
    return (-(-n // PAGE_BYTES) + 1) * PAGE_BYTES


@dataclass
class Job:
    tokens: int
    q: np.ndarray
    k: np.ndarray
    v: np.ndarray
    q_addr: int
    k_addr: int
    v_addr: int
    y_addr: int
    kind: str = ""

    def groups(self, p: int) -> list[tuple[int, int]]:
        """(first query, queries) of every group."""
        return [(q0, min(p, self.tokens - q0)) for q0 in range(0, self.tokens, p)]

    def read_commands(self, geo: Geometry) -> list[tuple[int, int]]:
        t, rb = self.tokens, geo.feature_row_beats
        out = []
        for q0, nq in self.groups(geo.config.attn_parallel):
            out += [
                (self.q_addr + q0 * geo.feature_row_bytes, nq * rb),
                (self.k_addr, t * rb),
                (self.v_addr, t * rb),
            ]
        return out

    def write_commands(self, geo: Geometry) -> list[tuple[int, int]]:
        return [
            (self.y_addr + q0 * geo.feature_row_bytes, nq * geo.feature_row_beats)
            for q0, nq in self.groups(geo.config.attn_parallel)
        ]


def _raw(x: np.ndarray, cfg: KernelConfig) -> np.ndarray:
    return np.asarray(from_float(np.asarray(x, dtype=np.float64), cfg.formats.feature), np.int64)


def _realistic(t: int, rng: np.random.Generator, cfg: KernelConfig):
    """Q, K, V of one layer: LayerNorm then the QKV linear (golden stages) on
    features and weights with the spreads of golden.weights.synthetic_weights."""
    f, d = cfg.formats, cfg.dim
    x = _raw(rng.normal(0.0, 0.7, (t, d)) + rng.normal(0.0, 0.3, (1, d)), cfg)
    gamma = from_float(1.4 + 0.35 * rng.standard_normal(d), f.norm)
    beta = from_float(0.5 * rng.standard_normal(d), f.norm)
    w = from_float(np.clip(0.05 * rng.standard_normal((3 * d, d)), -0.1, 0.1), f.linear_weight)
    b = from_float(0.5 * rng.standard_normal(3 * d), f.attn_bias)
    h = layernorm(x, gamma, beta, cfg)
    qkv = linear(h, w, b, cfg, b_fmt=f.attn_bias)
    return qkv[:, :d], qkv[:, d : 2 * d], qkv[:, 2 * d :]


def make_qkv(kind: str, t: int, rng: np.random.Generator, cfg: KernelConfig):
    """(Q, K, V) raw feature arrays (t, D) of one stimulus kind."""
    f = cfg.formats.feature
    d, hd = cfg.dim, cfg.head_dim
    one = 1 << f.frac_bits
    if kind == "uniform8":
        q, k, v = (rng.integers(-8 * one, 8 * one, (t, d), endpoint=True) for _ in range(3))
    elif kind == "realistic":
        q, k, v = _realistic(t, rng, cfg)
    elif kind == "saturate":
        mag = rng.integers(f.max_raw - (1 << 12), f.max_raw, (2, t, d), endpoint=True)
        sign = rng.choice([-1, 1], (2, t, d))
        q, k = mag[0] * sign[0], mag[1] * sign[1]
        q[0] = f.min_raw  # the extreme negative value, rounded to attn_qk
        v = rng.integers(f.min_raw, f.max_raw, (t, d), endpoint=True)
        v[:, 0] = f.min_raw
        v[:, 1 % d] = f.max_raw
    elif kind == "increasing":
        # Positive queries; key j = base + j * step in every element: every score
        # grows with j (strictly when step * sum(q) exceeds a score LSB).
        q = rng.integers(one // 4, 2 * one, (t, d), endpoint=True)
        step = max(1, int(24 * one * 4 / (max(t, 2) * hd)))  # scores span ~0..24
        base = rng.integers(-one, one, d, endpoint=True)
        k = base[None, :] + np.arange(t)[:, None] * step
        v = rng.integers(-8 * one, 8 * one, (t, d), endpoint=True)
    elif kind == "equal":
        q = rng.integers(-8 * one, 8 * one, (t, d), endpoint=True)
        k = np.repeat(rng.integers(-8 * one, 8 * one, (1, d), endpoint=True), t, axis=0)
        v = rng.integers(-8 * one, 8 * one, (t, d), endpoint=True)
    elif kind == "onehot":
        q = rng.integers(4 * one, 8 * one, (t, d), endpoint=True)
        k = rng.integers(-one // 8, one // 8, (t, d), endpoint=True)
        k[int(rng.integers(0, t))] = 8 * one
        v = rng.integers(-8 * one, 8 * one, (t, d), endpoint=True)
    elif kind == "ties":
        vals = np.array([-2 * one, -1, 0, 1, 255, 256, one, 3 * one])
        q, k = rng.choice(vals, (t, d)), rng.choice(vals, (t, d))
        v = rng.choice(np.array([f.min_raw, -1, 0, 1, f.max_raw, one]), (t, d))
    else:
        raise ValueError(f"unknown stimulus kind {kind!r}")
    out = tuple(np.clip(np.asarray(a, np.int64), f.min_raw, f.max_raw) for a in (q, k, v))
    return out


def golden_attention(job: Job, cfg: KernelConfig) -> np.ndarray:
    return attention(job.q, job.k, job.v, cfg)


def pack_rows(raw: np.ndarray, cfg: KernelConfig) -> np.ndarray:
    data = pack(raw, cfg.formats.feature, cfg.axi_data_width)
    return np.frombuffer(data, dtype=np.uint8)


def unpack_rows(data: np.ndarray, t: int, cfg: KernelConfig) -> np.ndarray:
    return unpack(
        data.tobytes(), cfg.formats.feature, (t, cfg.dim), cfg.axi_data_width, check_padding=True
    )


def mac_bounds(t: int, geo: Geometry) -> dict[str, int]:
    """Cycle figures a job of t tokens is compared against.

    ``mac``: 2 T^2 D / HEAD_DIM, the two passes at HEAD_DIM MACs per cycle on the
    valid queries only; ``mac_padded``: the same over ceil(T/P) * P query lanes
    (the engine computes idle lanes); ``memory``: beats of the job at one beat
    per cycle (Q once, K and V once per group, Y once).
    """
    g = -(-t // geo.config.attn_parallel)
    rb = geo.feature_row_beats
    return {
        "mac": 2 * t * t * geo.config.heads,
        "mac_padded": 2 * g * geo.config.attn_parallel * t * geo.config.heads,
        "memory": (2 * g * t + 2 * t) * rb,
    }
