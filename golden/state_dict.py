"""Weights from a PyTorch ``state_dict`` of an M3ViT-style model.

M3ViT (``VisionTransformerMoE`` of VITA-Group/M3ViT, FastMoE experts) names its
parameters as below; :func:`weights_from_state_dict` maps them onto the
canonical Edge-MoE names of :mod:`golden.weights` (which golden/reference.py,
the golden model and the kernel read), for a :class:`KernelConfig` with
D = dim, T = tokens, C = channels, p = patch, H = mlp_hidden, E = experts,
EH = expert_hidden:

==============================================  ==========================  =====================
state_dict key (shape)                          canonical name              layout change
==============================================  ==========================  =====================
``patch_embed.proj.weight`` (D, C, p, p)        ``patch_embed_weight``      none (Conv2d)
``patch_embed.proj.bias`` (D,)                  ``patch_embed_bias``        none
``cls_token`` (1, 1, D), ``pos_embed``          ``pos_embed`` (T, D)        row 0 = cls_token +
(1, T, D)                                                                   pos_embed[0]
``blocks.L.norm1.weight`` / ``.bias`` (D,)      ``lL_norm1_weight``/``_bias``  none
``blocks.L.attn.qkv.weight`` (3D, D) / ``.bias``  ``lL_qkv_weight``/``_bias``  none (rows Q, K, V)
``blocks.L.attn.proj.weight`` (D, D) / ``.bias``  ``lL_attn_proj_weight``/...  none
``blocks.L.norm2.weight`` / ``.bias``           ``lL_norm2_weight``/...     none
dense L: ``blocks.L.mlp.fc1.weight`` (H, D)     ``lL_fc1_weight``/``_bias`` none
dense L: ``blocks.L.mlp.fc2.weight`` (D, H)     ``lL_fc2_weight``/``_bias`` none
MoE L: ``blocks.L.mlp.gate.{t}.w_gate`` (D, E)  ``lL_w_gate_T_task{t}``     transposed to (E, D)
MoE L: ``blocks.L.mlp.experts.htoh4.weight``    ``lL_htoh4_weight``         none (FMoELinear:
(E, EH, D) / ``.bias`` (E, EH)                                              experts, out, in)
MoE L: ``blocks.L.mlp.experts.h4toh.weight``    ``lL_h4toh_weight``         none
(E, D, EH) / ``.bias`` (E, D)
==============================================  ==========================  =====================

With a single task the one gate may also be ``blocks.L.mlp.gate.w_gate``
(M3ViT without ``multi_gate``).  The model around the encoder is found by
itself: keys under one common prefix (``backbone.``, ``module.``) are read
from there and keys outside it (decoder heads, ...) are left alone; pass
``prefix`` where that is ambiguous.  The gates' training-only parameters
(``w_noise``, ``w_gate_aux``: :data:`UNUSED_AT_INFERENCE`) are skipped; every
other key under the prefix must be used or matched by an ``ignore`` glob: a
missing, unknown, wrongly shaped, non-float or non-finite entry is a
:class:`~golden.weights.WeightsError` listing all of them at once, with the
closest names and what a layer-kind or layer-count mismatch looks like.  The
values themselves are not changed (float32), so the float reference on the
imported weights computes what the PyTorch model computes.

Routing is the golden model's (golden/stages/moe.py): combine weights are a
softmax over the k chosen logits, as M3ViT's ``noisy`` gate (and fastmoe's
NaiveGate) computes them.  M3ViT's ``noisy_vmoe`` gate (NoisyGate_VMoE) keeps
the top k of a softmax over all experts instead; a model trained with it
imports all the same, but its MoE layers then compute other combine weights.

Files: :func:`read_state_dict` reads ``.pt``/``.pth``/``.bin``/``.ckpt``
through ``torch.load(weights_only=True)`` (a checkpoint holding the state_dict
under ``state_dict``, ``model``, ``model_state_dict`` or ``module`` is
unwrapped) or ``.npz`` with NumPy alone; :func:`load_model_weights` takes
either such a file or an Edge-MoE weights directory (:func:`load_weights`).
"""

