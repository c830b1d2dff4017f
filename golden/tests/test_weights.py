"""Weights: canonical shapes, the Edge-MoE directory loader and its errors, synthesis."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pytest

from golden.config import CONFIG_NAMES, load_config
from golden.quantize_weights import quantize_weights
from golden.weights import (
    Weights,
    WeightsError,
    check_weights,
    default_weights_dir,
    expected_shapes,
    load_array,
    load_image,
    load_weights,
    synthetic_image,
    synthetic_weights,
)

CONFIGS = [load_config(name) for name in CONFIG_NAMES]
TINY = load_config("tiny")
EXPERT_MATRICES = ("htoh4_weight", "h4toh_weight")


def write_dir(directory: Path, arrays: dict[str, np.ndarray]) -> Path:
    """The Edge-MoE layout, written with NumPy directly (not by the code under test)."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, arr in arrays.items():
        np.asarray(arr, dtype="<f4").tofile(directory / f"{name}.float32.bin")
    return directory


@pytest.fixture
def tiny_dir(tmp_path: Path) -> Path:
    return write_dir(tmp_path / "w", dict(synthetic_weights(TINY, seed=3)))


# ---------------------------------------------------------------- canonical shapes


def test_m3vit_shapes_match_the_readme_table():
    """Written out from ../shared/m3vit-weights/README.md, independently of the code."""
    shapes = expected_shapes(load_config("m3vit"))
    readme = {
        "patch_embed_weight": (192, 3, 16, 16),
        "patch_embed_bias": (192,),
        "pos_embed": (129, 192),
        "l0_norm1_weight": (192,),
        "l0_norm2_bias": (192,),
        "l0_qkv_weight": (576, 192),
        "l0_qkv_bias": (576,),
        "l0_attn_proj_weight": (192, 192),
        "l0_attn_proj_bias": (192,),
        "l10_fc1_weight": (768, 192),
        "l10_fc1_bias": (768,),
        "l10_fc2_weight": (192, 768),
        "l10_fc2_bias": (192,),
        "l11_w_gate_T_task0": (16, 192),
        "l11_w_gate_T_task1": (16, 192),
        "l1_htoh4_weight": (16, 384, 192),
        "l1_htoh4_bias": (16, 384),
        "l1_h4toh_weight": (16, 192, 384),
        "l1_h4toh_bias": (16, 192),
    }
    for name, shape in readme.items():
        assert shapes[name] == shape, name
    # 3 globals, 8 per layer, 4 per dense layer (6), 2 gates + 4 expert tensors per MoE layer (6).
    assert len(shapes) == 3 + 12 * 8 + 6 * 4 + 6 * 6
    assert "l1_fc1_weight" not in shapes and "l0_w_gate_T_task0" not in shapes


@pytest.mark.parametrize("cfg", CONFIGS, ids=CONFIG_NAMES)
def test_expected_shapes_follow_the_layer_kinds(cfg):
    shapes = expected_shapes(cfg)
    for layer in range(cfg.layers):
        moe = cfg.is_moe(layer)
        assert (f"l{layer}_htoh4_weight" in shapes) is moe
        assert (f"l{layer}_fc1_weight" in shapes) is not moe
        gates = [n for n in shapes if n.startswith(f"l{layer}_w_gate_T_task")]
        assert len(gates) == (cfg.tasks if moe else 0)


# ---------------------------------------------------------------- synthetic weights


@pytest.mark.parametrize("cfg", CONFIGS, ids=CONFIG_NAMES)
def test_synthetic_weights_have_the_shapes_and_are_deterministic(cfg):
    a, b = synthetic_weights(cfg, seed=0), synthetic_weights(cfg, seed=0)
    other = synthetic_weights(cfg, seed=1)
    shapes = expected_shapes(cfg)
    assert list(a) == list(shapes)
    assert a.synthesised == frozenset(shapes)
    check_weights(cfg, a)
    for name, shape in shapes.items():
        assert a[name].shape == shape and a[name].dtype == np.float32, name
        assert np.array_equal(a[name], b[name]), name
        assert not np.array_equal(a[name], other[name]), name


def test_synthetic_tensors_do_not_depend_on_the_rest_of_the_configuration():
    small = synthetic_weights(load_config("tiny"), seed=5)
    bigger = synthetic_weights(load_config("tiny", layers=3), seed=5)
    for name in small:
        assert np.array_equal(small[name], bigger[name]), name


def test_synthetic_magnitudes_are_trained_like():
    """Spreads of the trained M3ViT tensors; trunc-normal at +-2 std keeps 0.88 of the std."""
    w = synthetic_weights(load_config("m3vit"), seed=0)

    def spread(a, std, centre=0.0):
        return 0.85 * std < a.std() < 0.91 * std and np.abs(a - centre).max() <= 2 * std + 1e-6

    assert spread(w["l0_qkv_weight"], 0.05)
    norm = w["l3_norm1_weight"]
    assert abs(norm.mean() - 1.4) < 0.05 and spread(norm, 0.35, centre=1.4)
    assert np.abs(w["l3_qkv_bias"]).max() <= 1.0 + 1e-6
    assert spread(w["pos_embed"], 0.7)
    gate = w["l1_w_gate_T_task0"]
    assert spread(gate, 0.055)
    # Gate logits of distinct random tokens are not tied (so top-k is meaningful).
    x = np.random.default_rng(0).standard_normal((129, 192)).astype(np.float32)
    logits = x @ gate.T
    assert all(len(set(row.tolist())) == gate.shape[0] for row in logits)


