// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// exp_unit with side data: each beat carries SIDE_W bits (flags, maxima,
// the operands of the next step, a tag) that come out with its exp result.
// attn_prob_unit carries the reciprocal and its tag with it; softmax_stats_unit
// its row flags and new maxima.
//
// A side FIFO (sync_fifo of SIDE_DEPTH words) runs alongside the exp
// pipeline and gates its input: a beat enters the exp unit only with room for
// its side data, so no exp result is ever without its side data, whatever the
// exp unit's latency. An exp result is offered (out_valid_o) with the side
// FIFO's head and both are taken together (out_ready_i). Full rate needs
// SIDE_DEPTH > the exp latency (7 cycles); with less, throughput drops to
// SIDE_DEPTH beats per (latency + 1) cycles.
module exp_side_unit
  import edgemoe_cfg_pkg::*;
#(
  parameter int unsigned LANES      = 1,
  parameter int unsigned IN_W       = FEATURE_W + 1,
  parameter int unsigned OUT_W      = EXP_OUT_W,
  parameter int unsigned OUT_FRAC   = EXP_OUT_FRAC,
  parameter int unsigned SIDE_W     = 1,
  parameter int unsigned SIDE_DEPTH = 8   // sync_fifo: a power of two >= 2
) (
  input  logic                   clk_i,
  input  logic                   rst_ni,

  input  logic                   in_valid_i,
  output logic                   in_ready_o,
  input  logic [LANES*IN_W-1:0]  in_data_i,
  input  logic [SIDE_W-1:0]      in_side_i,

  output logic                   out_valid_o,
  input  logic                   out_ready_i,
  output logic [LANES*OUT_W-1:0] out_data_o,
  output logic [SIDE_W-1:0]      out_side_o
);

  logic side_full, side_valid, side_push, side_pop;

  sync_fifo #(
    .WIDTH (SIDE_W),
    .DEPTH (SIDE_DEPTH)
  ) u_side (
    .clk_i,
    .rst_ni,
    .push_i  (side_push),
    .data_i  (in_side_i),
    .pop_i   (side_pop),
    .full_o  (side_full),
    .valid_o (side_valid),
    .data_o  (out_side_o)
  );

  logic exp_in_valid, exp_in_ready, exp_out_valid, exp_out_ready;

  assign exp_in_valid  = in_valid_i & ~side_full;
  assign in_ready_o    = exp_in_ready & ~side_full;
  assign side_push     = in_valid_i & in_ready_o;
  assign out_valid_o   = exp_out_valid & side_valid;
  assign exp_out_ready = out_ready_i & side_valid;
  assign side_pop      = exp_out_valid & exp_out_ready;

  exp_unit #(
    .LANES    (LANES),
    .IN_W     (IN_W),
    .OUT_W    (OUT_W),
    .OUT_FRAC (OUT_FRAC)
  ) u_exp (
    .clk_i,
    .rst_ni,
    .in_valid_i  (exp_in_valid),
    .in_ready_o  (exp_in_ready),
    .in_data_i,
    .out_valid_o (exp_out_valid),
    .out_ready_i (exp_out_ready),
    .out_data_o
  );

endmodule
