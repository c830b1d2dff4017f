"""Each golden kernel stage against a plain float64 (or exact integer) implementation.

Bounds come from the stages' docstrings: one rounding into the output format
is at most half an LSB from the exact value; float64 references add their own
(much smaller) rounding, accounted for explicitly.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from golden.config import CONFIG_NAMES, PER_COMMIT_CONFIGS, load_config
from golden.fixed import from_float, quantize, to_float
from golden.gelu import gelu
from golden.quantize_weights import format_of, quantize_image, quantize_weights
from golden.stages.attention import attention, attention_scores, probability_format
from golden.stages.linear import LinearError, linear
from golden.stages.moe import (
    build_queues,
    gate_scores,
    moe,
    moe_score_format,
    scatter_combine,
    top_k,
)
from golden.stages.patch_embed import image_patches, patch_embed
from golden.stages.residual import residual_add
from golden.weights import WeightsError, synthetic_image, synthetic_weights

CONFIGS = {name: load_config(name) for name in CONFIG_NAMES}
TINY = CONFIGS["tiny"]


def feature_raw(rng, shape, cfg, scale=1.0):
    """Random raw features, values ~ N(0, scale) (clipped into the format)."""
    return from_float(rng.normal(0.0, scale, shape), cfg.formats.feature)


def raw_of(rng, shape, fmt, scale):
    return from_float(rng.normal(0.0, scale, shape), fmt)


def exact_linear(x, w, b, x_fmt, w_fmt, b_fmt, out_fmt):
    """Python-integer reference: exact sum, then the documented single rounding."""
    acc = x.astype(object) @ w.T.astype(object)
    frac = x_fmt.frac_bits + w_fmt.frac_bits
    if b is not None:
        acc = acc + (b.astype(object) << (frac - b_fmt.frac_bits))[None, :]
    return quantize(acc, frac, out_fmt).astype(np.int64)


# ---------------------------------------------------------------- linear


@pytest.mark.parametrize("name", CONFIG_NAMES)
def test_linear_is_one_rounding_of_the_exact_sum(name):
    cfg = CONFIGS[name]
    f = cfg.formats
    rng = np.random.default_rng(1)
    k, m, n = cfg.mlp_hidden, cfg.dim, cfg.tokens
    x = feature_raw(rng, (n, k), cfg, 3.0)
    w = raw_of(rng, (m, k), f.linear_weight, 0.05)
    b = raw_of(rng, (m,), f.bias, 0.5)
    y = linear(x, w, b, cfg)
    np.testing.assert_array_equal(
        y, exact_linear(x, w, b, f.feature, f.linear_weight, f.bias, f.feature)
    )
    # Against float64: half an LSB of rounding, plus float64's own summation error.
    ref = to_float(x, f.feature) @ to_float(w, f.linear_weight).T + to_float(b, f.bias)
    slack = 1e-14 * k * np.abs(to_float(x, f.feature)).max() * 2
    assert np.abs(to_float(y, f.feature) - ref).max() <= f.feature.lsb / 2 + slack


def test_linear_extremes_cross_the_limb_boundaries_exactly():
    """Full-scale features (every 16-bit limb pattern at the edges) and full-scale weights."""
    cfg = TINY
    f = cfg.formats
    specials = np.array(
        [f.feature.min_raw, f.feature.max_raw, -1, 0, 1, 0xFFFF, 0x10000, -0x10000, -0x10001]
    )
    rng = np.random.default_rng(2)
    x = rng.choice(specials, (12, 64))
    w = rng.choice(np.array([f.linear_weight.min_raw, f.linear_weight.max_raw, -1, 1]), (7, 64))
    b = np.full(7, f.bias.max_raw)
    y = linear(x, w, b, cfg)
    np.testing.assert_array_equal(
        y, exact_linear(x, w, b, f.feature, f.linear_weight, f.bias, f.feature)
    )
    # Such sums exceed the feature range: they saturate, never wrap.
    assert y.max() == f.feature.max_raw and y.min() == f.feature.min_raw


def test_linear_fused_gelu_is_gelu_of_the_rounded_output():
    cfg = CONFIGS["small"]
    f = cfg.formats
    rng = np.random.default_rng(3)
    x = feature_raw(rng, (cfg.tokens, cfg.dim), cfg, 2.0)
    w = raw_of(rng, (cfg.mlp_hidden, cfg.dim), f.linear_weight, 0.2)
    b = raw_of(rng, (cfg.mlp_hidden,), f.bias, 0.5)
    np.testing.assert_array_equal(linear(x, w, b, cfg, gelu=True), gelu(linear(x, w, b, cfg), cfg))


def test_linear_bad_inputs_raise():
    cfg = TINY
    f = cfg.formats
    x = np.zeros((3, 4), dtype=np.int64)
    w = np.zeros((5, 4), dtype=np.int64)
    with pytest.raises(LinearError, match="input columns"):
        linear(x, np.zeros((5, 3), dtype=np.int64), None, cfg)
    with pytest.raises(LinearError, match="bias shape"):
        linear(x, w, np.zeros(4, dtype=np.int64), cfg)
    with pytest.raises(LinearError, match="outside"):
        linear(x, w + f.linear_weight.max_raw + 1, None, cfg)
    with pytest.raises(LinearError, match="integers"):
        linear(x.astype(float), w, None, cfg)
    with pytest.raises(LinearError, match="dimensions"):
        linear(x[0], w, None, cfg)


# ---------------------------------------------------------------- patch embedding


@pytest.mark.parametrize("name", PER_COMMIT_CONFIGS)
def test_patch_embed_against_float64(name):
    cfg = CONFIGS[name]
    f = cfg.formats
    qw = quantize_weights(cfg, synthetic_weights(cfg, 4))
    img = quantize_image(synthetic_image(cfg, 4), cfg)
    w, b, pos = qw["patch_embed_weight"], qw["patch_embed_bias"], qw["pos_embed"]
    y = patch_embed(img, w, b, pos, cfg)
    # Plain float64 conv: every patch pixel times the kernel, summed.
    p, d = cfg.patch, cfg.dim
    imgf = to_float(img, f.pixel)
    wf = to_float(w, f.patch_weight)
    gh, gw = cfg.image_hw[0] // p, cfg.image_hw[1] // p
    ref = np.empty((cfg.tokens, d))
    ref[0] = to_float(pos[0], f.feature)
    for i in range(gh):
        for j in range(gw):
            block = imgf[:, i * p : (i + 1) * p, j * p : (j + 1) * p]
            ref[1 + i * gw + j] = np.tensordot(wf, block, axes=3)
    ref[1:] += to_float(b, f.bias) + to_float(pos[1:], f.feature)
    assert np.abs(to_float(y, f.feature) - ref).max() <= f.feature.lsb / 2 + 1e-12
    np.testing.assert_array_equal(y[0], pos[0])


def test_patch_order_is_row_major_channel_major():
    cfg = TINY
    c, (h, w), p = cfg.channels, cfg.image_hw, cfg.patch
    img = np.arange(c * h * w).reshape(c, h, w) % 256
    patches = image_patches(img, cfg)
    gw = w // p
    # Patch (1, 2): channel 2, row 3, column 5 of that patch.
    assert patches[1 * gw + 2, 2 * p * p + 3 * p + 5] == img[2, p + 3, 2 * p + 5]


def test_patch_embed_bad_image_raises():
    cfg = TINY
    qw = quantize_weights(cfg, synthetic_weights(cfg, 0))
    args = (qw["patch_embed_weight"], qw["patch_embed_bias"], qw["pos_embed"], cfg)
    img = quantize_image(synthetic_image(cfg), cfg)
    with pytest.raises(LinearError, match="image shape"):
        patch_embed(img[:, :16], *args)
    with pytest.raises(LinearError, match="outside"):
        patch_embed(img + 256, *args)


# ---------------------------------------------------------------- residual


def test_residual_adds_exactly_and_saturates():
    cfg = TINY
    f = cfg.formats.feature
    rng = np.random.default_rng(5)
    x = rng.integers(f.min_raw, f.max_raw + 1, (50, 32))
    y = rng.integers(f.min_raw, f.max_raw + 1, (50, 32))
    expected = np.clip(x + y, f.min_raw, f.max_raw)  # same fraction bits: no rounding
    np.testing.assert_array_equal(residual_add(x, y, cfg), expected)
    with pytest.raises(LinearError, match="shape"):
        residual_add(x, y[:, :5], cfg)


# ---------------------------------------------------------------- weight quantisation


def test_quantize_weights_formats_and_saturation_counts():
    cfg = TINY
    fl = synthetic_weights(cfg, 0)
    lw = cfg.formats.linear_weight
    top = lw.max_raw * lw.lsb
    w = np.array(fl["l0_fc1_weight"])
    # Saturated: beyond the range, and exactly max + lsb/2 (rounds up past max).
    # Not saturated: min - lsb/2 (ties round up, into range), and max itself.
    w.flat[:5] = [5.0, top + lw.lsb / 2, -2.0 - lw.lsb / 2, top, -7.0]
    qw = quantize_weights(cfg, fl.replaced({"l0_fc1_weight": w}))
    assert qw.saturated["l0_fc1_weight"] == 3
    assert qw.total_saturated == 3
    assert qw["l0_fc1_weight"].flat[:5].tolist() == [
        lw.max_raw,
        lw.max_raw,
        lw.min_raw,
        lw.max_raw,
        lw.min_raw,
    ]
    assert qw.formats["l0_qkv_bias"] == cfg.formats.attn_bias
    assert qw.formats["l0_norm1_weight"] == cfg.formats.norm
    assert qw.formats["l0_attn_proj_bias"] == cfg.formats.bias
    assert qw.formats["patch_embed_weight"] == cfg.formats.patch_weight
    assert qw.formats["pos_embed"] == cfg.formats.feature
    assert qw.formats["l1_w_gate_T_task1"] == cfg.formats.linear_weight
    assert qw.formats["l1_htoh4_bias"] == cfg.formats.bias
    assert format_of(cfg, "l1_h4toh_weight") == cfg.formats.linear_weight
    # Half an LSB is the largest error of an unsaturated value.
    err = qw.max_abs_error["l0_qkv_weight"]
    assert 0 < err <= lw.lsb / 2
    assert "l0_fc1_weight" in qw.report() and "saturated" in qw.report()
    with pytest.raises(ValueError):
        qw["l0_fc1_weight"][0, 0] = 1  # read-only


def test_quantize_weights_missing_tensor_raises():
    cfg = TINY
    fl = dict(synthetic_weights(cfg, 0))
    del fl["l1_htoh4_bias"]
    with pytest.raises(WeightsError, match="l1_htoh4_bias"):
        quantize_weights(cfg, fl)


# ---------------------------------------------------------------- top-k and queues


@given(
    st.integers(1, 12).flatmap(
        lambda e: st.tuples(
            st.lists(st.lists(st.integers(-3, 3), min_size=e, max_size=e), min_size=1, max_size=20),
            st.integers(1, e),
        )
    )
)
def test_top_k_is_the_k_largest_under_the_tie_rule(case):
    rows, k = case
    logits = np.array(rows, dtype=np.int64)  # few distinct values: many ties
    got = top_k(logits, k)
    for row, chosen in zip(rows, got, strict=True):
        expected = sorted(range(len(row)), key=lambda e: (-row[e], e))[:k]
        assert chosen.tolist() == expected


def test_top_k_bad_k_raises():
    with pytest.raises(LinearError, match="k="):
        top_k(np.zeros((3, 4), dtype=np.int64), 5)
    with pytest.raises(LinearError, match="k="):
        top_k(np.zeros((3, 4), dtype=np.int64), 0)


def check_queues(indices, scores, queues, experts):
    t, k = indices.shape
    assert queues.lengths.sum() == t * k
    seen = {}
    for e in range(experts):
        toks, sc = queues.queue(e)
        assert len(toks) == queues.lengths[e]
        assert np.all(np.diff(toks) > 0), "each queue is in increasing token order"
        for tok, s in zip(toks.tolist(), sc.tolist(), strict=True):
            slot = indices[tok].tolist().index(e)
            assert s == scores[tok, slot]
            seen.setdefault(tok, []).append(e)
    for tok in range(t):
        assert sorted(seen.get(tok, [])) == sorted(indices[tok].tolist()), "k queues per token"
    assert queues.active.tolist() == [e for e in range(experts) if queues.lengths[e]]


@given(st.data())
def test_every_token_is_in_exactly_k_queues_with_its_score(data):
    experts = data.draw(st.integers(1, 10))
    k = data.draw(st.integers(1, experts))
    t = data.draw(st.integers(1, 15))
    logits = np.array(
        data.draw(st.lists(st.integers(-2, 2), min_size=t * experts, max_size=t * experts))
    ).reshape(t, experts)
    indices = top_k(logits, k)
    scores = np.arange(t * k).reshape(t, k) * 7 + 1
    check_queues(indices, scores, build_queues(indices, scores, experts), experts)


def test_all_tokens_to_one_expert_and_empty_queues():
    t, experts = 9, 4
    indices = np.zeros((t, 1), dtype=np.int64)
    scores = np.ones((t, 1), dtype=np.int64)
    q = build_queues(indices, scores, experts)
    assert q.lengths.tolist() == [9, 0, 0, 0]
    assert q.active.tolist() == [0]
    assert q.queue(0)[0].tolist() == list(range(t))
    assert q.queue(3)[0].size == 0
    check_queues(indices, scores, q, experts)
    with pytest.raises(IndexError):
        q.queue(4)
    with pytest.raises(LinearError, match="expert indices"):
        build_queues(indices + 4, scores, experts)


def test_scatter_combine_against_float64():
    cfg = CONFIGS["small"]
    f = cfg.formats.feature
    s_fmt = moe_score_format(cfg)
    rng = np.random.default_rng(6)
    t, k = cfg.tokens, cfg.top_k
    indices = np.stack([rng.permutation(cfg.experts)[:k] for _ in range(t)])
    scores = from_float(rng.uniform(0, 1, (t, k)), s_fmt)
    q = build_queues(indices, scores, cfg.experts)
    y = feature_raw(rng, (t * k, cfg.dim), cfg, 4.0)
    out = scatter_combine(y, q, t, cfg)
    ref = np.zeros((t, cfg.dim))
    np.add.at(ref, q.tokens, to_float(q.scores, s_fmt)[:, None] * to_float(y, f))
    assert np.abs(to_float(out, f) - ref).max() <= f.lsb / 2 + 1e-12


# ---------------------------------------------------------------- stages on the approximations


def sqnr_db(ref, got):
    noise = np.sum((ref - got) ** 2)
    return np.inf if noise == 0 else 10 * np.log10(np.sum(ref**2) / noise)


def float_attention(q, k, v, cfg):
    t, d, h, hd = q.shape[0], cfg.dim, cfg.heads, cfg.head_dim
    qh, kh, vh = (a.reshape(-1, h, hd).transpose(1, 0, 2) for a in (q, k, v))
    s = qh @ kh.transpose(0, 2, 1) * 2.0**cfg.attn_scale_log2
    p = np.exp(s - s.max(axis=-1, keepdims=True))
    p /= p.sum(axis=-1, keepdims=True)
    return (p @ vh).transpose(1, 0, 2).reshape(t, d)


@pytest.mark.parametrize("name", CONFIG_NAMES)
def test_attention_scores_are_one_rounding_of_the_narrowed_dot_product(name):
    cfg = CONFIGS[name]
    f = cfg.formats
    rng = np.random.default_rng(7)
    q = feature_raw(rng, (cfg.tokens, cfg.dim), cfg, 2.0)
    k = feature_raw(rng, (cfg.tokens, cfg.dim), cfg, 2.0)
    s = attention_scores(q, k, cfg)
    qn = to_float(quantize(q, f.feature.frac_bits, f.attn_qk), f.attn_qk)
    kn = to_float(quantize(k, f.feature.frac_bits, f.attn_qk), f.attn_qk)
    h, hd = cfg.heads, cfg.head_dim
    ref = (
        np.einsum("thd,uhd->htu", qn.reshape(-1, h, hd), kn.reshape(-1, h, hd))
        * 2.0**cfg.attn_scale_log2
    )
    # float64 is exact here (products of 24-bit values, sums < 2**53): half an LSB.
    assert np.abs(to_float(s, f.feature) - ref).max() <= f.feature.lsb / 2
    # The narrowing of Q and K costs at most 2**-15 per element.
    assert np.abs(qn - to_float(q, f.feature)).max() <= f.attn_qk.lsb / 2


@pytest.mark.parametrize("name", CONFIG_NAMES)
def test_attention_against_float64(name):
    cfg = CONFIGS[name]
    f = cfg.formats.feature
    rng = np.random.default_rng(8)
    q, k, v = (feature_raw(rng, (cfg.tokens, cfg.dim), cfg, 1.5) for _ in range(3))
    got = to_float(attention(q, k, v, cfg), f)
    ref = float_attention(*(to_float(a, f) for a in (q, k, v)), cfg)
    # Error budget: Q/K narrowing (2**-15 each, through |K|, |Q| ~ 5 over head_dim
    # terms), score rounding, the softmax's 2**-16 per probability through sum |V|,
    # and one output rounding.
    assert np.abs(got - ref).max() <= 2e-3
    assert sqnr_db(ref, got) >= 60


def test_attention_bad_shapes_raise():
    cfg = TINY
    z = np.zeros((cfg.tokens, cfg.dim), dtype=np.int64)
    with pytest.raises(LinearError, match="attention needs"):
        attention(z, z[:, :4], z, cfg)
    with pytest.raises(LinearError, match="parallelism"):
        attention(z, z, z, cfg, parallel=0)


def test_attention_probabilities_format_is_unsigned():
    assert not probability_format(TINY).signed


@pytest.mark.parametrize("k", [1, 2, 4])
def test_gate_scores_against_float_softmax(k):
    cfg = load_config("tiny", top_k=k)
    g = cfg.formats.feature
    rng = np.random.default_rng(9)
    chosen = -np.sort(-from_float(rng.normal(0, 2, (40, k)), g), axis=1)
    s = to_float(gate_scores(chosen, cfg), moe_score_format(cfg))
    x = to_float(chosen, g)
    ref = np.exp(x - x.max(axis=1, keepdims=True))
    ref /= ref.sum(axis=1, keepdims=True)
    assert np.abs(s - ref).max() <= 2.0**-16


@pytest.mark.parametrize("name", PER_COMMIT_CONFIGS)
def test_moe_against_float64(name):
    cfg = CONFIGS[name]
    f = cfg.formats
    qw = quantize_weights(cfg, synthetic_weights(cfg, 10))
    rng = np.random.default_rng(10)
    x = feature_raw(rng, (cfg.tokens, cfg.dim), cfg, 1.0)
    pre = "l1_"
    names = ("w_gate_T_task0", "htoh4_weight", "htoh4_bias", "h4toh_weight", "h4toh_bias")
    ws = [qw[pre + n] for n in names]
    res = moe(x, *ws, cfg)
    wf = [to_float(w, qw.formats[pre + n]) for w, n in zip(ws, names, strict=True)]
    xf = to_float(x, f.feature)
    logits = xf @ wf[0].T
    assert np.abs(to_float(res.logits, f.feature) - logits).max() <= f.feature.lsb
    # The float model routes by its own logits; they agree here (no near-ties).
    ref_idx = np.argsort(-logits, axis=1, kind="stable")[:, : cfg.top_k]
    np.testing.assert_array_equal(res.indices, ref_idx)
    chosen = np.take_along_axis(logits, ref_idx, axis=1)
    sc = np.exp(chosen - chosen[:, :1])
    sc /= sc.sum(axis=1, keepdims=True)
    ref = np.zeros_like(xf)
    for tok in range(cfg.tokens):
        for slot, e in enumerate(ref_idx[tok]):
            hdn = xf[tok] @ wf[1][e].T + wf[2][e]
            hdn = hdn * 0.5 * (1 + np.vectorize(__import__("math").erf)(hdn / np.sqrt(2)))
            ref[tok] += sc[tok, slot] * (hdn @ wf[3][e].T + wf[4][e])
    got = to_float(res.output, f.feature)
    assert sqnr_db(ref, got) >= 60
    check_queues(res.indices, res.scores, res.queues, cfg.experts)


def test_moe_bad_shapes_raise():
    cfg = TINY
    qw = quantize_weights(cfg, synthetic_weights(cfg, 0))
    x = np.zeros((cfg.tokens, cfg.dim), dtype=np.int64)
    ws = [qw["l1_" + n] for n in ("w_gate_T_task0", "htoh4_weight", "htoh4_bias")]
    with pytest.raises(LinearError, match="expert fc2 weight"):
        moe(x, *ws, qw["l1_h4toh_weight"][:, :, :3], qw["l1_h4toh_bias"], cfg)


@pytest.mark.parametrize("k", [1, 4])
def test_moe_all_tokens_to_one_expert_and_every_expert(k):
    """Zero gate weights: every logit ties, so the tie rule picks experts 0..k-1 for
    every token.  k = 1: one expert takes all tokens, the rest have empty queues;
    k = E: every queue holds every token."""
    cfg = load_config("tiny", top_k=k)
    qw = quantize_weights(cfg, synthetic_weights(cfg, 11))
    rng = np.random.default_rng(11)
    x = feature_raw(rng, (cfg.tokens, cfg.dim), cfg, 1.0)
    w1, b1, w2, b2 = (
        qw["l1_" + n] for n in ("htoh4_weight", "htoh4_bias", "h4toh_weight", "h4toh_bias")
    )
    res = moe(x, np.zeros((cfg.experts, cfg.dim), dtype=np.int64), w1, b1, w2, b2, cfg)
    assert (res.logits == 0).all()
    np.testing.assert_array_equal(res.indices, np.tile(np.arange(k), (cfg.tokens, 1)))
    expected_lengths = [cfg.tokens if e < k else 0 for e in range(cfg.experts)]
    assert res.queues.lengths.tolist() == expected_lengths
    assert res.queues.active.tolist() == list(range(k))
    check_queues(res.indices, res.scores, res.queues, cfg.experts)
    # Equal logits: every score is 1/k (within the softmax's bound), and the output
    # is the score-weighted sum of the experts' outputs, rounded once.
    s_fmt = moe_score_format(cfg)
    assert np.abs(to_float(res.scores, s_fmt) - 1 / k).max() <= 2.0**-16
    ys = [linear(linear(x, w1[e], b1[e], cfg, gelu=True), w2[e], b2[e], cfg) for e in range(k)]
    acc = sum(res.scores[:, [e]].astype(object) * ys[e].astype(object) for e in range(k))
    expected = quantize(acc, s_fmt.frac_bits + cfg.formats.feature.frac_bits, cfg.formats.feature)
    np.testing.assert_array_equal(res.output, expected.astype(np.int64))
