"""The memory map: layout invariants for every configuration, exact packing round trips."""

from __future__ import annotations

import itertools
import math
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from golden.config import CONFIG_NAMES, load_config
from golden.fixed import FixedFormat, ap_fixed, ap_ufixed
from golden.model import DENSE_STAGES, MOE_STAGES
from golden.quantize_weights import format_of
from golden.weights import expected_shapes
from hls.memory_map import (
    PAGE_BYTES,
    SPACES,
    MemoryMapError,
    element_bytes,
    lanes_per_beat,
    markdown,
    memory_map,
    pack,
    packed_bytes,
    unpack,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "memory_map.md"


@pytest.fixture(scope="module", params=CONFIG_NAMES)
def cfg_map(request):
    cfg = load_config(request.param)
    return cfg, memory_map(cfg, images=2)


def test_regions_aligned_and_disjoint(cfg_map):
    cfg, mm = cfg_map
    for space in SPACES:
        regions = sorted(mm.space(space), key=lambda r: r.offset)
        assert regions, space
        for r in regions:
            assert r.offset % PAGE_BYTES == 0, r
            assert r.nbytes > 0 and r.nbytes % (cfg.axi_data_width // 8) == 0, r
            assert r.row_bytes % (cfg.axi_data_width // 8) == 0, r
        for a, b in itertools.pairwise(regions):
            assert a.end <= b.offset, f"{a.name} [{a.offset:#x}, {a.end:#x}) overlaps {b.name}"
        assert mm.space_bytes(space) % PAGE_BYTES == 0
        assert mm.space_bytes(space) >= regions[-1].end


def test_every_weight_with_its_format(cfg_map):
    cfg, mm = cfg_map
    shapes = expected_shapes(cfg)
    assert [r.name for r in mm.space("weights")] == list(shapes)
    for name, shape in shapes.items():
        r = mm[name]
        assert r.shape == shape and r.fmt == format_of(cfg, name)
        assert r.nbytes == r.rows * math.ceil(r.row_elems / r.lanes) * cfg.axi_data_width // 8


def test_every_stage_tap_and_queue(cfg_map):
    cfg, mm = cfg_map
    t, d = cfg.tokens, cfg.dim
    assert mm["patch_embed"].shape == (t, d)
    for layer in range(cfg.layers):
        stages = MOE_STAGES if cfg.is_moe(layer) else DENSE_STAGES
        for stage in stages:
            r = mm[f"l{layer}_{stage}"]
            assert r.space == "scratch" and r.fmt == cfg.formats.feature and r.shape[0] == t
        if cfg.is_moe(layer):
            assert mm[f"l{layer}_queue_tokens"].shape == (cfg.experts, t)
            assert mm[f"l{layer}_queue_scores"].fmt == cfg.formats.moe_score
            assert mm[f"l{layer}_queue_lengths"].shape == (cfg.experts,)
            q = mm[f"l{layer}_queue_scores"]
            for e in range(cfg.experts):  # each expert's queue starts on a beat
                assert q.row_offset(e) == q.offset + e * q.row_bytes
                assert q.row_offset(e) % (cfg.axi_data_width // 8) == 0
    assert [r.name for r in mm.space("image")] == ["image0", "image1"]
    assert mm["output1"].shape == (t, d)


def test_sizes(cfg_map):
    cfg, mm = cfg_map
    beat = cfg.axi_data_width // 8
    img = mm["image0"]
    h, w = cfg.image_hw
    assert img.nbytes == cfg.channels * h * math.ceil(w / beat) * beat
    out = mm["output0"]
    assert out.nbytes == cfg.tokens * math.ceil(cfg.dim * 4 / beat) * beat
    pe = mm["patch_embed_weight"]
    assert pe.row_elems == cfg.channels * cfg.patch**2
    expected_weights = sum(
        math.ceil(packed_bytes(s, format_of(cfg, n), cfg.axi_data_width, r) / PAGE_BYTES)
        for n, s in expected_shapes(cfg).items()
        for r in [math.prod(s[1:]) if n == "patch_embed_weight" else None]
    )
    assert mm.space_bytes("weights") == expected_weights * PAGE_BYTES


def test_m3vit_figures():
    mm = memory_map(load_config("m3vit"))
    # 192 features of 32 bits in 256-bit beats: 24 beats per token, no padding.
    assert mm["l0_q"].beats_per_row == 24 and mm["l0_q"].nbytes == 129 * 768
    # 16-bit weights: 16 per beat.
    assert mm["l0_qkv_weight"].lanes == 16 and mm["l0_qkv_weight"].nbytes == 576 * 192 * 2
    assert mm["image0"].lanes == 32 and mm["image0"].nbytes == 3 * 128 * 256


def test_space_build_and_read_round_trip():
    cfg = load_config("tiny")
    mm = memory_map(cfg)
    rng = np.random.default_rng(1)
    arrays = {}
    for r in mm.space("weights"):
        arrays[r.name] = rng.integers(r.fmt.min_raw, r.fmt.max_raw + 1, size=r.shape)
    blob = mm.build("weights", arrays)
    assert len(blob) == mm.space_bytes("weights")
    for name, raw in arrays.items():
        np.testing.assert_array_equal(mm.read(name, blob, check_padding=True), raw)
    with pytest.raises(MemoryMapError, match="no regions"):
        mm.build("weights", {"nonsense": np.zeros(1, dtype=np.int64)})
    with pytest.raises(KeyError, match="no region"):
        mm["nonsense"]
    with pytest.raises(MemoryMapError, match="unknown space"):
        mm.space("dram")


def test_packing_lane_layout():
    """The exact byte layout the docs promise: little-endian lanes, sign-extended."""
    f32 = ap_fixed(32, 10)
    data = pack(np.array([[1, -2, 3]]), f32, 64)
    assert data == bytes.fromhex("01000000feffffff0300000000000000")
    f25 = ap_ufixed(25, 1)
    assert pack(np.array([2**25 - 1]), f25, 32) == bytes.fromhex("ffffff01")
    f16 = ap_fixed(16, 2)
    assert pack(np.array([-1, 2, 3, 4, 5]), f16, 64) == bytes.fromhex(
        "ffff0200030004000500000000000000"
    )
    assert pack(np.array([[0x12], [0x34]]), ap_ufixed(8, 0), 32) == bytes.fromhex(
        "1200000034000000"
    )
    assert pack(np.array([-(2**11)]), ap_fixed(12, 4), 32) == bytes.fromhex("00f80000")


@pytest.mark.parametrize(
    ("width", "expected"), [(1, 1), (8, 1), (9, 2), (16, 2), (17, 4), (25, 4), (33, 8), (64, 8)]
)
def test_element_bytes(width, expected):
    assert element_bytes(FixedFormat(width, 1)) == expected


formats = st.builds(
    FixedFormat,
    width=st.integers(1, 64),
    int_bits=st.integers(-4, 70),
    signed=st.booleans(),
)


@st.composite
def packing_cases(draw):
    fmt = draw(formats)
    beat = draw(st.sampled_from([32, 64, 128, 256, 512, 1024]).filter(
        lambda b: b >= 8 * element_bytes(fmt)))  # fmt: skip
    shape = tuple(draw(st.lists(st.integers(1, 7), min_size=1, max_size=3)))
    n = math.prod(shape)
    edge = st.sampled_from([fmt.min_raw, fmt.max_raw, 0, min(1, fmt.max_raw), fmt.min_raw + 1])
    values = draw(st.lists(st.integers(fmt.min_raw, fmt.max_raw) | edge, min_size=n, max_size=n))
    return fmt, beat, shape, values


@settings(max_examples=400, deadline=None)
@given(packing_cases())
def test_round_trip(case):
    fmt, beat, shape, values = case
    dtype = np.uint64 if (not fmt.signed and fmt.width == 64) else np.int64
    raw = np.array(values, dtype=dtype).reshape(shape)
    data = pack(raw, fmt, beat)
    assert len(data) == packed_bytes(shape, fmt, beat)
    assert len(data) % (beat // 8) == 0
    back = unpack(data, fmt, shape, beat, check_padding=True)
    assert back.shape == shape and back.dtype == dtype
    np.testing.assert_array_equal(back, raw)
    # Python ints (object arrays) pack the same.
    assert pack(np.array(values, dtype=object).reshape(shape), fmt, beat) == data
    # Each lane holds the value modulo 2**(8 * lane bytes), little-endian.
    eb = element_bytes(fmt)
    lanes = beat // 8 // eb
    row = shape[-1]
    for k, v in enumerate(values[:5]):
        r, c = divmod(k, row)
        at = r * -(-row // lanes) * lanes * eb + c * eb
        assert int.from_bytes(data[at : at + eb], "little", signed=fmt.signed) == v


@settings(max_examples=100, deadline=None)
@given(formats, st.integers(1, 5), st.data())
def test_out_of_range_values_rejected(fmt, n, data):
    value = data.draw(st.sampled_from([fmt.max_raw + 1, fmt.min_raw - 1, fmt.max_raw + 12345]))
    if value > 2**63 - 1 or value < -(2**63):
        raw = np.array([0] * (n - 1) + [value], dtype=object)
    else:
        raw = np.array([0] * (n - 1) + [value], dtype=np.int64)
    with pytest.raises(MemoryMapError, match="outside"):
        pack(raw, fmt, 1024)


def test_bad_inputs():
    f = ap_fixed(16, 2)
    with pytest.raises(MemoryMapError, match="shape"):
        pack(np.zeros((2, 3), dtype=np.int64), f, 64, shape=(3, 2))
    with pytest.raises(MemoryMapError, match="integer array"):
        pack(np.zeros(3), f, 64)
    with pytest.raises(MemoryMapError, match="integers"):
        pack(np.array([1, "a"], dtype=object), f, 64)
    with pytest.raises(MemoryMapError, match="scalar"):
        pack(np.int64(3), f, 64)
    with pytest.raises(MemoryMapError, match="power of two"):
        pack(np.zeros(3, dtype=np.int64), f, 48)
    with pytest.raises(MemoryMapError, match="more than"):
        lanes_per_beat(ap_fixed(33, 2), 32)
    with pytest.raises(MemoryMapError, match="bytes"):
        unpack(bytes(7), f, (3,), 64)
    with pytest.raises(MemoryMapError, match="rows of"):
        pack(np.zeros(10, dtype=np.int64), f, 64, row_elems=3)
    # A 25-bit unsigned lane with bits above 25 set is corrupt, not a value.
    with pytest.raises(MemoryMapError, match="corrupt"):
        unpack(bytes.fromhex("00000002"), ap_ufixed(25, 1), (1,), 32)
    # Broken sign extension of a 12-bit signed value in its 16-bit lane.
    with pytest.raises(MemoryMapError, match="corrupt"):
        unpack(bytes.fromhex("00080000"), ap_fixed(12, 4), (1,), 32)
    with pytest.raises(MemoryMapError, match="padding"):
        unpack(bytes.fromhex("01000100"), f, (1,), 32, check_padding=True)
    with pytest.raises(MemoryMapError, match="images"):
        memory_map(load_config("tiny"), images=0)


def test_cli_prints_markdown(capsys):
    from hls.memory_map import main

    main(["--config", "m3vit"])
    out = capsys.readouterr().out
    assert out.startswith("## Memory map of configuration `m3vit`")
    assert "| `l11_h4toh_weight` |" in out and "| `l11_queue_scores` |" in out


def test_docs_table_is_current():
    """docs/memory_map.md embeds the generated tiny table; it must match the generator."""
    text = DOC.read_text()
    m = re.search(r"<!-- BEGIN GENERATED tiny -->\n(.*?)<!-- END GENERATED tiny -->", text, re.S)
    assert m, f"{DOC} lacks the generated tiny table markers"
    assert m.group(1) == markdown(memory_map(load_config("tiny"))), (
        "docs/memory_map.md is stale: regenerate with `python -m hls.memory_map --config tiny`"
    )
