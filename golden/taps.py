"""The stage boundaries of the kernel: where the golden model, the float reference
and the RTL are compared (DESIGN.md section 2).  One list, shared by all three."""

from __future__ import annotations

from golden.config import KernelConfig

__all__ = ["ATTENTION_STAGES", "DENSE_STAGES", "MOE_STAGES", "stage_names"]

#: Stages common to every layer, in order.
ATTENTION_STAGES: tuple[str, ...] = ("ln1", "q", "k", "v", "attn", "proj", "residual1", "ln2")
#: All stages of a dense layer, in order.
DENSE_STAGES: tuple[str, ...] = (*ATTENTION_STAGES, "fc1_gelu", "fc2", "residual2")
#: All stages of a MoE layer, in order.
MOE_STAGES: tuple[str, ...] = (*ATTENTION_STAGES, "gate_logits", "moe_out", "residual2")


def stage_names(cfg: KernelConfig, layer: int) -> tuple[str, ...]:
    """The tap names of ``layer`` (``("patch_embed",)`` for layer -1, before layer 0)."""
    if layer == -1:
        return ("patch_embed",)
    if not isinstance(layer, int) or isinstance(layer, bool) or not 0 <= layer < cfg.layers:
        raise ValueError(f"layer must be an integer in 0..{cfg.layers - 1}, got {layer!r}")
    return MOE_STAGES if cfg.is_moe(layer) else DENSE_STAGES
