"""The generated package and ROM agree with the configuration and the table's definition."""

from __future__ import annotations

import re

import mpmath
import numpy as np
import pytest

from golden.approx.tables import gelu_delta_table
from golden.config import CONFIG_NAMES, load_config
from hls.generate import ROMS, generate, rom_hex_text


@pytest.fixture(scope="module", params=CONFIG_NAMES)
def generated(request, tmp_path_factory):
    cfg = load_config(request.param)
    return cfg, generate(cfg, tmp_path_factory.mktemp(cfg.name))


@pytest.mark.parametrize("rom", sorted(ROMS))
def test_rom_files_hold_the_tables(generated, rom):
    cfg, files = generated
    params = getattr(cfg, ROMS[rom].config_field)
    bits = ROMS[rom].entry_bits(params)
    lines = files.roms[rom].read_text().split()
    assert all(len(line) == (bits + 3) // 4 for line in lines)
    np.testing.assert_array_equal([int(line, 16) for line in lines], ROMS[rom].table(params))
    text = files.package.read_text()
    assert f'_ROM_FILE = "{files.roms[rom].resolve()}"' in text


def test_gelu_rom_depth(generated):
    cfg, files = generated
    assert (
        len(files.gelu_rom.read_text().split())
        == cfg.gelu.entries
        == gelu_delta_table(cfg.gelu).size
    )


def test_package_states_the_config(generated):
    cfg, files = generated
    text = files.package.read_text()
    params = dict(re.findall(r"localparam int (\w+) = (-?\d+);", text))
    expected = {
        "DIM": cfg.dim, "HEADS": cfg.heads, "TOKENS": cfg.tokens, "EXPERTS": cfg.experts,
        "TOP_K": cfg.top_k, "ATTN_P": cfg.attn_parallel, "AXI_DATA_W": cfg.axi_data_width,
        "FEATURE_W": cfg.formats.feature.width, "FEATURE_FRAC": cfg.formats.feature.frac_bits,
        "GELU_STEP_LOG2": cfg.gelu.step_log2, "GELU_RANGE_LOG2": cfg.gelu.range_log2,
        "GELU_TABLE_BITS": cfg.gelu.table_bits, "GELU_ENTRY_W": cfg.gelu.table_bits,
        "GELU_ENTRIES": cfg.gelu.entries,
    }  # fmt: skip
    assert {k: int(params[k]) for k in expected} == expected
    assert f'GELU_ROM_FILE = "{files.gelu_rom.resolve()}"' in text


def test_unchanged_files_are_not_rewritten(generated):
    cfg, files = generated
    paths = [files.package, *files.roms.values()]
    before = [p.stat().st_mtime_ns for p in paths]
    generate(cfg, files.package.parent)
    assert [p.stat().st_mtime_ns for p in paths] == before


@pytest.mark.parametrize("name", CONFIG_NAMES)
def test_table_entries_are_correctly_rounded(name):
    """Every entry against mpmath: delta(t) = t * Phi(-t), rounded to nearest."""
    g = load_config(name).gelu
    table = gelu_delta_table(g)
    mpmath.mp.dps = 40
    for i in range(0, g.entries, max(1, g.entries // 64)):
        t = mpmath.mpf(i) / 2**g.step_log2
        exact = t * mpmath.ncdf(-t) * 2**g.table_bits
        assert abs(table[i] - exact) <= 0.5, f"entry {i} = {table[i]}, exact {exact}"


def test_rom_hex_rejects_entries_that_do_not_fit():
    with pytest.raises(ValueError, match="do not fit 8 unsigned bits"):
        rom_hex_text(np.array([0, 256]), 8)
    with pytest.raises(ValueError, match="do not fit"):
        rom_hex_text(np.array([-1]), 8)
