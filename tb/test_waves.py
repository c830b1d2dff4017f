"""tb.waves: the window of a VCD before a failure."""

from __future__ import annotations

import pytest

from tb.waves import WaveformError, last_time, timescale_ps, window_vcd

VCD = """$date today $end
$timescale 1ps $end
$scope module top $end
$var wire 1 ! clk $end
$var wire 8 " data [7:0] $end
$var real 64 # level $end
$upscope $end
$enddefinitions $end
#0
$dumpvars
0!
b0 "
r0.5 #
$end
#2000
1!
#4000
0!
b101 "
#6000
1!
r1.25 #
#8000
0!
"""


@pytest.fixture
def vcd(tmp_path):
    p = tmp_path / "dump.vcd"
    p.write_text(VCD)
    return p


def test_header_facts(vcd):
    assert timescale_ps(vcd) == 1
    assert last_time(vcd) == 8000


def test_window_opens_with_the_state_at_its_start(vcd, tmp_path):
    out = tmp_path / "w.vcd"
    window_vcd(vcd, out, 5000)
    text = out.read_text()
    head, body = text.split("$enddefinitions $end\n")
    assert '$var wire 8 " data [7:0] $end' in head
    # Values at 5000 ps: clk 0, data 0b101, level 0.5; then the changes after it.
    assert body == '#5000\n$dumpvars\n0!\nb101 "\nr0.5 #\n$end\n#6000\n1!\nr1.25 #\n#8000\n0!\n'


def test_a_window_at_zero_is_the_whole_dump(vcd, tmp_path):
    out = tmp_path / "w.vcd"
    window_vcd(vcd, out, 0)
    body = out.read_text().split("$enddefinitions $end\n")[1]
    assert body.startswith("#0\n$dumpvars\n$end\n#0\n$dumpvars\n0!\n")
    assert body.endswith("#8000\n0!\n")


def test_a_window_past_the_end_holds_the_final_state(vcd, tmp_path):
    out = tmp_path / "w.vcd"
    window_vcd(vcd, out, 9000)
    body = out.read_text().split("$enddefinitions $end\n")[1]
    assert body == '#9000\n$dumpvars\n0!\nb101 "\nr1.25 #\n$end\n'


def test_not_a_vcd(tmp_path):
    p = tmp_path / "x.vcd"
    p.write_text("hello\n")
    with pytest.raises(WaveformError, match="not a VCD"):
        timescale_ps(p)
