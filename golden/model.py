"""The bit-exact golden forward pass of the kernel: every stage, every layer, with taps.

Stage sequence (DESIGN.md section 2) and tap names - the points where the RTL's
buffers are compared with this model:

* layer -1: ``patch_embed`` (T, D);
* every layer: ``ln1``, ``q``, ``k``, ``v`` (T, D each), ``attn`` (softmax(A).V,
  heads concatenated), ``proj``, ``residual1``, ``ln2``;
* dense layers: ``fc1_gelu`` (T, H), ``fc2`` (T, D);
* MoE layers: ``gate_logits`` (T, E), ``moe_out`` (T, D), and the expert choice
  (indices, scores, queues) in :attr:`ForwardResult.experts`;
* every layer: ``residual2`` (T, D), the layer's output.

All taps are raw int64 arrays in the feature format <32,10> (gate logits too:
they feed the softmax unit, which takes features).  Each stage's
quantisation points are in its function's docstring (``golden.stages``,
``golden.layernorm``, ``golden.softmax``, ``golden.gelu``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from golden.config import KernelConfig
from golden.layernorm import layernorm
from golden.stages.attention import attention
from golden.stages.linear import LinearError, check_raw, linear
from golden.stages.moe import ExpertQueues, moe
from golden.stages.patch_embed import patch_embed
from golden.stages.residual import residual_add
from golden.taps import ATTENTION_STAGES, DENSE_STAGES, MOE_STAGES

__all__ = [
    "ATTENTION_STAGES",
    "DENSE_STAGES",
    "MOE_STAGES",
    "ExpertChoice",
    "ForwardResult",
    "LayerOutput",
    "ModelError",
    "forward",
    "layer_forward",
]


class ModelError(LinearError):
    """A bad argument to the forward pass (shape, task id, layer index, weights)."""


class ExpertChoice(NamedTuple):
    """One MoE layer's routing: chosen experts (T, k) best first, raw scores (T, k), queues."""

    indices: np.ndarray
    scores: np.ndarray
    queues: ExpertQueues


@dataclass(frozen=True)
class LayerOutput:
    output: np.ndarray
    taps: dict[str, np.ndarray]
    experts: ExpertChoice | None


@dataclass(frozen=True)
class ForwardResult:
    """``output`` (T, D) raw features after the last layer; ``taps[(layer, stage)]``;
    ``experts[layer]`` for every MoE layer."""

    output: np.ndarray
    taps: dict[tuple[int, str], np.ndarray]
    experts: dict[int, ExpertChoice]


def _check_task(cfg: KernelConfig, task) -> int:
    if not isinstance(task, int | np.integer) or isinstance(task, bool):
        raise ModelError(f"task must be an integer, got {task!r}")
    if not 0 <= task < cfg.tasks:
        raise ModelError(f"task {task} outside 0..{cfg.tasks - 1} (configuration {cfg.name!r})")
    return int(task)


def _checked(name: str, raw, fmt, ndim: int) -> np.ndarray:
    try:
        return check_raw(name, raw, fmt, ndim)
    except LinearError as exc:
        raise ModelError(str(exc)) from None


def _weight(qweights: Mapping[str, np.ndarray], name: str) -> np.ndarray:
    try:
        return qweights[name]
    except KeyError:
        raise ModelError(f"the quantised weights lack {name!r}") from None


def layer_forward(
    cfg: KernelConfig,
    qweights: Mapping[str, np.ndarray],
    layer: int,
    x_raw: np.ndarray,
    task: int,
) -> LayerOutput:
    """One encoder layer on raw features x (T, D): output, taps by stage name, routing.

    ``qweights`` maps canonical names to raw arrays in the formats of
    :mod:`golden.quantize_weights` (a :class:`~golden.quantize_weights.QuantizedWeights`).
    """
    task = _check_task(cfg, task)
    if not isinstance(layer, int | np.integer) or not 0 <= layer < cfg.layers:
        raise ModelError(f"layer {layer!r} outside 0..{cfg.layers - 1}")
    f = cfg.formats
    d = cfg.dim
    x = _checked("layer input", x_raw, f.feature, 2)
    if x.shape != (cfg.tokens, d):
        raise ModelError(f"layer input shape {x.shape}, configuration needs {(cfg.tokens, d)}")

    def w(suffix: str) -> np.ndarray:
        return _weight(qweights, f"l{layer}_{suffix}")

    taps: dict[str, np.ndarray] = {}
    taps["ln1"] = h = layernorm(x, w("norm1_weight"), w("norm1_bias"), cfg)
    qkv = linear(h, w("qkv_weight"), w("qkv_bias"), cfg, b_fmt=f.attn_bias)
    taps["q"], taps["k"], taps["v"] = qkv[:, :d], qkv[:, d : 2 * d], qkv[:, 2 * d :]
    taps["attn"] = a = attention(taps["q"], taps["k"], taps["v"], cfg)
    taps["proj"] = p = linear(a, w("attn_proj_weight"), w("attn_proj_bias"), cfg)
    taps["residual1"] = r1 = residual_add(x, p, cfg)
    taps["ln2"] = h2 = layernorm(r1, w("norm2_weight"), w("norm2_bias"), cfg)
    choice = None
    if cfg.is_moe(layer):
        res = moe(
            h2,
            w(f"w_gate_T_task{task}"),
            w("htoh4_weight"),
            w("htoh4_bias"),
            w("h4toh_weight"),
            w("h4toh_bias"),
            cfg,
        )
        taps["gate_logits"], taps["moe_out"] = res.logits, res.output
        ffn = res.output
        choice = ExpertChoice(res.indices, res.scores, res.queues)
    else:
        taps["fc1_gelu"] = h3 = linear(h2, w("fc1_weight"), w("fc1_bias"), cfg, gelu=True)
        taps["fc2"] = ffn = linear(h3, w("fc2_weight"), w("fc2_bias"), cfg)
    taps["residual2"] = out = residual_add(r1, ffn, cfg)
    return LayerOutput(out, taps, choice)


def forward(
    cfg: KernelConfig,
    qweights: Mapping[str, np.ndarray],
    image_raw: np.ndarray,
    task: int,
) -> ForwardResult:
    """The whole kernel on one image: raw pixels (C, H, W) ap_ufixed<8,0> -> (T, D) features.

    Deterministic and bit-exact; see the module docstring for the taps.
    """
    task = _check_task(cfg, task)
    shape = (cfg.channels, *cfg.image_hw)
    if np.shape(image_raw) != shape:
        raise ModelError(f"image shape {np.shape(image_raw)}, configuration needs {shape}")
    image = _checked("image", image_raw, cfg.formats.pixel, 3)
    x = patch_embed(
        image,
        _weight(qweights, "patch_embed_weight"),
        _weight(qweights, "patch_embed_bias"),
        _weight(qweights, "pos_embed"),
        cfg,
    )
    taps: dict[tuple[int, str], np.ndarray] = {(-1, "patch_embed"): x}
    experts: dict[int, ExpertChoice] = {}
    for layer in range(cfg.layers):
        res = layer_forward(cfg, qweights, layer, x, task)
        taps.update(((layer, name), tap) for name, tap in res.taps.items())
        if res.experts is not None:
            experts[layer] = res.experts
        x = res.output
    return ForwardResult(x, taps, experts)
