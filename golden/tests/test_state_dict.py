"""Weights from an M3ViT-style PyTorch state_dict (golden/state_dict.py) and their check.

The model here is written in the test, in M3ViT's module structure and names
(VisionTransformerMoE: Conv2d patch embedding, cls_token, pos_embed, blocks of
norm1/attn.qkv/attn.proj/norm2 and an Mlp or a FastMoE layer with per-task
gates and FMoELinear experts) and Edge-MoE's routing (top-k by logit, softmax
over the chosen), with random parameters.  Its own forward pass, on its own
tensors, is the oracle for the import: the float reference on the imported
weights must compute the same output.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from golden.config import load_config
from golden.quantize_weights import describe_weights, quantize_image, quantize_weights
from golden.weights import (
    STATE_DICT_FUNCTIONS,
    WeightsError,
    expected_shapes,
    synthetic_image,
    synthetic_weights,
)

torch = pytest.importorskip(
    "torch", reason="the state_dict import is checked against a PyTorch model (the `float` extra)"
)
nn = torch.nn

from golden import weights as weights_module  # noqa: E402
from golden.model import forward  # noqa: E402
from golden.reference import reference_forward  # noqa: E402
from golden.state_dict import (  # noqa: E402
    load_checkpoint,
    load_model_weights,
    read_state_dict,
    state_dict_shapes,
    weights_from_state_dict,
)
from golden.weights_cli import main as weights_main  # noqa: E402

EXAMPLE = Path(__file__).resolve().parents[2] / "configs" / "example_small_moe.toml"
TINY = load_config("tiny")


# ---------------------------------------------------------------- an M3ViT-style model


class Attention(nn.Module):
    def __init__(self, dim: int, heads: int) -> None:
        super().__init__()
        self.heads = heads
        self.scale = (dim // heads) ** -0.5
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        b, n, c = x.shape
        qkv = self.qkv(x).reshape(b, n, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        attn = ((q @ k.transpose(-2, -1)) * self.scale).softmax(dim=-1)
        return self.proj((attn @ v).transpose(1, 2).reshape(b, n, c))


class Mlp(nn.Module):
    def __init__(self, dim: int, hidden: int) -> None:
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x, task):
        return self.fc2(self.act(self.fc1(x)))


class FMoELinear(nn.Module):
    """FastMoE's layout: weight (experts, out, in), bias (experts, out)."""

    def __init__(self, experts: int, d_in: int, d_out: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.empty(experts, d_out, d_in))
        self.bias = nn.Parameter(torch.empty(experts, d_out))

    def forward(self, x, expert):  # x (N, in), expert (N,): one expert per row
        return torch.einsum("noi,ni->no", self.weight[expert], x) + self.bias[expert]


class Experts(nn.Module):
    def __init__(self, experts: int, dim: int, hidden: int) -> None:
        super().__init__()
        self.htoh4 = FMoELinear(experts, dim, hidden)
        self.h4toh = FMoELinear(experts, hidden, dim)


class Gate(nn.Module):
    def __init__(self, dim: int, experts: int) -> None:
        super().__init__()
        self.w_gate = nn.Parameter(torch.empty(dim, experts))  # logits = x @ w_gate


class MoE(nn.Module):
    def __init__(self, cfg) -> None:
        super().__init__()
        self.top_k = cfg.top_k
        self.experts = Experts(cfg.experts, cfg.dim, cfg.expert_hidden)
        self.gate = nn.ModuleList(Gate(cfg.dim, cfg.experts) for _ in range(cfg.tasks))

    def forward(self, x, task):
        b, n, d = x.shape
        tokens = x.reshape(b * n, d)
        logits = tokens @ self.gate[task].w_gate
        chosen = torch.sort(logits, dim=1, descending=True, stable=True).indices[:, : self.top_k]
        scores = torch.softmax(torch.gather(logits, 1, chosen), dim=1)
        out = torch.zeros_like(tokens)
        for slot in range(self.top_k):  # every token through its slot's expert
            e = chosen[:, slot]
            hidden = torch.nn.functional.gelu(self.experts.htoh4(tokens, e))
            out = out + scores[:, slot : slot + 1] * self.experts.h4toh(hidden, e)
        return out.reshape(b, n, d)


class Block(nn.Module):
    def __init__(self, cfg, layer: int) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(cfg.dim, eps=cfg.ln_eps)
        self.attn = Attention(cfg.dim, cfg.heads)
        self.norm2 = nn.LayerNorm(cfg.dim, eps=cfg.ln_eps)
        self.mlp = MoE(cfg) if cfg.is_moe(layer) else Mlp(cfg.dim, cfg.mlp_hidden)

    def forward(self, x, task):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x), task)


