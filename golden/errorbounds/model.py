"""The golden model against float, stage by stage and layer by layer, on real weights.

Two measurements for each task (DESIGN.md section 3):

* **per layer, arithmetic only**: each layer is fed the golden model's own
  input to that layer and the same quantised weights (dequantised exactly), so
  the only difference from the float64 reference is the kernel's arithmetic.
  SQNR and max abs error after every stage; the layer's output SQNR is gated.
* **end to end**: the golden model (quantised weights and image) against the
  float32 reference with the original float weights, per layer; reported, no
  gate.  Expert choices that differ from the float model's are counted.

The real weights (``../shared/m3vit-weights``, or ``$EDGEMOE_WEIGHTS``) are
M3ViT's, so only the ``m3vit`` configuration uses them; other configurations,
and m3vit where the real weights are absent, use seeded synthetic weights of
their sizes, and the section says so (``weights_kind``, ``weights``).
Synthesised tensors (the real data lacks the expert matrices) are always
listed.

Importing this module needs PyTorch (the ``float`` extra); ``python -m
golden.errorbounds`` reports its absence in one line.
"""

from __future__ import annotations

import numpy as np
import torch

from golden import reference
from golden.config import KernelConfig
from golden.fixed import to_float
from golden.model import forward
from golden.quantize_weights import quantize_image, quantize_weights
from golden.weights import (
    default_weights_dir,
    load_image,
    load_weights,
    synthetic_image,
    synthetic_weights,
)

__all__ = ["measure_model", "sqnr_db"]


def sqnr_db(ref: np.ndarray, got: np.ndarray) -> float:
    """Signal-to-quantisation-noise ratio of ``got`` against ``ref`` in dB (inf if equal)."""
    noise = float(np.sum((np.asarray(ref, np.float64) - got) ** 2))
    signal = float(np.sum(np.asarray(ref, np.float64) ** 2))
    if noise == 0.0:
        return float("inf")
    return 10.0 * np.log10(signal / noise)


def _compare(ref: np.ndarray, got: np.ndarray) -> dict:
    diff = np.abs(np.asarray(ref, np.float64) - got)
    return {
        "sqnr_db": sqnr_db(ref, got),
        "max_abs": float(diff.max()),
        "mse": float(np.mean(diff**2)),
    }


def _agreement(ref_experts: np.ndarray, got_experts: np.ndarray) -> dict:
    """Same expert in the same rank, and the same set of experts, per token."""
    same_set = np.all(np.sort(ref_experts, axis=1) == np.sort(got_experts, axis=1), axis=1)
    return {
        "slot_agreement": float(np.mean(ref_experts == got_experts)),
        "token_set_agreement": float(np.mean(same_set)),
        "tokens_differing": int(np.count_nonzero(~same_set)),
    }


REAL_WEIGHTS_CONFIG = "m3vit"


def _load(cfg: KernelConfig):
    """(weights, image, kind, description): real M3ViT weights where present, else synthetic."""
    if cfg.name != REAL_WEIGHTS_CONFIG:
        why = f"synthetic, seed 0 (real weights exist for {REAL_WEIGHTS_CONFIG} only)"
        return synthetic_weights(cfg, 0), synthetic_image(cfg, 0), "synthetic", why
    directory = default_weights_dir()
    if directory is not None:
        weights = load_weights(cfg, directory)
        image = load_image(directory / "image.float32.bin", cfg)
        return weights, image, "real", f"real ({directory})"
    where = "no ../shared/m3vit-weights next to the repository, $EDGEMOE_WEIGHTS unset"
    why = f"synthetic, seed 0: REAL WEIGHTS ABSENT ({where}); figures are not those of M3ViT"
    return synthetic_weights(cfg, 0), synthetic_image(cfg, 0), "synthetic", why


def _per_layer(cfg, qw, deq, result, task: int) -> list[dict]:
    feature = cfg.formats.feature
    rows = []
    for layer in range(cfg.layers):
        source = (layer - 1, "residual2") if layer else (-1, "patch_embed")
        x = to_float(result.taps[source], feature)
        ref = reference.layer_forward(cfg, deq, layer, x, task, dtype=torch.float64)
        stages = {
            name: _compare(ref.taps[name], to_float(result.taps[(layer, name)], feature))
            for name in ref.taps
        }
        row = {
            "layer": layer,
            "kind": "moe" if cfg.is_moe(layer) else "dense",
            "synthesised_experts": cfg.is_moe(layer)
            and any(n.startswith(f"l{layer}_") for n in qw.synthesised),
            **stages["residual2"],
            "stages": stages,
        }
        if cfg.is_moe(layer):
            row["experts"] = _agreement(ref.experts, result.experts[layer].indices)
        rows.append(row)
    return rows


def _end_to_end(cfg, weights, image, result, task: int) -> list[dict]:
    ref = reference.reference_forward(cfg, weights, image, task, dtype=torch.float32)
    feature = cfg.formats.feature
    rows = []
    for layer in range(cfg.layers):
        row = {
            "layer": layer,
            **_compare(
                ref.taps[(layer, "residual2")], to_float(result.taps[(layer, "residual2")], feature)
            ),
        }
        if cfg.is_moe(layer):
            row["experts"] = _agreement(ref.experts[layer], result.experts[layer].indices)
        rows.append(row)
    return rows


def measure_model(cfg: KernelConfig) -> dict:
    """The ``model`` section of summary.json for ``cfg`` (both tasks)."""
    weights, image, kind, source = _load(cfg)
    qw = quantize_weights(cfg, weights)
    deq = {name: to_float(qw[name], qw.formats[name]) for name in qw}
    image_raw = quantize_image(image, cfg)
    tasks = {}
    for task in range(cfg.tasks):
        result = forward(cfg, qw, image_raw, task)
        tasks[str(task)] = {
            "per_layer": _per_layer(cfg, qw, deq, result, task),
            "end_to_end": _end_to_end(cfg, weights, image, result, task),
        }
    per_layer = [row for t in tasks.values() for row in t["per_layer"]]
    real_layers = [row for row in per_layer if not row["synthesised_experts"]]
    return {
        "config": cfg.name,
        "weights": source,
        "weights_kind": kind,
        "synthesised": sorted(qw.synthesised),
        "saturated_weights": qw.total_saturated,
        "tasks": tasks,
        "min_layer_sqnr_db": min(row["sqnr_db"] for row in per_layer),
        "min_sqnr_by_task": {
            task: min(row["sqnr_db"] for row in t["per_layer"]) for task, t in tasks.items()
        },
        "min_real_layer_sqnr_db": min(row["sqnr_db"] for row in real_layers)
        if real_layers
        else None,
    }
