// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// One output row of linear_tile: the row's weights in two banks, and its MAC
// pipeline from a feature beat to the rounded result (stages S1 .. S4 of
// linear_tile, under the tile's load enables):
//   S1  the weights of the beat's column block; the bias aligned to the
//       accumulator (BIAS_SHIFT, or BIAS_ALT_SHIFT with bias_alt_i)
//   S2  COLS exact products
//   S3  exact accumulation; a token's first beat (first_i) starts from its bias
//   S4  y = sat((acc + 2**(ROUND_SHIFT-1)) >>> ROUND_SHIFT) in Y_W bits
//       (round_sat: AP_RND, AP_SAT)
// Weight writes (w_write_i) go to block w_blk_i of bank w_bank_i; reads take
// block rd_blk_i of bank rd_bank_i. The tile never writes and reads one bank
// in the same cycle.
module linear_tile_row #(
  parameter int unsigned COLS           = 4,
  parameter int unsigned K_BLOCKS       = 1,
  parameter int unsigned X_W            = 32,
  parameter int unsigned W_W            = 8,
  parameter int unsigned B_W            = 16,
  parameter int unsigned ACC_W          = 48,
  parameter int unsigned BIAS_SHIFT     = 0,
  parameter int unsigned BIAS_ALT_SHIFT = 0,
  parameter int unsigned ROUND_SHIFT    = 1,
  parameter int unsigned Y_W            = 32,
  localparam int unsigned BlkW          = (K_BLOCKS > 1) ? $clog2(K_BLOCKS) : 1
) (
  input  logic                  clk_i,

  // Weight writes.
  input  logic                  w_write_i,
  input  logic                  w_bank_i,
  input  logic [BlkW-1:0]       w_blk_i,
  input  logic [COLS*W_W-1:0]   w_data_i,

  // Stage loads and the operands of S1.
  input  logic                  ld1_i,
  input  logic                  ld2_i,
  input  logic                  ld3_i,
  input  logic                  ld4_i,
  input  logic                  rd_bank_i,
  input  logic [BlkW-1:0]       rd_blk_i,
  input  logic [B_W-1:0]        bias_i,
  input  logic                  bias_alt_i,
  input  logic [COLS*X_W-1:0]   x1_i,       // the features, registered by the tile at S1
  input  logic                  first2_i,   // S2 holds a token's first beat

  output logic [Y_W-1:0]        y4_o
);

  localparam int unsigned ProdW = X_W + W_W;
  localparam int unsigned SumW  = ProdW + ((COLS > 1) ? $clog2(COLS) : 0);

  if (SumW > ACC_W) begin : gen_err_sumw
    $error("linear_tile_row: MAX_K smaller than one column block");
  end

  // Block j of bank b at mem_q[b][j].
  logic [COLS*W_W-1:0] mem_q [2][K_BLOCKS];

  always_ff @(posedge clk_i) begin
    if (w_write_i) begin
      mem_q[w_bank_i][w_blk_i] <= w_data_i;
    end
  end

  // S1: the weights of the accepted beat's block; the aligned bias on a
  // token's first beat.
  logic [COLS*W_W-1:0]     w1_q;
  logic signed [B_W-1:0]   bias0;
  logic signed [ACC_W-1:0] bias0_al;
  logic signed [ACC_W-1:0] b1_q;

  assign bias0    = $signed(bias_i);
  assign bias0_al = bias_alt_i ? (ACC_W'(bias0) <<< BIAS_ALT_SHIFT)
                               : (ACC_W'(bias0) <<< BIAS_SHIFT);

  always_ff @(posedge clk_i) begin
    if (ld1_i) begin
      w1_q <= mem_q[rd_bank_i][rd_blk_i];
      b1_q <= bias0_al;
    end
  end

  // S2: COLS exact products.
  logic signed [ProdW-1:0] p1 [COLS];
  logic signed [ProdW-1:0] p2_q [COLS];
  logic signed [ACC_W-1:0] b2_q;

  for (genvar c = 0; c < COLS; c++) begin : g_mul
    assign p1[c] = $signed(x1_i[c*X_W +: X_W]) * $signed(w1_q[c*W_W +: W_W]);
  end

  always_ff @(posedge clk_i) begin
    if (ld2_i) begin
      p2_q <= p1;
      b2_q <= b1_q;
    end
  end

  // S3: exact accumulation; a token's first beat starts from its bias.
  logic signed [SumW-1:0]  sum2;
  logic signed [ACC_W-1:0] acc3_q;

  always_comb begin
    sum2 = '0;
    for (int c = 0; c < COLS; c++) begin
      sum2 = sum2 + SumW'(p2_q[c]);
    end
  end

  always_ff @(posedge clk_i) begin
    if (ld3_i) begin
      acc3_q <= (first2_i ? b2_q : acc3_q) + ACC_W'(sum2);
    end
  end

  // S4: one rounding (half up) into the output format, then saturation.
  logic [Y_W-1:0] y3;

  round_sat #(
    .IN_W  (ACC_W),
    .OUT_W (Y_W),
    .SHIFT (ROUND_SHIFT),
    .ROUND (1'b1)
  ) u_round_out (
    .in_i  (acc3_q),
    .out_o (y3)
  );

  always_ff @(posedge clk_i) begin
    if (ld4_i) begin
      y4_o <= y3;
    end
  end

endmodule