from __future__ import annotations

import difflib
import fnmatch
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from golden.config import KernelConfig
from golden.weights import Weights, WeightsError, check_weights, expected_shapes, load_weights

__all__ = [
    "ANCHOR_KEY",
    "CHECKPOINT_WRAPPERS",
    "UNUSED_AT_INFERENCE",
    "load_checkpoint",
    "load_model_weights",
    "read_state_dict",
    "state_dict_layout",
    "state_dict_shapes",
    "weights_from_state_dict",
]

#: The key whose position gives the encoder's prefix in a bigger model's state_dict.
ANCHOR_KEY = "patch_embed.proj.weight"
#: Gate parameters M3ViT uses only in training (noise) or for logging (the decoupled
#: activation): skipped by default, counted in ``Weights.source``.
UNUSED_AT_INFERENCE: tuple[str, ...] = (
    "blocks.*.mlp.gate.*w_noise",
    "blocks.*.mlp.gate.*w_noise_aux",
    "blocks.*.mlp.gate.*w_gate_aux",
)
#: Top-level keys of a training checkpoint under which the state_dict may sit.
CHECKPOINT_WRAPPERS: tuple[str, ...] = ("state_dict", "model", "model_state_dict", "module")
_LIST_AT_MOST = 12


@dataclass(frozen=True)
class Source:
    """Where one canonical tensor comes from: state_dict ``keys`` (without prefix) and
    ``convert``, which turns their arrays (in ``keys`` order) into the canonical one."""

    keys: tuple[str, ...]
    convert: Callable[..., np.ndarray]


def _same(x: np.ndarray) -> np.ndarray:
    return x


def _transposed(x: np.ndarray) -> np.ndarray:
    return x.T


def _pos_embed(cls_token: np.ndarray, pos_embed: np.ndarray) -> np.ndarray:
    out = np.array(pos_embed[0], dtype=np.float32)
    out[0] = out[0] + cls_token[0, 0]  # float32, as the model's cat + add
    return out


def state_dict_layout(cfg: KernelConfig) -> dict[str, Source]:
    """Every canonical tensor of ``cfg`` (model order) with its M3ViT state_dict source."""
    out: dict[str, Source] = {}
    for name in expected_shapes(cfg):
        if name == "patch_embed_weight":
            out[name] = Source(("patch_embed.proj.weight",), _same)
        elif name == "patch_embed_bias":
            out[name] = Source(("patch_embed.proj.bias",), _same)
        elif name == "pos_embed":
            out[name] = Source(("cls_token", "pos_embed"), _pos_embed)
        else:
            layer, rest = re.fullmatch(r"l(\d+)_(.+)", name).groups()
            block = f"blocks.{layer}."
            gate = re.fullmatch(r"w_gate_T_task(\d+)", rest)
            if gate:
                out[name] = Source((f"{block}mlp.gate.{gate.group(1)}.w_gate",), _transposed)
                continue
            module, param = rest.rsplit("_", 1)
            path = {
                "norm1": "norm1",
                "norm2": "norm2",
                "qkv": "attn.qkv",
                "attn_proj": "attn.proj",
                "fc1": "mlp.fc1",
                "fc2": "mlp.fc2",
                "htoh4": "mlp.experts.htoh4",
                "h4toh": "mlp.experts.h4toh",
            }[module]
            out[name] = Source((f"{block}{path}.{param}",), _same)
    return out