@pytest.mark.parametrize("cfg", CONFIGS, ids=CONFIG_NAMES)
def test_synthetic_image(cfg):
    img = synthetic_image(cfg, seed=2)
    assert img.shape == (cfg.channels, *cfg.image_hw) and img.dtype == np.float32
    assert img.min() >= 0 and img.max() < 1
    assert np.array_equal(img * 256, np.round(img * 256))  # 8-bit pixels
    assert np.array_equal(img, synthetic_image(cfg, seed=2))
    assert not np.array_equal(img, synthetic_image(cfg, seed=3))


def test_bad_seeds_are_rejected():
    with pytest.raises(ValueError, match="seed"):
        synthetic_weights(TINY, seed=-1)
    with pytest.raises(ValueError, match="seed"):
        synthetic_image(TINY, seed=1.5)


# ---------------------------------------------------------------- the loader


def test_a_complete_directory_loads_exactly(tiny_dir):
    w = load_weights(TINY, tiny_dir)
    original = synthetic_weights(TINY, seed=3)
    assert w.synthesised == frozenset()
    assert str(tiny_dir) in w.source
    assert list(w) == list(expected_shapes(TINY))
    for name in original:
        assert np.array_equal(w[name], original[name]), name
    assert not w["l0_qkv_weight"].flags.writeable


def test_missing_expert_matrices_are_synthesised_from_the_neighbour_dense_ffn(tiny_dir):
    for suffix in EXPERT_MATRICES:
        (tiny_dir / f"l1_{suffix}.float32.bin").unlink()
    w = load_weights(TINY, tiny_dir)
    assert w.synthesised == {"l1_htoh4_weight", "l1_h4toh_weight"}
    fc1, fc2 = w["l0_fc1_weight"], w["l0_fc2_weight"]
    htoh4, h4toh = w["l1_htoh4_weight"], w["l1_h4toh_weight"]
    assert htoh4.shape == (TINY.experts, TINY.expert_hidden, TINY.dim)
    picks = []
    for e in range(TINY.experts):
        # Each expert row is a distinct fc1 row; the output matrix uses the same units of fc2.
        units = [int(np.flatnonzero((fc1 == row).all(axis=1))[0]) for row in htoh4[e]]
        assert len(set(units)) == TINY.expert_hidden
        assert np.array_equal(h4toh[e], fc2[:, units])
        picks.append(units)
    assert len({tuple(p) for p in picks}) == TINY.experts  # experts differ
    again = load_weights(TINY, tiny_dir)
    assert np.array_equal(again["l1_htoh4_weight"], htoh4)
    assert np.array_equal(again["l1_h4toh_weight"], h4toh)


def test_synthesis_needs_a_dense_layer(tmp_path):
    cfg = load_config("tiny", moe_layers=(0, 1))
    arrays = dict(synthetic_weights(cfg))
    for layer in (0, 1):
        for suffix in EXPERT_MATRICES:
            del arrays[f"l{layer}_{suffix}"]
    directory = write_dir(tmp_path / "all_moe", arrays)
    with pytest.raises(WeightsError, match="no dense layer"):
        load_weights(cfg, directory)


def test_missing_directory(tmp_path):
    with pytest.raises(WeightsError, match=r"nowhere: weights directory not found"):
        load_weights(TINY, tmp_path / "nowhere")


@pytest.mark.parametrize(
    "name", ["l0_qkv_weight", "pos_embed", "l1_htoh4_bias", "l1_w_gate_T_task1"]
)
def test_any_other_missing_file_is_an_error(tiny_dir, name):
    (tiny_dir / f"{name}.float32.bin").unlink()
    with pytest.raises(WeightsError, match=re.escape(f"{name}.float32.bin: file not found")):
        load_weights(TINY, tiny_dir)


@pytest.mark.parametrize(
    ("nbytes", "kind"), [(-4, "short"), (-1, "short"), (4, "oversized"), (2, "oversized")]
)
def test_wrong_file_size(tiny_dir, nbytes, kind):
    path = tiny_dir / "l0_fc2_weight.float32.bin"
    data = path.read_bytes()
    path.write_bytes(data[:nbytes] if nbytes < 0 else data + b"\0" * nbytes)
    with pytest.raises(WeightsError, match=rf"l0_fc2_weight\.float32\.bin: {kind} file"):
        load_weights(TINY, tiny_dir)


