"""The float reference: the M3ViT encoder in PyTorch, stage by stage.

This is what the fixed-point golden model's error is measured against, never a
specification of bits.  It follows the model of ``../shared/m3vit-weights``
(M3ViT as run by Edge-MoE):

* patch embedding: the ``p x p`` stride-``p`` convolution as a linear map over
  flattened patches (channel, row, column order, patches row-major); token 0
  is ``pos_embed[0]`` alone (class token and its position), token ``1 + i`` is
  patch ``i``'s embedding plus ``pos_embed[1 + i]``;
* per layer: ``x = x + proj(attn(LN1(x)))``, then ``x = x + FFN(LN2(x))``,
  LayerNorm with ``cfg.ln_eps``, linear ``y = x @ W.T + b``;
* attention: ``cfg.heads`` heads of ``head_dim``, scores ``Q K^T * 2**attn_scale_log2``,
  softmax over keys;
* dense FFN: ``fc2(GELU(fc1(x)))`` with the exact (erf) GELU;
* MoE FFN: ``gate_logits = LN2(x) @ w_gate_T_task{task}.T``; per token the
  top-k experts by logit (ties: lower expert index first), combine weights
  ``softmax`` over the k chosen logits, output ``sum_j score_j * expert_j(x)``
  with ``expert(x) = h4toh(GELU(htoh4(x)))``.

Every stage output is kept as a *tap* (see :data:`DENSE_STAGES`,
:data:`MOE_STAGES`), named like the kernel's stage boundaries so the golden
model and the RTL scoreboard can be compared stage by stage.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from golden.config import KernelConfig
from golden.taps import ATTENTION_STAGES, DENSE_STAGES, MOE_STAGES, stage_names
from golden.weights import check_weights

__all__ = [
    "ATTENTION_STAGES",
    "DENSE_STAGES",
    "MOE_STAGES",
    "LayerResult",
    "RefResult",
    "layer_forward",
    "patch_embed",
    "reference_forward",
    "stage_names",
    "top_k_experts",
]

_DTYPES = (torch.float32, torch.float64)


@dataclass(frozen=True)
class LayerResult:
    """One layer's output (T, D), its taps by stage name and, on MoE layers, the
    chosen experts (T, k) and their combine weights (T, k); None on dense layers."""

    output: np.ndarray
    taps: dict[str, np.ndarray]
    experts: np.ndarray | None
    scores: np.ndarray | None


@dataclass(frozen=True)
class RefResult:
    """A whole forward pass: output (T, D) after the last layer, taps keyed by
    (layer, stage) with ``(-1, "patch_embed")`` first, and per MoE layer the
    chosen experts (T, k) int64 and combine weights (T, k)."""

    output: np.ndarray
    taps: dict[tuple[int, str], np.ndarray]
    experts: dict[int, np.ndarray]
    scores: dict[int, np.ndarray]


# ---------------------------------------------------------------- checks


def _check_layer(cfg: KernelConfig, layer: int) -> None:
    if not isinstance(layer, int) or isinstance(layer, bool) or not 0 <= layer < cfg.layers:
        raise ValueError(f"layer must be an integer in 0..{cfg.layers - 1}, got {layer!r}")


def _check_task(cfg: KernelConfig, task: int) -> None:
    if not isinstance(task, int) or isinstance(task, bool) or not 0 <= task < cfg.tasks:
        raise ValueError(f"task must be an integer in 0..{cfg.tasks - 1}, got {task!r}")


def _check_dtype(dtype: torch.dtype) -> None:
    if dtype not in _DTYPES:
        raise ValueError(f"dtype must be torch.float32 or torch.float64, got {dtype!r}")


def _check_array(what: str, value: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    arr = np.asarray(value)
    if arr.shape != shape:
        raise ValueError(f"{what}: shape {arr.shape}, expected {shape}")
    if not np.issubdtype(arr.dtype, np.floating):
        raise ValueError(f"{what}: dtype {arr.dtype} is not a float type")
    bad = np.flatnonzero(~np.isfinite(arr))
    if bad.size:
        index = tuple(int(i) for i in np.unravel_index(int(bad[0]), shape))
        raise ValueError(f"{what}: non-finite value at index {index}")
    return arr


@contextlib.contextmanager
def _single_thread() -> Iterator[None]:
    """One intra-op thread: float32 sums then do not depend on the machine's core count."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with torch.no_grad():
            yield
    finally:
        torch.set_num_threads(before)