def state_dict_shapes(cfg: KernelConfig) -> dict[str, tuple[int, ...]]:
    """Every state_dict key (without prefix) ``cfg`` needs, with its shape."""
    shapes = expected_shapes(cfg)
    out: dict[str, tuple[int, ...]] = {}
    for name, src in state_dict_layout(cfg).items():
        if name == "pos_embed":
            out["cls_token"] = (1, 1, cfg.dim)
            out["pos_embed"] = (1, *shapes[name])
        elif src.convert is _transposed:
            out[src.keys[0]] = shapes[name][::-1]
        else:
            out[src.keys[0]] = shapes[name]
    return out


# ---------------------------------------------------------------- conversion


def _as_numpy(value) -> np.ndarray | None:
    """A torch tensor or NumPy array as a NumPy array (None when it is neither)."""
    if hasattr(value, "detach"):  # a torch.Tensor, without importing torch here
        tensor = value.detach().cpu()
        if tensor.is_floating_point() and tensor.element_size() < 4:
            tensor = tensor.double()  # float16/bfloat16: exact in float64 (NumPy has no bf16)
        return tensor.numpy()
    if isinstance(value, np.ndarray | np.generic):
        return np.asarray(value)
    return None


def _find_prefix(keys: Iterable[str], source: str) -> str:
    """The prefix under which ``ANCHOR_KEY`` sits ('' when at the top or absent)."""
    keys = list(keys)
    if ANCHOR_KEY in keys:
        return ""
    found = sorted(k[: -len(ANCHOR_KEY)] for k in keys if k.endswith("." + ANCHOR_KEY))
    if len(found) > 1:
        raise WeightsError(
            f"{source + ': ' if source else ''}the state_dict holds {len(found)} encoders "
            f"({ANCHOR_KEY} under {', '.join(repr(p) for p in found)}); say which with prefix="
        )
    return found[0] if found else ""


def _listing(items: list[str]) -> str:
    shown = items[:_LIST_AT_MOST]
    more = f"\n      ... and {len(items) - len(shown)} more" if len(items) > len(shown) else ""
    return "".join(f"\n      {item}" for item in shown) + more


