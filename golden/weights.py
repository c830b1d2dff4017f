"""Model weights by canonical name: loaded from the Edge-MoE layout or synthesised.

Canonical names and shapes follow the Edge-MoE ``weights/`` directory (see
``../shared/m3vit-weights/README.md``); for a :class:`KernelConfig` with
D = dim, T = tokens, H = mlp_hidden, E = experts, EH = expert_hidden:

========================================  =====================
name                                      shape
========================================  =====================
``patch_embed_weight`` / ``_bias``        (D, channels, p, p) / (D,)
``pos_embed``                             (T, D), row 0 = class token + its position
``lL_norm1_weight`` / ``_bias``           (D,)
``lL_norm2_weight`` / ``_bias``           (D,)
``lL_qkv_weight`` / ``_bias``             (3D, D) rows Q, K, V / (3D,)
``lL_attn_proj_weight`` / ``_bias``       (D, D) / (D,)
dense L: ``lL_fc1_weight`` / ``_bias``    (H, D) / (H,)
dense L: ``lL_fc2_weight`` / ``_bias``    (D, H) / (D,)
MoE L: ``lL_w_gate_T_task{t}``            (E, D), one per task
MoE L: ``lL_htoh4_weight`` / ``_bias``    (E, EH, D) / (E, EH)
MoE L: ``lL_h4toh_weight`` / ``_bias``    (E, D, EH) / (E, D)
========================================  =====================

On disk every tensor is ``<name>.float32.bin``: raw little-endian float32, C
order, no header.  Linear layers follow PyTorch: ``y = x @ W.T + b``.

The real data lacks the expert matrices (``htoh4_weight``, ``h4toh_weight``);
:func:`load_weights` synthesises exactly those, deterministically, from the
dense FFN of a neighbouring layer, and lists them in :attr:`Weights.synthesised`
so that every report can say which figures rest on made-up numbers.

A PyTorch ``state_dict`` with M3ViT's parameter names maps onto the same
canonical names: ``weights_from_state_dict``, ``load_checkpoint`` (a ``.pt``/
``.pth``/``.npz`` file) and ``load_model_weights`` (a file or a directory),
defined in :mod:`golden.state_dict` and reachable from here.
``python -m golden.weights check PATH --config NAME|FILE.toml`` reports every
tensor's shape, format and saturation before anything is simulated
(:mod:`golden.weights_cli`).
"""

from __future__ import annotations

import math
import os
import zlib
from collections.abc import Iterator, Mapping
from pathlib import Path

import numpy as np

from golden.config import KernelConfig

__all__ = [
    "STATE_DICT_FUNCTIONS",
    "SYNTHESISABLE_SUFFIXES",
    "Weights",
    "WeightsError",
    "check_weights",
    "default_weights_dir",
    "expected_shapes",
    "load_array",
    "load_image",
    "load_weights",
    "synthetic_image",
    "synthetic_weights",
]

#: The only tensors :func:`load_weights` may make up when their file is absent.
SYNTHESISABLE_SUFFIXES: tuple[str, ...] = ("htoh4_weight", "h4toh_weight")

#: Weights from a PyTorch state_dict (M3ViT names): defined in golden/state_dict.py,
#: also reachable here (``golden.weights.weights_from_state_dict`` and so on).
STATE_DICT_FUNCTIONS: tuple[str, ...] = (
    "load_checkpoint",
    "load_model_weights",
    "read_state_dict",
    "state_dict_shapes",
    "weights_from_state_dict",
)

_FILE_SUFFIX = ".float32.bin"
_ENV_VAR = "EDGEMOE_WEIGHTS"
# Separates the expert-synthesis random streams from those of synthetic_weights.
_EXPERT_STREAM = 0x4D6F45


class WeightsError(ValueError):
    """A weight or image file (or directory) that cannot be used; the message names it."""


