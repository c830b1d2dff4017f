"""The PyTorch float reference against an independent NumPy model and torch's conv2d."""

from __future__ import annotations

import math
import os

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from golden.config import CONFIG_NAMES, load_config
from golden.reference import (
    DENSE_STAGES,
    MOE_STAGES,
    layer_forward,
    patch_embed,
    reference_forward,
    stage_names,
    top_k_experts,
)
from golden.weights import (
    WeightsError,
    default_weights_dir,
    load_image,
    load_weights,
    synthetic_image,
    synthetic_weights,
)

TINY = load_config("tiny")
SMALL = load_config("small")

# ---------------------------------------------------------------- independent NumPy model
# Plain float64 NumPy, loops where the torch code vectorises, written from the
# model description (DESIGN.md and the weights README), not from golden/reference.py.

_erfc = np.vectorize(math.erfc, otypes=[np.float64])


def np_gelu(x):
    return x * 0.5 * _erfc(-x / math.sqrt(2.0))


def np_layernorm(x, w, b, eps):
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w + b


def np_softmax(a):
    e = np.exp(a - a.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def np_layer(cfg, weights, layer, x, task):
    w = {k: np.asarray(v, dtype=np.float64) for k, v in weights.items()}
    p, hd = f"l{layer}_", cfg.head_dim
    taps = {}
    taps["ln1"] = ln1 = np_layernorm(x, w[p + "norm1_weight"], w[p + "norm1_bias"], cfg.ln_eps)
    wq, wk, wv = np.split(w[p + "qkv_weight"], 3)
    bq, bk, bv = np.split(w[p + "qkv_bias"], 3)
    taps["q"], taps["k"], taps["v"] = q, k, v = ln1 @ wq.T + bq, ln1 @ wk.T + bk, ln1 @ wv.T + bv
    attn = np.empty_like(x)
    scale = 1.0 / math.sqrt(hd)  # head_dim**-0.5, a power of two in every configuration
    for h in range(cfg.heads):
        cols = slice(h * hd, (h + 1) * hd)
        a = np_softmax(q[:, cols] @ k[:, cols].T * scale)
        attn[:, cols] = a @ v[:, cols]
    taps["attn"] = attn
    taps["proj"] = proj = attn @ w[p + "attn_proj_weight"].T + w[p + "attn_proj_bias"]
    taps["residual1"] = r1 = x + proj
    taps["ln2"] = ln2 = np_layernorm(r1, w[p + "norm2_weight"], w[p + "norm2_bias"], cfg.ln_eps)
    experts = scores = None
    if cfg.is_moe(layer):
        gate = w[p + f"w_gate_T_task{task}"]
        logits = ln2 @ gate.T
        out = np.zeros_like(x)
        experts = np.zeros((x.shape[0], cfg.top_k), dtype=np.int64)
        scores = np.zeros((x.shape[0], cfg.top_k))
        for t in range(x.shape[0]):
            chosen = sorted(range(cfg.experts), key=lambda e, t=t: (-logits[t, e], e))[: cfg.top_k]
            s = np_softmax(logits[t, chosen])
            experts[t], scores[t] = chosen, s
            for e, weight in zip(chosen, s, strict=True):
                hidden = np_gelu(w[p + "htoh4_weight"][e] @ ln2[t] + w[p + "htoh4_bias"][e])
                out[t] += weight * (w[p + "h4toh_weight"][e] @ hidden + w[p + "h4toh_bias"][e])
        taps["gate_logits"], taps["moe_out"] = logits, out
    else:
        taps["fc1_gelu"] = h = np_gelu(ln2 @ w[p + "fc1_weight"].T + w[p + "fc1_bias"])
        taps["fc2"] = out = h @ w[p + "fc2_weight"].T + w[p + "fc2_bias"]
    taps["residual2"] = r1 + out
    return taps, experts, scores


def layer_input(cfg, seed):
    """Token features of realistic size (a few units, like the real residual stream)."""
    return np.random.default_rng(seed).normal(0.0, 2.0, (cfg.tokens, cfg.dim))


# ---------------------------------------------------------------- torch vs NumPy


@pytest.mark.parametrize("cfg", [TINY, SMALL], ids=["tiny", "small"])
@pytest.mark.parametrize("layer", [0, 1])
def test_layer_matches_the_numpy_model(cfg, layer):
    weights = synthetic_weights(cfg, seed=11)
    x = layer_input(cfg, seed=layer)
    task = cfg.tasks - 1
    got = layer_forward(cfg, weights, layer, x, task)
    want, experts, scores = np_layer(cfg, weights, layer, x, task)
    assert tuple(got.taps) == stage_names(cfg, layer)
    assert set(want) == set(got.taps)
    for name, value in want.items():
        np.testing.assert_allclose(got.taps[name], value, rtol=1e-11, atol=1e-12, err_msg=name)
    np.testing.assert_array_equal(got.output, got.taps["residual2"])
    if cfg.is_moe(layer):
        np.testing.assert_array_equal(got.experts, experts)
        np.testing.assert_allclose(got.scores, scores, rtol=1e-12)
    else:
        assert got.experts is None and got.scores is None


@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_moe_layer_for_every_k(k):
    cfg = load_config("tiny", top_k=k)
    weights = synthetic_weights(cfg, seed=4)
    x = layer_input(cfg, seed=9)
    got = layer_forward(cfg, weights, 1, x, task=0)
    want, experts, scores = np_layer(cfg, weights, 1, x, 0)
    np.testing.assert_array_equal(got.experts, experts)
    np.testing.assert_allclose(got.scores, scores, rtol=1e-12)
    np.testing.assert_allclose(got.taps["moe_out"], want["moe_out"], rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(got.scores.sum(axis=1), 1.0, rtol=0, atol=1e-14)
    assert (np.diff(got.scores, axis=1) <= 0).all()  # best expert first
    for row in got.experts:
        assert len(set(row.tolist())) == k  # k distinct experts
    if k == 1:
        assert (got.scores == 1.0).all()


def test_patch_embedding_equals_torch_conv2d():
    for cfg in (TINY, load_config("m3vit")):
        weights = synthetic_weights(cfg, seed=1)
        image = synthetic_image(cfg, seed=1)
        as64 = {n: torch.tensor(weights[n], dtype=torch.float64) for n in weights}
        conv = F.conv2d(
            torch.tensor(image, dtype=torch.float64)[None],
            as64["patch_embed_weight"],
            as64["patch_embed_bias"],
            stride=cfg.patch,
        )  # (1, D, rows, cols): patch (r, c) is token 1 + r * cols + c
        emb = conv[0].flatten(1).T.numpy()
        want = np.concatenate([np.zeros((1, cfg.dim)), emb]) + as64["pos_embed"].numpy()
        got = patch_embed(cfg, weights, image)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
        np.testing.assert_array_equal(got[0], weights["pos_embed"][0].astype(np.float64))


def test_whole_forward_chains_the_layers():
    weights = synthetic_weights(SMALL, seed=2)
    image = synthetic_image(SMALL, seed=2)
    result = reference_forward(SMALL, weights, image, task=1)
    keys = [(-1, "patch_embed")] + [
        (layer, name) for layer in range(SMALL.layers) for name in stage_names(SMALL, layer)
    ]
    assert list(result.taps) == keys
    assert sorted(result.experts) == sorted(SMALL.moe_layers) == sorted(result.scores)
    x = patch_embed(SMALL, weights, image)
    np.testing.assert_array_equal(result.taps[(-1, "patch_embed")], x)
    for layer in range(SMALL.layers):
        step = layer_forward(SMALL, weights, layer, x, task=1)
        for name, value in step.taps.items():
            np.testing.assert_array_equal(result.taps[(layer, name)], value)
        x = step.output
    np.testing.assert_array_equal(result.output, x)
    assert result.output.shape == (SMALL.tokens, SMALL.dim) and result.output.dtype == np.float64


def test_tasks_use_their_own_gate():
    weights = synthetic_weights(TINY, seed=0)
    image = synthetic_image(TINY, seed=0)
    a = reference_forward(TINY, weights, image, task=0)
    b = reference_forward(TINY, weights, image, task=1)
    np.testing.assert_array_equal(a.taps[(1, "ln2")], b.taps[(1, "ln2")])
    assert not np.array_equal(a.taps[(1, "gate_logits")], b.taps[(1, "gate_logits")])


# ---------------------------------------------------------------- top-k ties


def test_top_k_ties_take_the_lower_expert_index_first():
    logits = torch.tensor(
        [
            [1.0, 3.0, 3.0, 0.0, 3.0],
            [0.0, 0.0, 0.0, 0.0, 0.0],
            [-0.0, 0.0, 5.0, -0.0, 0.0],
            [2.0, 1.0, 2.0, 1.0, 2.0],
        ],
        dtype=torch.float64,
    )
    idx, scores = top_k_experts(logits, 3)
    assert idx.tolist() == [[1, 2, 4], [0, 1, 2], [2, 0, 1], [0, 2, 4]]
    np.testing.assert_allclose(scores.numpy()[[0, 1, 3]], 1 / 3, rtol=0, atol=1e-15)  # tied rows
    assert scores[2, 1] == scores[2, 2] < scores[2, 0]
    assert top_k_experts(logits, 1)[0].tolist() == [[1], [0], [2], [0]]
    assert top_k_experts(logits, 5)[0][1].tolist() == [0, 1, 2, 3, 4]
    wide = torch.zeros(3, 40, dtype=torch.float64)  # long rows, where sort order varies
    wide[1, 39] = wide[2, 17] = 1.0
    assert top_k_experts(wide, 3)[0].tolist() == [[0, 1, 2], [39, 0, 1], [17, 0, 1]]
    with pytest.raises(ValueError, match="k="):
        top_k_experts(logits, 6)
    with pytest.raises(ValueError, match="k="):
        top_k_experts(logits, 0)


def test_gate_ties_inside_a_moe_layer():
    """Gate rows all zero except expert 2: tokens with a positive logit on it pick
    [2, 0], the others tie at zero everywhere else and pick [0, 1]."""
    weights = synthetic_weights(TINY, seed=6)
    gate = np.zeros((TINY.experts, TINY.dim), dtype=np.float32)
    gate[2] = weights["l1_w_gate_T_task0"][2]
    tied = weights.replaced({"l1_w_gate_T_task0": gate}, note="tie test")
    assert "l1_w_gate_T_task0" in tied.synthesised
    got = layer_forward(TINY, tied, 1, layer_input(TINY, seed=3), task=0)
    logit2 = got.taps["ln2"].astype(np.float64) @ gate[2].astype(np.float64)
    assert (logit2 > 0).any() and (logit2 < 0).any()  # both cases occur
    for t, value in enumerate(logit2):
        assert got.experts[t].tolist() == ([2, 0] if value > 0 else [0, 1]), t
        if value < 0:
            assert got.scores[t].tolist() == [0.5, 0.5]
    np.testing.assert_allclose(got.scores.sum(axis=1), 1.0, rtol=0, atol=1e-15)


# ---------------------------------------------------------------- precision and errors


def test_float32_and_float64_agree_on_synthetic_weights():
    weights = synthetic_weights(SMALL, seed=8)
    image = synthetic_image(SMALL, seed=8)
    r64 = reference_forward(SMALL, weights, image, task=0, dtype=torch.float64)
    r32 = reference_forward(SMALL, weights, image, task=0, dtype=torch.float32)
    assert r32.output.dtype == np.float32
    np.testing.assert_allclose(r32.output, r64.output, rtol=0, atol=1e-5)
    again = reference_forward(SMALL, weights, image, task=0, dtype=torch.float32)
    np.testing.assert_array_equal(again.output, r32.output)  # deterministic


def test_bad_arguments_are_rejected():
    weights = synthetic_weights(TINY)
    image = synthetic_image(TINY)
    x = layer_input(TINY, 0)
    with pytest.raises(ValueError, match=r"image: shape \(3, 32, 32\)"):
        reference_forward(TINY, weights, image[:, :, :32], task=0)
    bad = image.copy()
    bad[1, 2, 3] = np.nan
    with pytest.raises(ValueError, match=r"image: non-finite value at index \(1, 2, 3\)"):
        reference_forward(TINY, weights, bad, task=0)
    with pytest.raises(ValueError, match=r"task must be an integer in 0\.\.1, got 2"):
        reference_forward(TINY, weights, image, task=2)
    with pytest.raises(ValueError, match="dtype"):
        reference_forward(TINY, weights, image, task=0, dtype=torch.float16)
    with pytest.raises(ValueError, match=r"layer must be an integer in 0\.\.1, got 2"):
        layer_forward(TINY, weights, 2, x, task=0)
    with pytest.raises(ValueError, match=r"layer 0 input: shape"):
        layer_forward(TINY, weights, 0, x[:-1], task=0)
    with pytest.raises(WeightsError, match="lack 'l1_htoh4_weight'"):
        layer_forward(TINY, {k: v for k, v in weights.items() if k != "l1_htoh4_weight"}, 0, x, 0)
    with pytest.raises(WeightsError, match="needs"):
        reference_forward(TINY, synthetic_weights(SMALL), image, task=0)
    assert stage_names(TINY, -1) == ("patch_embed",)
    assert stage_names(TINY, 0) == DENSE_STAGES and stage_names(TINY, 1) == MOE_STAGES


@pytest.mark.parametrize("name", CONFIG_NAMES)
def test_stage_names_cover_every_layer(name):
    cfg = load_config(name)
    for layer in range(cfg.layers):
        stages = stage_names(cfg, layer)
        assert stages[-1] == "residual2" and ("gate_logits" in stages) is cfg.is_moe(layer)


# ---------------------------------------------------------------- the real data

REAL = default_weights_dir()


@pytest.mark.skipif(
    REAL is None,
    reason="real M3ViT weights absent: set EDGEMOE_WEIGHTS (now "
    f"{os.environ.get('EDGEMOE_WEIGHTS')!r}) or provide <repo>/../shared/m3vit-weights",
)
@pytest.mark.parametrize("task", [0, 1])
def test_real_weights_float32_tracks_float64(task):
    """The float32 model stays close to float64 through all 12 layers on the real
    image and picks the same experts (l11_x_post_moe cannot be matched: the
    expert matrices are synthesised)."""
    cfg = load_config("m3vit")
    weights = load_weights(cfg, REAL)
    image = load_image(REAL / "image.float32.bin", cfg)
    r64 = reference_forward(cfg, weights, image, task, dtype=torch.float64)
    r32 = reference_forward(cfg, weights, image, task, dtype=torch.float32)
    for layer in range(cfg.layers):
        a, b = r64.taps[(layer, "residual2")], r32.taps[(layer, "residual2")]
        diff = b.astype(np.float64) - a
        print(
            f"task {task} layer {layer:2d}: max|x| {np.abs(a).max():7.3f}  "
            f"max abs dev {np.abs(diff).max():.3e}  MSE {np.mean(diff**2):.3e}"
        )
        assert np.abs(diff).max() <= 5e-5 * max(1.0, np.abs(a).max()), layer
    for layer, chosen in r64.experts.items():
        same = (chosen == r32.experts[layer]).all(axis=1).mean()
        print(f"task {task} layer {layer:2d}: expert choices equal for {same:.1%} of tokens")
        assert same >= 0.95, layer
        assert len(np.unique(chosen)) > 2  # real gates spread tokens over experts