# ---------------------------------------------------------------- building blocks


class _Params:
    """Weights converted to torch tensors of one dtype, on first use."""

    def __init__(self, weights: Mapping[str, np.ndarray], dtype: torch.dtype) -> None:
        self._weights = weights
        self._dtype = dtype
        self._cache: dict[str, torch.Tensor] = {}

    def __getitem__(self, name: str) -> torch.Tensor:
        if name not in self._cache:
            self._cache[name] = torch.tensor(np.asarray(self._weights[name]), dtype=self._dtype)
        return self._cache[name]


def _linear(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    return x @ weight.T + bias


def _patch_embed(cfg: KernelConfig, params: _Params, image: torch.Tensor) -> torch.Tensor:
    c, p, d = cfg.channels, cfg.patch, cfg.dim
    gh, gw = cfg.image_hw[0] // p, cfg.image_hw[1] // p
    patches = image.reshape(c, gh, p, gw, p).permute(1, 3, 0, 2, 4).reshape(gh * gw, c * p * p)
    emb = _linear(
        patches, params["patch_embed_weight"].reshape(d, c * p * p), params["patch_embed_bias"]
    )
    tokens = torch.cat([torch.zeros(1, d, dtype=emb.dtype), emb])
    return tokens + params["pos_embed"]


def top_k_experts(logits: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Per row, the k largest logits' expert indices (ties: lower index first) and
    their combine weights, softmax over those k logits.  Returns (indices, scores)."""
    if logits.ndim != 2 or not 1 <= k <= logits.shape[1]:
        raise ValueError(f"top-k needs 2-D logits and 1 <= k <= {logits.shape[-1]}, got k={k}")
    order = torch.sort(logits, dim=1, descending=True, stable=True).indices[:, :k]
    chosen = torch.gather(logits, 1, order)
    return order, torch.softmax(chosen, dim=1)


def _attention(cfg: KernelConfig, params: _Params, layer: int, x: torch.Tensor, taps: dict):
    pre = f"l{layer}_"
    t, d, heads, hd = x.shape[0], cfg.dim, cfg.heads, cfg.head_dim
    ln1 = F.layer_norm(
        x, (d,), params[pre + "norm1_weight"], params[pre + "norm1_bias"], cfg.ln_eps
    )
    qkv = _linear(ln1, params[pre + "qkv_weight"], params[pre + "qkv_bias"])
    q, k, v = qkv[:, :d], qkv[:, d : 2 * d], qkv[:, 2 * d :]
    qh, kh, vh = (m.reshape(t, heads, hd).transpose(0, 1) for m in (q, k, v))
    scores = (qh @ kh.transpose(1, 2)) * (2.0**cfg.attn_scale_log2)
    attn = (torch.softmax(scores, dim=-1) @ vh).transpose(0, 1).reshape(t, d)
    proj = _linear(attn, params[pre + "attn_proj_weight"], params[pre + "attn_proj_bias"])
    residual1 = x + proj
    ln2 = F.layer_norm(
        residual1, (d,), params[pre + "norm2_weight"], params[pre + "norm2_bias"], cfg.ln_eps
    )
    taps |= dict(ln1=ln1, q=q, k=k, v=v, attn=attn, proj=proj, residual1=residual1, ln2=ln2)
    return residual1, ln2


def _moe(cfg: KernelConfig, params: _Params, layer: int, task: int, ln2: torch.Tensor, taps: dict):
    pre = f"l{layer}_"
    logits = ln2 @ params[pre + f"w_gate_T_task{task}"].T
    experts, scores = top_k_experts(logits, cfg.top_k)
    w1, b1 = params[pre + "htoh4_weight"], params[pre + "htoh4_bias"]
    w2, b2 = params[pre + "h4toh_weight"], params[pre + "h4toh_bias"]
    out = torch.zeros_like(ln2)
    # Per expert, gather the tokens routed to it (in any of the k slots), run the
    # expert FFN once over them and scatter-add the score-weighted result.
    for e in range(cfg.experts):
        rows, slots = torch.nonzero(experts == e, as_tuple=True)
        if rows.numel() == 0:
            continue
        hidden = F.gelu(_linear(ln2[rows], w1[e], b1[e]))
        y = _linear(hidden, w2[e], b2[e])
        out.index_add_(0, rows, scores[rows, slots].unsqueeze(1) * y)
    taps |= dict(gate_logits=logits, moe_out=out)
    return out, experts, scores


def _layer(cfg: KernelConfig, params: _Params, layer: int, x: torch.Tensor, task: int):
    pre = f"l{layer}_"
    taps: dict[str, torch.Tensor] = {}
    residual1, ln2 = _attention(cfg, params, layer, x, taps)
    experts = scores = None
    if cfg.is_moe(layer):
        ffn, experts, scores = _moe(cfg, params, layer, task, ln2, taps)
    else:
        fc1 = F.gelu(_linear(ln2, params[pre + "fc1_weight"], params[pre + "fc1_bias"]))
        ffn = _linear(fc1, params[pre + "fc2_weight"], params[pre + "fc2_bias"])
        taps |= dict(fc1_gelu=fc1, fc2=ffn)
    out = residual1 + ffn
    taps["residual2"] = out
    return out, taps, experts, scores


def _numpy(t: torch.Tensor) -> np.ndarray:
    return t.detach().cpu().numpy().copy()


# ---------------------------------------------------------------- public entry points


def patch_embed(
    cfg: KernelConfig,
    weights: Mapping[str, np.ndarray],
    image: np.ndarray,
    dtype: torch.dtype = torch.float64,
) -> np.ndarray:
    """The encoder input (T, D): class-token row then patch embeddings, plus positions."""
    _check_dtype(dtype)
    check_weights(cfg, weights)
    img = _check_array("image", image, (cfg.channels, *cfg.image_hw))
    with _single_thread():
        params = _Params(weights, dtype)
        return _numpy(_patch_embed(cfg, params, torch.tensor(img, dtype=dtype)))


def layer_forward(
    cfg: KernelConfig,
    weights: Mapping[str, np.ndarray],
    layer: int,
    x: np.ndarray,
    task: int,
    dtype: torch.dtype = torch.float64,
) -> LayerResult:
    """Run encoder layer ``layer`` alone on the input ``x`` (T, D)."""
    _check_dtype(dtype)
    _check_layer(cfg, layer)
    _check_task(cfg, task)
    check_weights(cfg, weights)
    x = _check_array(f"layer {layer} input", x, (cfg.tokens, cfg.dim))
    with _single_thread():
        params = _Params(weights, dtype)
        out, taps, experts, scores = _layer(cfg, params, layer, torch.tensor(x, dtype=dtype), task)
        return LayerResult(
            output=_numpy(out),
            taps={name: _numpy(value) for name, value in taps.items()},
            experts=None if experts is None else _numpy(experts),
            scores=None if scores is None else _numpy(scores),
        )


def reference_forward(
    cfg: KernelConfig,
    weights: Mapping[str, np.ndarray],
    image: np.ndarray,
    task: int,
    dtype: torch.dtype = torch.float64,
) -> RefResult:
    """The whole encoder on ``image`` (channels, H, W) for gate ``task``."""
    _check_dtype(dtype)
    _check_task(cfg, task)
    check_weights(cfg, weights)
    img = _check_array("image", image, (cfg.channels, *cfg.image_hw))
    taps: dict[tuple[int, str], np.ndarray] = {}
    experts: dict[int, np.ndarray] = {}
    scores: dict[int, np.ndarray] = {}
    with _single_thread():
        params = _Params(weights, dtype)
        x = _patch_embed(cfg, params, torch.tensor(img, dtype=dtype))
        taps[(-1, "patch_embed")] = _numpy(x)
        for layer in range(cfg.layers):
            x, layer_taps, chosen, weights_k = _layer(cfg, params, layer, x, task)
            taps |= {(layer, name): _numpy(value) for name, value in layer_taps.items()}
            if chosen is not None:
                experts[layer] = _numpy(chosen)
                scores[layer] = _numpy(weights_k)
    return RefResult(output=_numpy(x), taps=taps, experts=experts, scores=scores)
