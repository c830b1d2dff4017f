"""The kernel's stage program: one descriptor per stage, generated per configuration.

The sequencer (``rtl/kernel_sequencer.sv``) walks this table from the
generated package (``PROGRAM``, :func:`sv_package_lines`): descriptor ``i``
is stage ``i`` of :func:`hls.registers.stop_after_stages` (so ``stop_after =
i`` runs descriptors 0..i), and names the engine that runs it, its operands
and its destination as (space, byte offset) pairs of the memory map
(:mod:`hls.memory_map`) and its sizes. The sequencer turns an operand into
an address as ``base[space] + offset`` (+ ``n * IMAGE_STRIDE`` /
``n * OUTPUT_STRIDE`` for image ``n`` in the image and output spaces).

Operands per engine (``a``, ``b``, ``c``, ``d`` -> ``y``):

=============  ==========================================================
PATCH_EMBED    image, patch_embed_weight, patch_embed_bias, pos_embed -> patch_embed
LINEAR         input rows, weight rows, bias row, - -> output rows (Q/K/V are three
               jobs on row ranges of qkv_weight / qkv_bias; fc1 has ``gelu``)
LAYERNORM      input rows, gamma, beta -> output rows
ATTENTION      Q, K, V -> softmax(Q K^T) V
RESIDUAL       x, y -> x + y (the last layer's ``residual2`` goes to ``output``)
MOE_GATE,      MoE layers (gate logits, expert FFN): in the program so that the
MOE_FFN        stage numbering is final; the kernel has no MoE engine yet and
               stops with ``Status.UNSUPPORTED_STAGE`` when it reaches one
=============  ==========================================================

Which engine runs an op is :data:`OP_ENGINE` (an op without one is not in
:data:`SUPPORTED_OPS`); the package carries it as ``OP_ENGINE`` (engine of
every op code), ``ENGINE_OPS`` (op mask of every engine) and ``OP_SUPPORTED``
(op mask), which the sequencer and the kernel top use instead of a map of
their own.

:func:`program` also checks what the engines assume and raises
:class:`ProgramError` naming the stage: rows that are whole beats at the
operand offsets, tile-multiple sizes, a patch accumulator that cannot
saturate before the position embedding is added.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from golden.config import KernelConfig
from golden.taps import stage_names
from hls.memory_map import MemoryMap, element_bytes, memory_map

__all__ = [
    "OP_BITS",
    "OP_ENGINE",
    "SUPPORTED_OPS",
    "Engine",
    "Op",
    "Operand",
    "ProgramError",
    "Space",
    "Stage",
    "describe",
    "program",
    "strides",
    "sv_package_lines",
]


class ProgramError(ValueError):
    """The configuration breaks an engine's assumption; the message names the stage."""


class Op(IntEnum):
    """Engine selector of a descriptor (``op`` field)."""

    PATCH_EMBED = 1
    LINEAR = 2
    LAYERNORM = 3
    ATTENTION = 4
    RESIDUAL = 5
    MOE_GATE = 6
    MOE_FFN = 7


#: Bits of a descriptor's ``op`` field (op codes 0 .. 2**OP_BITS - 1).
OP_BITS = 4


class Engine(IntEnum):
    """The kernel's engines, numbered as edgemoe_kernel indexes their memory ports."""

    LINEAR = 0  # linear_engine (patch mode for PATCH_EMBED)
    LAYERNORM = 1  # layernorm_engine
    ATTENTION = 2  # attention_engine
    RESIDUAL = 3  # residual_engine


#: The engine that runs each op the RTL implements.
OP_ENGINE: dict[Op, Engine] = {
    Op.PATCH_EMBED: Engine.LINEAR,
    Op.LINEAR: Engine.LINEAR,
    Op.LAYERNORM: Engine.LAYERNORM,
    Op.ATTENTION: Engine.ATTENTION,
    Op.RESIDUAL: Engine.RESIDUAL,
}

#: Ops the RTL implements; the sequencer reports UNSUPPORTED_STAGE for the others.
SUPPORTED_OPS = frozenset(OP_ENGINE)


