// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// Unified linear engine (Edge-MoE idea 4): y = [GELU](x @ W.T + b) on a tile of
// ROWS x COLS multipliers, bit-exact with golden.stages.linear.linear (and its
// tile schedule linear_tiled: the accumulation is exact, so the order of the
// partial sums cannot change a bit).
//
// Arithmetic of one output row r of one token (Fx, Fw, Fb, Fy fraction bits):
//   acc = (b[r] << (Fx + Fw - Fb)) + sum_k x[k] * W[r][k]   exact, ACC_W bits
//   y   = sat((acc + 2**(S-1)) >>> S), S = Fx + Fw - Fy     round half up (AP_RND),
//                                                           saturate (AP_SAT)
//   y   = gelu_unit(y) when the tile's GELU flag is set
// ACC_W is the smallest signed width that holds every accumulator of a dot
// product of up to MAX_K terms plus the larger of the two bias alignments, so
// nothing is ever truncated or wrapped before the single rounding
// (hls/geometry.py _tile_acc_w computes it: TILE_ACC_W for the default
// parameters, ENGINE_TILE_ACC_W for linear_engine's tile).
//
// Schedule. A weight tile holds ROWS output rows x K inputs (K <= MAX_K, a
// multiple of COLS) and is reused for every token streamed through it: weights
// are read from memory once per layer, features once per tile of ROWS outputs.
// Two weight banks: the next tile loads while the current one computes.
//
// Weight port (w_*): one beat = COLS weights of one row of one column block,
// block-major: block 0 rows 0..ROWS-1, block 1 rows 0..ROWS-1, ...;
// w_last_i marks the tile's final beat (block K/COLS - 1, row ROWS - 1), and
// with it the sideband is sampled: w_bias_i (one bias per row, raw, B_W bits),
// w_bias_alt_i (0: bias has B_FRAC fraction bits, golden's `bias` <16,5>;
// 1: B_ALT_FRAC, `attn_bias` <16,7> of Q/K/V) and w_gelu_i (fused GELU).
// A layer without bias loads zeros. Tiles with fewer than ROWS outputs
// (M mod ROWS) are padded with zero rows whose outputs the kernel discards.
//
// Feature port (in_*): one beat = COLS features of one token (block j of its
// input vector, j = 0, 1, ...); in_last_i closes the token's dot product (after
// K/COLS beats, the same K as the loaded tile) and in_tile_last_i, sampled
// with in_last_i, marks the tile's last token: after it the weight bank is
// released for the tile after next. An input dimension that is not a multiple
// of COLS is padded with zero features (or zero weights) in the last block.
// More than MAX_K/COLS beats in one token, or K different from the tile's,
// is a protocol error (stale or wrapped weights are used).
//
// Output port (out_*): one beat per token: ROWS results in the feature format.
//
// Throughput: one feature beat (ROWS x COLS MACs) per cycle, tokens back to
// back with no bubbles, whatever K; one weight beat per cycle, so a tile loads
// in ROWS * K / COLS cycles, hidden behind a tile that streams >= ROWS tokens.
// Latency from the beat with in_last_i to its output beat: 4 cycles (weight
// read, multiply, accumulate, round/saturate) plus the gelu_unit's 4 cycles
// (every token passes the GELU pipeline, which keeps the output in order; a
// side FIFO carries the un-GELU'd values and the flag).
//
// Flow control: one global enable moves the MAC pipeline; it stops only while
// the rounded result of a token waits for the GELU stage, which waits for the
// sink. in_ready_o = enable && the reading bank is loaded; w_ready_o = the
// writing bank is free.
//
// Modules: this one holds the bank state, the feature reader and the pipeline
// control; linear_tile_row one output row (its weights, S1 .. S4);
// linear_gelu_stage the GELU stage and its side FIFO.
module linear_tile
  import edgemoe_cfg_pkg::*;
