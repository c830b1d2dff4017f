"""GELU error against a correctly rounded reference, over every representable input.

The reference is ``crfix.gelu`` (x * Phi(x) correctly rounded, round to
nearest) with REF_FRAC = 28 fraction bits: six more than the feature format,
so the reference's own rounding (at most 2**-29 = 1.9e-9) is negligible
against the errors measured.  A seeded sample is cross-checked against
mpmath at 40 digits, so the oracle itself is checked too.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from golden.config import GeluConfig, KernelConfig
from golden.errorbounds.progress import Progress
from golden.gelu import gelu

__all__ = [
    "REF_FRAC",
    "check_reference_with_mpmath",
    "measure",
    "smallest_rom_reaching",
    "sweep_variants",
]

REF_FRAC = 28
DOMAIN = (-8, 8)
CHUNK = 1 << 21
PLOT_BINS = 1024


#: |x| from which the correctly rounded reference is known without crfix: there
#: 0 < |x| Phi(-|x|) <= phi(x) (Mills' ratio) <= phi(6.25) = 1.3e-9 < 2**-(REF_FRAC + 1),
#: so x Phi(x) rounds to 0 (x < 0) or to x itself (x > 0). These are crfix's
#: slowest inputs (a deep erfc tail): half of the reference's time.
TAIL = 6.25


def _reference(x: np.ndarray, frac_bits: int) -> np.ndarray:
    """x * Phi(x) correctly rounded to REF_FRAC fraction bits (crfix.gelu), the
    tails |x| >= TAIL set directly (see TAIL)."""
    import crfix

    tail = int(TAIL * 2**frac_bits)
    ref = np.where(x > 0, x << (REF_FRAC - frac_bits), 0)
    mid = np.abs(x) < tail
    ref[mid] = crfix.gelu(x[mid].astype(np.int32), fin=frac_bits, fout=REF_FRAC, bits=32)
    return ref


def _chunks(lo: int, hi: int, chunk: int = CHUNK):
    for start in range(lo, hi, chunk):
        yield np.arange(start, min(start + chunk, hi), dtype=np.int64)


def _domain_raw(cfg: KernelConfig, domain: tuple[float, float]) -> tuple[int, int]:
    frac = cfg.formats.feature.frac_bits
    return int(domain[0] * 2**frac), int(domain[1] * 2**frac)


class _Tracker:
    """Running max/mean of |error| (and per-bin envelopes) for one GELU variant."""

    def __init__(self, cfg: KernelConfig, bins: np.ndarray | None) -> None:
        self.cfg, self.bins = cfg, bins
        self.max_err, self.argmax, self.total, self.points = -1, 0, 0, 0
        if bins is not None:
            self.env_max = np.full(bins.size - 1, -np.inf)
            self.env_min = np.full(bins.size - 1, np.inf)

    def add(self, x: np.ndarray, ref: np.ndarray, up: int) -> None:
        err = (gelu(x, self.cfg) << up) - ref  # in units of 2**-REF_FRAC
        abs_err = np.abs(err)
        i = int(abs_err.argmax())
        if abs_err[i] > self.max_err:
            self.max_err, self.argmax = int(abs_err[i]), int(x[i])
        self.total += int(abs_err.sum())
        self.points += x.size
        if self.bins is not None:
            self._add_envelope(x, err)

    def _add_envelope(self, x: np.ndarray, err: np.ndarray) -> None:
        """Per-bin max/min of ``err`` (bin j: bins[j] <= x < bins[j + 1]; the last bin
        takes the rest). ``x`` is sorted (a chunk of consecutive inputs), so each bin
        is one slice and a segmented reduction does it (``ufunc.at`` took half the time)."""
        last = self.bins.size - 2
        b0, b1 = (min(max(int(np.searchsorted(self.bins, v, side="right")) - 1, 0), last)
                  for v in (x[0], x[-1]))  # fmt: skip
        starts = np.concatenate(
            [[0], np.searchsorted(x, self.bins[b0 + 1 : b1 + 1], side="left")]
        ).astype(np.intp)
        nonempty = np.append(starts[1:], x.size) > starts
        bins, starts = np.arange(b0, b1 + 1)[nonempty], starts[nonempty]
        self.env_max[bins] = np.maximum(self.env_max[bins], np.maximum.reduceat(err, starts))
        self.env_min[bins] = np.minimum(self.env_min[bins], np.minimum.reduceat(err, starts))


def measure(
    configs: list[KernelConfig],
    sweep: list[KernelConfig] = (),
    domain: tuple[float, float] = DOMAIN,
    progress: bool = True,
) -> tuple[dict[str, dict], list[dict]]:
    """Exhaustive GELU error of every config over ``domain``, plus a table sweep.

    One pass over the inputs, the (expensive) reference computed once per
    chunk.  ``configs`` get the full section (max, mean, argmax, envelopes for
    the plot) over the whole domain; ``sweep`` variants get their max error
    over the negative half [-8, 0): there GELU(x) = -delta(|x|) with an
    exactly zero ReLU part, so the error is exactly the table's, and the
    positive half subtracts the same delta from an exact x.
    """
    frac = configs[0].formats.feature.frac_bits
    if any(c.formats.feature.frac_bits != frac for c in [*configs, *sweep]):
        raise ValueError("all measured configurations must share the feature format")
    lo, hi = _domain_raw(configs[0], domain)
    up = REF_FRAC - frac
    bins = np.linspace(lo, hi, PLOT_BINS + 1)
    full = [_Tracker(c, bins) for c in configs]
    half = [_Tracker(c, None) for c in sweep]
    bar = Progress("gelu (every input of [-8, 8))", hi - lo) if progress else None
    for x in _chunks(lo, hi):
        ref = _reference(x, frac)
        for t in full:
            t.add(x, ref, up)
        if x[0] < 0:
            neg = x < 0
            for t in half:
                t.add(x[neg], ref[neg], up)
        if bar is not None:
            bar.update(int(x[-1]) + 1 - lo)
    if bar is not None:
        bar.close()
    scale = 2.0**-REF_FRAC
    sections = {}
    for t in full:
        g = t.cfg.gelu
        sections[t.cfg.name] = {
            "config": t.cfg.name,
            "max_abs": t.max_err * scale,
            "mean_abs": t.total / t.points * scale,
            "argmax_x": t.argmax * 2.0**-frac,
            "max_abs_output_lsb": t.max_err * 2.0 ** (frac - REF_FRAC),
            "domain": list(domain),
            "points": t.points,
            "exhaustive": t.points == hi - lo,
            "step": 2.0**-g.step_log2,
            "step_log2": g.step_log2,
            "table_entries": g.entries,
            "table_bits": g.table_bits,
            "rom_bits": g.rom_bits,
            "reference": f"crfix.gelu correctly rounded to {REF_FRAC} fraction bits",
            "envelope": {
                "x": ((bins[:-1] + bins[1:]) / 2 * 2.0**-frac).tolist(),
                "err_max": (t.env_max * scale).tolist(),
                "err_min": (t.env_min * scale).tolist(),
            },
        }
    rows = [
        {
            "step": 2.0**-t.cfg.gelu.step_log2,
            "step_log2": t.cfg.gelu.step_log2,
            "table_bits": t.cfg.gelu.table_bits,
            "entries": t.cfg.gelu.entries,
            "rom_bits": t.cfg.gelu.rom_bits,
            "max_abs": t.max_err * scale,
            "points": t.points,
        }
        for t in half
    ]
    return sections, rows


def sweep_variants(
    cfg: KernelConfig, steps: tuple[int, ...], table_bits: tuple[int, ...]
) -> list[KernelConfig]:
    """``cfg`` with every (table step, entry width) pair for the GELU table."""
    return [
        dataclasses.replace(cfg, gelu=GeluConfig(s, cfg.gelu.range_log2, b))
        for s in steps
        for b in table_bits
    ]


def check_reference_with_mpmath(cfg: KernelConfig, samples: int = 2000, seed: int = 1) -> dict:
    """crfix's GELU against mpmath at 40 digits on seeded inputs plus table breakpoints."""
    import mpmath

    frac = cfg.formats.feature.frac_bits
    lo, hi = _domain_raw(cfg, DOMAIN)
    rng = np.random.default_rng(seed)
    step = 1 << (frac - cfg.gelu.step_log2)
    breakpoints = np.arange(lo, hi, step)[:: max(1, (hi - lo) // step // (samples // 2))]
    x = np.concatenate([rng.integers(lo, hi, samples - breakpoints.size), breakpoints])
    crfix_ref = _reference(x, frac)
    mpmath.mp.dps = 40
    exact = [
        int(mpmath.nint(mpmath.mpf(int(v)) / 2**frac * mpmath.ncdf(mpmath.mpf(int(v)) / 2**frac)
                        * 2**REF_FRAC))
        for v in x
    ]  # fmt: skip
    mismatches = int(np.count_nonzero(crfix_ref != np.array(exact, dtype=np.int64)))
    if mismatches:
        raise RuntimeError(f"crfix disagrees with mpmath on {mismatches} of {x.size} GELU inputs")
    return {"samples": int(x.size), "mismatches": mismatches, "mpmath_dps": 40, "seed": seed}


def smallest_rom_reaching(sweep: list[dict], target: float) -> dict | None:
    ok = [row for row in sweep if row["max_abs"] <= target]
    return min(ok, key=lambda row: row["rom_bits"]) if ok else None
