"""exp bench helpers: corner inputs, stimulus, and a Python model of RTL mutants.

The specification is ``golden.approx.exp.exp_neg``; :func:`exp_model` restates
the arithmetic of ``rtl/exp_unit.sv`` stage by stage (including its flush
limit on the input and its register widths), with the knobs the mutation
test turns, so a shrunk input reported against a mutant can be confirmed to
separate the mutant from the golden model.
"""

from __future__ import annotations

import numpy as np

from golden.approx.tables import exp2_neg_table, log2e_constant
from golden.fixed import Quant
from hls.geometry import Geometry

#: Cycles from an accepted input beat to out_valid_o (rtl/exp_unit.sv's seven stages).
LATENCY = 7


def check_supported(cfg) -> None:
    """exp_unit rounds its output by AP_RND or AP_TRN only."""
    fmt = cfg.formats.exp_out
    if fmt.quant not in (Quant.RND, Quant.TRN):
        raise ValueError(f"exp_out {fmt}: exp_unit rounds by AP_RND or AP_TRN only")


def min_input(geo: Geometry) -> int:
    """The most negative input of the unit (EXP_IN_W bits)."""
    return -(1 << (geo.exp_in_w - 1))


def _half_t(geo: Geometry) -> int:
    return (1 << (geo.exp_tshift - 1)) if geo.exp_tshift else 0


def t_of(geo: Geometry, a: int) -> int:
    """t = -x log2(e) with t_frac fraction bits, for a = -x >= 0."""
    return (a * log2e_constant(geo.config.exp) + _half_t(geo)) >> geo.exp_tshift


