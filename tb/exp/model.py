"""exp bench helpers: geometry, corner inputs, stimulus, and a Python model of RTL mutants.

The specification is ``golden.approx.exp.exp_neg``; :func:`exp_model` restates
the arithmetic of ``rtl/exp_unit.sv`` stage by stage (including its flush
limit on the input and its register widths), with the knobs the mutation
test turns, so a shrunk input reported against a mutant can be confirmed to
separate the mutant from the golden model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from golden.approx.exp import EXP_INPUT_MIN_RAW_BITS
from golden.approx.tables import exp2_neg_table, log2e_constant
from golden.fixed import Quant

#: Cycles from an accepted input beat to out_valid_o (rtl/exp_unit.sv's seven stages).
LATENCY = 7


@dataclass(frozen=True)
class ExpGeometry:
    in_w: int  # difference of two features: FEATURE_W + 1
    in_frac: int
    out_w: int
    out_frac: int
    out_rnd: bool
    log2e_bits: int
    log2e: int
    t_frac: int
    step_log2: int
    table_bits: int

    @classmethod
    def from_config(cls, cfg) -> ExpGeometry:
        f, e = cfg.formats, cfg.exp
        if f.exp_out.quant not in (Quant.RND, Quant.TRN):
            raise ValueError(f"exp_out {f.exp_out}: exp_unit rounds by AP_RND or AP_TRN only")
        return cls(
            in_w=EXP_INPUT_MIN_RAW_BITS + 1,
            in_frac=f.feature.frac_bits,
            out_w=f.exp_out.width,
            out_frac=f.exp_out.frac_bits,
            out_rnd=f.exp_out.quant is Quant.RND,
            log2e_bits=e.log2e_bits,
            log2e=log2e_constant(e),
            t_frac=e.t_frac_bits,
            step_log2=e.step_log2,
            table_bits=e.table_bits,
        )

    # ---- derived (the localparams of rtl/exp_unit.sv)
    @property
    def tshift(self) -> int:
        return self.in_frac + self.log2e_bits - self.t_frac

    @property
    def m(self) -> int:
        """Bits of f below one table step (the interpolation fraction r)."""
        return self.t_frac - self.step_log2

    @property
    def acc_w(self) -> int:
        return self.table_bits + 1 + self.m

    @property
    def shift_base(self) -> int:
        return self.table_bits + self.m - self.out_frac

    @property
    def t_flush(self) -> int:
        """The largest t with a nonzero result."""
        return (self.out_frac + int(self.out_rnd)) << self.t_frac

    def a_flush(self, log2e: int | None = None) -> int:
        """The largest a = -x (raw) with a nonzero result (RTL localparam AFlush)."""
        c = self.log2e if log2e is None else log2e
        half = (1 << (self.tshift - 1)) if self.tshift else 0
        return (((self.t_flush + 1) << self.tshift) - half - 1) // c

    @property
    def min_raw(self) -> int:
        return -(1 << (self.in_w - 1))

    def t_of(self, a: int) -> int:
        """t = -x log2(e) with t_frac fraction bits, for a = -x >= 0."""
        half = (1 << (self.tshift - 1)) if self.tshift else 0
        return (a * self.log2e + half) >> self.tshift

    def a_at(self, t: int) -> int:
        """The smallest a >= 0 with t_of(a) >= t: where the reduced argument crosses t."""
        half = (1 << (self.tshift - 1)) if self.tshift else 0
        num = (t << self.tshift) - half
        return max(0, -(-num // self.log2e))

    def describe(self, x: int) -> str:
        """``x=<raw> (0x<hex>, <real>)``: the form failure messages use."""
        hex_x = f"{x & ((1 << self.in_w) - 1):0{(self.in_w + 3) // 4}x}"
        return f"x={x} (0x{hex_x}, {x * 2.0**-self.in_frac:.12g})"


def exp_model(
    x_raw: np.ndarray,
    geo: ExpGeometry,
    table: np.ndarray,
    *,
    log2e_delta: int = 0,
    interp_sign: int = 1,
    out_round: bool = True,
    flush_nonstrict: bool = False,
) -> np.ndarray:
    """rtl/exp_unit.sv's arithmetic (x <= 0), with the knobs the mutants turn.

    ``log2e_delta``: the log2(e) constant (multiplier and flush limit) moved by
    that many LSBs. ``interp_sign=-1``: the slope term is subtracted.
    ``out_round=False``: the output rounding constant is dropped.
    ``flush_nonstrict=True``: the flush comparison is a >= AFlush.
    """
    x = np.asarray(x_raw, dtype=np.int64)
    c = geo.log2e + log2e_delta
    a_lim = geo.a_flush(c)
    a = np.where(x < 0, -x, 0)
    flush = (a >= a_lim) if flush_nonstrict else (a > a_lim)
    a = np.where(flush, 0, a)
    half_t = (1 << (geo.tshift - 1)) if geo.tshift else 0
    t = (a * c + half_t) >> geo.tshift  # a <= AFlush < 2**27, c < 2**33: fits int64
    k = t >> geo.t_frac
    frac = t & ((1 << geo.t_frac) - 1)
    i = frac >> geo.m
    r = frac & ((1 << geo.m) - 1)
    lo, hi = table[i], table[i + 1]
    acc = (lo << geo.m) + interp_sign * (hi - lo) * r
    acc &= (1 << geo.acc_w) - 1  # the acc6_q register
    sh = k + geo.shift_base
    half = ((1 << sh) >> 1) if (out_round and geo.out_rnd) else np.zeros_like(sh)
    y = ((acc + half) >> sh) & ((1 << geo.out_w) - 1)
    return np.where(flush, 0, y).astype(np.int64)


def corner_a(geo: ExpGeometry) -> dict[str, np.ndarray]:
    """Magnitudes a = -x (raw) of the unit's corners, by kind (each with +-2 LSB neighbours).

    ``range``: where t crosses k (x = -k ln2) for every k up to beyond the flush
    limit and at the -64 clamp; ``breakpoints``: where f crosses every table
    breakpoint, for k = 0, 1, 2 and the last k's before the flush;
    ``extremes``: 0, 1 LSB, the flush limit, the clamp, the feature minimum and
    the most negative input.
    """
    d = np.arange(-2, 3, dtype=np.int64)
    k_top = geo.out_frac + 3
    k_max = geo.t_of(1 << (geo.in_frac + 6)) >> geo.t_frac  # t at the -64 clamp
    ks = list(range(k_top + 1)) + list(range(k_max - 2, k_max + 2))
    rng_a = np.array([geo.a_at(k << geo.t_frac) for k in ks], dtype=np.int64)
    segs = 1 << geo.step_log2
    bk = [0, 1, 2, geo.out_frac - 1, geo.out_frac, geo.out_frac + 1]
    bp_t = [(k << geo.t_frac) + (i << geo.m) for k in bk for i in range(segs + 1)]
    bp_a = np.array([geo.a_at(t) for t in bp_t], dtype=np.int64)
    top = -geo.min_raw
    feat = 1 << (geo.in_w - 2)
    ext = np.array([0, 1, 2, geo.a_flush(), 1 << (geo.in_frac + 6), feat, top - 2], dtype=np.int64)

    def around(a: np.ndarray) -> np.ndarray:
        return np.unique(np.clip((a[:, None] + d).ravel(), 0, top))

    return {"range": around(rng_a), "breakpoints": around(bp_a), "extremes": around(ext)}


def edge_vectors(geo: ExpGeometry) -> np.ndarray:
    """Every corner of :func:`corner_a` as a raw input x = -a."""
    return -np.unique(np.concatenate(list(corner_a(geo).values())))


def stream_vectors(geo: ExpGeometry, n: int, rng: np.random.Generator, lanes: int) -> np.ndarray:
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
    lin = rng.integers(0, geo.a_flush() + 8, size=k_lin, endpoint=True)
    bits = rng.integers(0, geo.in_w, size=k_log)
    log = (rng.integers(0, 1 << 62, size=k_log) >> (62 - bits)) + (1 << bits) - 1
    full = rng.integers(0, -geo.min_raw, size=k_full, endpoint=True)
    a = np.concatenate([lin, np.minimum(log, -geo.min_raw), full])
    out = np.concatenate([edges, -a])
    rng.shuffle(out)
    return out.astype(np.int64)


def table_of(cfg) -> np.ndarray:
    return np.asarray(exp2_neg_table(cfg.exp), dtype=np.int64)
