"""Model of the Newton-Raphson unit rtl/nr_core.sv as the reciprocal (ROOT 1) and rsqrt (ROOT 2),
shared by their benches (tb/recip, tb/rsqrt) through nr_bench and nr_pytest.

Both units turn an unsigned fixed-point x > 0 into (mant, scale) with
value = mant * 2**(scale - M) (``golden.approx.reciprocal.reciprocal_parts``,
``golden.approx.rsqrt.rsqrt_parts``); their benches differ only in the kind,
the input format and the table geometry, all held by :class:`NrUnit`.

The specification is the golden model. :meth:`NrUnit.rtl_model` restates the
RTL's arithmetic in Python integers, bit slice for bit slice, with knobs for
the mutants of the mutation tests, so a test can check that the minimal input
Hypothesis reports really separates a mutant from the golden model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ci.coverage import functional
from ci.rtl_sources import rtl_closure
from golden.approx.reciprocal import NEWTON_GUARD_BITS, reciprocal_parts
from golden.approx.rsqrt import rsqrt_parts
from golden.approx.tables import recip_table, rsqrt_table
from golden.config import KernelConfig
from golden.fixed import FixedFormat
from hls.geometry import RECIP_SCALE_W

__all__ = ["KINDS", "SCALE_W", "NrUnit", "check_minimal_input"]

KINDS = ("recip", "rsqrt")
#: Width of the two's complement scale field (the RTL's SCALE_W default).
SCALE_W = RECIP_SCALE_W


@dataclass(frozen=True)
class NrUnit:
    """One unit (``kind`` "recip" or "rsqrt") for one configuration."""

    kind: str
    cfg: KernelConfig

    # ---- geometry
    @property
    def in_fmt(self) -> FixedFormat:
        """The input format each bench is built for: the consumer's format."""
        return functional.nr_input_format(self.cfg, self.kind)

    def sample(self, x: np.ndarray) -> None:
        """Functional coverage of inputs driven and checked (``recip.range``, ``rsqrt.range``)."""
        functional.sample(f"{self.kind}.range", self.cfg, x)

    @property
    def approx(self):
        return self.cfg.recip if self.kind == "recip" else self.cfg.rsqrt

    @property
    def toplevel(self) -> str:
        return "nr_core"

    @property
    def root(self) -> int:
        """nr_core's ROOT: 1 for the reciprocal, 2 for the reciprocal square root."""
        return 1 if self.kind == "recip" else 2

    @property
    def sources(self) -> list[Path]:
        """The RTL files of a build: the unit and what it instantiates."""
        return rtl_closure(self.toplevel)

    @property
    def in_w(self) -> int:
        return self.in_fmt.width

    @property
    def in_frac(self) -> int:
        return self.in_fmt.frac_bits

    @property
    def max_raw(self) -> int:
        return int(self.in_fmt.max_raw)

    @property
    def m_bits(self) -> int:
        return self.approx.mant_bits

    @property
    def mant_w(self) -> int:
        return self.m_bits + 1

    @property
    def out_w(self) -> int:
        return SCALE_W + self.mant_w

    @property
    def stages_per_step(self) -> int:
        """Register stages of one Newton step: 4 (recip) or 5 (rsqrt, y*y first)."""
        return 4 if self.kind == "recip" else 5

    @property
    def latency(self) -> int:
        """Register stages (the RTL's LATENCY): 5, plus stages_per_step per Newton step."""
        return 5 + self.stages_per_step * self.approx.newton_steps

    @property
    def parameters(self) -> dict[str, object]:
        """Build parameters: the package defaults already are the consumer's format;
        stated explicitly so the bench and the RTL cannot drift apart."""
        return {"ROOT": self.root, "IN_W": self.in_w, "IN_FRAC": self.in_frac}

    def table(self) -> np.ndarray:
        return np.asarray(
            recip_table(self.approx) if self.kind == "recip" else rsqrt_table(self.approx)
        )

    # ---- golden model and output words
    def golden(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(mant, scale) of the golden model for raw inputs x > 0."""
        x = np.asarray(x, dtype=np.int64)
        parts = reciprocal_parts if self.kind == "recip" else rsqrt_parts
        mant, scale = parts(x, self.in_fmt, self.cfg)
        return np.asarray(mant, dtype=np.int64), np.broadcast_to(
            np.asarray(scale, dtype=np.int64), x.shape
        ).copy()

    def golden_words(self, x: np.ndarray) -> np.ndarray:
        """The output words the RTL must produce, {scale, mant}, as int64; 0 for x = 0."""
        x = np.asarray(x, dtype=np.int64)
        out = np.zeros(x.shape, dtype=np.int64)
        pos = x > 0
        if pos.any():
            mant, scale = self.golden(x[pos])
            out[pos] = ((scale & ((1 << SCALE_W) - 1)) << self.mant_w) | mant
        return out

    def word(self, mant: int, scale: int) -> int:
        return ((scale & ((1 << SCALE_W) - 1)) << self.mant_w) | mant

    def split(self, word: int) -> tuple[int, int]:
        """(mant, scale) of one output word."""
        mant = word & ((1 << self.mant_w) - 1)
        s = (word >> self.mant_w) & ((1 << SCALE_W) - 1)
        return mant, s - (1 << SCALE_W) if s >> (SCALE_W - 1) else s

    def pack(self, x: np.ndarray, lanes: int) -> list[int]:
        """Raw inputs (length a multiple of lanes) to one integer per beat, lane 0 lowest."""
        v = np.asarray(x, dtype=np.int64).reshape(-1, lanes).tolist()
        w = self.in_w
        if lanes == 1:
            return [row[0] for row in v]
        return [sum(int(a) << (w * k) for k, a in enumerate(row)) for row in v]

    def unpack(self, beats: list[int], lanes: int) -> np.ndarray:
        """Output beats to one word per input (int64: a word has at most 63 bits)."""
        if lanes == 1:
            return np.array(beats, dtype=np.int64)
        mask, w = (1 << self.out_w) - 1, self.out_w
        return np.array(
            [(b >> (w * k)) & mask for b in beats for k in range(lanes)], dtype=np.int64
        )

    def describe(self, x: int) -> str:
        """``x=<raw> (0x<hex>, <real>)``: the form failure messages use."""
        return f"x={x} (0x{x:0{(self.in_w + 3) // 4}x}, {x * 2.0**-self.in_frac:.9g})"

    def describe_word(self, word: int) -> str:
        mant, scale = self.split(int(word))
        return f"mant={mant} scale={scale}"

    def compare(self, x: np.ndarray, words: np.ndarray, lanes: int) -> str | None:
        """None when the RTL words equal the golden model on x; else the first difference."""
        if len(words) != len(x):
            return f"{len(words)} outputs for {len(x)} inputs"
        gold = self.golden_words(x)
        bad = np.flatnonzero(words != gold)
        if not len(bad):
            self.sample(x)
            return None
        k = int(bad[0])
        return (
            f"{len(bad)} of {len(x)} outputs differ from golden {self.kind}_parts; first: "
            f"input #{k} {self.describe(int(x[k]))} on lane {k % lanes}: "
            f"rtl {self.describe_word(words[k])}, golden {self.describe_word(gold[k])}"
        )

    # ---- the RTL's arithmetic in Python integers, with mutant knobs
    def rtl_model(
        self,
        x: int,
        *,
        newton_sign: bool = False,
        seed_index_off: bool = False,
        shift_off: bool = False,
        no_round: bool = False,
    ) -> tuple[int, int]:
        """(mant, scale) as the RTL computes them; (0, 0) for x = 0.

        Knobs (each the Python twin of a textual RTL mutant):
        ``newton_sign``: the residual is m*y - 1 instead of 1 - m*y (rsqrt: m*y2 - 1);
        ``seed_index_off``: the upper interpolation entry read at i instead of i + 1;
        ``shift_off``: recip normalises by p + 1; rsqrt by p + 1 whatever the parity
        (an odd shift);
        ``no_round``: a rounding constant dropped (recip: the Newton update's;
        rsqrt: y*y's).
        """
        M, S, F = self.m_bits, self.approx.step_log2, self.in_frac
        G = NEWTON_GUARD_BITS
        low = M - S
        table = self.table().tolist()
        zero = x == 0
        xx = 1 if zero else int(x)
        p = xx.bit_length() - 1
        if self.kind == "recip":
            mw = M + 1
            m = ((xx << M) >> (p + int(shift_off))) & ((1 << mw) - 1)
            scale = F - p
            i = (m >> low) & ((1 << S) - 1)
            aw = S + 1
        else:
            mw = M + 2
            t = p - F
            e = t >> 1
            sh = p + 1 if shift_off else p + 1 - (t & 1)
            m = ((xx << (M + 1)) >> sh) & ((1 << mw) - 1)
            scale = -e
            aw = S + 2
            i = ((m >> low) - (1 << S)) & ((1 << aw) - 1)
        hi = (i + (0 if seed_index_off else 1)) & ((1 << aw) - 1)
        r = m & ((1 << low) - 1)
        t_lo = table[i] if i < len(table) else 0
        t_hi = table[hi] if hi < len(table) else 0
        acc = (t_lo << low) + (t_hi - t_lo) * r
        seed_sh = self.approx.table_bits - S
        yw = M + 1
        y = ((acc + (1 << (seed_sh - 1))) >> seed_sh) & ((1 << yw) - 1)
        one = 1 << (2 * M)
        for _ in range(self.approx.newton_steps):
            if self.kind == "recip":
                prod = m * y
                corr_sh = M + G
            else:
                y2 = (y * y + (0 if no_round else 1 << (M - 1))) >> M
                prod = m * y2
                corr_sh = M + G + 1
            res = prod - one if newton_sign else one - prod
            d = (res + (1 << (M - G - 1))) >> (M - G)
            half = 0 if (no_round and self.kind == "recip") else 1 << (corr_sh - 1)
            y = (y + ((y * d + half) >> corr_sh)) & ((1 << yw) - 1)
        if zero:
            return 0, 0
        scale_bits = scale & ((1 << SCALE_W) - 1)
        return y, scale_bits - (1 << SCALE_W) if scale_bits >> (SCALE_W - 1) else scale_bits

    # ---- stimulus
    def clip(self, v: int) -> int:
        return max(1, min(self.max_raw, int(v)))

    def breakpoint(self, q: int, i: int, d: int) -> int:
        """The input whose normalised mantissa is table breakpoint i (m = 1 + i 2**-S)
        at exponent q (x = m 2**q in LSBs), plus d LSBs, clipped to the format."""
        S = self.approx.step_log2
        base = (1 << S) + i
        v = base << (q - S) if q >= S else base >> (S - q)
        return self.clip(v + d)

    def breakpoint_exponents(self) -> list[int]:
        """Exponents q of the normalised mantissa: every leading-one position for recip;
        for rsqrt the even-aligned ones (q = F + 2e), -1 included when F is odd."""
        if self.kind == "recip":
            return list(range(self.in_w))
        lo = -1 if self.in_frac % 2 else 0
        return [q for q in range(lo, self.in_w) if (q - self.in_frac) % 2 == 0]

    @property
    def breakpoints(self) -> int:
        """Table breakpoints over the mantissa range (index of the range's end included)."""
        n = 1 << self.approx.step_log2
        return n if self.kind == "recip" else 3 * n

    def edge_vectors(self) -> np.ndarray:
        """Powers of two and their +-1, +-2 neighbours, the smallest and largest inputs,
        and every table breakpoint +-1 LSB at every exponent the format reaches."""
        vals = {1, 2, 3, self.max_raw, self.max_raw - 1, self.max_raw - 2}
        for k in range(self.in_w):
            vals.update(self.clip((1 << k) + d) for d in (-2, -1, 0, 1, 2))
        for q in self.breakpoint_exponents():
            for i in range(self.breakpoints + 1):
                vals.update(self.breakpoint(q, i, d) for d in (-1, 0, 1))
        return np.array(sorted(vals), dtype=np.int64)

    def random_vectors(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """n inputs: half log-uniform (a uniform leading-one position, random bits below),
        a quarter near breakpoints (+-2**12 LSB at a random exponent), a quarter uniform."""
        k_log, k_bp = n // 2, n // 4
        k_uni = n - k_log - k_bp
        p = rng.integers(0, self.in_w, size=k_log)
        below = rng.integers(0, 1 << 62, size=k_log, dtype=np.int64) & ((1 << p) - 1)
        log = (np.int64(1) << p) | below
        exps = np.array(self.breakpoint_exponents())
        q = rng.choice(exps, size=k_bp)
        i = rng.integers(0, self.breakpoints + 1, size=k_bp)
        off = rng.integers(-(1 << 12), 1 << 12, size=k_bp, endpoint=True)
        bp = np.array(
            [self.breakpoint(int(a), int(b), int(c)) for a, b, c in zip(q, i, off, strict=True)],
            dtype=np.int64,
        )
        uni = rng.integers(1, self.max_raw, size=k_uni, endpoint=True, dtype=np.int64)
        return np.concatenate([log, bp, uni]).astype(np.int64)

    def stream_vectors(self, n: int, rng: np.random.Generator, lanes: int) -> np.ndarray:
        """At least n inputs (a multiple of lanes): every edge vector plus random fill, shuffled."""
        edges = self.edge_vectors()
        total = max(n, len(edges))
        total += (-total) % lanes
        out = np.concatenate([edges, self.random_vectors(total - len(edges), rng)])
        rng.shuffle(out)
        return out


_MINIMAL_RE = re.compile(
    r"x=(\d+) .*?rtl mant=(\d+) scale=(-?\d+), golden mant=(\d+) scale=(-?\d+)", re.S
)


def check_minimal_input(unit: NrUnit, text: str, knobs: dict[str, bool]) -> str:
    """Check that the shrunk input a mutant run reported really separates the mutant
    from the golden model: the golden values it quotes are the golden model's, the
    Python model without knobs agrees with them, and with the mutant's knobs it
    reproduces the RTL's values. Returns a one-line summary."""
    m = _MINIMAL_RE.search(text)
    assert m, f"no 'x=... rtl mant=.. scale=.., golden mant=.. scale=..' in: {text}"
    x, rtl_m, rtl_s, gold_m, gold_s = (int(v) for v in m.groups())
    rtl, gold = (rtl_m, rtl_s), (gold_m, gold_s)
    g_mant, g_scale = unit.golden(np.array([x], dtype=np.int64))
    assert (int(g_mant[0]), int(g_scale[0])) == gold, (
        f"the reported golden value {gold} is not golden {unit.kind}_parts({x})"
    )
    assert unit.rtl_model(x) == gold, "the Python model of the RTL disagrees with golden"
    assert unit.rtl_model(x, **knobs) == rtl, (
        f"the mutant's output {rtl} is not what the modelled mutation predicts "
        f"({unit.rtl_model(x, **knobs)})"
    )
    assert rtl != gold
    return (
        f"{unit.describe(x)}: rtl mant={rtl_m} scale={rtl_s}, golden mant={gold_m} scale={gold_s}"
    )