class PatchEmbed(nn.Module):
    def __init__(self, cfg) -> None:
        super().__init__()
        self.proj = nn.Conv2d(cfg.channels, cfg.dim, kernel_size=cfg.patch, stride=cfg.patch)


class M3ViTEncoder(nn.Module):
    def __init__(self, cfg) -> None:
        super().__init__()
        self.patch_embed = PatchEmbed(cfg)
        self.cls_token = nn.Parameter(torch.empty(1, 1, cfg.dim))
        self.pos_embed = nn.Parameter(torch.empty(1, cfg.tokens, cfg.dim))
        self.blocks = nn.ModuleList(Block(cfg, layer) for layer in range(cfg.layers))

    def forward(self, image, task):
        x = self.patch_embed.proj(image).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], dim=1) + self.pos_embed
        for block in self.blocks:
            x = block(x, task)
        return x


def make_model(cfg, seed: int = 0) -> M3ViTEncoder:
    """Random parameters with the spreads of trained ones (inside the kernel's formats)."""
    torch.manual_seed(seed)
    model = M3ViTEncoder(cfg)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith(("norm1.weight", "norm2.weight")):
                p.normal_(1.0, 0.2)
            elif name in ("cls_token", "pos_embed") or name.endswith("bias"):
                p.normal_(0.0, 0.3)
            else:
                p.normal_(0.0, 0.05)
    return model.eval()


@pytest.fixture(scope="module")
def tiny_model() -> M3ViTEncoder:
    return make_model(TINY)


def numpy_state_dict(model) -> dict[str, np.ndarray]:
    return {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}


def model_output(model, cfg, image: np.ndarray, task: int) -> np.ndarray:
    with torch.no_grad():
        return model(torch.tensor(image)[None], task)[0].numpy()


# ---------------------------------------------------------------- the import


@pytest.mark.parametrize("cfg_name", ["tiny", "example"])
def test_imported_weights_compute_what_the_torch_model_computes(cfg_name):
    cfg = TINY if cfg_name == "tiny" else load_config(EXAMPLE)
    model = make_model(cfg, seed=1)
    weights = weights_from_state_dict(cfg, model.state_dict())
    assert list(weights) == list(expected_shapes(cfg))
    assert weights.synthesised == frozenset()
    image = synthetic_image(cfg, seed=4)
    for task in range(cfg.tasks):
        ref = reference_forward(cfg, weights, image, task, dtype=torch.float32)
        ours = model_output(model, cfg, image, task)
        np.testing.assert_allclose(ref.output, ours, rtol=1e-5, atol=2e-5)
    # ... and the bit-exact golden model runs on them.
    qw = quantize_weights(cfg, weights)
    assert qw.total_saturated == 0
    out = forward(cfg, qw, quantize_image(image, cfg), 0).output
    assert out.shape == (cfg.tokens, cfg.dim)


def test_each_tensor_is_the_model_parameter_in_the_edge_moe_layout(tiny_model):
    sd = numpy_state_dict(tiny_model)
    w = weights_from_state_dict(TINY, tiny_model.state_dict())
    pos = sd["pos_embed"][0].copy()
    pos[0] += sd["cls_token"][0, 0]
    assert np.array_equal(w["pos_embed"], pos)
    assert np.array_equal(w["pos_embed"][1:], sd["pos_embed"][0, 1:])
    assert np.array_equal(w["patch_embed_weight"], sd["patch_embed.proj.weight"])
    assert np.array_equal(w["l0_qkv_weight"], sd["blocks.0.attn.qkv.weight"])
    assert np.array_equal(w["l0_fc2_bias"], sd["blocks.0.mlp.fc2.bias"])
    for task in range(TINY.tasks):
        gate = sd[f"blocks.1.mlp.gate.{task}.w_gate"]
        assert np.array_equal(w[f"l1_w_gate_T_task{task}"], gate.T)
    assert np.array_equal(w["l1_htoh4_weight"], sd["blocks.1.mlp.experts.htoh4.weight"])
    assert np.array_equal(w["l1_h4toh_bias"], sd["blocks.1.mlp.experts.h4toh.bias"])
    assert all(w[name].dtype == np.float32 for name in w)
    # NumPy arrays import the same as tensors; so do the golden.weights names.
    same = weights_module.weights_from_state_dict(TINY, sd)
    assert all(np.array_equal(same[n], w[n]) for n in w)
    assert set(STATE_DICT_FUNCTIONS) <= set(dir(__import__("golden.state_dict").state_dict))


