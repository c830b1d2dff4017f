"""The round_sat bench's parameter sets, their golden reference (golden.fixed.quantize)
and Python models of its mutants."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from golden.fixed import Overflow, Quant, ap_fixed, quantize


@dataclass(frozen=True)
class RoundSatParams:
    """One build of rtl/round_sat.sv: ``out = sat(round(in * 2**-shift))`` in out_w bits."""

    in_w: int
    out_w: int
    shift: int
    round_half_up: bool = True

    @classmethod
    def from_build(cls, parameters: Mapping[str, object]) -> RoundSatParams:
        return cls(
            in_w=int(parameters["IN_W"]),
            out_w=int(parameters["OUT_W"]),
            shift=int(parameters["SHIFT"]),
            round_half_up=int(parameters["ROUND"]) != 0,
        )

    def build_parameters(self) -> dict[str, int]:
        return {
            "IN_W": self.in_w,
            "OUT_W": self.out_w,
            "SHIFT": self.shift,
            "ROUND": int(self.round_half_up),
        }

    @property
    def name(self) -> str:
        mode = "rnd" if self.round_half_up else "trn"
        return f"in{self.in_w}_out{self.out_w}_shift{self.shift}_{mode}"

    @property
    def output_format(self):
        """The integer format ap_fixed<OUT_W, OUT_W, AP_RND or AP_TRN, AP_SAT>."""
        quant = Quant.RND if self.round_half_up else Quant.TRN
        return ap_fixed(self.out_w, self.out_w, quant, Overflow.SAT)

    def describe(self) -> str:
        return (
            f"IN_W={self.in_w} OUT_W={self.out_w} SHIFT={self.shift} "
            f"ROUND={int(self.round_half_up)}"
        )


def golden_round_sat(raw: np.ndarray, params: RoundSatParams) -> np.ndarray:
    """The raw IN_W-bit integers ``raw`` (SHIFT fraction bits) as the cell's output format."""
    return quantize(raw, params.shift, params.output_format)


def mutant_round_sat(
    raw: np.ndarray,
    params: RoundSatParams,
    *,
    round_half_up: bool = True,
    saturate_at_max: bool = True,
) -> np.ndarray:
    """The cell with a mutant's bug: ``round_half_up=False`` truncates instead of
    rounding; ``saturate_at_max=False`` lets the value one above the largest
    output through, so it wraps to the smallest."""
    quant = Quant.RND if params.round_half_up and round_half_up else Quant.TRN
    # IN_W + 1 bits hold every rounded value: no wrap here.
    rounded = quantize(raw, params.shift, ap_fixed(params.in_w + 1, params.in_w + 1, quant))
    top = (1 << (params.out_w - 1)) - 1
    out = np.clip(rounded, -top - 1, top)
    if not saturate_at_max:
        out = np.where(rounded == top + 1, -top - 1, out)
    return out