#(
  parameter int unsigned ROWS       = TILE_ROWS,
  parameter int unsigned COLS       = TILE_COLS,
  // Largest input dimension: the widest of the layers this engine serves,
  // rounded up to a whole number of column blocks.
  parameter int unsigned MAX_K      = TILE_MAX_K,
  parameter int unsigned X_W        = FEATURE_W,
  parameter int unsigned X_FRAC     = FEATURE_FRAC,
  parameter int unsigned W_W        = LINEAR_WEIGHT_W,
  parameter int unsigned W_FRAC     = LINEAR_WEIGHT_FRAC,
  parameter int unsigned B_W        = TILE_BIAS_W,
  parameter int unsigned B_FRAC     = BIAS_FRAC,
  parameter int unsigned B_ALT_FRAC = ATTN_BIAS_FRAC,
  parameter int unsigned Y_W        = FEATURE_W,
  parameter int unsigned Y_FRAC     = FEATURE_FRAC,
  // Accumulator width for the parameters above (header).
  parameter int unsigned ACC_W      = TILE_ACC_W
) (
  input  logic                  clk_i,
  input  logic                  rst_ni,

  // Weight tiles.
  input  logic                  w_valid_i,
  output logic                  w_ready_o,
  input  logic [COLS*W_W-1:0]   w_data_i,
  input  logic                  w_last_i,
  input  logic [ROWS*B_W-1:0]   w_bias_i,
  input  logic                  w_bias_alt_i,
  input  logic                  w_gelu_i,

  // Feature stream.
  input  logic                  in_valid_i,
  output logic                  in_ready_o,
  input  logic [COLS*X_W-1:0]   in_data_i,
  input  logic                  in_last_i,
  input  logic                  in_tile_last_i,

  // One beat of ROWS results per token.
  output logic                  out_valid_o,
  input  logic                  out_ready_i,
  output logic [ROWS*Y_W-1:0]   out_data_o
);

  //////////////////////
  // Derived geometry //
  //////////////////////

  localparam int unsigned KBlocks  = (MAX_K + COLS - 1) / COLS;
  localparam int unsigned BlkW     = (KBlocks > 1) ? $clog2(KBlocks) : 1;
  localparam int unsigned RowW     = (ROWS > 1) ? $clog2(ROWS) : 1;
  localparam int unsigned AccFrac  = X_FRAC + W_FRAC;
  // Bias alignment to the accumulator's fraction bits (exact left shifts).
  localparam int unsigned BiasShift    = AccFrac - B_FRAC;
  localparam int unsigned BiasAltShift = AccFrac - B_ALT_FRAC;
  // Rounding (linear_tile_row, round_sat): drop RndShift bits, round half up,
  // in ACC_W + 1 bits (no carry out).
  localparam int unsigned RndShift = AccFrac - Y_FRAC;
  localparam int unsigned RndW     = ACC_W + 1;
  localparam int unsigned QW       = RndW - RndShift;

  if (AccFrac < B_FRAC || AccFrac < B_ALT_FRAC) begin : gen_err_bias_frac
    $error("linear_tile: a bias has more fraction bits than the product");
  end
  if (RndShift < 1 || AccFrac < Y_FRAC) begin : gen_err_rnd
    $error("linear_tile: the output must have fewer fraction bits than the product");
  end
  if (QW <= Y_W) begin : gen_err_qw
    $error("linear_tile: the accumulator is no wider than the output (no saturation)");
  end
  if (MAX_K % COLS != 0) begin : gen_err_max_k
    $error("linear_tile: MAX_K must be a multiple of COLS");
  end

  ///////////////////////////
  // Weight banks (writer) //
  ///////////////////////////

  logic [1:0]          full_q;
  logic                wr_bank_q, rd_bank_q;
  logic [RowW-1:0]     wr_row_q;
  logic [BlkW-1:0]     wr_blk_q;
  logic                w_fire;

  assign w_ready_o = ~full_q[wr_bank_q];
  assign w_fire    = w_valid_i & w_ready_o;

  // Sideband of each bank, sampled with the tile's last weight beat.
  logic [ROWS*B_W-1:0] bias_q [2];
  logic [1:0]          bias_alt_q, gelu_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wr_bank_q <= 1'b0;
      wr_row_q  <= '0;
      wr_blk_q  <= '0;
    end else if (w_fire) begin
      if (w_last_i) begin
        wr_bank_q <= ~wr_bank_q;
        wr_row_q  <= '0;
        wr_blk_q  <= '0;
      end else if (wr_row_q == RowW'(ROWS - 1)) begin
        wr_row_q  <= '0;
        wr_blk_q  <= wr_blk_q + BlkW'(1);
      end else begin
        wr_row_q  <= wr_row_q + RowW'(1);
      end
    end
  end

  always_ff @(posedge clk_i) begin
    if (w_fire && w_last_i) begin
      bias_q[wr_bank_q]     <= w_bias_i;
      bias_alt_q[wr_bank_q] <= w_bias_alt_i;
      gelu_q[wr_bank_q]     <= w_gelu_i;
    end
  end

  /////////////////////////////////
  // Feature beats (reader, S0)  //
  /////////////////////////////////

  logic            pipe_en;
  logic            in_fire;
  logic            release_bank;
  logic [BlkW-1:0] rd_blk_q;

  assign in_ready_o   = pipe_en & full_q[rd_bank_q];
  assign in_fire      = in_valid_i & in_ready_o;
  assign release_bank = in_fire & in_last_i & in_tile_last_i;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      rd_bank_q <= 1'b0;
      rd_blk_q  <= '0;
    end else if (in_fire) begin
      rd_blk_q <= in_last_i ? '0 : rd_blk_q + BlkW'(1);
      if (release_bank) begin
        rd_bank_q <= ~rd_bank_q;
      end
    end
  end

  // A bank is full from its last weight beat until its last token's last beat.
  // The writer only fills a free bank and the reader only frees a full one, so
  // the two never act on the same bank in one cycle.
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      full_q <= '0;
    end else begin
      for (int b = 0; b < 2; b++) begin
        if (w_fire && w_last_i && wr_bank_q == 1'(b)) begin
          full_q[b] <= 1'b1;
        end else if (release_bank && rd_bank_q == 1'(b)) begin
          full_q[b] <= 1'b0;
        end
      end
    end
  end

  //////////////////////
  // Pipeline control //
  //////////////////////

  // Valid and flags of stages 1 (operands), 2 (products), 3 (accumulator
  // holds a finished token) and 4 (rounded result).
  logic v1_q, v2_q, res3_q, v4_q;
  logic first1_q, last1_q, gelu1_q;
  logic first2_q, last2_q, gelu2_q;
  logic gelu3_q, gelu4_q;
  logic ld1, ld2, ld3, ld4;
  logic take4;

  assign pipe_en = ~(v4_q & ~take4);
  assign ld1 = pipe_en & in_fire;
  assign ld2 = pipe_en & v1_q;
  assign ld3 = pipe_en & v2_q;
  assign ld4 = pipe_en & res3_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      v1_q   <= 1'b0;
      v2_q   <= 1'b0;
      res3_q <= 1'b0;
      v4_q   <= 1'b0;
    end else if (pipe_en) begin
      v1_q   <= in_fire;
      v2_q   <= v1_q;
      res3_q <= v2_q & last2_q;
      v4_q   <= res3_q;
    end
  end

  always_ff @(posedge clk_i) begin
    if (ld1) begin
      first1_q <= (rd_blk_q == '0);
      last1_q  <= in_last_i;
      gelu1_q  <= gelu_q[rd_bank_q];
    end
    if (ld2) begin
      first2_q <= first1_q;
      last2_q  <= last1_q;
      gelu2_q  <= gelu1_q;
    end
    if (ld3 && last2_q) begin
      gelu3_q  <= gelu2_q;
    end
    if (ld4) begin
      gelu4_q  <= gelu3_q;
    end
  end

  //////////////////////////////////////////
  // MAC rows (S1 .. S4, linear_tile_row) //
  //////////////////////////////////////////

  logic [COLS*X_W-1:0] x1_q;

  always_ff @(posedge clk_i) begin
    if (ld1) begin
      x1_q <= in_data_i;
    end
  end

  logic [ROWS*Y_W-1:0] y4_q;

  for (genvar r = 0; r < ROWS; r++) begin : g_row
    linear_tile_row #(
      .COLS           (COLS),
      .K_BLOCKS       (KBlocks),
      .X_W            (X_W),
      .W_W            (W_W),
      .B_W            (B_W),
      .ACC_W          (ACC_W),
      .BIAS_SHIFT     (BiasShift),
      .BIAS_ALT_SHIFT (BiasAltShift),
      .ROUND_SHIFT    (RndShift),
      .Y_W            (Y_W)
    ) u_row (
      .clk_i,
      .w_write_i  (w_fire && wr_row_q == RowW'(r)),
      .w_bank_i   (wr_bank_q),
      .w_blk_i    (wr_blk_q),
      .w_data_i,
      .ld1_i      (ld1),
      .ld2_i      (ld2),
      .ld3_i      (ld3),
      .ld4_i      (ld4),
      .rd_bank_i  (rd_bank_q),
      .rd_blk_i   (rd_blk_q),
      .bias_i     (bias_q[rd_bank_q][r*B_W +: B_W]),
      .bias_alt_i (bias_alt_q[rd_bank_q]),
      .x1_i       (x1_q),
      .first2_i   (first2_q),
      .y4_o       (y4_q[r*Y_W +: Y_W])
    );
  end

  ////////////////
  // GELU stage //
  ////////////////

  linear_gelu_stage #(
    .ROWS   (ROWS),
    .Y_W    (Y_W),
    .Y_FRAC (Y_FRAC)
  ) u_gelu_stage (
    .clk_i,
    .rst_ni,
    .in_valid_i  (v4_q),
    .in_ready_o  (take4),
    .in_data_i   (y4_q),
    .in_gelu_i   (gelu4_q),
    .out_valid_o,
    .out_ready_i,
    .out_data_o
  );

endmodule
