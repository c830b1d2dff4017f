"""Linear-tile bench helpers: jobs (layers), beat packing, mutant models.

The specification is ``golden.stages.linear.linear``.  A *job* is one layer
call ``y = [GELU](x @ W.T + b)``; :func:`job_beats` turns it into the beats of
``rtl/linear_tile.sv`` (weight tiles of ROWS output rows, feature beats of COLS
inputs, padded with zeros) and the output beats the golden model expects.
:func:`linear_model` restates the engine's arithmetic with the knobs the RTL
mutants turn, so a mutation test can check that the minimal input Hypothesis
reports really separates the mutant from the golden model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from golden.fixed import FixedFormat
from golden.gelu import gelu
from golden.stages.linear import linear
from hls.geometry import Geometry
from tb.components.stream import pack_lanes


@dataclass
class Job:
    """One layer call: x (N, K), W (M, K), b (M,) raw; GELU and bias-format flags."""

    x: np.ndarray
    w: np.ndarray
    b: np.ndarray
    gelu: bool
    alt: bool  # bias in attn_bias (Q/K/V) instead of bias
    kind: str = ""

    @property
    def n(self) -> int:
        return self.x.shape[0]

    @property
    def m(self) -> int:
        return self.w.shape[0]

    @property
    def k(self) -> int:
        return self.x.shape[1]

    def describe(self) -> str:
        return (
            f"{self.kind} job N={self.n} M={self.m} K={self.k} gelu={int(self.gelu)} "
            f"alt={int(self.alt)}"
        )


def golden_job(job: Job, cfg) -> np.ndarray:
    """golden.stages.linear.linear on the job: (N, M) raw features."""
    b_fmt = cfg.formats.attn_bias if job.alt else cfg.formats.bias
    return np.asarray(linear(job.x, job.w, job.b, cfg, gelu=job.gelu, b_fmt=b_fmt), np.int64)


@dataclass
class Beats:
    """The port traffic of a list of jobs, in order."""

    w_data: list[int]
    w_last: list[int]
    w_bias: list[int]  # sideband per weight beat (meaningful with w_last)
    w_alt: list[int]
    w_gelu: list[int]
    in_data: list[int]
    in_last: list[int]
    in_tile_last: list[int]
    n_out: int  # output beats (tokens x row tiles)


def job_beats(jobs: list[Job], geo: Geometry) -> Beats:
    """Weight and feature beats of *jobs* (padded to whole tiles, as the kernel does)."""
    r_, c_ = geo.config.linear_tile[0], geo.config.linear_tile[1]
    wd, wl, wb, wa, wg, xd, xl, xt = [], [], [], [], [], [], [], []
    n_out = 0
    for job in jobs:
        kb = -(-job.k // c_)
        kp = kb * c_
        tiles = -(-job.m // r_)
        w_pad = np.zeros((tiles * r_, kp), dtype=np.int64)
        w_pad[: job.m, : job.k] = job.w
        b_pad = np.zeros(tiles * r_, dtype=np.int64)
        b_pad[: job.m] = job.b
        x_pad = np.zeros((job.n, kp), dtype=np.int64)
        x_pad[:, : job.k] = job.x
        xwords = pack_lanes(x_pad.ravel(), c_, geo.config.formats.feature.width)
        xlast = ([0] * (kb - 1) + [1]) * job.n
        for t in range(tiles):
            blk = w_pad[t * r_ : (t + 1) * r_].reshape(r_, kb, c_).transpose(1, 0, 2)
            words = pack_lanes(blk.ravel(), c_, geo.config.formats.linear_weight.width)
            nb = len(words)
            bias = pack_lanes(b_pad[t * r_ : (t + 1) * r_], r_, geo.tile_bias_w)[0]
            wd += words
            wl += [0] * (nb - 1) + [1]
            wb += [bias] * nb
            wa += [int(job.alt)] * nb
            wg += [int(job.gelu)] * nb
            xd += xwords
            xl += xlast
            xt += [0] * (len(xwords) - 1) + [1]
            n_out += job.n
    return Beats(wd, wl, wb, wa, wg, xd, xl, xt, n_out)


def expected_outputs(jobs: list[Job], ys: list[np.ndarray], geo: Geometry) -> np.ndarray:
    """The output beats' values in order, (beats, ROWS): padded rows are 0."""
    out = []
    r_ = geo.config.linear_tile[0]
    for job, y in zip(jobs, ys, strict=True):
        tiles = -(-job.m // r_)
        y_pad = np.zeros((job.n, tiles * r_), dtype=np.int64)
        y_pad[:, : job.m] = y
        for t in range(tiles):
            out.append(y_pad[:, t * r_ : (t + 1) * r_])
    return np.concatenate(out) if out else np.zeros((0, r_), dtype=np.int64)


def output_origin(jobs: list[Job], geo: Geometry, beat: int) -> tuple[int, int, int]:
    """(job index, token, first row) of output beat *beat*."""
    for j, job in enumerate(jobs):
        tiles = -(-job.m // geo.config.linear_tile[0])
        if beat < tiles * job.n:
            t, n = divmod(beat, job.n)
            return j, n, t * geo.config.linear_tile[0]
        beat -= tiles * job.n
    raise IndexError(beat)


# ---------------------------------------------------------------------------
# The engine's arithmetic with mutant knobs


def _wrap(v: int, bits: int) -> int:
    m = 1 << bits
    v &= m - 1
    return v - m if v >> (bits - 1) else v


def linear_model(
    x: list[int],
    w: list[int],
    b: int,
    alt: bool,
    use_gelu: bool,
    geo: Geometry,
    cfg,
    *,
    acc_bits_less: int = 0,
    round_half: bool = True,
    bias_shift_delta: int = 0,
    sat_nonstrict: bool = False,
) -> int:
    """One output of the engine (python ints, exact), with the knobs of the mutants.

    ``acc_bits_less``: the accumulator register is that many bits narrower
    (it wraps); ``round_half=False``: the rounding constant is dropped;
    ``bias_shift_delta``: the ``bias`` (not ``attn_bias``) alignment is off by
    that many bits; ``sat_nonstrict``: the positive saturation test is ``>``
    instead of ``>=``, so a rounded value of exactly 2**(Y_W-1) wraps to the minimum.
    """
    acc = sum(int(a) * int(c) for a, c in zip(x, w, strict=True))
    shift = geo.tile_bias_shifts[alt] + (0 if alt else bias_shift_delta)
    acc += int(b) << shift
    acc_w = geo.tile_acc_w - acc_bits_less
    acc = _wrap(acc, acc_w)
    s = geo.tile_acc_frac - geo.config.formats.feature.frac_bits
    q = (acc + ((1 << (s - 1)) if round_half else 0)) >> s
    hi, lo = (
        1 << (geo.config.formats.feature.width - 1),
        -(1 << (geo.config.formats.feature.width - 1)),
    )
    if q > hi or (q == hi and not sat_nonstrict):
        y = hi - 1
    elif q < lo:
        y = lo
    else:
        y = _wrap(q, geo.config.formats.feature.width)
    if use_gelu:
        y = int(gelu(np.array([y], dtype=np.int64), cfg)[0])
    return y


# ---------------------------------------------------------------------------
# Stimulus


def _extremes(fmt: FixedFormat) -> np.ndarray:
    lo, hi = fmt.min_raw, fmt.max_raw
    return np.array([lo, lo + 1, -1, 0, 1, hi - 1, hi], dtype=np.int64)


def _values(rng: np.random.Generator, shape, fmt: FixedFormat, style: str, scale: float):
    """Raw values of *fmt*: 'typical' (normal, std *scale* in real terms), 'full'
    (uniform over the format), 'extreme' (min/min+1/-1/0/1/max-1/max), 'mixed'."""
    lo, hi = fmt.min_raw, fmt.max_raw
    if style == "typical":
        v = np.rint(rng.normal(0.0, scale, size=shape) * 2.0**fmt.frac_bits)
        return np.clip(v, lo, hi).astype(np.int64)
    if style == "full":
        return rng.integers(lo, hi, size=shape, endpoint=True)
    if style == "extreme":
        return rng.choice(_extremes(fmt), size=shape)
    parts = [_values(rng, shape, fmt, s, scale) for s in ("typical", "full", "extreme")]
    pick = rng.integers(0, 3, size=shape)
    return np.choose(pick, parts)


def _dims(rng: np.random.Generator, geo: Geometry) -> tuple[int, int, int]:
    c, r, mk = geo.config.linear_tile[1], geo.config.linear_tile[0], geo.tile_max_k
    k = int(rng.choice([1, 2, c - 1 or 1, c, c + 1, mk - 1, mk, 0, 0, 0, 0]))
    if k == 0:
        k = int(rng.integers(1, mk, endpoint=True))
    m = int(rng.choice([1, r - 1 or 1, r, r + 1, 2 * r, 0, 0, 0]))
    if m == 0:
        m = int(rng.integers(1, 3 * r, endpoint=True))
    n = int(rng.integers(1, 24, endpoint=True))
    return n, m, max(1, min(k, mk))


def boundary_job(rng: np.random.Generator, geo: Geometry, n: int, m: int) -> Job:
    """Accumulators next to the saturation bounds and the rounding half points.

    Token t gets x = [a1, a2, r, d_t, 0...] and row i W = [1.0, 1.0, 1 LSB, e_i, 0...]
    (bias 0), so acc = (a1 + a2) * 2**Fw + r + d_t * e_i lands on a chosen target."""
    s = geo.tile_acc_frac - geo.config.formats.feature.frac_bits
    half = 1 << (s - 1)
    top = 1 << (geo.config.formats.feature.width - 1)
    k = (
        int(rng.integers(4, geo.tile_max_k, endpoint=True))
        if geo.tile_max_k >= 4
        else geo.tile_max_k
    )
    one_w = 1 << geo.config.formats.linear_weight.frac_bits
    x = np.zeros((n, k), dtype=np.int64)
    w = np.zeros((m, k), dtype=np.int64)
    qs = [top - 1, top, top + 1, -top, -top - 1, -top + 1, 0, -1, 1]
    hs = [half - 1, half, half + 1, 0, 2 * half - 1, 1]
    for t in range(n):
        q = int(rng.choice(qs)) + int(rng.integers(-2, 3))
        h = int(rng.choice(hs)) if rng.random() < 0.8 else int(rng.integers(0, 2 * half))
        target = (q << s) + h - half  # rounds (half up) to q or its neighbour
        a, r = target >> geo.config.formats.linear_weight.frac_bits, target & (one_w - 1)
        # (a * one_w) equals the part of the target above the weight's LSBs.
        a_hi = a // 2
        x[t, :3] = [a_hi, a - a_hi, r]
        x[t, 3] = int(rng.integers(-8, 9))
    w[:, 0] = one_w
    w[:, 1] = one_w
    w[:, 2] = 1
    w[:, 3] = rng.integers(-8, 9, size=m)
    # Keep the constructed operands inside their formats.
    x = np.clip(x, geo.config.formats.feature.min_raw, geo.config.formats.feature.max_raw)
    return Job(x, w, np.zeros(m, dtype=np.int64), bool(rng.random() < 0.3), False, "boundary")


def saturation_corner_job(geo: Geometry) -> Job:
    """Four tokens whose accumulators round exactly onto the saturation edges:
    max, max + 1, min and min - 1 output LSBs (the comparisons a one-character
    slip in the saturation logic breaks). Built like :func:`boundary_job`."""
    s = geo.tile_acc_frac - geo.config.formats.feature.frac_bits
    top = 1 << (geo.config.formats.feature.width - 1)
    one_w = 1 << geo.config.formats.linear_weight.frac_bits
    qs = [top - 1, top, -top, -top - 1]
    x = np.zeros((len(qs), 3), dtype=np.int64)
    for t, q in enumerate(qs):
        a, r = (q << s) >> geo.config.formats.linear_weight.frac_bits, (q << s) & (one_w - 1)
        x[t] = [a // 2, a - a // 2, r]
    w = np.array([[one_w, one_w, 1]], dtype=np.int64)
    x = np.clip(x, geo.config.formats.feature.min_raw, geo.config.formats.feature.max_raw)
    return Job(x, w, np.zeros(1, dtype=np.int64), False, False, "saturation corners")


def random_job(rng: np.random.Generator, geo: Geometry) -> Job:
    """One job of a random kind: 'typical' (normal operands, small outputs: the
    rounding), 'full' (uniform over the formats: saturation), 'mixed' (per element
    typical, full or an extreme), 'boundary' (:func:`boundary_job`), 'fill'
    (constant extremes over up to the whole MAX_K: the accumulator's width) and
    'sparse' (zero vectors, one-hot operands, zero biases)."""
    n, m, k = _dims(rng, geo)
    kind = str(
        rng.choice(["typical", "typical", "full", "mixed", "mixed", "boundary", "fill", "sparse"])
    )
    alt = bool(rng.random() < 0.5)
    b_fmt = geo.config.formats.attn_bias if alt else geo.config.formats.bias
    use_gelu = bool(rng.random() < 0.5)
    if kind == "boundary":
        return boundary_job(rng, geo, n, m)
    if kind == "fill":
        # Constant extremes over the whole dot product: the accumulator's limits.
        n, k = min(n, 4), int(rng.choice([geo.tile_max_k, k]))
        x = np.full((n, k), rng.choice(_extremes(geo.config.formats.feature)), dtype=np.int64)
        w = np.full((m, k), rng.choice(_extremes(geo.config.formats.linear_weight)), dtype=np.int64)
        b = rng.choice(_extremes(b_fmt), size=m)
    elif kind == "sparse":
        # Zero vectors, one-hot features and weights, single non-zero terms.
        x = np.where(
            rng.random((n, k)) < 0.1,
            _values(rng, (n, k), geo.config.formats.feature, "mixed", 2),
            0,
        )
        w = np.where(
            rng.random((m, k)) < 0.1,
            _values(rng, (m, k), geo.config.formats.linear_weight, "mixed", 0.2),
            0,
        )
        x[rng.random(n) < 0.3] = 0
        b = np.where(rng.random(m) < 0.5, 0, _values(rng, m, b_fmt, "mixed", 1))
    else:
        style = {"typical": "typical", "full": "full", "mixed": "mixed"}[kind]
        x = _values(rng, (n, k), geo.config.formats.feature, style, 2.0)
        w = _values(
            rng,
            (m, k),
            geo.config.formats.linear_weight,
            style,
            float(rng.choice([0.02, 0.1, 0.3])),
        )
        b = _values(rng, m, b_fmt, style, 0.5)
        if rng.random() < 0.15:
            b[:] = 0
    return Job(x.astype(np.int64), w.astype(np.int64), b.astype(np.int64), use_gelu, alt, kind)


def random_jobs(rng: np.random.Generator, geo: Geometry, outputs: int) -> list[Job]:
    """Jobs until at least *outputs* output values (N x M summed) are covered."""
    jobs, total = [], 0
    while total < outputs:
        job = random_job(rng, geo)
        jobs.append(job)
        total += job.n * job.m
    return jobs
