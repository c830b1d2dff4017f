"""pytest entry of a kernel given by a design file (``--design``, docs/your_design.md;
cocotb test in tb/kernel/design_tests.py).

Without ``--design`` the repository's own kernel runs through exactly that path:
``designs/edgemoe_kernel/design.toml`` lists our rtl/ files and our Vitis-style
header, on tiny_dense, with a few stop_after runs. The other tests here check
that those generated files are current and that a bad design file stops pytest
with one line before anything is built.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ci.rtl_sources import rtl_closure
from hls.program import program
from hls.registers import REGISTER_MAP, STOP_ALL, stage_index
from hls.vitis_header import header_name, vitis_header_text
from tb.components.axi.control import register_map_from_vitis_header
from tb.kernel.design import (
    OWN_DESIGN,
    DesignError,
    load_design,
    main,
    own_design_files,
    stage_label,
)
from tb.marks import sim_test

TESTS = "tb.kernel.design_tests"
REPO = Path(__file__).resolve().parents[2]


def design_build(sim_builds, design):
    """The design's build: its files and top, for its configuration, in
    ``build/sim/<config>/<name>/`` (our own design shares the kernel bench's build)."""
    return sim_builds(design.top, design.config, sources=design.files, name=design.name,
                      parameters=design.parameters, public=design.ports.public())  # fmt: skip


def run_design(sim_builds, design, stop: int, seed: int, *, check: bool = True):
    label = stage_label(design.kernel_config(), stop)
    return design_build(sim_builds, design).run(
        TESTS, ["design_run"], seed=seed, check=check, run_name=f"{design.name}-{label}",
        extra_env={"EDGEMOE_DESIGN": str(design.path),
                   "KERNEL_STOP": "all" if stop == STOP_ALL else str(stop)},
    )  # fmt: skip


@sim_test(1800)
def test_design_stop_after(design_stop, sim_builds, seed_report):
    """One run per stop_after value of the design: every stage up to it bit-exact
    (read from memory after the run), every later stage's buffer untouched, the
    image and weights unchanged; without a stop_after argument, the final output."""
    design, stop = design_stop
    run_design(sim_builds, design, stop, seed_report)


@sim_test(900)
def test_design_final_output_check_can_fail(tmp_path, sim_builds, seed_report):
    """A design whose header has no stop_after is checked on its final output only.
    Our kernel behind such a header never gets stop_after written, keeps its reset
    value 0 and stops after the patch embedding: the final-output check must fail."""
    path = _write_design(tmp_path, header=_header_without("stop_after"), name="edgemoe_kernel")
    design = load_design(path)
    assert not design.has_stop_after and design.stops == (STOP_ALL,)
    # check=False: an expected failure needs no waveform rerun
    result = run_design(sim_builds, design, STOP_ALL, seed_report, check=False)
    assert not result.passed, "the kernel stopped after stage 0, yet its final output passed"
    cfg = design.kernel_config()
    last = stage_index(cfg, cfg.layers - 1, "residual2")
    text = result.failure_summary()
    assert f"stage {last} (layer {cfg.layers - 1}, residual2, RESIDUAL): " in text, text
    assert "the buffer was probably never written" in text, text


def test_own_design_files_are_current():
    """designs/edgemoe_kernel/files.f and its header are what ci.rtl_sources and
    hls/registers.py generate now."""
    for file, text in own_design_files().items():
        assert file.is_file() and file.read_text() == text, (
            f"{file.relative_to(REPO)} is out of date: run `python -m tb.kernel.design write-own`"
        )


def test_vitis_header_reads_back_as_the_register_map():
    """The header hls.vitis_header writes is read back by the parser a user's header
    goes through, into the register map it was written from."""
    assert register_map_from_vitis_header(vitis_header_text()) == tuple(
        r.__class__(r.name, r.kind, r.offset, r.access, "from header") for r in REGISTER_MAP
    )


def test_own_design_loads():
    design = load_design(OWN_DESIGN)
    assert (design.name, design.top, design.config) == ("edgemoe_kernel", "edgemoe_kernel",
                                                        "tiny_dense")  # fmt: skip
    assert [(r.name, r.kind, r.offset, r.access) for r in design.registers] == [
        (r.name, r.kind, r.offset, r.access) for r in REGISTER_MAP
    ]
    cfg = design.kernel_config()
    assert [stage_label(cfg, s) for s in design.stops] == [
        "patch_embed", "layer0.attn", "layer0.residual2", "all",
    ]  # fmt: skip


def test_design_with_files_in_toml_and_renamed_registers(tmp_path):
    """The other forms: the files as a TOML list (relative to the design file), and a
    header whose arguments have other names, mapped in [registers]."""
    renamed = [dataclasses.replace(r, name={"image": "img", "status": "err"}.get(r.name, r.name))
               for r in REGISTER_MAP]  # fmt: skip
    (tmp_path / "k_hw.h").write_text(vitis_header_text("k", renamed))
    files = [os.path.relpath(f, tmp_path) for f in rtl_closure("edgemoe_kernel")]
    design_file = tmp_path / "design.toml"
    design_file.write_text(
        f'top = "edgemoe_kernel"\nfiles = {json.dumps(files)}\nheader = "k_hw.h"\n'
        'config = "tiny_dense"\n[registers]\nimage = "img"\nstatus = "err"\n'
    )
    design = load_design(design_file)
    assert list(design.files) == rtl_closure("edgemoe_kernel")
    regs = {r.name: r for r in design.registers}
    assert set(regs) == {r.name for r in REGISTER_MAP}
    assert (regs["image"].offset, regs["status"].access) == (0x10, "ro")
    assert design.stops == tuple(range(len(program(design.kernel_config()))))


def test_check_command_says_what_runs(tmp_path, capsys):
    """``python -m tb.kernel.design check``: the runs, and plainly when only the final
    output can be checked; a bad file is one line on stderr and exit code 1."""
    assert main(["check", str(OWN_DESIGN)]) == 0
    out = capsys.readouterr().out
    assert "checks: 4 stop_after run(s)" in out and "runs: patch_embed, layer0.attn," in out
    no_stop = _write_design(tmp_path, header=_header_without("stop_after"))
    assert main(["check", str(no_stop)]) == 0
    out = capsys.readouterr().out
    assert "the header has no stop_after, so only the final output is checked" in out, out
    assert "runs: all\n" in out, out
    assert main(["check", str(tmp_path / "nope.toml")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].endswith("nope.toml does not exist"), err


# ---- a bad design file: one line, before any build
def _write_design(tmp_path: Path, *, files: str | None = None, header: str | None = None,
                  extra: str = "", **keys: str | None) -> Path:  # fmt: skip
    """A design file in ``tmp_path`` for our kernel (its file list, our header, tiny_dense),
    with ``files`` / ``header`` as the list's and the header's text and ``keys`` replacing
    (None: dropping) top-level keys; ``extra`` is appended."""
    listed = files if files is not None else (OWN_DESIGN.parent / "files.f").read_text()
    (tmp_path / "files.f").write_text(listed.replace("../../rtl/", f"{REPO}/rtl/"))
    (tmp_path / header_name()).write_text(header if header is not None else vitis_header_text())
    values = {"top": "edgemoe_kernel", "files": "files.f", "header": header_name(),
              "config": "tiny_dense", **keys}  # fmt: skip
    lines = [f'{key} = "{value}"' for key, value in values.items() if value is not None]
    path = tmp_path / "design.toml"
    path.write_text("\n".join(lines) + "\n" + extra)
    return path


def _header_without(name: str) -> str:
    return vitis_header_text(registers=[r for r in REGISTER_MAP if r.name != name])


def _own_file_count() -> int:
    """How many RTL files our own design's file list names."""
    lines = (OWN_DESIGN.parent / "files.f").read_text().splitlines()
    return sum(1 for line in lines if line.strip() and not line.lstrip().startswith("#"))


BAD_DESIGNS = {
    "missing_key": (dict(config=None),
                    "'config' is missing (required: top, files, header, config)"),
    "unknown_key": (dict(extra='stage = ["all"]\n'),
                    "unknown key 'stage'; did you mean 'stages'?"),
    "missing_file": (dict(files="../../rtl/edgemoe_kernel.sv\n\n# a comment\nrtl/nope.sv\n"),
                     "files.f line 4: rtl/nope.sv does not exist"),
    "top_not_found": (dict(files="../../rtl/ctrl_regs.sv\n"),
                      "top 'edgemoe_kernel' is not declared in any of its 1 file"),
    "top_misspelt": (dict(top="edgemoe_kernal"),
                     f"top 'edgemoe_kernal' is not declared in any of its "
                     f"{_own_file_count()} files; did you mean 'edgemoe_kernel'?"),
    "header_lacks_pointer": (dict(header=_header_without("weights")),
                             "has no register 'weights' (a 64-bit pointer; found: image, "),
    "not_a_vitis_header": (dict(header="#define X 1\n"), "is not a Vitis ap_ctrl_hs header"),
    "unknown_config": (dict(config="tiny_dence"),
                       "config 'tiny_dence' is not a preset configuration; did you mean "
                       "'tiny_dense'"),
    "unknown_stage": (dict(extra='stages = ["layer0.atn"]\n'),
                      "stages: no stage 'layer0.atn' in 'tiny_dense'; did you mean 'layer0.attn'"),
    "stage_without_stop_after": (dict(header=_header_without("stop_after"),
                                      extra='stages = ["patch_embed"]\n'),
                                 "stages: 'patch_embed' needs a stop_after argument"),
    "wrong_port": (dict(extra='[ports]\nmemory = "m_axi_gmem0"\n'),
                   "has no port 'm_axi_gmem0_AWVALID' ([ports] memory = 'm_axi_gmem0')"),
    "bad_toml": (dict(extra="stages = [\n"), "not valid TOML: "),
    "unknown_register_role": (dict(extra='[registers]\nimages = "img"\n'),
                              "[registers] images: not an argument of the bench; did you "
                              "mean 'image' or 'num_images'?"),
    "renamed_register_absent": (dict(extra='[registers]\nimage = "img"\n'),
                                "has no register 'img' (a 64-bit pointer; found: image, "),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(BAD_DESIGNS))
def test_bad_design_is_one_clear_line(case, tmp_path):
    kwargs, want = BAD_DESIGNS[case]
    path = _write_design(tmp_path, **kwargs)
    with pytest.raises(DesignError) as exc:
        load_design(path)
    text = str(exc.value)
    assert "\n" not in text and text.startswith("design "), text
    assert want in text, text


def _collect(design: Path) -> subprocess.CompletedProcess:
    """``pytest --collect-only tb/kernel --design=<design>`` in a fresh process."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
         "--report-dir", "", "tb/kernel", f"--design={design}"],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_a_bad_design_stops_pytest_before_any_build(tmp_path):
    """``pytest tb/kernel --design bad.toml``: exit code 4 and the fault alone, one line."""
    path = _write_design(tmp_path, files="../../rtl/edgemoe_kernel.sv\nrtl/nope.sv\n")
    proc = _collect(path)
    out = (proc.stdout + proc.stderr).strip().splitlines()
    assert proc.returncode == pytest.ExitCode.USAGE_ERROR, out
    assert len(out) == 1 and out[0].startswith("ERROR: design "), out
    assert "files.f line 2: rtl/nope.sv does not exist" in out[0], out


def test_design_option_selects_only_the_design_runs(tmp_path):
    """``pytest tb/kernel --design ...`` collects one run per stop_after value of the
    design and nothing of the kernel bench that needs our kernel's internals."""
    proc = _collect(_write_design(tmp_path, extra='stages = ["layer0.q", "all"]\n'))
    ids = [line for line in proc.stdout.splitlines() if "::" in line]
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert ids == [
        "tb/kernel/test_design.py::test_design_stop_after[edgemoe_kernel-layer0.q]",
        "tb/kernel/test_design.py::test_design_stop_after[edgemoe_kernel-all]",
    ], ids