def __getattr__(name: str):
    """The state_dict functions (golden/state_dict.py, which imports this module)."""
    if name in STATE_DICT_FUNCTIONS:
        from golden import state_dict

        return getattr(state_dict, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class Weights(Mapping[str, np.ndarray]):
    """Read-only mapping from canonical name to a float32 C-ordered NumPy array.

    ``synthesised`` names the tensors that were made up (not trained values);
    ``source`` says where the rest came from.
    """

    def __init__(
        self,
        arrays: Mapping[str, np.ndarray],
        synthesised: frozenset[str] | set[str] = frozenset(),
        source: str = "",
    ) -> None:
        store: dict[str, np.ndarray] = {}
        for name, value in arrays.items():
            arr = np.array(value, dtype=np.float32, order="C", copy=True)
            arr.flags.writeable = False
            store[name] = arr
        unknown = set(synthesised) - set(store)
        if unknown:
            raise WeightsError(f"synthesised names not among the arrays: {sorted(unknown)}")
        self._arrays = store
        self.synthesised: frozenset[str] = frozenset(synthesised)
        self.source: str = source

    def __getitem__(self, name: str) -> np.ndarray:
        try:
            return self._arrays[name]
        except KeyError:
            raise KeyError(f"no weight named {name!r} (source: {self.source})") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._arrays)

    def __len__(self) -> int:
        return len(self._arrays)

    def __repr__(self) -> str:
        return (
            f"Weights({len(self)} tensors, {len(self.synthesised)} synthesised, "
            f"source={self.source!r})"
        )

    def replaced(self, updates: Mapping[str, np.ndarray], note: str = "edited") -> Weights:
        """A copy with some tensors replaced (same shape), those counted as synthesised."""
        for name, value in updates.items():
            if name not in self._arrays:
                raise WeightsError(f"cannot replace {name!r}: no such tensor")
            if np.shape(value) != self._arrays[name].shape:
                raise WeightsError(
                    f"cannot replace {name!r}: shape {np.shape(value)} != "
                    f"{self._arrays[name].shape}"
                )
        return Weights(
            {**self._arrays, **updates},
            self.synthesised | set(updates),
            f"{self.source} ({note}: {', '.join(sorted(updates))})",
        )


def expected_shapes(cfg: KernelConfig) -> dict[str, tuple[int, ...]]:
    """Every canonical tensor name of ``cfg`` with its shape, in model order."""
    d, t, h = cfg.dim, cfg.tokens, cfg.mlp_hidden
    e, eh, p = cfg.experts, cfg.expert_hidden, cfg.patch
    shapes: dict[str, tuple[int, ...]] = {
        "patch_embed_weight": (d, cfg.channels, p, p),
        "patch_embed_bias": (d,),
        "pos_embed": (t, d),
    }
    for layer in range(cfg.layers):
        pre = f"l{layer}_"
        shapes |= {
            pre + "norm1_weight": (d,),
            pre + "norm1_bias": (d,),
            pre + "qkv_weight": (3 * d, d),
            pre + "qkv_bias": (3 * d,),
            pre + "attn_proj_weight": (d, d),
            pre + "attn_proj_bias": (d,),
            pre + "norm2_weight": (d,),
            pre + "norm2_bias": (d,),
        }
        if cfg.is_moe(layer):
            shapes |= {pre + f"w_gate_T_task{task}": (e, d) for task in range(cfg.tasks)}
            shapes |= {
                pre + "htoh4_weight": (e, eh, d),
                pre + "htoh4_bias": (e, eh),
                pre + "h4toh_weight": (e, d, eh),
                pre + "h4toh_bias": (e, d),
            }
        else:
            shapes |= {
                pre + "fc1_weight": (h, d),
                pre + "fc1_bias": (h,),
                pre + "fc2_weight": (d, h),
                pre + "fc2_bias": (d,),
            }
    return shapes


def check_weights(cfg: KernelConfig, weights: Mapping[str, np.ndarray]) -> None:
    """Raise :class:`WeightsError` unless ``weights`` has every tensor of ``cfg``, finite,
    with its expected shape (extra tensors are allowed)."""
    for name, shape in expected_shapes(cfg).items():
        if name not in weights:
            raise WeightsError(f"weights for configuration {cfg.name!r} lack {name!r}")
        arr = weights[name]
        if tuple(np.shape(arr)) != shape:
            raise WeightsError(
                f"weight {name!r}: shape {tuple(np.shape(arr))}, configuration "
                f"{cfg.name!r} needs {shape}"
            )
        bad = np.flatnonzero(~np.isfinite(np.asarray(arr)))
        if bad.size:
            raise WeightsError(f"weight {name!r}: non-finite value at flat index {bad[0]}")


# ---------------------------------------------------------------- file reading


