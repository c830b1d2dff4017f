"""The stage program: order, operands, checks, and its SystemVerilog form."""

from __future__ import annotations

import re

import pytest

from golden.config import ALL_CONFIG_NAMES, load_config
from golden.quantize_weights import format_of
from hls.generate import generate
from hls.memory_map import element_bytes, memory_map
from hls.program import (
    OP_BITS,
    OP_ENGINE,
    SUPPORTED_OPS,
    Engine,
    Op,
    ProgramError,
    Space,
    program,
    strides,
    sv_package_lines,
)
from hls.registers import stop_after_stages

CONFIGS = {name: load_config(name) for name in ALL_CONFIG_NAMES}


@pytest.mark.parametrize("name", ALL_CONFIG_NAMES)
def test_order_is_the_stop_after_numbering(name):
    cfg = CONFIGS[name]
    stages = program(cfg)
    assert [(s.layer, s.name) for s in stages] == list(stop_after_stages(cfg))
    assert [s.index for s in stages] == list(range(len(stages)))


@pytest.mark.parametrize("name", ALL_CONFIG_NAMES)
def test_operands_point_at_the_right_tensors(name):
    cfg = CONFIGS[name]
    mm = memory_map(cfg)
    d = cfg.dim
    for st in program(cfg):
        for o in st.operands:
            if o.space is Space.NONE:
                assert o.offset == 0 and not o.region
                continue
            region = mm[o.region]
            assert region.offset <= o.offset < region.end, (st, o)
        p = f"l{st.layer}_"
        if st.name in ("q", "k", "v"):
            i = "qkv".index(st.name)
            w, b = mm[p + "qkv_weight"], mm[p + "qkv_bias"]
            assert st.b.offset == w.row_offset() + i * d * w.row_bytes
            assert st.c.offset == b.offset + i * d * element_bytes(format_of(cfg, b.name))
            assert st.bias_alt and (st.k, st.m) == (d, d)
        if st.name == "fc1_gelu":
            assert st.gelu and (st.k, st.m) == (d, cfg.mlp_hidden)
        if st.name == "residual2":
            last = st.layer == cfg.layers - 1
            assert (st.y.space is Space.OUTPUT) == last
            assert st.a.region == p + "residual1"
        if st.name == "ln1":
            want = "patch_embed" if st.layer == 0 else f"l{st.layer - 1}_residual2"
            assert st.a.region == want
        if st.op in (Op.MOE_GATE, Op.MOE_FFN):
            assert cfg.is_moe(st.layer)


def test_dense_variants_have_no_moe_stage():
    for name in ("tiny_dense", "small_dense"):
        assert all(s.op not in (Op.MOE_GATE, Op.MOE_FFN) for s in program(CONFIGS[name]))
    assert any(s.op is Op.MOE_GATE for s in program(CONFIGS["tiny"]))


def test_strides_are_the_memory_map_region_spacing():
    cfg = CONFIGS["tiny_dense"]
    mm = memory_map(cfg, images=3)
    img, out = strides(cfg)
    assert mm["image2"].offset - mm["image1"].offset == img
    assert mm["output2"].offset - mm["output1"].offset == out


@pytest.mark.parametrize(
    ("overrides", "match"),
    [
        (dict(linear_tile=(12, 8)), "tiles"),  # 32 outputs are not whole 12-row tiles
        (dict(linear_tile=(8, 12)), "tiles"),  # K = 32 is not whole 12-column blocks
        (dict(linear_tile=(1, 8)), "whole number of 64-bit beats"),  # 1 x 32 bits per token
    ],
)
def test_impossible_engine_geometry_is_refused(overrides, match):
    cfg = load_config("tiny_dense", **overrides)
    with pytest.raises(ProgramError, match=match):
        program(cfg)


def test_package_holds_one_descriptor_per_stage():
    cfg = CONFIGS["small_dense"]
    text = "".join(sv_package_lines(cfg))
    n = len(program(cfg))
    assert f"localparam int PROG_LEN = {n};" in text
    rows = re.findall(r"^    '\{op: 4'd(\d+), .*// (\d+): l(-?\d+) (\w+)$", text, re.MULTILINE)
    assert [int(r[1]) for r in rows] == list(range(n))
    assert [(int(r[0]), int(r[2]), r[3]) for r in rows] == [
        (int(s.op), s.layer, s.name) for s in program(cfg)
    ]


def test_generated_package_carries_the_program(tmp_path):
    cfg = CONFIGS["tiny_dense"]
    text = generate(cfg, tmp_path).package.read_text()
    assert "".join(sv_package_lines(cfg)) in text


def _sv_int(literal: str) -> int:
    """A SystemVerilog integer literal (``16'h003e``, ``4``)."""
    if "'" not in literal:
        return int(literal)
    _, value = literal.split("'")
    return int(value[1:], {"h": 16, "d": 10, "b": 2}[value[0]])


@pytest.mark.parametrize("name", ["tiny", "tiny_dense", "m3vit"])
def test_generated_op_map_is_the_program_definition(name, tmp_path):
    """The package's op-to-engine map (what the sequencer and the kernel top use)
    is hls.program's: engine codes, OP_SUPPORTED, OP_ENGINE, ENGINE_OPS."""
    text = generate(CONFIGS[name], tmp_path).package.read_text()
    codes = 1 << OP_BITS

    def param(pattern: str) -> str:
        m = re.search(rf"^  localparam {pattern} = (.+?);", text, re.MULTILINE)
        assert m, f"no {pattern} in the package"
        return m.group(1)

    assert int(param("int ENGINES")) == len(Engine)
    for e in Engine:
        assert int(param(f"int ENGINE_{e.name}")) == int(e)
    supported = _sv_int(param(rf"logic \[{codes - 1}:0\] OP_SUPPORTED"))
    assert {op for op in range(codes) if supported >> op & 1} == {int(op) for op in SUPPORTED_OPS}
    engine_of = [int(v) for v in param(rf"int OP_ENGINE \[{codes}\]").strip("'{}").split(",")]
    assert len(engine_of) == codes
    for op in Op:
        if op in SUPPORTED_OPS:
            assert engine_of[op] == OP_ENGINE[op], op
    engine_ops = param(rf"logic \[{codes - 1}:0\] ENGINE_OPS \[ENGINES\]").strip("'{}")
    masks = [_sv_int(v.strip()) for v in engine_ops.split(",")]
    assert len(masks) == len(Engine)
    for e in Engine:
        ops = {Op(c) for c in range(codes) if masks[e] >> c & 1}
        assert ops == {op for op, eng in OP_ENGINE.items() if eng is e}, e
    # Every op of the program either has an engine or is a MoE stage (UNSUPPORTED_STAGE).
    for st in program(CONFIGS[name]):
        assert st.op in SUPPORTED_OPS or st.op in (Op.MOE_GATE, Op.MOE_FFN), st


def test_supported_ops_are_the_ops_with_an_engine():
    assert SUPPORTED_OPS == frozenset(OP_ENGINE)
    assert set(OP_ENGINE) <= set(Op) and set(OP_ENGINE.values()) == set(Engine)
    assert all(int(op) < 1 << OP_BITS for op in Op)
    assert OP_ENGINE[Op.PATCH_EMBED] is Engine.LINEAR  # patch mode of the linear engine