def test_state_dict_shapes_are_the_model_parameters(tiny_model):
    assert state_dict_shapes(TINY) == {
        k: tuple(v.shape) for k, v in tiny_model.state_dict().items()
    }


def test_files_checkpoints_and_prefixes(tiny_model, tmp_path):
    sd = tiny_model.state_dict()
    direct = weights_from_state_dict(TINY, sd)
    wrapped = {"epoch": 7, "model": {f"backbone.{k}": v for k, v in sd.items()}}
    wrapped["model"]["decoders.semseg.weight"] = torch.zeros(3)  # outside the encoder
    torch.save(sd, tmp_path / "plain.pt")
    torch.save(wrapped, tmp_path / "ckpt.pth")
    np.savez(tmp_path / "sd.npz", **numpy_state_dict(tiny_model))
    for name in ("plain.pt", "ckpt.pth", "sd.npz"):
        w = load_checkpoint(TINY, tmp_path / name)
        assert all(np.array_equal(w[n], direct[n]) for n in direct), name
        assert name in w.source
    w = load_model_weights(TINY, tmp_path / "ckpt.pth")
    assert "prefix 'backbone.'" in w.source and "1 keys outside it" in w.source
    # A half-precision checkpoint imports its values exactly.
    torch.save({k: v.half() for k, v in sd.items()}, tmp_path / "half.pt")
    half = load_checkpoint(TINY, tmp_path / "half.pt")
    assert np.array_equal(half["l0_qkv_weight"], sd["blocks.0.attn.qkv.weight"].half().float())


def test_a_single_gate_is_task_0_when_there_is_one_task():
    cfg = load_config("tiny", tasks=1)
    sd = numpy_state_dict(make_model(cfg))
    sd["blocks.1.mlp.gate.w_gate"] = sd.pop("blocks.1.mlp.gate.0.w_gate")
    w = weights_from_state_dict(cfg, sd)
    assert np.array_equal(w["l1_w_gate_T_task0"], sd["blocks.1.mlp.gate.w_gate"].T)


# ---------------------------------------------------------------- bad state_dicts


def _edit(sd: dict, **changes) -> dict:
    sd = dict(sd)
    for key, value in changes.items():
        key = key.replace("__", ".")
        if value is None:
            del sd[key]
        else:
            sd[key] = value
    return sd


@pytest.fixture(scope="module")
def tiny_sd(tiny_model) -> dict[str, np.ndarray]:
    return numpy_state_dict(tiny_model)


def test_a_missing_key_is_listed(tiny_sd):
    sd = _edit(tiny_sd, blocks__0__attn__proj__bias=None)
    with pytest.raises(WeightsError, match=r"missing keys \(1\):\s+blocks\.0\.attn\.proj\.bias"):
        weights_from_state_dict(TINY, sd)


def test_an_unknown_key_is_listed_and_can_be_ignored(tiny_sd):
    sd = _edit(tiny_sd, blocks__0__attn__rel_pos=np.zeros((9, 9), np.float32))
    with pytest.raises(WeightsError, match=r"unexpected keys \(1;.*\n\s+blocks\.0\.attn\.rel_pos"):
        weights_from_state_dict(TINY, sd)
    w = weights_from_state_dict(TINY, sd, ignore=["*.rel_pos"])
    assert "1 keys ignored" in w.source


def test_training_only_gate_parameters_are_skipped(tiny_sd):
    noise = np.zeros((32, 4), np.float32)
    sd = {**tiny_sd, "blocks.1.mlp.gate.0.w_noise": noise, "blocks.1.mlp.gate.1.w_noise": noise}
    sd["blocks.1.mlp.gate.0.w_gate_aux"] = noise
    w = weights_from_state_dict(TINY, sd)
    assert "3 training-only gate keys not used" in w.source