def load_array(path: str | os.PathLike, shape: tuple[int, ...]) -> np.ndarray:
    """Read one raw little-endian float32 file of exactly ``shape`` (C order, no header).

    Raises :class:`WeightsError` naming the file when it is missing, shorter or
    longer than ``shape`` needs, or holds a NaN/inf (naming the first bad index).
    """
    path = Path(path)
    if not path.is_file():
        raise WeightsError(f"{path}: file not found")
    expected = math.prod(shape) * 4
    size = path.stat().st_size
    if size != expected:
        kind = "short" if size < expected else "oversized"
        raise WeightsError(
            f"{path}: {kind} file: {size} bytes, shape {shape} needs {expected} "
            f"(float32, no header)"
        )
    flat = np.fromfile(path, dtype="<f4")
    bad = np.flatnonzero(~np.isfinite(flat))
    if bad.size:
        first = int(bad[0])
        index = np.unravel_index(first, shape) if shape else ()
        raise WeightsError(
            f"{path}: non-finite value {flat[first]} at index {tuple(int(i) for i in index)} "
            f"(flat {first}); {bad.size} non-finite values in all"
        )
    return flat.astype(np.float32).reshape(shape)


def load_image(path: str | os.PathLike, cfg: KernelConfig) -> np.ndarray:
    """The input image as float32 (channels, H, W) from a raw float32 file; values in [0, 1)."""
    shape = (cfg.channels, *cfg.image_hw)
    image = load_array(path, shape)
    outside = np.flatnonzero((image < 0) | (image >= 1))
    if outside.size:
        first = int(outside[0])
        index = tuple(int(i) for i in np.unravel_index(first, shape))
        raise WeightsError(
            f"{path}: pixel {image.reshape(-1)[first]} at index {index} is outside [0, 1)"
        )
    return image


def default_weights_dir() -> Path | None:
    """The real-weights directory: ``$EDGEMOE_WEIGHTS`` if set (a :class:`WeightsError`
    when it is not a directory: a mistyped path must not fall back to synthetic
    weights unnoticed), else ``<repo>/../shared/m3vit-weights``, or None where that
    does not exist."""
    env = os.environ.get(_ENV_VAR)
    if env:
        if not Path(env).is_dir():
            raise WeightsError(
                f"${_ENV_VAR}={env} is not a directory (unset it to use "
                f"../shared/m3vit-weights, or synthetic weights where that is absent)"
            )
        return Path(env)
    candidate = Path(__file__).resolve().parents[2] / "shared/m3vit-weights"
    return candidate if candidate.is_dir() else None