class Space(IntEnum):
    """Which base pointer an operand is relative to."""

    NONE = 0
    IMAGE = 1
    WEIGHTS = 2
    SCRATCH = 3
    OUTPUT = 4


@dataclass(frozen=True)
class Operand:
    space: Space
    offset: int
    region: str  # the memory-map region it points into ("" for none)


NO_OPERAND = Operand(Space.NONE, 0, "")


@dataclass(frozen=True)
class Stage:
    index: int
    layer: int  # -1: patch embedding
    name: str  # golden tap name
    op: Op
    a: Operand
    b: Operand
    c: Operand
    d: Operand
    y: Operand
    tokens: int
    k: int = 0  # linear: input features
    m: int = 0  # linear: output features
    gelu: bool = False
    bias_alt: bool = False  # linear bias in attn_bias format

    @property
    def operands(self) -> tuple[Operand, ...]:
        return (self.a, self.b, self.c, self.d, self.y)


_SPACE_OF = {"image": Space.IMAGE, "weights": Space.WEIGHTS, "scratch": Space.SCRATCH,
             "output": Space.OUTPUT}  # fmt: skip


def _operand(mm: MemoryMap, region: str, byte_offset: int = 0) -> Operand:
    r = mm[region]
    return Operand(_SPACE_OF[r.space], r.offset + byte_offset, region)


def _stages(cfg: KernelConfig, mm: MemoryMap) -> list[Stage]:
    t, d = cfg.tokens, cfg.dim
    ops: list[Stage] = []

    def add(layer, name, op, a, b=NO_OPERAND, c=NO_OPERAND, dd=NO_OPERAND, y=None, **kw):
        y = y or _operand(mm, name if layer < 0 else f"l{layer}_{name}")
        ops.append(Stage(len(ops), layer, name, op, a, b, c, dd, y, t, **kw))

    s = lambda name: _operand(mm, name)  # noqa: E731 - a scratch tap by name
    add(-1, "patch_embed", Op.PATCH_EMBED, s("image0"), s("patch_embed_weight"),
        s("patch_embed_bias"), s("pos_embed"), k=cfg.channels * cfg.patch**2, m=d)  # fmt: skip
    x = "patch_embed"
    for layer in range(cfg.layers):
        p = f"l{layer}_"
        qkv_w, qkv_b = mm[p + "qkv_weight"], mm[p + "qkv_bias"]
        bias_bytes = element_bytes(qkv_b.fmt)
        add(layer, "ln1", Op.LAYERNORM, s(x), s(p + "norm1_weight"), s(p + "norm1_bias"))
        for i, name in enumerate(("q", "k", "v")):
            add(layer, name, Op.LINEAR, s(p + "ln1"),
                _operand(mm, qkv_w.name, i * d * qkv_w.row_bytes),
                _operand(mm, qkv_b.name, i * d * bias_bytes),
                k=d, m=d, bias_alt=True)  # fmt: skip
        add(layer, "attn", Op.ATTENTION, s(p + "q"), s(p + "k"), s(p + "v"))
        add(layer, "proj", Op.LINEAR, s(p + "attn"), s(p + "attn_proj_weight"),
            s(p + "attn_proj_bias"), k=d, m=d)  # fmt: skip
        add(layer, "residual1", Op.RESIDUAL, s(x), s(p + "proj"))
        add(layer, "ln2", Op.LAYERNORM, s(p + "residual1"), s(p + "norm2_weight"),
            s(p + "norm2_bias"))  # fmt: skip
        if cfg.is_moe(layer):
            add(layer, "gate_logits", Op.MOE_GATE, s(p + "ln2"), m=cfg.experts, k=d)
            add(layer, "moe_out", Op.MOE_FFN, s(p + "ln2"), m=d, k=d)
            ffn = p + "moe_out"
        else:
            h = cfg.mlp_hidden
            add(layer, "fc1_gelu", Op.LINEAR, s(p + "ln2"), s(p + "fc1_weight"),
                s(p + "fc1_bias"), k=d, m=h, gelu=True)  # fmt: skip
            add(layer, "fc2", Op.LINEAR, s(p + "fc1_gelu"), s(p + "fc2_weight"),
                s(p + "fc2_bias"), k=h, m=d)  # fmt: skip
            ffn = p + "fc2"
        last = layer == cfg.layers - 1
        add(layer, "residual2", Op.RESIDUAL, s(p + "residual1"), s(ffn),
            y=s("output0") if last else None)  # fmt: skip
        x = p + "residual2"
    return ops