def test_a_directory_of_another_configuration_is_rejected(tiny_dir):
    with pytest.raises(WeightsError, match="short file"):
        load_weights(load_config("small"), tiny_dir)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_values_name_the_first_bad_index(tiny_dir, bad):
    name = "l1_h4toh_bias"
    arr = synthetic_weights(TINY, seed=3)[name].copy()
    arr[2, 5] = bad
    arr[3, 0] = np.nan
    arr.astype("<f4").tofile(tiny_dir / f"{name}.float32.bin")
    with pytest.raises(WeightsError, match=rf"{name}\.float32\.bin: non-finite value .* \(2, 5\)"):
        load_weights(TINY, tiny_dir)


def test_load_array_reads_little_endian(tmp_path):
    path = tmp_path / "x.float32.bin"
    path.write_bytes(bytes.fromhex("0000803f000000c0"))  # 1.0, -2.0 as little-endian float32
    assert load_array(path, (2,)).tolist() == [1.0, -2.0]


def test_load_image(tmp_path):
    img = synthetic_image(TINY, seed=4)
    path = tmp_path / "image.float32.bin"
    img.astype("<f4").tofile(path)
    assert np.array_equal(load_image(path, TINY), img)
    for value, index in [(1.0, (1, 3, 7)), (-0.25, (0, 0, 1)), (np.nan, (2, 31, 63))]:
        bad = img.copy()
        bad[index] = value
        bad.astype("<f4").tofile(path)
        with pytest.raises(WeightsError, match=re.escape(str(index))):
            load_image(path, TINY)
    with pytest.raises(WeightsError, match="file not found"):
        load_image(tmp_path / "none.float32.bin", TINY)
    img[:, :-1].astype("<f4").tofile(path)
    with pytest.raises(WeightsError, match="short file"):
        load_image(path, TINY)


def test_check_weights_and_replace():
    w = synthetic_weights(TINY)
    with pytest.raises(WeightsError, match="lack 'l0_fc1_bias'"):
        check_weights(TINY, {k: v for k, v in w.items() if k != "l0_fc1_bias"})
    with pytest.raises(WeightsError, match=r"l0_fc1_bias.*shape"):
        check_weights(TINY, {**w, "l0_fc1_bias": np.zeros(3)})
    with pytest.raises(WeightsError, match=r"l0_fc1_bias.*non-finite"):
        check_weights(TINY, {**w, "l0_fc1_bias": np.full(TINY.mlp_hidden, np.inf)})
    with pytest.raises(WeightsError, match="no such tensor"):
        w.replaced({"l9_fc1_bias": np.zeros(3)})
    with pytest.raises(WeightsError, match="shape"):
        w.replaced({"l0_fc1_bias": np.zeros(3)})
    with pytest.raises(WeightsError, match="synthesised names"):
        Weights({"a": np.zeros(1)}, frozenset({"b"}))
    with pytest.raises(KeyError, match="no weight named 'zz'"):
        w["zz"]


def test_default_weights_dir_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("EDGEMOE_WEIGHTS", str(tmp_path))
    assert default_weights_dir() == tmp_path
    monkeypatch.setenv("EDGEMOE_WEIGHTS", str(tmp_path / "absent"))
    with pytest.raises(WeightsError, match=r"\$EDGEMOE_WEIGHTS=.*absent is not a directory"):
        default_weights_dir()


# ---------------------------------------------------------------- the real data

REAL = default_weights_dir()
needs_real = pytest.mark.skipif(
    REAL is None,
    reason="real M3ViT weights absent: set EDGEMOE_WEIGHTS (now "
    f"{os.environ.get('EDGEMOE_WEIGHTS')!r}) or provide <repo>/../shared/m3vit-weights",
)


@needs_real
def test_real_weights_load_with_only_the_expert_matrices_synthesised():
    cfg = load_config("m3vit")
    w = load_weights(cfg, REAL)
    moe = [layer for layer in range(cfg.layers) if cfg.is_moe(layer)]
    assert w.synthesised == {f"l{layer}_{s}" for layer in moe for s in EXPERT_MATRICES}
    check_weights(cfg, w)
    # Synthesised experts carry the dense layers' trained magnitudes.
    assert 0.03 < w["l1_htoh4_weight"].std() < 0.08
    img = load_image(REAL / "image.float32.bin", cfg)
    assert img.shape == (3, 128, 256) and 0 <= img.min() and img.max() < 1
    post = load_array(REAL / "l11_x_post_moe.float32.bin", (cfg.tokens, cfg.dim))
    assert np.isfinite(post).all()


def test_a_far_outlier_is_refused_before_quantisation():
    cfg = load_config("tiny")
    w = synthetic_weights(cfg, 0)
    bad = np.array(w["l0_fc1_weight"])
    bad.flat[17] = 1e30
    with pytest.raises(
        WeightsError, match=r"'l0_fc1_weight': 1 value\(s\) beyond 4x .* 1e\+30 at flat index 17"
    ):
        quantize_weights(cfg, w.replaced({"l0_fc1_weight": bad}))
