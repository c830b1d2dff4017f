"""rsqrt bench model: the shared Newton-Raphson unit model of tb/recip/model.py.

The reciprocal and rsqrt units share their structure and most of their RTL
(normalise, interpolated seed, Newton steps, {scale, mant} output), so one
model serves both benches (``NrUnit("rsqrt", cfg)``); this module re-exports
what the rsqrt bench uses.
"""

from __future__ import annotations

from tb.recip.model import SCALE_W, NrUnit, read_rom_hex

__all__ = ["SCALE_W", "NrUnit", "read_rom_hex"]
