// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// Attention probability unit: p = exp(x - m) * (1 / s) in formats.prob, one
// per cycle, bit-exact with golden.softmax.softmax_normalise.
//
// Input per beat: d = x - m (exact, DIFF_W bits, d <= 0), the row's
// reciprocal 1/s = mant * 2**(scale - M) (nr_core's word, M = MANT_BITS)
// and a TAG_W-bit tag that comes out with the result.
// Arithmetic (E = EXP_FRAC, F = PROB_FRAC):
//   e     = exp_neg(d)                                 exp_unit, formats.exp_out
//   sh    = E + M - scale - F
//   p     = min((e * mant + 2**(sh-1)) >> sh, 2**PROB_W - 1)   round half up
//                                                      (AP_RND), saturate
// e * mant is exact (EXP_W + M + 1 bits). A real softmax row has s >= 1
// (the row maximum contributes exp(0) = 1), so scale <= 0 and
// sh >= E + M - F >= 1 (checked at elaboration). A sum below 1 is no real
// row and outside the contract (golden shifts left and saturates there).
//
// Flow: a one-lane exp_side_unit (exp_unit, 7 cycles, with a side FIFO that
// carries {mant, scale, tag} alongside it), then two stages (product; round
// and saturate) under one enable (lockstep_pipe_ctrl) that stalls only while
// the result is not taken. One probability per cycle; latency 9 cycles.
module attn_prob_unit
  import edgemoe_cfg_pkg::*;
#(
  parameter int unsigned DIFF_W     = FEATURE_W + 1,
  parameter int unsigned EXP_W      = EXP_OUT_W,
  parameter int unsigned EXP_FRAC   = EXP_OUT_FRAC,
  parameter int unsigned MANT_BITS  = RECIP_MANT_BITS,
  parameter int unsigned SCALE_W    = RECIP_SCALE_W,
  parameter int unsigned P_W        = PROB_W,
  parameter int unsigned P_FRAC     = PROB_FRAC,
  parameter int unsigned TAG_W      = 1,
  parameter int unsigned SIDE_DEPTH = 8   // sync_fifo: a power of two >= 2
) (
  input  logic                      clk_i,
  input  logic                      rst_ni,

  input  logic                      in_valid_i,
  output logic                      in_ready_o,
  input  logic [DIFF_W-1:0]         in_diff_i,
  input  logic [MANT_BITS:0]        in_mant_i,
  input  logic [SCALE_W-1:0]        in_scale_i,
  input  logic [TAG_W-1:0]          in_tag_i,

  output logic                      out_valid_o,
  input  logic                      out_ready_i,
  output logic [P_W-1:0]            out_prob_o,
  output logic [TAG_W-1:0]          out_tag_o
);

  localparam int unsigned MantW   = MANT_BITS + 1;
  localparam int unsigned ProdW   = EXP_W + MantW;
  localparam int unsigned RndW    = ProdW + 1;
  localparam int          ShBase  = int'(EXP_FRAC) + int'(MANT_BITS) - int'(P_FRAC);
  localparam int unsigned ShW     = 10;
  localparam int unsigned SideW   = MantW + SCALE_W + TAG_W;
  localparam logic [RndW-1:0] PMax = RndW'((64'd1 << P_W) - 64'd1);

  if (ShBase < 1) begin : gen_err_shift
    $error("attn_prob_unit: EXP_FRAC + MANT_BITS must exceed P_FRAC");
  end

  ////////////////////////////
  // exp, with its side data //
  ////////////////////////////

  logic             exp_valid, pipe_ready;
  logic [EXP_W-1:0] exp_val;
  logic [SideW-1:0] side_head;

  exp_side_unit #(
    .LANES      (1),
    .IN_W       (DIFF_W),
    .OUT_W      (EXP_W),
    .OUT_FRAC   (EXP_FRAC),
    .SIDE_W     (SideW),
    .SIDE_DEPTH (SIDE_DEPTH)
  ) u_exp (
    .clk_i,
    .rst_ni,
    .in_valid_i,
    .in_ready_o,
    .in_data_i   (in_diff_i),
    .in_side_i   ({in_tag_i, in_scale_i, in_mant_i}),
    .out_valid_o (exp_valid),
    .out_ready_i (pipe_ready),
    .out_data_o  (exp_val),
    .out_side_o  (side_head)
  );

  /////////////////////////////
  // Normalise: e * (1 / s)  //
  /////////////////////////////

  // An exp result and its side data enter stage A together;
  // ld[s]: load enable of stage A (s = 0) and B (s = 1).
  logic [1:0] ld;

  lockstep_pipe_ctrl #(
    .STAGES (2)
  ) u_pipe_ctrl (
    .clk_i,
    .rst_ni,
    .in_valid_i  (exp_valid),
    .in_ready_o  (pipe_ready),
    .out_valid_o,
    .out_ready_i,
    .ld_o        (ld)
  );

  logic [MantW-1:0]   head_mant;
  logic [SCALE_W-1:0] head_scale;
  logic [TAG_W-1:0]   head_tag;

  assign {head_tag, head_scale, head_mant} = side_head;

  // Stage A: the exact product and the shift.
  logic [ProdW-1:0] prod_q;
  logic [ShW-1:0]   sh_q;
  logic [TAG_W-1:0] tag_a_q, tag_b_q;
  logic [ShW-1:0]   sh_d;

  assign sh_d = ShW'(ShBase) - ShW'($signed(head_scale));

  always_ff @(posedge clk_i) begin
    if (ld[0]) begin
      prod_q  <= ProdW'(exp_val) * ProdW'(head_mant);
      sh_q    <= sh_d;
      tag_a_q <= head_tag;
    end
  end

  // Stage B: round half up at sh, saturate.
  logic [RndW-1:0] half, rnd, shifted;
  logic [P_W-1:0]  prob_d, prob_q;
  logic            big_shift;

  assign big_shift = (sh_q >= ShW'(RndW));
  assign half      = big_shift ? '0 : ((RndW'(1) << sh_q) >> 1);
  assign rnd       = RndW'(prod_q) + half;
  assign shifted   = big_shift ? '0 : (rnd >> sh_q);
  assign prob_d    = (shifted > PMax) ? PMax[P_W-1:0] : shifted[P_W-1:0];

  always_ff @(posedge clk_i) begin
    if (ld[1]) begin
      prob_q  <= prob_d;
      tag_b_q <= tag_a_q;
    end
  end

  assign out_prob_o = prob_q;
  assign out_tag_o  = tag_b_q;

endmodule
