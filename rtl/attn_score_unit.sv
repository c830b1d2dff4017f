// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// Attention score unit: one (key, head, query lane) score per cycle, bit-exact
// with golden.stages.attention.attention_scores.
//
// Arithmetic (Q, K already rounded to attn_qk, QK_FRAC fraction bits):
//   acc   = sum_n q[n] * k[n]                     exact, N terms of QK_W x QK_W bits
//   score = sat((acc + 2**(SHIFT-1)) >>> SHIFT)   one rounding (AP_RND: half up) and
//                                                 saturation (AP_SAT) into OUT_W bits
// with SHIFT = 2 * QK_FRAC - SCALE_LOG2 - OUT_FRAC: the scale head_dim**-0.5 =
// 2**SCALE_LOG2 is folded into the shift, so the dot product is never rounded
// before the single rounding into the feature format.
//
// Pipeline: three stages (N products; their exact sum; round and saturate)
// advance together under one enable, as in exp_unit: the pipeline stalls only
// while its last stage holds a result the sink does not take
// (in_ready_o = !(out_valid_o && !out_ready_i), a combinational path from
// out_ready_i). Latency 3 cycles, one score (N multiply-accumulates) per cycle.
// A TAG_W-bit tag travels with each beat.
module attn_score_unit
  import edgemoe_cfg_pkg::*;
#(
  parameter int unsigned N       = HEAD_DIM,
  parameter int unsigned QK_W    = ATTN_QK_W,
  parameter int unsigned QK_FRAC = ATTN_QK_FRAC,
  parameter int          SCALE   = ATTN_SCALE_LOG2,
  parameter int unsigned OUT_W   = FEATURE_W,
  parameter int unsigned OUT_FRAC = FEATURE_FRAC,
  parameter int unsigned TAG_W   = 1
) (
  input  logic                 clk_i,
  input  logic                 rst_ni,

  input  logic                 in_valid_i,
  output logic                 in_ready_o,
  input  logic [N*QK_W-1:0]    in_q_i,
  input  logic [N*QK_W-1:0]    in_k_i,
  input  logic [TAG_W-1:0]     in_tag_i,

  output logic                 out_valid_o,
  input  logic                 out_ready_i,
  output logic [OUT_W-1:0]     out_score_o,
  output logic [TAG_W-1:0]     out_tag_o
);

  localparam int          Shift = 2 * int'(QK_FRAC) - SCALE - int'(OUT_FRAC);
  localparam int unsigned ProdW = 2 * QK_W;
  localparam int unsigned SumW  = ProdW + ((N > 1) ? $clog2(N) : 0);

  if (Shift < 1) begin : gen_err_shift
    $error("attn_score_unit: the score must lose at least one fraction bit");
  end
  if (SumW + 1 <= OUT_W) begin : gen_err_width
    $error("attn_score_unit: the dot product is narrower than the output");
  end

  logic [2:0] valid_q;
  logic       en;

  assign en          = ~(valid_q[2] & ~out_ready_i);
  assign in_ready_o  = en;
  assign out_valid_o = valid_q[2];

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      valid_q <= '0;
    end else if (en) begin
      valid_q <= {valid_q[1:0], in_valid_i};
    end
  end

  logic [2:0] ld;
  assign ld = {3{en}} & {valid_q[1:0], in_valid_i};

  // Stage 1: the N exact products.
  logic signed [ProdW-1:0] prod_q [N];
  logic [TAG_W-1:0]        tag1_q, tag2_q, tag3_q;

  for (genvar n = 0; n < N; n++) begin : g_prod
    always_ff @(posedge clk_i) begin
      if (ld[0]) begin
        prod_q[n] <= ProdW'($signed(in_q_i[n*QK_W +: QK_W])) *
                     ProdW'($signed(in_k_i[n*QK_W +: QK_W]));
      end
    end
  end

  // Stage 2: their exact sum.
  logic signed [SumW-1:0] sum_d, sum_q;

  always_comb begin
    sum_d = '0;
    for (int unsigned n = 0; n < N; n++) begin
      sum_d = sum_d + SumW'(prod_q[n]);
    end
  end

  // Stage 3: round half up, saturate.
  logic [OUT_W-1:0] score_d, score_q;

  round_sat #(
    .IN_W  (SumW),
    .OUT_W (OUT_W),
    .SHIFT (Shift),
    .ROUND (1'b1)
  ) u_round_score (
    .in_i  (sum_q),
    .out_o (score_d)
  );

  always_ff @(posedge clk_i) begin
    if (ld[0]) begin
      tag1_q <= in_tag_i;
    end
    if (ld[1]) begin
      sum_q  <= sum_d;
      tag2_q <= tag1_q;
    end
    if (ld[2]) begin
      score_q <= score_d;
      tag3_q  <= tag2_q;
    end
  end

  assign out_score_o = score_q;
  assign out_tag_o   = tag3_q;

endmodule
