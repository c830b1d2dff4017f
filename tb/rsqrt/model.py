"""rsqrt bench model: the shared Newton-Raphson unit model of tb/recip/model.py.

The reciprocal and rsqrt units share their structure (normalise, interpolated
seed, Newton steps, {scale, mant} output), so one model serves both benches;
this module fixes the kind and re-exports what the rsqrt bench uses.
"""

from __future__ import annotations

from hls.config import KernelConfig
from tb.recip.model import SCALE_W, NrUnit, read_rom_hex

__all__ = ["SCALE_W", "NrUnit", "read_rom_hex", "rsqrt_unit_model"]


def rsqrt_unit_model(cfg: KernelConfig) -> NrUnit:
    """The rsqrt unit of ``cfg``, built for formats.ln_var (the LayerNorm unit's input)."""
    return NrUnit("rsqrt", cfg)