def _check(cfg: KernelConfig, mm: MemoryMap, stages: list[Stage]) -> None:
    beat = cfg.axi_data_width // 8
    rows, cols = cfg.linear_tile
    f = cfg.formats
    for st in stages:
        where = f"configuration {cfg.name!r}, stage {st.index} (layer {st.layer}, {st.name})"
        for o in st.operands:
            if o.space is not Space.NONE and o.offset % beat:
                raise ProgramError(f"{where}: operand {o.region} at byte {o.offset} is not "
                                   f"aligned to {beat}-byte beats")  # fmt: skip
        if st.op in (Op.LINEAR, Op.PATCH_EMBED):
            if st.m % rows or st.k % cols:
                raise ProgramError(f"{where}: {st.m} x {st.k} is not a whole number of "
                                   f"{rows} x {cols} tiles")  # fmt: skip
            if (rows * f.feature.width) % cfg.axi_data_width:
                raise ProgramError(f"{where}: a tile output of {rows} features is not a whole "
                                   f"number of {cfg.axi_data_width}-bit beats")  # fmt: skip
    # Patch embedding: the tile's own rounding must never saturate, so adding
    # the position embedding after it equals golden's single rounding.
    k = cfg.channels * cfg.patch**2
    pix = f.pixel.max_raw / 2**f.pixel.frac_bits
    w = max(-f.patch_weight.min_raw, f.patch_weight.max_raw) / 2**f.patch_weight.frac_bits
    b = max(-f.bias.min_raw, f.bias.max_raw) / 2**f.bias.frac_bits
    bound = k * pix * w + b
    if bound >= 2 ** (f.feature.int_bits - 1):
        raise ProgramError(f"configuration {cfg.name!r}: the patch accumulator can reach "
                           f"{bound:g}, beyond the feature range")  # fmt: skip
    if stages[-1].y.space is not Space.OUTPUT:
        raise ProgramError("the last stage must write the output")


def program(cfg: KernelConfig) -> tuple[Stage, ...]:
    """The stage descriptors of ``cfg``, in ``stop_after`` order (checked)."""
    mm = memory_map(cfg)
    stages = _stages(cfg, mm)
    expected = [(layer, n) for layer in range(-1, cfg.layers) for n in stage_names(cfg, layer)]
    got = [(s.layer, s.name) for s in stages]
    if got != expected:  # the stop_after numbering of hls.registers
        raise ProgramError(f"program order {got} differs from the stage list {expected}")
    _check(cfg, mm, stages)
    return tuple(stages)


def strides(cfg: KernelConfig) -> tuple[int, int]:
    """Bytes between image n and n+1, and between output n and n+1."""
    mm = memory_map(cfg, images=2)
    return mm["image1"].offset - mm["image0"].offset, mm["output1"].offset - mm["output0"].offset


def op_mask(ops) -> int:
    """Bit ``op`` set for every op of *ops*."""
    return sum(1 << int(op) for op in set(ops))