def _closest(key: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(key, choices, n=1, cutoff=0.8)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _layer_hints(cfg: KernelConfig, unknown: list[str], missing: list[str]) -> list[str]:
    """What a layer-count or layer-kind mismatch between file and configuration looks like."""
    hints = []
    blocks = {int(m.group(1)) for k in unknown if (m := re.match(r"blocks\.(\d+)\.", k))}
    beyond = sorted(b for b in blocks if b >= cfg.layers)
    if beyond:
        hints.append(
            f"the state_dict has blocks up to {beyond[-1]} (so at least {beyond[-1] + 1} "
            f"layers); the configuration has layers={cfg.layers}"
        )
    for layer in sorted(b for b in blocks if b < cfg.layers):
        pre = f"blocks.{layer}.mlp."
        has_dense = any(k.startswith(pre + "fc1.") for k in unknown)
        has_moe = any(k.startswith(pre + "experts.") for k in unknown)
        if cfg.is_moe(layer) and has_dense:
            hints.append(
                f"layer {layer} is dense in the state_dict (mlp.fc1) but MoE in the "
                f"configuration (moe_layers={list(cfg.moe_layers)})"
            )
        elif not cfg.is_moe(layer) and has_moe:
            hints.append(
                f"layer {layer} is MoE in the state_dict (mlp.experts) but dense in the "
                f"configuration (moe_layers={list(cfg.moe_layers)})"
            )
    gates = {
        (int(m.group(1)), int(m.group(2)))
        for k in unknown
        if (m := re.fullmatch(r"blocks\.(\d+)\.mlp\.gate\.(\d+)\.w_gate", k))
    }
    if any(t >= cfg.tasks for _, t in gates):
        top = max(t for _, t in gates)
        hints.append(
            f"the state_dict has gates for at least {top + 1} tasks; the configuration has "
            f"tasks={cfg.tasks}"
        )
    if missing and any(k.endswith(".attn.qkv.bias") for k in missing):
        hints.append("the kernel needs qkv biases (M3ViT's qkv_bias=True); save zeros if none")
    return hints


def weights_from_state_dict(
    cfg: KernelConfig,
    state_dict: Mapping[str, object],
    *,
    prefix: str | None = None,
    ignore: Iterable[str] = (),
    source: str = "",
) -> Weights:
    """The canonical :class:`Weights` of ``cfg`` from an M3ViT-style ``state_dict``
    (torch tensors or NumPy arrays; see the module docstring for names and layouts).

    ``prefix``: where the encoder's keys start (``"backbone."``); None finds it from
    ``patch_embed.proj.weight``.  Keys outside the prefix are not looked at.
    ``ignore``: glob patterns (``fnmatch``, on keys without the prefix) of keys that
    are in the file but not the kernel's (``"*.w_gate_aux"``, ``"head.*"``).  Raises
    :class:`WeightsError` listing every missing, unknown, mis-shaped, non-float and
    non-finite entry; then the same checks as the raw files (:func:`check_weights`).
    """
    if not isinstance(state_dict, Mapping):
        raise WeightsError(f"{source or 'state_dict'}: a mapping of names to tensors is needed")
    keys = [k for k in state_dict if isinstance(k, str)]
    if prefix is None:
        prefix = _find_prefix(keys, source)
    inside = {k[len(prefix) :]: k for k in keys if k.startswith(prefix)}
    outside = len(state_dict) - len(inside)
    patterns = list(ignore)
    ignored = sorted(k for k in inside if any(fnmatch.fnmatchcase(k, p) for p in patterns))
    unused = sorted(
        k
        for k in inside
        if k not in ignored and any(fnmatch.fnmatchcase(k, p) for p in UNUSED_AT_INFERENCE)
    )
    for k in ignored + unused:
        del inside[k]
    if cfg.tasks == 1:  # M3ViT without multi_gate: one gate, no index
        for layer in cfg.moe_layers:
            single, first = f"blocks.{layer}.mlp.gate.w_gate", f"blocks.{layer}.mlp.gate.0.w_gate"
            if single in inside and first not in inside:
                inside[first] = inside.pop(single)

    shapes = state_dict_shapes(cfg)
    missing = [k for k in shapes if k not in inside]
    unknown = sorted(k for k in inside if k not in shapes)
    arrays: dict[str, np.ndarray] = {}
    bad_shape, bad_type, bad_value = [], [], []
    for key, shape in shapes.items():
        if key not in inside:
            continue
        full = inside[key]
        arr = _as_numpy(state_dict[full])
        if arr is None or not np.issubdtype(arr.dtype, np.floating):
            what = type(state_dict[full]).__name__ if arr is None else f"dtype {arr.dtype}"
            bad_type.append(f"{full}: {what}, not a float tensor")
            continue
        if arr.shape != shape:
            hint = " (transposed?)" if arr.shape == shape[::-1] and len(shape) == 2 else ""
            bad_shape.append(f"{full}: shape {arr.shape}, needs {shape}{hint}")
            continue
        nonfinite = np.flatnonzero(~np.isfinite(arr))
        if nonfinite.size:
            first = int(nonfinite[0])
            index = tuple(int(i) for i in np.unravel_index(first, shape))
            bad_value.append(
                f"{full}: non-finite value {arr.reshape(-1)[first]} at index {index}; "
                f"{nonfinite.size} in all"
            )
            continue
        arrays[key] = arr
    problems = []
    if missing:
        listed = [prefix + k + _closest(k, unknown) for k in missing]
        problems.append(f"  missing keys ({len(missing)}):{_listing(listed)}")
    if unknown:
        listed = [prefix + k + _closest(k, missing) for k in unknown]
        problems.append(
            f"  unexpected keys ({len(unknown)}; ignore=[glob, ...] to skip keys that are "
            f"not the encoder's):{_listing(listed)}"
        )
    for title, items in (
        ("wrong shapes", bad_shape),
        ("not float tensors", bad_type),
        ("non-finite values", bad_value),
    ):
        if items:
            problems.append(f"  {title} ({len(items)}):{_listing(items)}")
    if problems:
        hints = _layer_hints(cfg, unknown, missing)
        hint_text = "".join(f"\n  hint: {h}" for h in hints)
        where = f" under prefix {prefix!r}" if prefix else ""
        raise WeightsError(
            f"{source + ': ' if source else ''}the state_dict{where} does not fit "
            f"configuration {cfg.name!r}:\n" + "\n".join(problems) + hint_text
        )

    canonical = {
        name: src.convert(*(arrays[k] for k in src.keys)).astype(np.float32)
        for name, src in state_dict_layout(cfg).items()
    }
    notes = [f"config {cfg.name}"]
    if prefix:
        notes.append(f"prefix {prefix!r}, {outside} keys outside it not read")
    if ignored:
        notes.append(f"{len(ignored)} keys ignored")
    if unused:
        notes.append(f"{len(unused)} training-only gate keys not used")
    origin = f"{source} " if source else ""
    weights = Weights(canonical, frozenset(), f"{origin}(M3ViT state_dict; {'; '.join(notes)})")
    check_weights(cfg, weights)
    return weights


# ---------------------------------------------------------------- files


def read_state_dict(path: str | os.PathLike) -> dict[str, object]:
    """The state_dict in a ``.npz`` file (NumPy) or a PyTorch file (``torch.load`` with
    ``weights_only=True``, on the CPU; a checkpoint's ``state_dict``/``model``/... entry
    is unwrapped).  A :class:`WeightsError` names the file for anything else."""
    path = Path(path)
    if not path.is_file():
        raise WeightsError(f"{path}: file not found")
    if path.suffix.lower() == ".npz":
        try:
            with np.load(path, allow_pickle=False) as npz:
                return {k: npz[k] for k in npz.files}
        except (OSError, ValueError) as exc:
            raise WeightsError(f"{path}: not a readable .npz file: {exc}") from None
    try:
        import torch
    except ImportError:
        raise WeightsError(
            f"{path}: reading a PyTorch file needs torch (the `float` extra); "
            f"or save the state_dict as .npz (numpy.savez)"
        ) from None
    try:
        loaded = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise WeightsError(
            f"{path}: torch.load(weights_only=True) cannot read it ({first}); a state_dict "
            f"of tensors is needed"
        ) from None
    if not isinstance(loaded, Mapping):
        raise WeightsError(f"{path}: holds a {type(loaded).__name__}, not a state_dict")
    if not any(hasattr(v, "detach") for v in loaded.values()):
        for wrapper in CHECKPOINT_WRAPPERS:
            if isinstance(loaded.get(wrapper), Mapping):
                return dict(loaded[wrapper])
    return dict(loaded)


def load_checkpoint(
    cfg: KernelConfig,
    path: str | os.PathLike,
    *,
    prefix: str | None = None,
    ignore: Iterable[str] = (),
) -> Weights:
    """:func:`weights_from_state_dict` of the state_dict in file ``path``."""
    return weights_from_state_dict(
        cfg, read_state_dict(path), prefix=prefix, ignore=ignore, source=os.fspath(path)
    )


def load_model_weights(
    cfg: KernelConfig,
    path: str | os.PathLike,
    *,
    prefix: str | None = None,
    ignore: Iterable[str] = (),
) -> Weights:
    """Weights from an Edge-MoE weights directory (:func:`golden.weights.load_weights`)
    or from a state_dict file (:func:`load_checkpoint`)."""
    if Path(path).is_dir():
        if prefix is not None or list(ignore):
            raise WeightsError(f"{path}: prefix and ignore apply to state_dict files only")
        return load_weights(cfg, path)
    return load_checkpoint(cfg, path, prefix=prefix, ignore=ignore)