def load_weights(cfg: KernelConfig, directory: str | os.PathLike) -> Weights:
    """Every tensor of ``cfg`` from an Edge-MoE weights directory.

    Only the expert matrices (:data:`SYNTHESISABLE_SUFFIXES`) may be absent: they
    are then synthesised from the dense FFN of the nearest dense layer (see
    :func:`_synthesise_experts`) and listed in ``synthesised``.  Any other
    missing or malformed file raises :class:`WeightsError` naming it.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise WeightsError(f"{directory}: weights directory not found")
    shapes = expected_shapes(cfg)
    arrays: dict[str, np.ndarray] = {}
    missing: list[str] = []
    for name, shape in shapes.items():
        path = directory / (name + _FILE_SUFFIX)
        if not path.exists() and name.endswith(SYNTHESISABLE_SUFFIXES):
            missing.append(name)
            continue
        arrays[name] = load_array(path, shape)
    for name in missing:
        layer = int(name[1 : name.index("_")])
        arrays[name] = _synthesise_expert_tensor(cfg, arrays, layer, name)
    ordered = {name: arrays[name] for name in shapes}
    return Weights(ordered, frozenset(missing), f"{directory} (config {cfg.name})")


# ---------------------------------------------------------------- synthesis


def _nearest_dense_layer(cfg: KernelConfig, layer: int) -> int:
    """The dense layer closest to ``layer``, the earlier one on a tie (L-1 before L+1)."""
    dense = [other for other in range(cfg.layers) if not cfg.is_moe(other)]
    if not dense:
        raise WeightsError(
            f"configuration {cfg.name!r}: l{layer} expert matrices are missing and there is "
            f"no dense layer to synthesise them from"
        )
    return min(dense, key=lambda other: (abs(other - layer), other))


def _expert_hidden_units(cfg: KernelConfig, layer: int, expert: int) -> np.ndarray:
    """The dense hidden units expert ``expert`` of ``layer`` is built from: a seeded
    permutation of the H units, first EH of them (with repeats only if EH > H)."""
    rng = np.random.default_rng([_EXPERT_STREAM, layer, expert])
    h, eh = cfg.mlp_hidden, cfg.expert_hidden
    if eh <= h:
        return rng.permutation(h)[:eh]
    return rng.integers(0, h, size=eh)


def _synthesise_expert_tensor(
    cfg: KernelConfig, arrays: Mapping[str, np.ndarray], layer: int, name: str
) -> np.ndarray:
    """Expert e of MoE layer L as a sub-network of the dense FFN of a neighbour layer N.

    With units u = :func:`_expert_hidden_units` (L, e): ``htoh4[e] = fc1_N[u, :]``
    and ``h4toh[e] = fc2_N[:, u]`` - the same hidden units on both sides, so each
    expert is a coherent slice of a trained FFN with trained magnitudes.
    """
    source = _nearest_dense_layer(cfg, layer)
    if name.endswith("htoh4_weight"):
        fc1 = arrays[f"l{source}_fc1_weight"]
        picks = [fc1[_expert_hidden_units(cfg, layer, e), :] for e in range(cfg.experts)]
    else:
        fc2 = arrays[f"l{source}_fc2_weight"]
        picks = [fc2[:, _expert_hidden_units(cfg, layer, e)] for e in range(cfg.experts)]
    return np.ascontiguousarray(np.stack(picks), dtype=np.float32)


def _trunc_normal(rng: np.random.Generator, shape: tuple[int, ...], std: float) -> np.ndarray:
    """Normal(0, std) truncated to +-2 std (ViT's trunc_normal_ init), by resampling."""
    out = rng.standard_normal(shape)
    bad = np.abs(out) > 2
    while bad.any():
        out[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(out) > 2
    return out * std


# Spread of each kind of synthetic tensor (see _synth_kind).
_SYNTH_STD: dict[str, float] = {
    # Spreads of the trained M3ViT weights (../shared/m3vit-weights), so that
    # synthetic signals sit where real ones do relative to the fixed-point LSBs.
    "linear_weight": 0.05,
    "bias": 0.5,
    "norm_weight": 0.35,  # around NORM_WEIGHT_MEAN
    "norm_bias": 0.5,
    "pos_embed": 0.7,
    "gate": 0.055,
}
NORM_WEIGHT_MEAN = 1.4


def _synth_kind(name: str) -> str:
    if name == "pos_embed":
        return "pos_embed"
    if "_w_gate_T_task" in name:
        return "gate"
    if name.endswith(("norm1_weight", "norm2_weight")):
        return "norm_weight"
    if name.endswith(("norm1_bias", "norm2_bias")):
        return "norm_bias"
    if name.endswith("_bias"):
        return "bias"
    return "linear_weight"


def synthetic_weights(cfg: KernelConfig, seed: int = 0) -> Weights:
    """Deterministic made-up weights for any configuration, with trained-like magnitudes.

    Each tensor has its own random stream keyed by (seed, CRC32 of its name), so a
    tensor does not change when the configuration adds others.  Spreads follow
    the trained M3ViT weights: linear, patch and expert weights trunc-normal std
    0.05; biases std 0.5; LayerNorm weights 1.4 + std 0.35, LayerNorm biases
    std 0.5; position embeddings std 0.7; gates std 0.055.  Every tensor is
    marked synthesised.
    """
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    arrays: dict[str, np.ndarray] = {}
    for name, shape in expected_shapes(cfg).items():
        rng = np.random.default_rng([seed, zlib.crc32(name.encode())])
        kind = _synth_kind(name)
        values = _trunc_normal(rng, shape, _SYNTH_STD[kind])
        if kind == "norm_weight":
            values = values + NORM_WEIGHT_MEAN
        arrays[name] = values.astype(np.float32)
    return Weights(arrays, frozenset(arrays), f"synthetic_weights(cfg={cfg.name!r}, seed={seed})")


def synthetic_image(cfg: KernelConfig, seed: int = 0) -> np.ndarray:
    """A deterministic float32 (channels, H, W) image of multiples of 2**-8 in [0, 1),
    like the real 8-bit image (exact in ap_ufixed<8, 0>)."""
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    rng = np.random.default_rng([seed, zlib.crc32(b"image")])
    levels = rng.integers(0, 256, size=(cfg.channels, *cfg.image_hw))
    return (levels / 256.0).astype(np.float32)


if __name__ == "__main__":  # python -m golden.weights check PATH --config NAME|FILE.toml
    import sys

    from golden.weights_cli import main

    sys.exit(main())
