"""The kernel bench's Python side, without a simulator: layout, fill, comparison."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from golden.config import load_config
from hls.memory_map import PAGE_BYTES, SPACES
from hls.program import program
from tb.kernel.model import (
    SENTINEL,
    Layout,
    StageMismatch,
    compare_stage,
    expected_taps,
    synthetic_inputs,
)

CFG = load_config("tiny_dense")


def test_spaces_are_page_aligned_disjoint_and_guarded():
    layout = Layout(CFG, images=2)
    spans = sorted((layout.bases[s], layout.bases[s] + layout.mm.space_bytes(s)) for s in SPACES)
    assert spans[0][0] >= PAGE_BYTES  # no pointer is null
    for (lo0, hi0), (lo1, _) in itertools.pairwise(spans):
        assert lo0 % PAGE_BYTES == 0 and lo1 >= hi0 + PAGE_BYTES
    assert spans[-1][1] <= layout.size


def test_fill_packs_inputs_and_sentinels():
    inputs = synthetic_inputs(CFG, seed=3, images=2)
    layout = Layout(CFG, images=2)
    blobs = layout.fill(inputs)
    mm = layout.mm
    np.testing.assert_array_equal(mm.read("image1", blobs["image"]), inputs.images[1])
    w = "l1_fc2_weight"
    np.testing.assert_array_equal(mm.read(w, blobs["weights"]), inputs.qweights[w])
    assert set(blobs["scratch"]) == {SENTINEL} and set(blobs["output"]) == {SENTINEL}
    with pytest.raises(ValueError, match="images"):
        Layout(CFG, images=1).fill(inputs)


def test_the_last_stage_reads_from_the_output_of_its_image():
    layout = Layout(CFG, images=2)
    last = program(CFG)[-1]
    a0, r0 = layout.stage_region(last, 0)
    a1, r1 = layout.stage_region(last, 1)
    assert (r0.name, r1.name) == ("output0", "output1")
    assert a1 - a0 == r1.offset - r0.offset


def test_compare_names_the_first_differing_token_and_element():
    inputs = synthetic_inputs(CFG, seed=1)
    expected = expected_taps(CFG, inputs)[0]
    stage = program(CFG)[5]
    got = expected[5].copy()
    compare_stage(stage, 0, got, expected[5])
    got[4, 7] += 1
    got[6, 1] -= 1
    with pytest.raises(
        StageMismatch,
        match=r"2 of 288 elements differ \(\+1 LSB x1, -1 LSB x1\); first at "
        r"token 4, element 7: kernel raw -?\d+ = [-\d.e]+, golden raw",
    ):
        compare_stage(stage, 0, got, expected[5], CFG.formats.feature)