def test_a_misspelt_key_gets_the_closest_name(tiny_sd):
    sd = _edit(tiny_sd, blocks__1__norm2__bias=None)
    sd["blocks.1.norm2.bais"] = tiny_sd["blocks.1.norm2.bias"]
    with pytest.raises(WeightsError) as info:
        weights_from_state_dict(TINY, sd)
    text = str(info.value)
    missing = "missing keys (1):\n      blocks.1.norm2.bias"
    assert f"{missing} (did you mean 'blocks.1.norm2.bais'?)" in text
    assert "blocks.1.norm2.bais (did you mean 'blocks.1.norm2.bias'?)" in text


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("blocks.0.attn.qkv.weight", np.zeros((32, 96), np.float32),
         r"wrong shapes \(1\):\s+blocks\.0\.attn\.qkv\.weight: shape \(32, 96\), needs "
         r"\(96, 32\) \(transposed\?\)"),
        # The Edge-MoE layout of a gate, (E, D), where M3ViT's (D, E) belongs.
        ("blocks.1.mlp.gate.1.w_gate", np.zeros((4, 32), np.float32),
         r"blocks\.1\.mlp\.gate\.1\.w_gate: shape \(4, 32\), needs \(32, 4\) \(transposed\?\)"),
        ("pos_embed", np.zeros((9, 32), np.float32),
         r"pos_embed: shape \(9, 32\), needs \(1, 9, 32\)"),
        ("blocks.0.norm1.weight", np.ones(32, np.int64), r"(?s)not float tensors \(1\):.*int64"),
        ("blocks.0.norm1.bias", "zeros", r"norm1\.bias: str, not a float tensor"),
    ],
)  # fmt: skip
def test_wrong_shapes_and_types_are_named(tiny_sd, key, value, message):
    with pytest.raises(WeightsError, match=message):
        weights_from_state_dict(TINY, {**tiny_sd, key: value})


def test_a_nan_is_named_with_its_index(tiny_sd):
    bad = tiny_sd["blocks.1.mlp.experts.h4toh.weight"].copy()
    bad[2, 5, 7] = np.nan
    with pytest.raises(
        WeightsError,
        match=r"non-finite values \(1\):\s+blocks\.1\.mlp\.experts\.h4toh\.weight: non-finite "
        r"value nan at index \(2, 5, 7\); 1 in all",
    ):
        weights_from_state_dict(TINY, {**tiny_sd, "blocks.1.mlp.experts.h4toh.weight": bad})


def test_every_problem_is_listed_at_once(tiny_sd):
    sd = _edit(tiny_sd, cls_token=None, blocks__0__norm1__weight=np.zeros(5, np.float32))
    sd["extra"] = np.zeros(1, np.float32)
    with pytest.raises(WeightsError) as info:
        weights_from_state_dict(TINY, sd, source="mine.pt")
    text = str(info.value)
    assert text.startswith("mine.pt: the state_dict does not fit configuration 'tiny':")
    assert "missing keys (1)" in text and "unexpected keys (1" in text
    assert "wrong shapes (1)" in text


def test_layer_kind_and_count_mismatches_are_explained():
    dense = numpy_state_dict(make_model(load_config("tiny_dense")))
    with pytest.raises(
        WeightsError, match=r"hint: layer 1 is dense in the state_dict .* MoE in the configuration"
    ):
        weights_from_state_dict(TINY, dense)
    deeper = numpy_state_dict(make_model(load_config("tiny", layers=3)))
    with pytest.raises(WeightsError, match=r"hint: the state_dict has blocks up to 2 .*layers=2"):
        weights_from_state_dict(TINY, deeper)


def test_two_encoders_need_a_prefix(tiny_sd):
    both = {f"student.{k}": v for k, v in tiny_sd.items()}
    both |= {f"teacher.{k}": v for k, v in tiny_sd.items()}
    with pytest.raises(
        WeightsError,
        match=r"2 encoders \(patch_embed\.proj\.weight under 'student\.', 'teacher\.'\); "
        r"say which with prefix=",
    ):
        weights_from_state_dict(TINY, both)
    w = weights_from_state_dict(TINY, both, prefix="teacher.")
    assert np.array_equal(w["l0_qkv_bias"], tiny_sd["blocks.0.attn.qkv.bias"])


class NotWeights:
    pass


def test_unusable_files_are_named(tmp_path):
    with pytest.raises(WeightsError, match="file not found"):
        read_state_dict(tmp_path / "absent.pt")
    (tmp_path / "junk.pt").write_bytes(b"not a pickle")
    with pytest.raises(WeightsError, match=r"junk\.pt: torch\.load\(weights_only=True\) cannot"):
        read_state_dict(tmp_path / "junk.pt")
    torch.save({"w": NotWeights()}, tmp_path / "code.pt")  # arbitrary objects are never loaded
    with pytest.raises(WeightsError, match=r"code\.pt: torch\.load\(weights_only=True\) cannot"):
        read_state_dict(tmp_path / "code.pt")
    torch.save([torch.zeros(1)], tmp_path / "list.pt")
    with pytest.raises(WeightsError, match=r"list\.pt: holds a list, not a state_dict"):
        read_state_dict(tmp_path / "list.pt")
    (tmp_path / "bad.npz").write_bytes(b"nope")
    with pytest.raises(WeightsError, match=r"bad\.npz: not a readable \.npz file"):
        read_state_dict(tmp_path / "bad.npz")


