"""The golden forward pass: taps, determinism, errors, and accuracy against the float model."""

from __future__ import annotations

import numpy as np
import pytest

from golden import reference
from golden.config import load_config
from golden.fixed import to_float
from golden.model import (
    DENSE_STAGES,
    MOE_STAGES,
    ModelError,
    forward,
    layer_forward,
)
from golden.quantize_weights import quantize_image, quantize_weights
from golden.weights import (
    default_weights_dir,
    load_image,
    load_weights,
    synthetic_image,
    synthetic_weights,
)


@pytest.fixture(scope="module", params=["tiny", "small"])
def setup(request):
    cfg = load_config(request.param)
    fl = synthetic_weights(cfg, 30)
    qw = quantize_weights(cfg, fl)
    img = quantize_image(synthetic_image(cfg, 30), cfg)
    return cfg, fl, qw, img, forward(cfg, qw, img, 0)


def test_forward_has_every_tap_with_its_shape(setup):
    cfg, _, _, _, res = setup
    t, d = cfg.tokens, cfg.dim
    expected = [(-1, "patch_embed")]
    for layer in range(cfg.layers):
        stages = MOE_STAGES if cfg.is_moe(layer) else DENSE_STAGES
        expected += [(layer, s) for s in stages]
    assert list(res.taps) == expected
    f = cfg.formats.feature
    for (layer, stage), tap in res.taps.items():
        cols = {"fc1_gelu": cfg.mlp_hidden, "gate_logits": cfg.experts}.get(stage, d)
        assert tap.shape == (t, cols), (layer, stage)
        assert tap.dtype == np.int64
        assert tap.min() >= f.min_raw and tap.max() <= f.max_raw
    np.testing.assert_array_equal(res.output, res.taps[(cfg.layers - 1, "residual2")])
    assert sorted(res.experts) == list(cfg.moe_layers)
    for layer, (indices, scores, queues) in res.experts.items():
        assert indices.shape == scores.shape == (t, cfg.top_k)
        assert queues.lengths.sum() == t * cfg.top_k
        # The routing comes from this layer's gate logits by the tie rule.
        logits = res.taps[(layer, "gate_logits")]
        top = np.take_along_axis(logits, indices, axis=1)
        assert np.all(np.diff(top, axis=1) <= 0)


def test_forward_is_deterministic(setup):
    cfg, _, qw, img, res = setup
    again = forward(cfg, qw, img, 0)
    for key, tap in res.taps.items():
        np.testing.assert_array_equal(again.taps[key], tap, err_msg=str(key))


def test_layer_forward_reproduces_the_taps(setup):
    cfg, _, qw, _, res = setup
    x = res.taps[(-1, "patch_embed")]
    for layer in range(cfg.layers):
        out = layer_forward(cfg, qw, layer, x, 0)
        for stage, tap in out.taps.items():
            np.testing.assert_array_equal(tap, res.taps[(layer, stage)], err_msg=stage)
        x = out.output


def test_tasks_use_their_own_gate(setup):
    cfg, _, qw, img, res = setup
    other = forward(cfg, qw, img, 1)
    layer = cfg.moe_layers[0]
    np.testing.assert_array_equal(other.taps[(layer, "ln2")], res.taps[(layer, "ln2")])
    assert not np.array_equal(other.taps[(layer, "gate_logits")], res.taps[(layer, "gate_logits")])


def sqnr_db(ref, got):
    noise = np.sum((ref - got) ** 2)
    return np.inf if noise == 0 else 10 * np.log10(np.sum(ref**2) / noise)


def test_every_layer_against_the_float_model_on_the_same_input(setup):
    """DESIGN.md's gate: per-layer output SQNR >= 60 dB vs float64, each layer fed
    the golden model's own input and the quantised weights (dequantised)."""
    cfg, _, qw, _, res = setup
    deq = {name: to_float(qw[name], qw.formats[name]) for name in qw}
    f = cfg.formats.feature
    for layer in range(cfg.layers):
        x = to_float(res.taps[(layer - 1, "residual2" if layer else "patch_embed")], f)
        ref = reference.layer_forward(cfg, deq, layer, x, 0)
        got = to_float(res.taps[(layer, "residual2")], f)
        assert sqnr_db(ref.output, got) >= 60, layer
        if cfg.is_moe(layer):
            agree = np.mean(ref.experts == res.experts[layer].indices)
            assert agree >= 0.9, (layer, agree)


def test_bad_arguments_raise_clear_errors(setup):
    cfg, _, qw, img, res = setup
    with pytest.raises(ModelError, match="task 2 outside"):
        forward(cfg, qw, img, 2)
    with pytest.raises(ModelError, match="task"):
        forward(cfg, qw, img, -1)
    with pytest.raises(ModelError, match="task must be an integer"):
        forward(cfg, qw, img, True)
    with pytest.raises(ModelError, match="image shape"):
        forward(cfg, qw, img[:, :, :16], 0)
    with pytest.raises(ModelError, match="layer 9"):
        layer_forward(cfg, qw, 9, res.output, 0)
    with pytest.raises(ModelError, match="layer input shape"):
        layer_forward(cfg, qw, 0, res.output[:3], 0)
    missing = {k: v for k, v in qw.items() if k != "l0_qkv_weight"}
    with pytest.raises(ModelError, match="l0_qkv_weight"):
        forward(cfg, missing, img, 0)
    with pytest.raises(ModelError, match="outside"):
        forward(cfg, qw, img + 1000, 0)


@pytest.mark.long
def test_m3vit_every_layer_against_the_float_model():
    """The same per-layer gate on the m3vit sizes: the real weights and image when the
    shared directory is present (expert matrices synthesised), synthetic ones otherwise."""
    cfg = load_config("m3vit")
    directory = default_weights_dir()
    if directory is not None:
        fl = load_weights(cfg, directory)
        image = load_image(directory / "image.float32.bin", cfg)
    else:
        fl, image = synthetic_weights(cfg, 31), synthetic_image(cfg, 31)
    qw = quantize_weights(cfg, fl)
    res = forward(cfg, qw, quantize_image(image, cfg), 0)
    deq = {name: to_float(qw[name], qw.formats[name]) for name in qw}
    f = cfg.formats.feature
    for layer in range(cfg.layers):
        x = to_float(res.taps[(layer - 1, "residual2" if layer else "patch_embed")], f)
        ref = reference.layer_forward(cfg, deq, layer, x, 0)
        db = sqnr_db(ref.output, to_float(res.taps[(layer, "residual2")], f))
        print(f"layer {layer}: output SQNR {db:.1f} dB")
        assert db >= 60, layer