def a_at(geo: Geometry, t: int) -> int:
    """The smallest a >= 0 with t_of(a) >= t: where the reduced argument crosses t."""
    num = (t << geo.exp_tshift) - _half_t(geo)
    return max(0, -(-num // log2e_constant(geo.config.exp)))


def describe(geo: Geometry, x: int) -> str:
    """``x=<raw> (0x<hex>, <real>)``: the form failure messages use."""
    w, frac = geo.exp_in_w, geo.config.formats.feature.frac_bits
    hex_x = f"{x & ((1 << w) - 1):0{(w + 3) // 4}x}"
    return f"x={x} (0x{hex_x}, {x * 2.0**-frac:.12g})"


def exp_model(
    x_raw: np.ndarray,
    geo: Geometry,
    table: np.ndarray,
    *,
    log2e_delta: int = 0,
    interp_sign: int = 1,
    out_round: bool = True,
    flush_nonstrict: bool = False,
) -> np.ndarray:
    """rtl/exp_unit.sv's arithmetic (x <= 0), with the knobs the mutants turn.

    ``log2e_delta``: the multiplier's log2(e) constant moved by that many LSBs
    (the flush limit stays the package's EXP_A_FLUSH). ``interp_sign=-1``: the
    slope term is subtracted. ``out_round=False``: the output rounding constant
    is dropped.
    ``flush_nonstrict=True``: the flush comparison is a >= AFlush.
    """
    x = np.asarray(x_raw, dtype=np.int64)
    c = log2e_constant(geo.config.exp) + log2e_delta
    a_lim = geo.exp_a_flush
    a = np.where(x < 0, -x, 0)
    flush = (a >= a_lim) if flush_nonstrict else (a > a_lim)
    a = np.where(flush, 0, a)
    half_t = _half_t(geo)
    t = (a * c + half_t) >> geo.exp_tshift  # a <= AFlush < 2**27, c < 2**33: fits int64
    k = t >> geo.config.exp.t_frac_bits
    frac = t & ((1 << geo.config.exp.t_frac_bits) - 1)
    i = frac >> geo.exp_frac_idx_w
    r = frac & ((1 << geo.exp_frac_idx_w) - 1)
    lo, hi = table[i], table[i + 1]
    acc = (lo << geo.exp_frac_idx_w) + interp_sign * (hi - lo) * r
    acc &= (1 << geo.exp_acc_w) - 1  # the acc6_q register
    sh = k + geo.exp_shift_base
    half = (
        ((1 << sh) >> 1)
        if (out_round and geo.config.formats.exp_out.quant is Quant.RND)
        else np.zeros_like(sh)
    )
    y = ((acc + half) >> sh) & ((1 << geo.config.formats.exp_out.width) - 1)
    return np.where(flush, 0, y).astype(np.int64)


def corner_a(geo: Geometry) -> dict[str, np.ndarray]:
    """Magnitudes a = -x (raw) of the unit's corners, by kind (each with +-2 LSB neighbours).

    ``range``: where t crosses k (x = -k ln2) for every k up to beyond the flush
    limit and at the -64 clamp; ``breakpoints``: where f crosses every table
    breakpoint, for k = 0, 1, 2 and the last k's before the flush;
    ``extremes``: 0, 1 LSB, the flush limit, the clamp, the feature minimum and
    the most negative input.
    """
    d = np.arange(-2, 3, dtype=np.int64)
    k_top = geo.config.formats.exp_out.frac_bits + 3
    k_max = (
        t_of(geo, 1 << (geo.config.formats.feature.frac_bits + 6)) >> geo.config.exp.t_frac_bits
    )  # t at the -64 clamp
    ks = list(range(k_top + 1)) + list(range(k_max - 2, k_max + 2))
    rng_a = np.array([a_at(geo, k << geo.config.exp.t_frac_bits) for k in ks], dtype=np.int64)
    segs = 1 << geo.config.exp.step_log2
    bk = [
        0,
        1,
        2,
        geo.config.formats.exp_out.frac_bits - 1,
        geo.config.formats.exp_out.frac_bits,
        geo.config.formats.exp_out.frac_bits + 1,
    ]
    bp_t = [
        (k << geo.config.exp.t_frac_bits) + (i << geo.exp_frac_idx_w)
        for k in bk
        for i in range(segs + 1)
    ]
    bp_a = np.array([a_at(geo, t) for t in bp_t], dtype=np.int64)
    top = -min_input(geo)
    feat = 1 << (geo.exp_in_w - 2)
    ext = np.array(
        [0, 1, 2, geo.exp_a_flush, 1 << (geo.config.formats.feature.frac_bits + 6), feat, top - 2],
        dtype=np.int64,
    )

    def around(a: np.ndarray) -> np.ndarray:
        return np.unique(np.clip((a[:, None] + d).ravel(), 0, top))

    return {"range": around(rng_a), "breakpoints": around(bp_a), "extremes": around(ext)}


def edge_vectors(geo: Geometry) -> np.ndarray:
    """Every corner of :func:`corner_a` as a raw input x = -a."""
    return -np.unique(np.concatenate(list(corner_a(geo).values())))


def stream_vectors(geo: Geometry, n: int, rng: np.random.Generator, lanes: int) -> np.ndarray:
    """At least *n* inputs (a multiple of *lanes*): every edge vector plus random fill,
    shuffled. The fill: half uniform over the unflushed range [-AFlush - 8, 0], a
    quarter log-uniform in magnitude (small |x| as densely as large), a quarter
    uniform over the whole input range [-2**32, 0]."""
    edges = edge_vectors(geo)
    total = max(n, len(edges))
    total += (-total) % lanes
    k = total - len(edges)
    k_lin, k_log = k // 2, k // 4
    k_full = k - k_lin - k_log
    lin = rng.integers(0, geo.exp_a_flush + 8, size=k_lin, endpoint=True)
    bits = rng.integers(0, geo.exp_in_w, size=k_log)
    log = (rng.integers(0, 1 << 62, size=k_log) >> (62 - bits)) + (1 << bits) - 1
    full = rng.integers(0, -min_input(geo), size=k_full, endpoint=True)
    a = np.concatenate([lin, np.minimum(log, -min_input(geo)), full])
    out = np.concatenate([edges, -a])
    rng.shuffle(out)
    return out.astype(np.int64)


def table_of(cfg) -> np.ndarray:
    return np.asarray(exp2_neg_table(cfg.exp), dtype=np.int64)