# ---------------------------------------------------------------- the check before simulation


def test_saturation_and_outliers_are_reported_before_quantisation(tiny_sd):
    sat = tiny_sd["blocks.0.mlp.fc1.weight"].copy()
    sat[3, 4] = 2.5  # ap_fixed<16,2> holds [-2, 2): saturates
    far = tiny_sd["blocks.1.attn.qkv.bias"].copy()
    far[10] = 1e6  # ap_fixed<16,7>: more than 4x beyond its range
    w = weights_from_state_dict(
        TINY, {**tiny_sd, "blocks.0.mlp.fc1.weight": sat, "blocks.1.attn.qkv.bias": far}
    )
    report = describe_weights(TINY, w)
    rows = {t.name: t for t in report.tensors}
    assert (rows["l0_fc1_weight"].saturated, rows["l0_fc1_weight"].outliers) == (1, 0)
    assert (rows["l1_qkv_bias"].saturated, rows["l1_qkv_bias"].outliers) == (1, 1)
    assert report.total_saturated == 2
    problems = report.problems()
    assert len(problems) == 2
    assert problems[0].startswith("l0_fc1_weight: 1 value(s) saturate in ap_fixed<16,2")
    assert problems[1].startswith("l1_qkv_bias: 1 value(s) beyond 4x the range of ap_fixed<16,7")
    assert report.problems(allow_saturation=True) == problems[1:]
    with pytest.raises(WeightsError, match=r"'l1_qkv_bias': 1 value\(s\) beyond 4x"):
        quantize_weights(TINY, w)
    clean = describe_weights(TINY, synthetic_weights(TINY, 0))
    assert clean.problems() == [] and "OK: 0 saturated values" in clean.text()


def test_check_command(tiny_model, tiny_sd, tmp_path, capsys):
    torch.save(tiny_model.state_dict(), tmp_path / "good.pt")
    assert weights_main(["check", str(tmp_path / "good.pt"), "--config", "tiny"]) == 0
    out = capsys.readouterr().out
    assert "l1_w_gate_T_task1" in out and "ap_fixed<16,2,AP_RND,AP_SAT>" in out
    assert "OK: 0 saturated values, none refused" in out

    sat = tiny_sd["blocks.0.attn.proj.weight"].copy()
    sat[0, 0] = -3.0
    np.savez(tmp_path / "sat.npz", **{**tiny_sd, "blocks.0.attn.proj.weight": sat})
    assert weights_main(["check", str(tmp_path / "sat.npz"), "--config", "tiny"]) == 1
    out = capsys.readouterr().out
    assert "1 problem(s):\n  l0_attn_proj_weight: 1 value(s) saturate" in out
    argv = ["check", str(tmp_path / "sat.npz"), "--config", "tiny", "--allow-saturation"]
    assert weights_main(argv) == 0
    capsys.readouterr()

    np.savez(tmp_path / "short.npz", **_edit(tiny_sd, pos_embed=None))
    assert weights_main(["check", str(tmp_path / "short.npz"), "--config", "tiny"]) == 1
    assert "missing keys (1):\n      pos_embed" in capsys.readouterr().err
    assert weights_main(["check", str(tmp_path / "good.pt"), "--config", "tinyy"]) == 1
    assert "did you mean 'tiny'" in capsys.readouterr().err

    assert weights_main(["keys", "--config", str(EXAMPLE)]) == 0
    out = capsys.readouterr().out
    assert "blocks.2.mlp.gate.2.w_gate (32, 6)" in out and "(transposed)" in out
    assert len(out.strip().splitlines()) == 1 + len(expected_shapes(load_config(EXAMPLE)))


def test_check_command_on_an_edge_moe_directory(tmp_path, capsys):
    directory = tmp_path / "w"
    directory.mkdir()
    for name, arr in synthetic_weights(TINY, 2).items():
        if not name.endswith(("htoh4_weight", "h4toh_weight")):
            np.asarray(arr, "<f4").tofile(directory / f"{name}.float32.bin")
    assert weights_main(["check", str(directory), "--config", "tiny"]) == 0
    out = capsys.readouterr().out
    assert out.count("(synthesised)") == 2  # the two expert matrices
    values = sum(math.prod(s) for s in expected_shapes(TINY).values())
    assert f"{len(expected_shapes(TINY))} tensors, {values:,} values" in out
