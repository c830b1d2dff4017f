"""Configuration files (golden/config_file.py): TOML in, the same KernelConfig and errors out."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import numpy as np
import pytest

from golden.config import (
    ALL_CONFIG_NAMES,
    ConfigError,
    Formats,
    GeluConfig,
    config_argument,
    load_config,
)
from golden.config_file import config_to_toml, main, parse_format, read_config_file
from golden.fixed import Overflow, Quant, ap_fixed, ap_ufixed
from golden.model import forward
from golden.quantize_weights import quantize_image, quantize_weights
from golden.weights import synthetic_image, synthetic_weights

EXAMPLE = Path(__file__).resolve().parents[2] / "configs" / "example_small_moe.toml"


def write(tmp_path: Path, text: str, name: str = "model.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------- round trips


@pytest.mark.parametrize("name", ALL_CONFIG_NAMES)
def test_a_written_preset_reads_back_equal(tmp_path, name):
    cfg = load_config(name)
    assert read_config_file(write(tmp_path, config_to_toml(cfg))) == cfg
    # Written as differences from another preset, too.
    assert load_config(write(tmp_path, config_to_toml(cfg, base="tiny"), "diff.toml")) == cfg


def test_hand_written_files_equal_the_presets(tmp_path):
    assert load_config(write(tmp_path, 'base = "tiny"\nname = "tiny"\n')) == load_config("tiny")
    dense = write(tmp_path, 'base = "tiny"\nmoe_layers = []\n', "tiny_dense.toml")
    assert load_config(str(dense)) == load_config("tiny_dense")  # name: the file's stem
    full = write(
        tmp_path,
        """
        name = "small"
        dim = 64
        heads = 4
        layers = 4
        mlp_hidden = 128
        expert_hidden = 64
        experts = 8
        top_k = 2
        tasks = 2
        moe_layers = [1, 3]
        image_hw = [64, 128]
        linear_tile = [8, 16]
        attn_parallel = 5
        axi_data_width = 128
        """,
        "no_base.toml",
    )
    assert load_config(full) == load_config("small")


def test_tables_change_only_the_fields_they_name(tmp_path):
    path = write(
        tmp_path,
        'base = "m3vit"\n[formats]\nbias = "ap_fixed<18,6,AP_RND_CONV,AP_SAT_SYM>"\n'
        "[gelu]\ntable_bits = 20\n",
    )
    cfg, m3vit = load_config(path), load_config("m3vit")
    assert cfg.formats == dataclasses.replace(
        m3vit.formats, bias=ap_fixed(18, 6, Quant.RND_CONV, Overflow.SAT_SYM)
    )
    assert cfg.gelu == dataclasses.replace(m3vit.gelu, table_bits=20)
    assert (cfg.exp, cfg.dim, cfg.name) == (m3vit.exp, m3vit.dim, "model")


def test_keyword_overrides_apply_on_top_of_a_file():
    cfg = load_config(EXAMPLE, top_k=1, gelu=GeluConfig(step_log2=7))
    assert (cfg.top_k, cfg.gelu.step_log2, cfg.experts) == (1, 7, 6)


def test_a_base_may_be_another_file(tmp_path):
    write(tmp_path, 'base = "tiny"\nexperts = 8\n', "parent.toml")
    (tmp_path / "sub").mkdir()
    child = write(tmp_path, 'base = "../parent.toml"\ntop_k = 3\n', "sub/child.toml")
    cfg = load_config(child)
    assert cfg == dataclasses.replace(load_config("tiny", experts=8, top_k=3), name="child")


def test_the_example_file_runs_through_the_golden_model():
    cfg = load_config(EXAMPLE)
    assert cfg.name == "example_small_moe"
    assert (cfg.layers, cfg.moe_layers, cfg.experts, cfg.top_k, cfg.tasks) == (3, (1, 2), 6, 3, 3)
    assert cfg.tokens == 7 and cfg.formats.linear_weight == ap_fixed(16, 3, Quant.RND, Overflow.SAT)
    qw = quantize_weights(cfg, synthetic_weights(cfg, seed=1))
    image = quantize_image(synthetic_image(cfg, seed=1), cfg)
    outputs = []
    for task in range(cfg.tasks):
        result = forward(cfg, qw, image, task)
        assert result.output.shape == (cfg.tokens, cfg.dim)
        assert set(result.experts) == {1, 2}
        assert all(e.indices.shape == (cfg.tokens, 3) for e in result.experts.values())
        outputs.append(result.output)
    assert not np.array_equal(outputs[0], outputs[1])  # every task has its own gates


def test_dump_command(tmp_path, capsys):
    assert main(["dump", str(EXAMPLE), "--base", "tiny"]) == 0
    text = capsys.readouterr().out
    assert 'base = "tiny"' in text and "experts = 6" in text and "dim =" not in text
    assert load_config(write(tmp_path, text, "again.toml")) == load_config(EXAMPLE)
    assert main(["dump", "nope.toml"]) == 1
    assert "no such configuration file" in capsys.readouterr().err


def test_config_argument_takes_names_and_files(tmp_path):
    assert config_argument("tiny") == "tiny"
    assert config_argument(str(EXAMPLE)) == str(EXAMPLE)
    with pytest.raises(argparse.ArgumentTypeError, match="did you mean 'small'"):
        config_argument("smal")
    with pytest.raises(argparse.ArgumentTypeError, match=r"field 'dimm'"):
        config_argument(str(write(tmp_path, 'base = "tiny"\ndimm = 3\n')))


# ---------------------------------------------------------------- bad files


@pytest.mark.parametrize(
    ("text", "field", "message"),
    [
        # Not TOML at all.
        ("dim = \n", None, r"not valid TOML: .*line 1"),
        ('base = "tiny"\n[gelu\n', None, "not valid TOML"),
        # Names: unknown fields and tables, with the closest known one.
        ('base = "tiny"\ndimm = 32\n', "dimm", "no such configuration field; did you mean 'dim'"),
        ('base = "tiny"\n[gelus]\nstep_log2 = 5\n', "gelus", "did you mean 'gelu'"),
        ('base = "tiny"\n[gelu]\nstep_log = 5\n', "gelu.step_log",
         "no such configuration field; did you mean 'step_log2'"),
        ('base = "tinyy"\n', "base", "unknown configuration 'tinyy'; did you mean 'tiny'"),
        ("base = 3\n", "base", "must be a preset name or a .toml path, got 3"),
        ('base = "tiny"\nname = 5\n', "name", "must be a non-empty string"),
        # Types.
        ('base = "tiny"\ndim = "32"\n', "dim", "must be an integer, got '32'"),
        ('base = "tiny"\ndim = true\n', "dim", "must be an integer, got True"),
        ('base = "tiny"\ndim = 32.0\n', "dim", "must be an integer, got 32.0"),
        ('base = "tiny"\nlayers = 1979-05-27\n', "layers", "must be an integer"),
        ('base = "tiny"\nmoe_layers = 1\n', "moe_layers", "must be a tuple of integers"),
        ('base = "tiny"\nmoe_layers = ["1"]\n', "moe_layers", "must be a tuple of integers"),
        ('base = "tiny"\nimage_hw = [32]\n', "image_hw", "must be a tuple of 2 integers"),
        ('base = "tiny"\nln_eps = "small"\n', "ln_eps", "must be a number"),
        ('base = "tiny"\ngelu = 5\n', "gelu", r"must be a table \(\[gelu\]\) of GeluConfig"),
        ('base = "tiny"\n[gelu]\nstep_log2 = 5.5\n', "gelu.step_log2", "must be an integer"),
        ('base = "tiny"\n[formats]\nfeature = 32\n', "formats.feature",
         "must be a fixed-point format"),
        ('base = "tiny"\n[formats]\nfeature = "ap_fixed<32,10>"\n', "formats.feature",
         "with both modes"),
        ('base = "tiny"\n[formats]\nfeature = "ap_fixed<32,10,AP_RND,AP_SATT>"\n',
         "formats.feature", "unknown overflow mode 'AP_SATT'; did you mean 'AP_SAT'"),
        ('base = "tiny"\n[formats]\nfeature = "ap_fixed<32,10,RND,AP_SAT>"\n',
         "formats.feature", "unknown quantisation mode 'RND'"),
        ('base = "tiny"\n[formats]\nfeature = "ap_fixed<80,10,AP_RND,AP_SAT>"\n',
         "formats.feature", "width 80 is outside 1..64"),
        # Values: the checks every configuration gets.
        ('base = "tiny"\nheads = 3\n', "dim", "32 is not divisible by heads=3"),
        ('base = "tiny"\ntop_k = 5\n', "top_k", "exceeds the number of experts 4"),
        ('base = "tiny"\nmoe_layers = [1, 1]\n', "moe_layers", "listed more than once"),
        ('base = "tiny"\n[gelu]\nstep_log2 = 23\n', "gelu.step_log2", "coarser than one LSB"),
        ('base = "m3vit"\n[formats]\nprob = "ap_ufixed<40,1,AP_RND,AP_SAT>"\n', "formats.prob",
         "must hold 1.0 in at most 32 bits"),
        # Without a base, every field without a default is required.
        ("dim = 32\n", "heads", "is required"),
    ],
)  # fmt: skip
def test_bad_files_name_the_file_and_the_field(tmp_path, text, field, message):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError, match=message) as info:
        load_config(path)
    assert info.value.field == field
    assert info.value.file == str(path)
    assert f"(file {path})" in str(info.value)
    if field is not None:
        assert f"field '{field}'" in str(info.value)


@pytest.mark.parametrize(
    ("overrides", "toml"),
    [
        ({"heads": 3}, "heads = 3"),
        ({"top_k": 5}, "top_k = 5"),
        ({"attn_parallel": 0}, "attn_parallel = 0"),
        ({"dim": 2.5}, "dim = 2.5"),
        ({"moe_layers": (2,)}, "moe_layers = [2]"),
        ({"image_hw": (30, 64)}, "image_hw = [30, 64]"),
        ({"axi_data_width": 96}, "axi_data_width = 96"),
        ({"gelu": GeluConfig(step_log2=6, range_log2=10)}, "[gelu]\nrange_log2 = 10"),
        ({"formats": Formats(feature=ap_fixed(16, 3, Quant.RND, Overflow.SAT))},
         '[formats]\nfeature = "ap_fixed<16,3,AP_RND,AP_SAT>"'),
        ({"formats": Formats(exp_out=ap_fixed(32, 2, Quant.RND, Overflow.SAT))},
         '[formats]\nexp_out = "ap_fixed<32,2,AP_RND,AP_SAT>"'),
        ({"formats": Formats(ln_var=ap_ufixed(40, 19, Quant.RND, Overflow.SAT))},
         '[formats]\nln_var = "ap_ufixed<40,19,AP_RND,AP_SAT>"'),
        ({"ln_eps": 0.0}, "ln_eps = 0.0"),
        ({"expert": 3}, "expert = 3"),
    ],
)  # fmt: skip
def test_a_file_fails_exactly_as_the_same_preset_override(tmp_path, overrides, toml):
    with pytest.raises(ConfigError) as from_python:
        load_config("tiny", **overrides)
    path = write(tmp_path, f'base = "tiny"\nname = "tiny"\n{toml}\n')
    with pytest.raises(ConfigError) as from_file:
        load_config(path)
    a, b = from_python.value, from_file.value
    assert (a.config, a.field, a.message, a.file) == (b.config, b.field, b.message, None)
    assert str(b) == str(a).replace("configuration 'tiny':", f"configuration 'tiny' (file {path}):")


def test_unreadable_files(tmp_path):
    with pytest.raises(ConfigError, match=r"no such configuration file") as info:
        load_config(tmp_path / "absent.toml")
    assert info.value.file == str(tmp_path / "absent.toml")
    bad = tmp_path / "latin1.toml"
    bad.write_bytes(b'name = "caf\xe9"\n')
    with pytest.raises(ConfigError, match="not UTF-8 text"):
        load_config(bad)
    with pytest.raises(ConfigError, match=r"must end in \.toml"):
        load_config(write(tmp_path, "", "model.yaml"))  # a Path is always a file
    with pytest.raises(ConfigError, match=r"unknown configuration.*must end in \.toml"):
        load_config("configs/model.yaml")


def test_bases_that_loop_are_refused(tmp_path):
    write(tmp_path, 'base = "b.toml"\n', "a.toml")
    write(tmp_path, 'base = "a.toml"\n', "b.toml")
    with pytest.raises(ConfigError, match="the bases form a loop") as info:
        load_config(tmp_path / "a.toml")
    assert info.value.field == "base"


def test_an_error_in_a_base_file_names_that_file(tmp_path):
    parent = write(tmp_path, 'base = "tiny"\ntop_k = 9\n', "parent.toml")
    child = write(tmp_path, 'base = "parent.toml"\n', "child.toml")
    with pytest.raises(ConfigError, match=r"field 'top_k'") as info:
        load_config(child)
    assert info.value.file == str(parent)


def test_parse_format():
    assert parse_format("ap_ufixed<8,0,AP_RND,AP_SAT>") == ap_ufixed(8, 0, Quant.RND, Overflow.SAT)
    assert parse_format(" ap_fixed< 16 , -2 ,AP_TRN,AP_WRAP> ") == ap_fixed(16, -2)
    for fmt in (ap_fixed(32, 10, Quant.RND_INF, Overflow.SAT_ZERO), ap_ufixed(1, 5)):
        assert parse_format(str(fmt)) == fmt


def test_unknown_override_names_suggest_the_field():
    with pytest.raises(ConfigError, match="no such configuration field; did you mean 'experts'"):
        load_config("tiny", expert=3)
    with pytest.raises(ConfigError, match=r"field 'name': unknown configuration; did you mean"):
        load_config("smalll")
