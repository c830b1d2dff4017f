"""Every value derived from a configuration's sizes and formats, computed once.

The RTL and the benches need more than the configuration states: the bytes of a
lane, the beats of a row, the largest K of the linear engine, index and word
widths that follow from the sizes, the internal shifts and widths of the
approximation units.  :func:`geometry` computes each of them here, once; the
generator writes them into ``edgemoe_cfg_pkg`` (:func:`sv_geometry_lines`, one
localparam per field, named by the field's ``sv`` metadata) and the benches
read the same :class:`Geometry` object, so RTL and benches never restate a
formula.  Lanes and beats follow the packing of :mod:`hls.memory_map`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from golden.approx.tables import log2e_constant
from golden.config import KernelConfig
from golden.fixed import FixedFormat, Quant
from hls.memory_map import beats_per_row, element_bytes, lanes_per_beat

__all__ = ["Geometry", "geometry", "index_width", "sv_geometry_lines"]


def index_width(n: int) -> int:
    """Bits of an index over ``n`` things: ``$clog2(n)``, at least 1 (the RTL's ``(n > 1) ?
    $clog2(n) : 1``)."""
    return max(1, (n - 1).bit_length())


def _count_width(n: int) -> int:
    """Bits of a count 0..n: ``$clog2(n + 1)``."""
    return n.bit_length()


def _round_up(n: int, m: int) -> int:
    return -(-n // m) * m


#: Bits of the two's complement scale of a reciprocal word 1/s = mant * 2**scale
#: (nr_core's SCALE_W; nr_normalise checks at elaboration that the scale fits).
RECIP_SCALE_W = 8


def _sv(name: str, doc: str):
    return field(metadata={"sv": name, "doc": doc})


def _tile_acc_w(max_k: int, x: FixedFormat, w: FixedFormat, bias_w: int, bias_shift: int) -> int:
    """The smallest signed width holding every accumulator of rtl/linear_tile.sv:
    sums of ``max_k`` products of an ``x`` and a ``w`` value plus a ``bias_w``-bit
    bias shifted left by up to ``bias_shift``."""
    xm, wm, bm = 1 << (x.width - 1), 1 << (w.width - 1), 1 << (bias_w - 1)
    pos = max_k * xm * wm + ((bm - 1) << bias_shift)
    neg = max_k * max((xm - 1) * wm, xm * (wm - 1)) + (bm << bias_shift)
    width = 1
    while (1 << (width - 1)) <= pos or (1 << (width - 1)) < neg:
        width += 1
    return width


@dataclass(frozen=True)
class Geometry:
    """The derived values of one configuration (:func:`geometry`); ``config`` is the
    configuration itself."""

    config: KernelConfig = field(repr=False, compare=False)

    # ---- AXI beats and lanes (hls.memory_map's packing)
    beat_bytes: int = _sv("BEAT_BYTES", "bytes of an AXI_DATA_W-bit beat")
    beat_offset_w: int = _sv("BEAT_OFFSET_W", "bits of a byte offset within a beat")
    feature_lane_bytes: int = _sv("FEATURE_LANE_BYTES", "bytes of a feature lane")
    feature_lanes: int = _sv("FEATURE_LANES", "features per beat")
    feature_row_beats: int = _sv("FEATURE_ROW_BEATS", "beats of a DIM-feature row")
    feature_row_bytes: int = _sv("FEATURE_ROW_BYTES", "bytes of a DIM-feature row")
    feature_row_beat_idx_w: int = _sv("FEATURE_ROW_BEAT_IDX_W", "bits of a beat index in a row")
    norm_lane_bytes: int = _sv("NORM_LANE_BYTES", "bytes of a gamma/beta lane")
    norm_lanes: int = _sv("NORM_LANES", "gamma/beta values per beat")
    norm_row_beats: int = _sv("NORM_ROW_BEATS", "beats of a DIM gamma/beta row")
    pixel_lane_bytes: int = _sv("PIXEL_LANE_BYTES", "bytes of a pixel lane")
    weight_lane_bytes: int = _sv("WEIGHT_LANE_BYTES", "bytes of a linear/patch weight lane")
    linear_weight_lane_bytes: int = _sv("LINEAR_WEIGHT_LANE_BYTES", "bytes of a linear_weight")
    patch_weight_lane_bytes: int = _sv("PATCH_WEIGHT_LANE_BYTES", "bytes of a patch_weight")
    weight_lanes: int = _sv("WEIGHT_LANES", "linear/patch weights per beat")
    bias_lane_bytes: int = _sv("BIAS_LANE_BYTES", "bytes of a bias/attn_bias lane")

    # ---- linear engine and tile
    patch_k: int = _sv("PATCH_K", "patch embedding K: CHANNELS * PATCH * PATCH")
    linear_k: int = _sv("LINEAR_K", "the widest linear layer's K")
    tile_max_k: int = _sv("TILE_MAX_K", "linear_tile's largest K: LINEAR_K in whole column blocks")
    engine_max_k: int = _sv("ENGINE_MAX_K", "linear_engine's largest K (linear or patch)")
    tile_bias_w: int = _sv("TILE_BIAS_W", "linear_tile bias width: the wider bias format")
    tile_acc_frac: int = _sv("TILE_ACC_FRAC", "linear_tile accumulator fraction bits")
    tile_acc_w: int = _sv("TILE_ACC_W", "linear_tile accumulator width (default parameters)")
    engine_weight_frac: int = _sv(
        "ENGINE_WEIGHT_FRAC", "linear_engine's tile weight fraction bits (the larger one)"
    )
    engine_weight_w: int = _sv(
        "ENGINE_WEIGHT_W", "linear_engine's tile weight width: both formats at that fraction"
    )
    engine_tile_acc_w: int = _sv(
        "ENGINE_TILE_ACC_W", "linear_engine's linear_tile accumulator width (ENGINE_MAX_K, weights)"
    )
    linear_weight_shift: int = _sv(
        "LINEAR_WEIGHT_SHIFT", "left shift of a linear weight to ENGINE_WEIGHT_FRAC"
    )
    patch_weight_shift: int = _sv(
        "PATCH_WEIGHT_SHIFT", "left shift of a patch weight to ENGINE_WEIGHT_FRAC"
    )
    pixel_shift: int = _sv("PIXEL_SHIFT", "left shift of a pixel to the feature format")

    # ---- attention engine
    head_idx_w: int = _sv("HEAD_IDX_W", "bits of a head index")
    attn_lane_idx_w: int = _sv("ATTN_LANE_IDX_W", "bits of a query lane index (ATTN_P)")
    attn_acc_w: int = _sv(
        "ATTN_ACC_W", "attention accumulator of sum p * V (and each product): prob x feature"
    )
    recip_scale_w: int = _sv("RECIP_SCALE_W", "nr_core's two's complement scale field")
    recip_word_w: int = _sv(
        "RECIP_WORD_W", "nr_core output word: RECIP_SCALE_W scale, RECIP_MANT_BITS + 1 mantissa"
    )

    # ---- MoE routing (topk_select, expert_queue_builder)
    expert_idx_w: int = _sv("EXPERT_IDX_W", "bits of an expert index")
    token_idx_w: int = _sv("TOKEN_IDX_W", "bits of a token index")
    topk_slot_w: int = _sv("TOPK_SLOT_W", "bits of a top-k slot index")
    topk_out_w: int = _sv("TOPK_OUT_W", "topk_select output word: TOP_K (index, logit) pairs")
    queue_len_w: int = _sv("QUEUE_LEN_W", "bits of a queue length 0..TOKENS*TOP_K")
    queue_pair_w: int = _sv("QUEUE_PAIR_W", "expert_queue_builder input pair (index, score)")
    queue_in_w: int = _sv("QUEUE_IN_W", "expert_queue_builder input word")
    queue_hdr_w: int = _sv("QUEUE_HDR_W", "expert_queue_builder header beat")
    queue_entry_w: int = _sv("QUEUE_ENTRY_W", "expert_queue_builder entry beat")
    queue_out_w: int = _sv("QUEUE_OUT_W", "expert_queue_builder output word (header or entry)")

    # ---- softmax statistics unit
    stats_in_w: int = _sv("STATS_IN_W", "softmax_stats_unit input word: ATTN_P scores and last")
    stats_out_w: int = _sv("STATS_OUT_W", "softmax_stats_unit output word: ATTN_P (max, sum)")

    # ---- exp unit (rtl/exp_unit.sv)
    exp_in_w: int = _sv("EXP_IN_W", "exp_unit input: the difference of two features")
    exp_tshift: int = _sv("EXP_TSHIFT", "exp_unit: t = a * log2(e) >> EXP_TSHIFT")
    exp_frac_idx_w: int = _sv("EXP_FRAC_IDX_W", "exp_unit: bits of t below one table step")
    exp_acc_w: int = _sv("EXP_ACC_W", "exp_unit interpolation result width")
    exp_shift_base: int = _sv("EXP_SHIFT_BASE", "exp_unit output shift = EXP_SHIFT_BASE + k")
    exp_t_flush: int = _sv("EXP_T_FLUSH", "exp_unit: the largest t with a nonzero result")
    exp_a_flush: int = _sv("EXP_A_FLUSH", "exp_unit: the largest -x (raw) with a nonzero result")

    # ---- GELU unit (rtl/gelu_unit.sv)
    gelu_frac_idx_w: int = _sv("GELU_FRAC_IDX_W", "gelu_unit: bits of |x| below one table step")
    gelu_seg_log2: int = _sv("GELU_SEG_LOG2", "gelu_unit: log2 of the table segments")
    gelu_shift: int = _sv("GELU_SHIFT", "gelu_unit: interpolation rounding shift")
    gelu_table_limit: int = _sv("GELU_TABLE_LIMIT", "gelu_unit: raw |x| where the table ends")

    @property
    def beat_bits(self) -> int:
        return self.config.axi_data_width

    @property
    def tile_bias_shifts(self) -> tuple[int, int]:
        """Left shifts aligning a ``bias`` and an ``attn_bias`` value to the tile accumulator."""
        f = self.config.formats
        return self.tile_acc_frac - f.bias.frac_bits, self.tile_acc_frac - f.attn_bias.frac_bits


def exp_a_flush(tshift: int, t_flush: int, log2e: int) -> int:
    """The largest a = -x (raw) with t(a) <= t_flush, t(a) = (a * log2e + half) >> tshift
    (EXP_A_FLUSH: rtl/exp_unit.sv's AFlush, which the RTL checks at elaboration)."""
    half = (1 << (tshift - 1)) if tshift else 0
    return (((t_flush + 1) << tshift) - half - 1) // log2e


def geometry(cfg: KernelConfig) -> Geometry:
    """The derived values of ``cfg``."""
    f, bb = cfg.formats, cfg.axi_data_width
    cols = cfg.linear_tile[1]
    feature_row_beats = beats_per_row(cfg.dim, f.feature, bb)
    patch_k = cfg.channels * cfg.patch * cfg.patch
    linear_k = max(cfg.dim, cfg.mlp_hidden, cfg.expert_hidden)
    tile_max_k = _round_up(linear_k, cols)
    tile_bias_w = max(f.bias.width, f.attn_bias.width)
    linear_weight_lane_bytes = element_bytes(f.linear_weight)
    patch_weight_lane_bytes = element_bytes(f.patch_weight)
    weight_lane_bytes = max(linear_weight_lane_bytes, patch_weight_lane_bytes)
    tile_acc_frac = f.feature.frac_bits + f.linear_weight.frac_bits
    bias_shift = tile_acc_frac - min(f.bias.frac_bits, f.attn_bias.frac_bits)
    # linear_engine runs linear and patch weights through one tile format: both
    # shifted left to the larger fraction, wide enough for either.
    weights = (f.linear_weight, f.patch_weight)
    engine_weight_frac = max(w.frac_bits for w in weights)
    engine_weight_w = max(w.width + engine_weight_frac - w.frac_bits for w in weights)
    engine_max_k = _round_up(max(linear_k, patch_k), cols)
    engine_weight = FixedFormat(engine_weight_w, engine_weight_w - engine_weight_frac)
    engine_bias_shift = bias_shift + engine_weight_frac - f.linear_weight.frac_bits
    expert_idx_w, token_idx_w = index_width(cfg.experts), index_width(cfg.tokens)
    slot_w, len_w = index_width(cfg.top_k), _count_width(cfg.tokens * cfg.top_k)
    pair_w = expert_idx_w + f.moe_score.width
    queue_hdr_w = 1 + cfg.experts + cfg.experts * len_w
    queue_entry_w = 3 + expert_idx_w + token_idx_w + slot_w + f.moe_score.width
    e, g = cfg.exp, cfg.gelu
    exp_tshift = f.feature.frac_bits + e.log2e_bits - e.t_frac_bits
    exp_frac_idx_w = e.t_frac_bits - e.step_log2
    exp_t_flush = (f.exp_out.frac_bits + int(f.exp_out.quant is Quant.RND)) << e.t_frac_bits
    gelu_frac_idx_w = f.feature.frac_bits - g.step_log2
    gelu_seg_log2 = g.range_log2 + g.step_log2
    return Geometry(
        config=cfg,
        beat_bytes=bb // 8,
        beat_offset_w=(bb // 8 - 1).bit_length(),
        feature_lane_bytes=element_bytes(f.feature),
        feature_lanes=lanes_per_beat(f.feature, bb),
        feature_row_beats=feature_row_beats,
        feature_row_bytes=feature_row_beats * bb // 8,
        feature_row_beat_idx_w=index_width(feature_row_beats),
        norm_lane_bytes=element_bytes(f.norm),
        norm_lanes=lanes_per_beat(f.norm, bb),
        norm_row_beats=beats_per_row(cfg.dim, f.norm, bb),
        pixel_lane_bytes=element_bytes(f.pixel),
        weight_lane_bytes=weight_lane_bytes,
        linear_weight_lane_bytes=linear_weight_lane_bytes,
        patch_weight_lane_bytes=patch_weight_lane_bytes,
        weight_lanes=bb // 8 // weight_lane_bytes,
        bias_lane_bytes=max(element_bytes(f.bias), element_bytes(f.attn_bias)),
        patch_k=patch_k,
        linear_k=linear_k,
        tile_max_k=tile_max_k,
        engine_max_k=engine_max_k,
        tile_bias_w=tile_bias_w,
        tile_acc_frac=tile_acc_frac,
        tile_acc_w=_tile_acc_w(tile_max_k, f.feature, f.linear_weight, tile_bias_w, bias_shift),
        engine_weight_frac=engine_weight_frac,
        engine_weight_w=engine_weight_w,
        engine_tile_acc_w=_tile_acc_w(
            engine_max_k, f.feature, engine_weight, tile_bias_w, engine_bias_shift
        ),
        linear_weight_shift=engine_weight_frac - f.linear_weight.frac_bits,
        patch_weight_shift=engine_weight_frac - f.patch_weight.frac_bits,
        pixel_shift=f.feature.frac_bits - f.pixel.frac_bits,
        head_idx_w=index_width(cfg.heads),
        attn_lane_idx_w=index_width(cfg.attn_parallel),
        # p (unsigned, a sign bit added) times a signed feature, and their sum over
        # a row: the probabilities sum below 2 (rtl/attn_value_pass.sv).
        attn_acc_w=f.feature.width + f.prob.width + 1,
        recip_scale_w=RECIP_SCALE_W,
        recip_word_w=RECIP_SCALE_W + cfg.recip.mant_bits + 1,
        expert_idx_w=expert_idx_w,
        token_idx_w=token_idx_w,
        topk_slot_w=slot_w,
        topk_out_w=cfg.top_k * (expert_idx_w + f.feature.width),
        queue_len_w=len_w,
        queue_pair_w=pair_w,
        queue_in_w=1 + cfg.top_k * pair_w,
        queue_hdr_w=queue_hdr_w,
        queue_entry_w=queue_entry_w,
        queue_out_w=max(queue_hdr_w, queue_entry_w),
        stats_in_w=cfg.attn_parallel * f.feature.width + 1,
        stats_out_w=cfg.attn_parallel * (f.feature.width + f.softmax_sum.width),
        exp_in_w=f.feature.width + 1,
        exp_tshift=exp_tshift,
        exp_frac_idx_w=exp_frac_idx_w,
        exp_acc_w=e.table_bits + 1 + exp_frac_idx_w,
        exp_shift_base=e.table_bits + exp_frac_idx_w - f.exp_out.frac_bits,
        exp_t_flush=exp_t_flush,
        exp_a_flush=exp_a_flush(exp_tshift, exp_t_flush, log2e_constant(e)),
        gelu_frac_idx_w=gelu_frac_idx_w,
        gelu_seg_log2=gelu_seg_log2,
        gelu_shift=g.table_bits - g.step_log2,
        gelu_table_limit=(1 << gelu_seg_log2) << gelu_frac_idx_w,
    )


def sv_geometry_lines(cfg: KernelConfig) -> list[str]:
    """Package lines: one localparam per derived value (the field's ``sv`` name)."""
    geo = geometry(cfg)
    lines = ["  // Derived geometry (hls/geometry.py): computed once, never restated in the RTL.\n"]
    for f in fields(geo):
        if "sv" not in f.metadata:
            continue
        value = getattr(geo, f.name)
        if value < 1 << 31:
            kind, literal = "int", str(value)
        else:  # a sized literal, so the 64-bit localparam takes it without a width warning
            kind, literal = "longint unsigned", f"64'd{value}"
        name, doc = f.metadata["sv"], f.metadata["doc"]
        lines.append(f"  localparam {kind} {name} = {literal};  // {doc}\n")
    return lines
