"""Error bounds of exp, reciprocal, rsqrt, softmax and LayerNorm against exact references.

* exp: every representable input of (-16, 0] at the feature resolution
  against ``crfix.exp`` correctly rounded to 30 fraction bits (its own
  rounding <= 2**-31), plus a log-spaced tail down to -2**10 (flush to 0);
  crfix is cross-checked against mpmath on a seeded sample that includes the
  range-reduction boundaries -k ln 2 and their one-LSB neighbours.
* reciprocal / rsqrt: every mantissa the unit can receive ([1, 2) for 1/x,
  [1, 4) for 1/sqrt(x), at mant_bits = 30 fraction bits: 2**30 and 3 * 2**30
  inputs), with the relative error decided exactly in integer arithmetic (no
  rounded reference): the extremes over the mantissas, and over every input
  of the format each unit serves (``softmax_sum``, ``ln_var``), whose bits
  below the mantissa are truncated.  An mpmath cross-check at 100 digits on
  a seeded sample and at the extremes; a log-spaced sample of the served
  format, evaluated independently as exact rationals, must stay within the
  exhaustive maximum.
* softmax: rows of 9, 129 and 1024 keys of every class (random, increasing
  by steps from one LSB to 1, sorted random, ties, one-hot, all-equal,
  extremes) against the float64 softmax of the same scores, two-pass and
  single-pass (natural and a random streaming order); crfix's correctly
  rounded softmax checks the float64 reference.
* LayerNorm: SQNR per row against a float64 two-pass LayerNorm of the same
  quantised inputs, for every row class; the float64 reference is checked
  against exact rational arithmetic on a sample of rows.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from golden.approx.exp import exp_neg
from golden.approx.reciprocal import reciprocal_mantissa, reciprocal_parts
from golden.approx.rsqrt import rsqrt_mantissa, rsqrt_parts
from golden.config import KernelConfig
from golden.fixed import ap_ufixed, from_float
from golden.layernorm import layernorm
from golden.softmax import softmax_online, softmax_two_pass

__all__ = [
    "measure_exp",
    "measure_layernorm",
    "measure_reciprocal",
    "measure_rsqrt",
    "measure_softmax",
]

EXP_REF_FRAC = 30
EXP_DOMAIN_LOG2 = 4  # (-16, 0]
CHUNK = 1 << 21
PLOT_BINS = 512
SOFTMAX_LENGTHS = (9, 129, 1024)


def _log2(v: float) -> float | None:
    return math.log2(v) if v > 0 else None


# ---------------------------------------------------------------- exp


def _exp_reference(x: np.ndarray, frac: int) -> np.ndarray:
    import crfix

    return crfix.exp(x.astype(np.int32), fin=frac, fout=EXP_REF_FRAC, bits=32).astype(np.int64)


def _exp_mpmath_check(cfg: KernelConfig, samples: int = 1500, seed: int = 3) -> dict:
    import mpmath

    frac = cfg.formats.feature.frac_bits
    lo = -(1 << (frac + EXP_DOMAIN_LOG2))
    rng = np.random.default_rng(seed)
    ln2 = (np.arange(1, 24) * math.log(2) * 2.0**frac).round().astype(np.int64)
    edges = np.concatenate([-ln2 - 1, -ln2, -ln2 + 1])
    x = np.concatenate([rng.integers(lo + 1, 1, samples), edges, [0, -1, lo + 1]])
    ref = _exp_reference(x, frac)
    mpmath.mp.dps = 40
    exact = [int(mpmath.nint(mpmath.exp(mpmath.mpf(int(v)) / 2**frac) * 2**EXP_REF_FRAC))
             for v in x]  # fmt: skip
    mismatches = int(np.count_nonzero(ref != np.array(exact, dtype=np.int64)))
    if mismatches:
        raise RuntimeError(f"crfix.exp disagrees with mpmath on {mismatches} of {x.size} inputs")
    return {"samples": int(x.size), "mismatches": 0, "mpmath_dps": 40, "seed": seed}


def measure_exp(cfg: KernelConfig) -> dict:
    """Exhaustive error of ``exp_neg`` on (-16, 0], plus the tail below."""
    f = cfg.formats
    frac, fo = f.feature.frac_bits, f.exp_out.frac_bits
    lo = -(1 << (frac + EXP_DOMAIN_LOG2))  # excluded: the domain is (-16, 0]
    # errors in units of 2**-(fo) when fo >= REF, else of the reference
    unit = max(fo, EXP_REF_FRAC)
    bins = np.linspace(lo, 0, PLOT_BINS + 1)
    env_max = np.full(PLOT_BINS, -np.inf)
    env_min = np.full(PLOT_BINS, np.inf)
    worst, argmax, total, points = -1, 0, 0, 0
    for start in range(lo + 1, 1, CHUNK):
        x = np.arange(start, min(start + CHUNK, 1), dtype=np.int64)
        y = exp_neg(x, cfg) << (unit - fo)
        ref = _exp_reference(x, frac) << (unit - EXP_REF_FRAC)
        err = y - ref
        a = np.abs(err)
        i = int(a.argmax())
        if a[i] > worst:
            worst, argmax = int(a[i]), int(x[i])
        total += int(a.sum())
        points += x.size
        b = np.clip(np.searchsorted(bins, x, side="right") - 1, 0, PLOT_BINS - 1)
        np.maximum.at(env_max, b, err)
        np.minimum.at(env_min, b, err)
    scale = 2.0**-unit
    # Tail: log-spaced down to -2**10 (and the input's end, -2**32 raw): flush to 0.
    tail = -np.unique(np.round(np.logspace(math.log10(16), 10 * math.log10(2), 4000) * 2**frac))
    tail = np.concatenate([tail.astype(np.int64), [lo, lo - 1, -(1 << 32)]])
    t_ref = np.exp(tail * 2.0**-frac)  # float64: < 2**-23 here, exact enough
    t_err = np.abs(exp_neg(tail, cfg) * 2.0**-fo - t_ref)
    flush_x = tail[exp_neg(tail, cfg) == 0]
    return {
        "max_abs": worst * scale,
        "max_abs_u": worst * scale * 2.0**frac,
        "max_abs_log2": _log2(worst * scale),
        "mean_abs": total / points * scale,
        "argmax_x": argmax * 2.0**-frac,
        "domain": [-(2**EXP_DOMAIN_LOG2), 0],
        "points": points,
        "exhaustive": points == -lo,
        "tail_max_abs": float(t_err.max()),
        "tail_points": int(tail.size),
        "flush_to_zero_from": float(flush_x.max() * 2.0**-frac) if flush_x.size else None,
        "output_format": str(f.exp_out),
        "table_entries": cfg.exp.entries,
        "table_entry_bits": cfg.exp.entry_bits,
        "rom_bits": cfg.exp.rom_bits,
        "step_log2": cfg.exp.step_log2,
        "log2e_bits": cfg.exp.log2e_bits,
        "reference": f"crfix.exp correctly rounded to {EXP_REF_FRAC} fraction bits",
        "reference_check": _exp_mpmath_check(cfg),
        "envelope": {
            "x": ((bins[:-1] + bins[1:]) / 2 * 2.0**-frac).tolist(),
            "err_max": (env_max * scale).tolist(),
            "err_min": (env_min * scale).tolist(),
        },
    }


# ---------------------------------------------------------------- reciprocal, rsqrt
#
# Both units see a normalised mantissa m with M = mant_bits fraction bits,
# m in [1, 2**span) (span 1 for 1/x, 2 for 1/sqrt(x)), and return y with M
# fraction bits and an exact power-of-two scale.  With m and y raw integers,
#   1/x:       z = y * m / 2**(2M),      relative error e = z - 1,
#   1/sqrt(x): z = y**2 * m / 2**(3M),   relative error e = sqrt(z) - 1,
# so z - 1 = E / 2**K with an exact integer E (K = 2M or 3M), and e is an
# increasing function of E: the extremes of e are those of E, decided exactly.
# An input of the served format (softmax_sum, ln_var) with more significant
# bits than the mantissa is truncated to it (AP_TRN): x = m + t, 0 <= t <=
# (1 - 2**-extra) raw LSBs of m, and z grows with t by G = y (1/x) or y**2
# (1/sqrt(x)) per LSB; so over the served format the largest e of a mantissa
# is at the largest t, the smallest at t = 0.

EXACT_CHUNK = 1 << 14  # mantissas per step: the int64 temporaries (128 KiB each) stay in
# the L2 cache; measured 40% less CPU than 1 << 17 (1 MiB arrays) on the m3vit sweep
SWEEP_PER_OCTAVE = 2048


def _unit(fn: str, cfg: KernelConfig):
    """(unit config, K, power of y in z) of ``fn`` ("recip" or "rsqrt")."""
    c = cfg.recip if fn == "recip" else cfg.rsqrt
    power = 1 if fn == "recip" else 2
    return c, (power + 1) * c.mant_bits, power


def tail_bits(fn: str, served_fmt, mant_bits: int) -> tuple[int, int]:
    """Most bits the normaliser truncates below a mantissa of [1, 2) and of [2, 4).

    Over the raw values of ``served_fmt`` by leading-one position p (every
    octave of an unsigned format is complete): 1/x normalises by p, 1/sqrt(x)
    by the even shift F + 2 floor((p - F) / 2) (``golden/approx``).
    """
    F = served_fmt.frac_bits
    most = [0, 0]
    for p in range(served_fmt.width):
        target = p if fn == "recip" else F + 2 * ((p - F) >> 1)
        most[p - target] = max(most[p - target], target - mant_bits)
    return most[0], most[1]


def exact_rel_error(fn: str, m_raw: int, y_raw: int, mant_bits: int,
                    tail: tuple[int, int] = (0, 0)) -> Fraction:  # fmt: skip
    """The relative error of output ``y_raw`` at input ``m_raw + tail[0] / 2**tail[1]``.

    m and y have ``mant_bits`` fraction bits; the input's extra part
    ``tail[0] / 2**tail[1]`` is in LSBs of m.  Exact for 1/x (a rational);
    for 1/sqrt(x), sqrt(z) - 1 from an integer square root to 2**-256.
    """
    power = 1 if fn == "recip" else 2
    k = (power + 1) * mant_bits
    t_num, t_bits = tail
    # z = num / 2**(k + t_bits), exactly
    num = y_raw**power * ((m_raw << t_bits) + t_num)
    den_bits = k + t_bits
    if power == 1:
        return Fraction(num - (1 << den_bits), 1 << den_bits)
    h = 256
    shift = 2 * h - den_bits  # sqrt(num * 2**shift) / 2**h = sqrt(z)
    root = math.isqrt(num << shift) if shift >= 0 else math.isqrt(num >> -shift)
    return Fraction(root - (1 << h), 1 << h)


def mpmath_rel_error(fn: str, m_raw: int, y_raw: int, mant_bits: int,
                     tail: tuple[int, int] = (0, 0), dps: int = 100):  # fmt: skip
    """The same relative error by mpmath at ``dps`` digits (the independent check)."""
    import mpmath

    with mpmath.workdps(dps):
        scale = mpmath.mpf(2) ** -mant_bits
        m = (mpmath.mpf(m_raw) + mpmath.mpf(tail[0]) / mpmath.mpf(2) ** tail[1]) * scale
        y = mpmath.mpf(y_raw) * scale
        return y * m - 1 if fn == "recip" else y * mpmath.sqrt(m) - 1


def _excess_f(fn: str, m: np.ndarray, y: np.ndarray, mant_bits: int):
    """E (z - 1 in units of 2**-K) as float64, with an error bound, and G = dE per LSB of m.

    1/x: E = y*m - 2**(2M) exactly in int64 (y, m < 2**(M+1)).  1/sqrt(x):
    y**2 * m has up to 3M + 3 bits; with y**2 = a * 2**M + b (b < 2**M),
    E = (a*m - 2**(2M)) * 2**M + b*m, each product below 2**62.
    """
    M = mant_bits
    if fn == "recip":
        e = y * m - (1 << (2 * M))
        ef = e.astype(np.float64)
        g = y.astype(np.float64)
    else:
        y2 = y * y
        hi = (y2 >> M) * m - (1 << (2 * M))
        low = (y2 & ((1 << M) - 1)) * m
        hi += low >> M
        ef = hi.astype(np.float64) * 2.0**M + (low & ((1 << M) - 1)).astype(np.float64)
        g = y2.astype(np.float64)
    tol = 2.0**-51 * float(np.abs(ef).max()) + 2.0
    return ef, g, tol


def _rel_f(fn: str, zm1: np.ndarray) -> np.ndarray:
    """e from z - 1 in float64 (for plots and means only)."""
    if fn == "recip":
        return zm1
    return zm1 / (1.0 + np.sqrt(1.0 + zm1))  # sqrt(z) - 1 without cancellation


class _Extreme:
    """The exact extreme (largest or smallest) of z - 1 seen so far, and where."""

    def __init__(self, largest: bool) -> None:
        self.sign = 1 if largest else -1
        self.value: Fraction | None = None
        self.m_raw = self.y_raw = 0
        self.tail = (0, 0)

    def offer(self, key: np.ndarray, tol: float, exact) -> None:
        """``key`` approximates sign * E to within ``tol``; ``exact(i)`` is (E, tail) exactly."""
        k = self.sign * key
        top = float(k.max())
        if self.value is not None and top + 2 * tol < self.sign * float(self.value):
            return
        for i in np.flatnonzero(k >= top - 2 * tol).tolist():
            value, tail, m_raw, y_raw = exact(i)
            if self.value is None or self.sign * (value - self.value) > 0:
                self.value, self.tail, self.m_raw, self.y_raw = value, tail, m_raw, y_raw


def exhaustive_unit_error(cfg: KernelConfig, fn: str, served_fmt, mantissas=None,
                          progress: bool = True) -> dict:  # fmt: skip
    """Exact extremes of the relative error over every mantissa the unit can receive.

    ``mantissas`` = (first, end) raw bounds restricts the range (tests);
    default: all of [1, 2**span) at ``mant_bits`` fraction bits.
    """
    from golden.errorbounds.progress import Progress

    c, K, power = _unit(fn, cfg)
    M = c.mant_bits
    span = 1 if fn == "recip" else 2
    # The unit's datapath after normalisation: the mantissas are already normalised
    # (reciprocal_parts / rsqrt_parts on them would return scale 0; the tests check it).
    mantissa_fn = reciprocal_mantissa if fn == "recip" else rsqrt_mantissa
    lo_all, hi_all = 1 << M, 1 << (M + span)
    first, end = mantissas if mantissas is not None else (lo_all, hi_all)
    extra = tail_bits(fn, served_fmt, M)
    bins = PLOT_BINS
    width = (hi_all - lo_all) // bins
    env_max = np.full(bins, -np.inf)
    env_min = np.full(bins, np.inf)
    hi_e, lo_e, hi_t = _Extreme(True), _Extreme(False), _Extreme(True)
    total_abs, points = 0.0, 0
    bar = Progress(f"{'reciprocal' if fn == 'recip' else 'rsqrt'} (exact, every mantissa)",
                   end - first, "mantissas") if progress else None  # fmt: skip
    for start in range(first, end, EXACT_CHUNK):
        m = np.arange(start, min(start + EXACT_CHUNK, end), dtype=np.int64)
        y = mantissa_fn(m, cfg)
        if int(y.max()) ** power * int(m[-1]) >= 1 << (K + 1):  # keeps _excess_f in int64
            raise RuntimeError(f"{fn}: an output near m = {m[0] * 2.0**-M:.6f} is off by > 100%")
        ef, g, tol = _excess_f(fn, m, y, M)
        ext = np.where(m < (1 << (M + 1)), extra[0], extra[1])
        # The tail's largest value (1 - 2**-ext LSBs), per octave: one factor for a
        # chunk inside one octave (every chunk, unless EXACT_CHUNK does not divide 2**M).
        tf = ef + g * ((1.0 - 2.0 ** -int(ext[0])) if ext[0] == ext[-1]
                       else (1.0 - np.exp2(-ext.astype(np.float64))))  # fmt: skip
        tol_t = 2.0 * tol + 2.0**-51 * float(g.max()) + 2.0

        def exact(i, with_tail, m=m, y=y, ext=ext):
            mi, yi, t = int(m[i]), int(y[i]), int(ext[i]) if with_tail else 0
            tail = ((1 << t) - 1, t)
            num = yi**power * ((mi << t) + tail[0]) - (1 << (K + t))
            return Fraction(num, 1 << t), tail, mi, yi

        hi_e.offer(ef, tol, lambda i: exact(i, False))
        lo_e.offer(ef, tol, lambda i: exact(i, False))
        hi_t.offer(tf, tol_t, lambda i: exact(i, True))
        rel = _rel_f(fn, ef * 2.0**-K)
        total_abs += float(np.abs(rel).sum())
        points += m.size
        b0, b1 = (int(m[0]) - lo_all) // width, (int(m[-1]) - lo_all) // width
        if b0 == b1:
            env_max[b0] = max(env_max[b0], float(rel.max()))
            env_min[b0] = min(env_min[b0], float(rel.min()))
        else:
            b = (m - lo_all) // width
            np.maximum.at(env_max, b, rel)
            np.minimum.at(env_min, b, rel)
        if bar is not None:
            bar.update(points)
    if bar is not None:
        bar.close()

    def rel_of(ex: _Extreme) -> float:
        return float(exact_rel_error(fn, ex.m_raw, ex.y_raw, M, ex.tail))

    def describe(ex: _Extreme) -> dict:
        t_num, t_bits = ex.tail
        z = f"{int(ex.value * (1 << t_bits))} / 2^{K + t_bits}"
        m_exact = Fraction(ex.m_raw * (1 << t_bits) + t_num, 1 << (M + t_bits))
        return {
            "rel": rel_of(ex),
            "m": float(m_exact),
            "m_raw": ex.m_raw,
            "tail_lsb": f"{t_num}/2^{t_bits}" if t_bits else "0",
            "y_raw": ex.y_raw,
            "z_minus_1": z,
        }

    unit_worst = max(hi_e, lo_e, key=lambda ex: abs(rel_of(ex)))
    served_worst = max(hi_t, lo_e, key=lambda ex: abs(rel_of(ex)))
    mids = (lo_all + (np.arange(bins) + 0.5) * width) * 2.0**-M
    return {
        "mant_bits": M,
        "interval": [1, 2**span],
        "points": points,
        "exhaustive": (first, end) == (lo_all, hi_all),
        "max_rel": abs(rel_of(unit_worst)),
        "worst": describe(unit_worst),
        "largest": describe(hi_e),
        "smallest": describe(lo_e),
        "mean_rel": total_abs / max(points, 1),
        "served": {
            "format": str(served_fmt),
            "truncated_bits": {"[1, 2)": extra[0], "[2, 4)": extra[1]} if span == 2
            else {"[1, 2)": extra[0]},
            "max_rel": abs(rel_of(served_worst)),
            "worst": describe(served_worst),
        },
        "envelope": {"m": mids.tolist(), "err_max": env_max.tolist(),
                     "err_min": env_min.tolist()},
    }  # fmt: skip


def _log_sweep(fmt, per_octave: int, seed: int) -> np.ndarray:
    """Positive raw values of ``fmt``: every octave sampled, plus 2**k and its neighbours."""
    rng = np.random.default_rng(seed)
    top = fmt.max_raw.bit_length()
    parts = [np.arange(1, 1 << 12, dtype=np.int64)]
    for b in range(12, top + 1):
        lo, hi = 1 << (b - 1), min((1 << b) - 1, fmt.max_raw)
        parts.append(rng.integers(lo, hi, per_octave, endpoint=True, dtype=np.int64))
        parts.append(np.array([lo - 1, lo, lo + 1, hi - 1, hi], dtype=np.int64))
    parts.append(np.array([fmt.max_raw, fmt.max_raw - 1], dtype=np.int64))
    x = np.unique(np.concatenate(parts))
    return x[(x > 0) & (x <= fmt.max_raw)]


def sweep_rel_errors(fn: str, x: np.ndarray, fmt, cfg: KernelConfig) -> np.ndarray:
    """|relative error| of the unit at raw inputs ``x`` of ``fmt``, exactly (Python integers).

    Independent of the exhaustive path: the output y * 2**(scale - M) is
    compared with the input itself, z = y**power * x as one exact rational.
    """
    c, _, power = _unit(fn, cfg)
    parts = reciprocal_parts if fn == "recip" else rsqrt_parts
    mant, scale = parts(x, fmt, cfg)
    out = np.empty(x.size)
    F, M = fmt.frac_bits, c.mant_bits
    for i, (y, s, v) in enumerate(zip(mant.tolist(), scale.tolist(), x.tolist(), strict=True)):
        e = power * (s - M) - F  # z = y**power * v * 2**e
        num, den = (y**power * v << e, 1) if e >= 0 else (y**power * v, 1 << -e)
        if power == 1:
            out[i] = abs(num - den) / den  # Python int division: correctly rounded
        else:  # sqrt(z) - 1 = (z - 1) / (sqrt(z) + 1): no cancellation
            out[i] = abs((num - den) / den) / (math.sqrt(num / den) + 1.0)
    return out


def _mpmath_check(cfg: KernelConfig, fn: str, section: dict, samples: int, seed: int) -> dict:
    """Exact errors against mpmath at 100 digits on a seeded sample and at the extremes."""
    c, _, _ = _unit(fn, cfg)
    M = c.mant_bits
    parts = reciprocal_parts if fn == "recip" else rsqrt_parts
    span = 1 if fn == "recip" else 2
    rng = np.random.default_rng(seed)
    m = rng.integers(1 << M, 1 << (M + span), samples, dtype=np.int64)
    y, _ = parts(m, ap_ufixed(M + span, span), cfg)
    cases = [(int(a), int(b), (0, 0)) for a, b in zip(m, y, strict=True)]
    for key in ("worst", "largest", "smallest"):
        w = section[key]
        cases.append((w["m_raw"], w["y_raw"], (0, 0)))
    w = section["served"]["worst"]
    t = w["tail_lsb"].split("/2^") if w["tail_lsb"] != "0" else ("0", "0")
    cases.append((w["m_raw"], w["y_raw"], (int(t[0]), int(t[1]))))
    import mpmath

    worst_gap = 0.0
    with mpmath.workdps(100):
        for m_raw, y_raw, tail in cases:
            exact = exact_rel_error(fn, m_raw, y_raw, M, tail)
            gap = abs(mpmath_rel_error(fn, m_raw, y_raw, M, tail)
                      - mpmath.mpf(exact.numerator) / exact.denominator)  # fmt: skip
            if gap > mpmath.mpf(2) ** -250:
                raise RuntimeError(f"{fn}: exact and mpmath relative errors differ by "
                                   f"{float(gap):.3g} at m_raw = {m_raw}")  # fmt: skip
            worst_gap = max(worst_gap, float(gap))
    return {"samples": len(cases), "mpmath_dps": 100, "seed": seed, "max_gap": worst_gap}


def _measure_unit(cfg: KernelConfig, fn: str, served_fmt, progress: bool = True) -> dict:
    ex = exhaustive_unit_error(cfg, fn, served_fmt, progress=progress)
    c, _, _ = _unit(fn, cfg)
    xs = _log_sweep(served_fmt, SWEEP_PER_OCTAVE, seed=5)
    rel_s = sweep_rel_errors(fn, xs, served_fmt, cfg)
    j = int(rel_s.argmax())
    served = ex["served"]["max_rel"]
    if float(rel_s[j]) > served * (1 + 2.0**-40):
        raise RuntimeError(
            f"{fn}: a sampled input of {served_fmt} has relative error {rel_s[j]:.6g}, above "
            f"the exhaustive maximum {served:.6g}: the exhaustive bound is wrong"
        )
    return {
        "max_rel": served,
        "max_rel_log2": _log2(served),
        "octave": {k: v for k, v in ex.items() if k not in ("served", "envelope")},
        "served": ex["served"],
        "sweep": {
            "format": str(served_fmt),
            "points": int(xs.size),
            "max_rel": float(rel_s[j]),
            "argmax_x": float(xs[j] * 2.0**-served_fmt.frac_bits),
            "reference": "exact rational arithmetic on the input itself (Python integers)",
        },
        "points": int(ex["points"] + xs.size),
        "method": "exact integer arithmetic over every mantissa (no rounded reference)",
        "reference_check": _mpmath_check(cfg, fn, ex, 1000, seed=7),
        "step_log2": c.step_log2,
        "table_entries": c.entries,
        "table_entry_bits": c.entry_bits,
        "rom_bits": c.rom_bits,
        "newton_steps": c.newton_steps,
        "mant_bits": c.mant_bits,
        "envelope": ex["envelope"],
    }


def measure_reciprocal(cfg: KernelConfig, progress: bool = True) -> dict:
    return _measure_unit(cfg, "recip", cfg.formats.softmax_sum, progress)


def measure_rsqrt(cfg: KernelConfig, progress: bool = True) -> dict:
    return _measure_unit(cfg, "rsqrt", cfg.formats.ln_var, progress)


# ---------------------------------------------------------------- softmax


def softmax_rows(n: int, frac: int, seed: int = 11) -> dict[str, np.ndarray]:
    """Raw feature-format score rows of length n for every class (values within +-511)."""
    rng = np.random.default_rng(seed + n)
    one = 1 << frac

    def q(v):
        return np.round(np.asarray(v, dtype=np.float64) * one).astype(np.int64)

    steps = [2.0**-k for k in range(frac, -1, -1)]  # one LSB .. 1
    inc = []
    for s in steps:
        s = min(s, 1000.0 / n)
        inc.append(q((np.arange(n) - n // 2) * s))
    rows = {
        "random N(0,1)": q(rng.normal(0, 1, (64, n))),
        "random N(0,4)": q(rng.normal(0, 4, (64, n))),
        "random uniform +-100": q(rng.uniform(-100, 100, (32, n))),
        "increasing, steps 1 LSB..1": np.stack(inc),
        "increasing, sorted random": np.sort(q(rng.normal(0, 3, (32, n))), axis=-1),
        "decreasing, steps 1 LSB..1": np.stack(inc)[:, ::-1].copy(),
    }
    ties = q(rng.normal(0, 2, (24, n)))
    for r, k in enumerate(np.resize([2, max(2, n // 3), n - 1], ties.shape[0])):
        cols = rng.choice(n, int(k), replace=False)
        ties[r, cols] = ties[r].max() + (r % 3) * one
    rows["ties at the max"] = ties
    hot = np.zeros((16, n), dtype=np.int64)
    for r, (gap, pos) in enumerate(zip(np.resize([2.0**-20, 0.01, 1, 4, 16, 100, 500, 1000], 16),
                                       rng.integers(0, n, 16), strict=True)):  # fmt: skip
        base = -min(gap, 1000) / 2
        hot[r] = q(base)
        hot[r, pos] = q(min(base + gap, 511.0))
    rows["one-hot"] = hot
    rows["all-equal"] = q(np.array([0.0, -511.0, 511.0, 3.14159, -0.001])[:, None].repeat(n, 1))
    rows["extremes +-511"] = q(rng.choice([-511.9, 511.9], (16, n)))
    return rows


def _float_softmax(x: np.ndarray, frac: int) -> np.ndarray:
    v = x * 2.0**-frac
    e = np.exp(v - v.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _crfix_softmax(x: np.ndarray, frac: int) -> np.ndarray:
    import crfix

    p = crfix.softmax(x.astype(np.int32), c=2.0**-frac, out=crfix.Affine(2.0**-30, 0, 32))
    return p.astype(np.float64) * 2.0**-30


def measure_softmax(cfg: KernelConfig, lengths=SOFTMAX_LENGTHS) -> dict:
    """Per class and row length: max |p - float64 softmax| of two-pass and single-pass."""
    f = cfg.formats
    frac, fp = f.feature.frac_bits, f.prob.frac_bits
    table, worst, worst_two, worst_online = [], 0.0, 0.0, 0.0
    argmax_ok, rows_total, points, ref_gap = True, 0, 0, 0.0
    rng = np.random.default_rng(13)
    for n in lengths:
        for name, x in softmax_rows(n, frac).items():
            ref = _float_softmax(x, frac)
            ref_gap = max(ref_gap, float(np.abs(ref - _crfix_softmax(x, frac)).max()))
            variants = {
                "two-pass": softmax_two_pass(x, cfg),
                "online": softmax_online(x, cfg),
                "online, random order": softmax_online(x, cfg, order=rng.permutation(n)),
            }
            errs = {}
            for label, p in variants.items():
                errs[label] = float(np.abs(p * 2.0**-fp - ref).max())
                top = x == x.max(axis=-1, keepdims=True)
                kept = np.all(np.where(top, p == p.max(axis=-1, keepdims=True), True))
                argmax_ok &= bool(kept)
            worst_two = max(worst_two, errs["two-pass"])
            worst_online = max(worst_online, errs["online"], errs["online, random order"])
            worst = max(worst, *errs.values())
            rows_total += x.shape[0]
            points += x.size
            table.append({"class": name, "length": n, "rows": int(x.shape[0]), **{
                k.replace(", ", "_").replace(" ", "_").replace("-", "_"): v
                for k, v in errs.items()}})  # fmt: skip
    return {
        "max_abs": worst,
        "max_abs_log2": _log2(worst),
        "max_abs_two_pass": worst_two,
        "max_abs_online": worst_online,
        "argmax_kept": int(argmax_ok),
        "rows": rows_total,
        "points": points,
        "lengths": list(lengths),
        "prob_format": str(f.prob),
        "reference": "float64 softmax of the same scores",
        "reference_vs_crfix_max_abs": ref_gap,
        "argmax_definition": "every maximal score has the maximal probability of its row",
        "by_class": table,
    }


# ---------------------------------------------------------------- LayerNorm


def layernorm_rows(n: int, seed: int = 17) -> dict[str, tuple[np.ndarray, bool]]:
    """Float rows (before quantisation) per class, and whether the class is gated."""
    rng = np.random.default_rng(seed)
    r = 64
    return {
        "random N(0,1)": (rng.normal(0, 1, (r, n)), True),
        "mean 10, std 0.05": (rng.normal(10, 0.05, (r, n)), True),
        "mean -300, std 0.05": (rng.normal(-300, 0.05, (r, n)), True),
        "small variance, std 1e-4": (rng.normal(3, 1e-4, (r, n)), True),
        "small variance, std 1e-5": (rng.normal(-7, 1e-5, (r, n)), True),
        "zero variance": (np.array([0.0, 3.25, -511.0, 511.0, 1e-6])[:, None].repeat(n, 1), True),
        "large magnitude, uniform +-511": (rng.uniform(-511, 511, (r, n)), True),
        "large, mean 300 std 100": (np.clip(rng.normal(300, 100, (r, n)), -511, 511), True),
        "extremes -512 / +511.99": (rng.choice([-512.0, 511.99], (r, n)), True),
        "std of a few LSBs (output-LSB bound)": (
            3 + rng.normal(0, 4 * 2.0**-22, (r, n)), False),
    }  # fmt: skip


def _float_layernorm(x, gamma, beta, eps):
    mu = x.mean(axis=-1, keepdims=True)
    d = x - mu
    var = (d * d).mean(axis=-1, keepdims=True)
    return d / np.sqrt(var + eps) * gamma + beta


def _sqnr(y, ref):
    noise = ((y - ref) ** 2).sum(axis=-1)
    sig = (ref**2).sum(axis=-1)
    out = np.full(noise.shape, np.inf)
    nz = noise > 0
    out[nz] = 10 * np.log10(np.maximum(sig[nz], 1e-300) / noise[nz])
    return out


def _exact_check(x, gamma, beta, eps, ref, rows=6) -> float:
    """Max |float64 reference - mpmath LayerNorm| over a few rows (exact mean/var as fractions)."""
    from fractions import Fraction

    import mpmath

    mpmath.mp.dps = 40
    worst = 0.0
    for i in range(min(rows, x.shape[0])):
        v = [Fraction(float(a)) for a in x[i]]
        mu = sum(v) / len(v)
        var = sum((a - mu) ** 2 for a in v) / len(v)
        s = 1 / mpmath.sqrt(mpmath.mpf(var.numerator) / var.denominator + mpmath.mpf(eps))
        for j, a in enumerate(v):
            d = a - mu
            exact = mpmath.mpf(d.numerator) / d.denominator * s * float(gamma[j]) + float(beta[j])
            worst = max(worst, abs(float(exact) - ref[i, j]))
    return worst


def measure_layernorm(cfg: KernelConfig) -> dict:
    f = cfg.formats
    n = cfg.dim
    frac = f.feature.frac_bits
    rng = np.random.default_rng(19)
    affine = {
        "identity": (np.ones(n), np.zeros(n)),
        "random gamma/beta": (rng.normal(1, 0.3, n), rng.normal(0, 0.5, n)),
    }
    table, gated_min, check = [], math.inf, 0.0
    for name, (rows, gated) in layernorm_rows(n).items():
        x = from_float(rows, f.feature)
        xf = x * 2.0**-frac
        for aname, (g, b) in affine.items():
            graw, braw = from_float(g, f.norm), from_float(b, f.norm)
            gf, bf = graw * f.norm.lsb, braw * f.norm.lsb
            y = layernorm(x, graw, braw, cfg) * 2.0**-frac
            ref = _float_layernorm(xf, gf, bf, cfg.ln_eps)
            check = max(check, _exact_check(xf, gf, bf, cfg.ln_eps, ref, rows=2))
            sq = _sqnr(y, ref)
            ideal = _sqnr(np.round(ref * 2.0**frac) * 2.0**-frac, ref)
            finite = sq[np.isfinite(sq)]
            min_sq = float(finite.min()) if finite.size else None
            if gated and min_sq is not None:
                gated_min = min(gated_min, min_sq)
            fin_ideal = ideal[np.isfinite(ideal)]
            table.append({
                "class": name, "affine": aname, "gated": gated, "rows": int(x.shape[0]),
                "min_sqnr_db": min_sq,
                "median_sqnr_db": float(np.median(finite)) if finite.size else None,
                "exact_rows": int(np.count_nonzero(~np.isfinite(sq))),
                "rounded_reference_min_sqnr_db":
                    float(fin_ideal.min()) if fin_ideal.size else None,
                "max_abs": float(np.abs(y - ref).max()),
            })  # fmt: skip
    return {
        "min_sqnr_db": gated_min,
        "dim": n,
        "classes": len(table),
        "by_class": table,
        "max_abs": max(r["max_abs"] for r in table),
        "reference": "float64 two-pass LayerNorm of the same quantised x, gamma, beta",
        "reference_vs_mpmath_max_abs": check,
        "note": "rows whose spread is a few feature LSBs are bounded by the output format: "
        "even the float64 result rounded to the feature format reaches only "
        "rounded_reference_min_sqnr_db; that class is reported, not gated",
    }