def sv_op_map_lines() -> list[str]:
    """Package lines of the op-to-engine map: engine codes, ``OP_SUPPORTED``
    (bit op: the op has an engine), ``OP_ENGINE`` (the engine of every op code;
    0 where the op has none) and ``ENGINE_OPS`` (the ops of every engine)."""
    codes = 1 << OP_BITS
    if any(int(op) >= codes for op in Op):
        raise ProgramError(f"an op code does not fit the {OP_BITS}-bit op field")
    engine_by_code = {int(op): int(e) for op, e in OP_ENGINE.items()}
    engine_of = [engine_by_code.get(c, 0) for c in range(codes)]
    engine_ops = [op_mask(op for op, e in OP_ENGINE.items() if e is eng) for eng in Engine]
    digits = codes // 4
    lines = [f"  localparam int ENGINES = {len(Engine)};  // engines of the kernel\n"]
    lines += [f"  localparam int ENGINE_{e.name} = {int(e)};\n" for e in Engine]
    lines += [
        f"  localparam logic [{codes - 1}:0] OP_SUPPORTED = {codes}'h"
        f"{op_mask(SUPPORTED_OPS):0{digits}x};  // bit op: the op has an engine\n",
        f"  localparam int OP_ENGINE [{codes}] = '{{{', '.join(map(str, engine_of))}}};"
        "  // engine of each op code\n",
        f"  localparam logic [{codes - 1}:0] ENGINE_OPS [ENGINES] = '{{"
        + ", ".join(f"{codes}'h{m:0{digits}x}" for m in engine_ops)
        + "};  // ops of each engine\n",
    ]
    return lines


def sv_package_lines(cfg: KernelConfig) -> list[str]:
    """Package lines: op and space codes, the op-to-engine map, the descriptor
    type, the program ROM."""
    stages = program(cfg)
    img_stride, out_stride = strides(cfg)
    lines = [f"  localparam int OP_{op.name} = {int(op)};\n" for op in Op]
    lines += sv_op_map_lines()
    lines += [f"  localparam int SPACE_{sp.name} = {int(sp)};\n" for sp in Space]
    lines += [
        f"  localparam longint unsigned IMAGE_STRIDE = {img_stride};  // bytes per image\n",
        f"  localparam longint unsigned OUTPUT_STRIDE = {out_stride};  // bytes per output\n",
        f"  localparam int PROG_LEN = {len(stages)};  // stages (descriptors)\n",
        "  typedef struct packed {\n",
        f"    logic [{OP_BITS - 1}:0]  op;\n",
        *(f"    logic [2:0]  {n}_space;\n    logic [31:0] {n}_off;\n" for n in "abcdy"),
        "    logic [15:0] tokens;\n    logic [15:0] k;\n    logic [15:0] m;\n",
        "    logic        gelu;\n    logic        bias_alt;\n",
        "  } stage_desc_t;\n",
        "  localparam stage_desc_t PROGRAM [PROG_LEN] = '{\n",
    ]
    for i, st in enumerate(stages):
        fields = [f"op: {OP_BITS}'d{int(st.op)}"]
        for n, o in zip("abcdy", st.operands, strict=True):
            fields += [f"{n}_space: 3'd{int(o.space)}", f"{n}_off: 32'h{o.offset:08x}"]
        fields += [f"tokens: 16'd{st.tokens}", f"k: 16'd{st.k}", f"m: 16'd{st.m}",
                   f"gelu: 1'b{int(st.gelu)}", f"bias_alt: 1'b{int(st.bias_alt)}"]  # fmt: skip
        sep = "," if i < len(stages) - 1 else ""
        lines.append(f"    '{{{', '.join(fields)}}}{sep}  // {i}: l{st.layer} {st.name}\n")
    lines.append("  };\n")
    # The largest offset must fit the 32-bit descriptor field.
    top = max(o.offset for st in stages for o in st.operands)
    if top >= 2**32:
        raise ProgramError(f"configuration {cfg.name!r}: offset {top} exceeds 32 bits")
    return lines


def describe(cfg: KernelConfig) -> str:
    """One line per stage (for docs and debugging)."""
    out = []
    for st in program(cfg):
        ops = ", ".join(o.region for o in st.operands[:-1] if o.region)
        out.append(f"{st.index:4d} l{st.layer:<3d} {st.name:<12} {st.op.name:<12} "
                   f"{ops} -> {st.y.region}")  # fmt: skip
    return "\n".join(out)
