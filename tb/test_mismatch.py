"""tb.mismatch: the failure description a person reads first."""

from __future__ import annotations

import numpy as np
import pytest

from golden.fixed import ap_fixed
from tb.mismatch import describe_mismatch

FMT = ap_fixed(16, 6)  # 10 fraction bits: raw 1024 = 1.0


def test_equal_arrays_have_no_description():
    a = np.arange(12).reshape(3, 4)
    assert describe_mismatch(a, a.copy(), FMT) is None


def test_a_uniform_offset_is_one_line():
    expected = np.arange(288).reshape(12, 24)
    got = expected + 1
    text = describe_mismatch(got, expected, FMT)
    assert text.startswith("all 288 elements differ by +1 LSB; first at token 0, element 0: ")
    assert "kernel raw 1 = 0.0009765625, golden raw 0 = 0 (+1 LSB)" in text
    assert "largest" not in text


def test_histogram_first_and_largest():
    expected = np.zeros((4, 8), dtype=np.int64)
    got = expected.copy()
    got[0, 3] = 1
    got[1, 2] = 1
    got[2, 5] = -1024
    text = describe_mismatch(got, expected, FMT)
    assert text.startswith("3 of 32 elements differ (+1 LSB x2, -1024 LSB x1); ")
    assert "first at token 0, element 3: kernel raw 1 = 0.0009765625" in text
    largest = "largest at token 2, element 5: kernel raw -1024 = -1, golden raw 0 = 0 (-1024 LSB)"
    assert largest in text


def test_histogram_is_capped():
    expected = np.zeros(10, dtype=np.int64)
    got = np.arange(10)
    text = describe_mismatch(got, expected, None, axes=("element",))
    assert text.startswith("9 of 10 elements differ (")
    assert text.count(" LSB x1") == 4 and ", ...)" in text
    assert "first at element 1: kernel raw 1, golden raw 0 (+1 LSB)" in text


def test_a_never_written_buffer_is_named():
    expected = np.arange(6).reshape(2, 3)
    got = np.full((2, 3), -23131)
    text = describe_mismatch(got, expected, None, got_name="rtl")
    assert "rtl raw -23131" in text
    assert text.endswith("every element reads raw -23131: the buffer was probably never written")


def test_wide_raw_values_keep_their_bits():
    wide = np.array([1 << 70, 5], dtype=object)
    assert "+1 LSB" in describe_mismatch(wide + np.array([1, 0], dtype=object), wide, None)


def test_shapes_must_match():
    with pytest.raises(ValueError, match="shapes differ"):
        describe_mismatch(np.zeros(3), np.zeros(4))
