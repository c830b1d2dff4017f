// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// The GELU stage of linear_tile: every result beat (ROWS values in the feature
// format) passes gelu_unit, so results stay in order; a side FIFO holds each
// beat's GELU flag (in_gelu_i) and its un-GELU'd values until gelu_unit
// returns the beat, and the output is the GELU'd or the plain values by the
// flag. Latency: gelu_unit's 4 cycles. A beat is taken (in_ready_o) when
// gelu_unit takes it and the FIFO has room, or frees a place in the same cycle.
module linear_gelu_stage
  import edgemoe_cfg_pkg::*;
#(
  parameter int unsigned ROWS   = 4,
  parameter int unsigned Y_W    = FEATURE_W,
  parameter int unsigned Y_FRAC = FEATURE_FRAC
) (
  input  logic                 clk_i,
  input  logic                 rst_ni,

  input  logic                 in_valid_i,
  output logic                 in_ready_o,
  input  logic [ROWS*Y_W-1:0]  in_data_i,
  input  logic                 in_gelu_i,

  output logic                 out_valid_o,
  input  logic                 out_ready_i,
  output logic [ROWS*Y_W-1:0]  out_data_o
);

  // Results in flight in gelu_unit, carried beside it.
  localparam int unsigned FifoDepth = 4;
  localparam int unsigned FifoW     = 1 + ROWS * Y_W;

  logic                 gelu_in_valid, gelu_in_ready;
  logic                 gelu_out_valid;
  logic [ROWS*Y_W-1:0]  gelu_out_data;
  logic                 fifo_push, fifo_pop, fifo_full, fifo_ok, fifo_valid;
  logic [FifoW-1:0]     fifo_head;

  assign fifo_pop      = gelu_out_valid & out_ready_i;
  assign fifo_ok       = ~fifo_full | fifo_pop;
  assign gelu_in_valid = in_valid_i & fifo_ok;
  assign in_ready_o    = gelu_in_ready & fifo_ok;
  assign fifo_push     = in_valid_i & in_ready_o;

  sync_fifo #(
    .WIDTH (FifoW),
    .DEPTH (FifoDepth)
  ) u_side_fifo (
    .clk_i,
    .rst_ni,
    .push_i  (fifo_push),
    .data_i  ({in_gelu_i, in_data_i}),
    .pop_i   (fifo_pop),
    .full_o  (fifo_full),
    .valid_o (fifo_valid),
    .data_o  (fifo_head)
  );

  gelu_unit #(
    .LANES  (ROWS),
    .DATA_W (Y_W),
    .FRAC_W (Y_FRAC)
  ) u_gelu (
    .clk_i,
    .rst_ni,
    .in_valid_i  (gelu_in_valid),
    .in_ready_o  (gelu_in_ready),
    .in_data_i,
    .out_valid_o (gelu_out_valid),
    .out_ready_i,
    .out_data_o  (gelu_out_data)
  );

  // The FIFO holds every beat in gelu_unit: its valid is gelu_unit's.
  logic unused_fifo_valid;
  assign unused_fifo_valid = fifo_valid;

  assign out_valid_o = gelu_out_valid;
  assign out_data_o  = fifo_head[FifoW-1] ? gelu_out_data : fifo_head[ROWS*Y_W-1:0];

endmodule
