"""Metamorphic properties: the hardware's schedules change no bit of any stage output.

* attention: the query parallelism P (1..8, with every tail T mod P) gives the
  same bits, for the stage alone and for the whole model;
* linear: the tile-by-tile schedule (``linear_tiled``) equals the fast exact
  matmul for tile shapes that do and do not divide the dimensions;
* MoE: the experts' run order and the token order inside the queues do not
  change the scatter-add.
"""

from __future__ import annotations

import numpy as np
import pytest

from golden.config import load_config
from golden.fixed import from_float
from golden.model import forward
from golden.quantize_weights import quantize_image, quantize_weights
from golden.stages.attention import attention
from golden.stages.linear import linear, linear_tiled
from golden.stages.moe import ExpertQueues, build_queues, moe_score_format, scatter_combine
from golden.weights import synthetic_image, synthetic_weights

P_VALUES = range(1, 9)


def feature(rng, shape, cfg, scale):
    return from_float(rng.normal(0.0, scale, shape), cfg.formats.feature)


@pytest.mark.parametrize("name", ["tiny", "small", "m3vit"])
def test_attention_is_bit_identical_for_every_p(name):
    cfg = load_config(name)
    rng = np.random.default_rng(20)
    q, k, v = (feature(rng, (cfg.tokens, cfg.dim), cfg, 2.0) for _ in range(3))
    # One group holding every query is the unreordered computation.
    baseline = attention(q, k, v, cfg, parallel=cfg.tokens, sequential=True)
    # Groups run one after another (the hardware's order) for a few P on m3vit
    # (P = 1 there is 129 sequential groups), for every P on the per-commit configs.
    sequential_ps = P_VALUES if name != "m3vit" else (3, cfg.attn_parallel)
    for p in P_VALUES:
        got = attention(q, k, v, cfg, parallel=p)
        assert np.array_equal(got, baseline), f"P={p} (T mod P = {cfg.tokens % p}) differs"
        if p in sequential_ps:
            seq = attention(q, k, v, cfg, parallel=p, sequential=True)
            assert np.array_equal(seq, baseline), f"P={p}, groups in sequence, differs"


def test_attention_monotone_rows_are_bit_identical_for_every_p():
    """Scores increasing along the key stream: the online max moves at every key."""
    cfg = load_config("small")
    rng = np.random.default_rng(21)
    k = np.sort(feature(rng, (cfg.tokens, cfg.dim), cfg, 1.0), axis=0)
    q = np.abs(feature(rng, (cfg.tokens, cfg.dim), cfg, 1.0)) * 4
    v = feature(rng, (cfg.tokens, cfg.dim), cfg, 1.0)
    baseline = attention(q, k, v, cfg, parallel=cfg.tokens)
    for p in P_VALUES:
        assert np.array_equal(attention(q, k, v, cfg, parallel=p), baseline), f"P={p}"
        seq = attention(q, k, v, cfg, parallel=p, sequential=True)
        assert np.array_equal(seq, baseline), f"P={p} sequential"


@pytest.mark.parametrize(
    "tile", [(1, 1), (3, 5), (8, 8), (7, 13), (16, 16), (64, 3), (100, 1000), (5, 64)]
)
@pytest.mark.parametrize("name", ["tiny", "small"])
def test_linear_tiling_changes_no_bit(name, tile):
    cfg = load_config(name)
    f = cfg.formats
    rng = np.random.default_rng(22)
    x = feature(rng, (cfg.tokens, cfg.mlp_hidden), cfg, 4.0)
    w = from_float(rng.normal(0, 0.3, (cfg.dim, cfg.mlp_hidden)), f.linear_weight)
    b = from_float(rng.normal(0, 1, cfg.dim), f.bias)
    for gelu in (False, True):
        fast = linear(x, w, b, cfg, gelu=gelu)
        assert np.array_equal(linear_tiled(x, w, b, cfg, tile=tile, gelu=gelu), fast)
    # Full-scale operands, where any per-tile rounding or wrap would show.
    xs = np.where(rng.random(x.shape) < 0.5, f.feature.max_raw, f.feature.min_raw)
    ws = np.where(rng.random(w.shape) < 0.5, f.linear_weight.max_raw, f.linear_weight.min_raw)
    assert np.array_equal(linear_tiled(xs, ws, b, cfg, tile=tile), linear(xs, ws, b, cfg))


def test_linear_tiling_m3vit_config_tile():
    cfg = load_config("m3vit")
    f = cfg.formats
    rng = np.random.default_rng(23)
    x = feature(rng, (cfg.tokens, cfg.dim), cfg, 2.0)
    w = from_float(rng.normal(0, 0.1, (3 * cfg.dim, cfg.dim)), f.linear_weight)
    b = from_float(rng.normal(0, 1, 3 * cfg.dim), f.attn_bias)
    fast = linear(x, w, b, cfg, b_fmt=f.attn_bias)
    for tile in (cfg.linear_tile, (24, 10)):
        assert np.array_equal(linear_tiled(x, w, b, cfg, tile=tile, b_fmt=f.attn_bias), fast)


def test_scatter_add_ignores_expert_and_queue_order():
    cfg = load_config("small")
    rng = np.random.default_rng(24)
    t, k = cfg.tokens, cfg.top_k
    indices = np.stack([rng.permutation(cfg.experts)[:k] for _ in range(t)])
    scores = from_float(rng.uniform(0, 1, (t, k)), moe_score_format(cfg))
    q = build_queues(indices, scores, cfg.experts)
    y = feature(rng, (t * k, cfg.dim), cfg, 3.0)
    base = scatter_combine(y, q, t, cfg)
    perm = rng.permutation(q.tokens.shape[0])
    shuffled = ExpertQueues(
        q.experts, q.tokens[perm], q.slots[perm], q.scores[perm], q.lengths, q.offsets
    )
    assert np.array_equal(scatter_combine(y[perm], shuffled, t, cfg), base)


@pytest.mark.parametrize("name", ["tiny", "small"])
def test_forward_is_bit_identical_for_every_p(name):
    base_cfg = load_config(name)
    qw = quantize_weights(base_cfg, synthetic_weights(base_cfg, 25))
    img = quantize_image(synthetic_image(base_cfg, 25), base_cfg)
    base = forward(base_cfg, qw, img, 1)
    for p in P_VALUES:
        got = forward(load_config(name, attn_parallel=p), qw, img, 1)
        for key, tap in base.taps.items():
            assert np.array_equal(got.taps[key], tap), f"P={p}: tap {key} differs"
