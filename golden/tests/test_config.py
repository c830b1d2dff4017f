"""Named configurations load, and impossible ones are rejected naming the field."""

from __future__ import annotations

import pytest

from golden.config import (
    CONFIG_NAMES,
    PER_COMMIT_CONFIGS,
    ConfigError,
    Formats,
    GeluConfig,
    load_config,
)
from golden.fixed import ap_fixed


@pytest.mark.parametrize("name", CONFIG_NAMES)
def test_named_configs_are_consistent(name):
    cfg = load_config(name)
    assert cfg.name == name
    assert cfg.dim == cfg.heads * cfg.head_dim
    assert cfg.top_k <= cfg.experts
    assert all(0 <= layer < cfg.layers for layer in cfg.moe_layers)


def test_m3vit_has_the_real_sizes():
    # ../shared/m3vit-weights/README.md: 12 layers, dim 192, 3 heads, 129 tokens,
    # FFN 768, 16 experts of hidden 384, top-2, 2 tasks, MoE on odd layers.
    cfg = load_config("m3vit")
    assert (cfg.layers, cfg.dim, cfg.heads, cfg.tokens) == (12, 192, 3, 129)
    assert (cfg.mlp_hidden, cfg.experts, cfg.expert_hidden, cfg.top_k, cfg.tasks) == (
        768, 16, 384, 2, 2,
    )  # fmt: skip
    assert cfg.moe_layers == (1, 3, 5, 7, 9, 11)


@pytest.mark.parametrize("name", PER_COMMIT_CONFIGS)
def test_per_commit_configs_exercise_tails(name):
    cfg = load_config(name)
    assert cfg.tokens % cfg.attn_parallel != 0, "tokens must not be a multiple of P"
    assert cfg.tokens % cfg.linear_tile[0] != 0, "tokens must not be a multiple of the tile"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"heads": 3}, "dim"),  # 32 % 3 != 0
        ({"top_k": 5}, "top_k"),  # tiny has 4 experts
        ({"attn_parallel": 0}, "attn_parallel"),
        ({"heads": 0}, "heads"),
        ({"experts": -1}, "experts"),
        ({"dim": 2.5}, "dim"),
        ({"moe_layers": (2,)}, "moe_layers"),
        ({"image_hw": (30, 64)}, "image_hw"),
        ({"linear_tile": (0, 8)}, "linear_tile"),
        ({"axi_data_width": 96}, "axi_data_width"),
        ({"gelu": GeluConfig(step_log2=23)}, "gelu.step_log2"),
        ({"gelu": GeluConfig(range_log2=10)}, "gelu.range_log2"),
        ({"gelu": GeluConfig(step_log2=7, table_bits=7)}, "gelu.table_bits"),
        ({"formats": Formats(feature=ap_fixed(16, 3))}, "gelu.range_log2"),
        ({"bogus": 1}, "bogus"),
    ],
)
def test_impossible_configs_name_the_field(overrides, field):
    with pytest.raises(ConfigError, match=rf"field '{field}'") as info:
        load_config("tiny", **overrides)
    assert info.value.field == field


def test_unknown_config_name():
    with pytest.raises(ConfigError, match="unknown configuration"):
        load_config("huge")
