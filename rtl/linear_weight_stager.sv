// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// Weight stager of linear_engine: the ROWS weight rows and the ROWS biases of
// a tile of outputs, read from memory row-major as they come, are written
// into a staging RAM, then pushed into the linear_tile's weight port
// block-major (block j: rows 0..ROWS-1, one beat of COLS weights per cycle),
// the biases with the tile's last beat.
//
// Staging RAM: ROWS rows of RowWords words of WordWeights = max(weights per
// beat, COLS) weights each (one read beat, or one block gathered from
// COLS / weights per beat read beats). A row is K weights (MAX_K at most) in
// ceil(K / weights per beat) beats; its last beat (last_i) ends the row. Bias beats (the ROWS
// biases at any lane offset: at most BiasBeats beats) are kept whole; their
// last beat starts the push, and from then on no weight or bias beat is taken
// (ready_o low) until the tile has taken the last weight beat. The staging
// RAM is free again then: the next tile's rows overwrite it while the tile
// computes with the pushed weights.
//
// Tile operands: each weight lane is sign-extended and shifted left to W_FRAC
// fraction bits (W_W bits: linear and patch weights in one format, see
// linear_engine); the biases are passed raw (B_W bits), the tile aligns them.
module linear_weight_stager
  import edgemoe_cfg_pkg::*;
#(
  parameter int unsigned ROWS   = TILE_ROWS,
  parameter int unsigned COLS   = TILE_COLS,
  parameter int unsigned DATA_W = AXI_DATA_W,
  // Largest K (a multiple of COLS).
  parameter int unsigned MAX_K  = ENGINE_MAX_K,
  // The tile's weight format: both weight formats shifted to W_FRAC.
  parameter int unsigned W_FRAC = ENGINE_WEIGHT_FRAC,
  parameter int unsigned W_W    = ENGINE_WEIGHT_W,
  parameter int unsigned B_W    = TILE_BIAS_W,
  localparam int unsigned OffW  = BEAT_OFFSET_W
) (
  input  logic                clk_i,
  input  logic                rst_ni,

  // The job: taken in the cycle of job_take_i; its fields hold while busy.
  input  logic                job_take_i,
  input  logic                patch_i,      // patch weights, not linear ones
  input  logic [15:0]         blocks_i,     // K / COLS blocks per row

  // Weight and bias read beats.
  input  logic                weight_valid_i,
  input  logic                bias_valid_i,
  output logic                ready_o,
  input  logic [DATA_W-1:0]   data_i,
  input  logic [15:0]         beat_i,       // beat of its read command
  input  logic                last_i,       // the command's last beat
  input  logic [OffW-1:0]     offset_i,     // bias: byte of the first bias

  // The tile's weight port.
  output logic                w_valid_o,
  input  logic                w_ready_i,
  output logic [COLS*W_W-1:0] w_data_o,
  output logic                w_last_o,
  output logic [ROWS*B_W-1:0] w_bias_o
);

  // Sizes derived once in the package (hls/geometry.py), which hold for the
  // package's own parameters only.
  if (DATA_W != AXI_DATA_W || B_W != TILE_BIAS_W ||
      W_FRAC != ENGINE_WEIGHT_FRAC) begin : gen_err_pkg_geometry
    $error("linear_weight_stager: parameters differ from edgemoe_cfg_pkg's derived geometry");
  end

  localparam int unsigned BeatBytes      = BEAT_BYTES;
  localparam int unsigned WeightBytes    = WEIGHT_LANE_BYTES;
  localparam int unsigned BiasBytes      = BIAS_LANE_BYTES;
  localparam int unsigned WeightsPerBeat = WEIGHT_LANES;
  // Staging RAM: ROWS rows of RowWords words of WordWeights weights (one beat,
  // or one block).
  localparam int unsigned WordWeights    = (WeightsPerBeat > COLS) ? WeightsPerBeat : COLS;
  localparam int unsigned WordW          = WordWeights * WeightBytes * 8;
  localparam int unsigned RowWords       = (MAX_K + WordWeights - 1) / WordWeights;
  localparam int unsigned StageDepth     = ROWS * RowWords;
  localparam int unsigned StageAddrW     = (StageDepth > 1) ? $clog2(StageDepth) : 1;
  localparam int unsigned BlocksPerWord  = WordWeights / COLS;
  localparam int unsigned BlockW         = (BlocksPerWord > 1) ? $clog2(BlocksPerWord) : 1;
  localparam int unsigned BeatsPerWord   = (WeightsPerBeat < COLS) ? COLS / WeightsPerBeat : 1;
  localparam int unsigned GatherW        = (BeatsPerWord > 1) ? $clog2(BeatsPerWord) : 1;
  // Bias: the ROWS biases of a tile, at any lane offset: at most BiasBeats beats.
  localparam int unsigned BiasBeats      = (BeatBytes - BiasBytes + ROWS * BiasBytes
                                            + BeatBytes - 1) / BeatBytes;
  localparam int unsigned BiasBeatW      = (BiasBeats > 1) ? $clog2(BiasBeats) : 1;

  if ((WordWeights % COLS) != 0 || (WordWeights % WeightsPerBeat) != 0) begin : gen_err_g
    $error("linear_engine: weight lanes per beat and COLS must divide one another");
  end

  /////////////////////////////
  // Filling the staging RAM //
  /////////////////////////////

  logic [WordW-1:0]   stage_mem [StageDepth];
  logic [15:0]        fill_row_q, fill_word_q;
  logic [GatherW-1:0] fill_beat_q;    // beat of the word being gathered
  logic [DATA_W-1:0]  bias_beats_q [BiasBeats];
  logic [OffW-1:0]    bias_offset_q;
  logic               pushing_q;      // the staged weights go into the tile
  logic               weight_fire, bias_fire;
  logic               fill_we;
  logic [WordW-1:0]   fill_word;
  logic               unused_beat;

  assign ready_o     = ~pushing_q;
  assign weight_fire = weight_valid_i & ready_o;
  assign bias_fire   = bias_valid_i & ready_o;
  assign unused_beat = ^beat_i[15:BiasBeatW];

  if (WeightsPerBeat < COLS) begin : gen_gather
    // COLS / WeightsPerBeat beats make one word (one block of one row).
    logic [(BeatsPerWord-1)*DATA_W-1:0] gather_q;
    if (BeatsPerWord > 2) begin : gen_shift
      always_ff @(posedge clk_i) begin
        if (weight_fire) begin
          gather_q <= {data_i, gather_q[(BeatsPerWord-1)*DATA_W-1:DATA_W]};
        end
      end
    end else begin : gen_one
      always_ff @(posedge clk_i) begin
        if (weight_fire) begin
          gather_q <= data_i;
        end
      end
    end
    assign fill_word = {data_i, gather_q};
    assign fill_we   = weight_fire && fill_beat_q == GatherW'(BeatsPerWord - 1);
  end else begin : gen_no_gather
    logic unused_gather;
    assign unused_gather = ^fill_beat_q;
    assign fill_word = data_i;
    assign fill_we   = weight_fire;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      fill_row_q    <= '0;
      fill_word_q   <= '0;
      fill_beat_q   <= '0;
      bias_offset_q <= '0;
    end else if (job_take_i) begin
      fill_row_q    <= '0;
      fill_word_q   <= '0;
      fill_beat_q   <= '0;
    end else begin
      if (weight_fire) begin
        if (last_i) begin
          fill_row_q  <= fill_row_q + 16'd1;
          fill_word_q <= '0;
          fill_beat_q <= '0;
        end else if (fill_we) begin
          fill_word_q <= fill_word_q + 16'd1;
          fill_beat_q <= '0;
        end else begin
          fill_beat_q <= fill_beat_q + GatherW'(1);
        end
      end
      if (bias_fire && last_i) begin
        fill_row_q    <= '0;
        bias_offset_q <= offset_i;
      end
    end
  end

  always_ff @(posedge clk_i) begin
    if (fill_we) begin
      stage_mem[StageAddrW'(32'(fill_row_q) * RowWords + 32'(fill_word_q))] <= fill_word;
    end
    if (bias_fire) begin
      bias_beats_q[beat_i[BiasBeatW-1:0]] <= data_i;
    end
  end

  //////////////////////////
  // The push to the tile //
  //////////////////////////

  // Push: block j, row r, one beat per cycle into the tile's weight port.
  logic [15:0]        push_block_q, push_row_q, push_word_q;
  logic [BlockW-1:0]  push_sub_q;      // block of the word
  logic               push_issued_q;   // every beat of this tile read from the RAM
  logic               w_valid_q, w_last_q;
  logic [WordW-1:0]   w_word_q;
  logic [BlockW-1:0]  w_sub_q;
  logic               w_advance, push_read, w_fire;

  assign w_advance = ~w_valid_q | w_ready_i;
  assign push_read = pushing_q & ~push_issued_q & w_advance;
  assign w_fire    = w_valid_q & w_ready_i;
  assign w_valid_o = w_valid_q;
  assign w_last_o  = w_last_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      pushing_q     <= 1'b0;
      push_issued_q <= 1'b0;
      push_block_q  <= '0;
      push_row_q    <= '0;
      push_word_q   <= '0;
      push_sub_q    <= '0;
      w_valid_q     <= 1'b0;
    end else begin
      if (bias_fire && last_i) begin
        pushing_q <= 1'b1;
      end else if (w_fire && w_last_q) begin
        pushing_q     <= 1'b0;
        push_issued_q <= 1'b0;
      end
      if (w_advance) begin
        w_valid_q <= push_read;
      end
      if (push_read) begin
        if (push_row_q == 16'(ROWS - 1)) begin
          push_row_q <= '0;
          if (push_block_q == blocks_i - 16'd1) begin
            push_block_q  <= '0;
            push_word_q   <= '0;
            push_sub_q    <= '0;
            push_issued_q <= 1'b1;
          end else begin
            push_block_q <= push_block_q + 16'd1;
            if (push_sub_q == BlockW'(BlocksPerWord - 1)) begin
              push_sub_q  <= '0;
              push_word_q <= push_word_q + 16'd1;
            end else begin
              push_sub_q <= push_sub_q + BlockW'(1);
            end
          end
        end else begin
          push_row_q <= push_row_q + 16'd1;
        end
      end
    end
  end

  always_ff @(posedge clk_i) begin
    if (push_read) begin
      w_word_q <= stage_mem[StageAddrW'(32'(push_row_q) * RowWords + 32'(push_word_q))];
      w_sub_q  <= push_sub_q;
      w_last_q <= (push_row_q == 16'(ROWS - 1)) && (push_block_q == blocks_i - 16'd1);
    end
  end

  // Weight lanes to the tile's format: sign-extend, shift to W_FRAC.
  logic [BiasBeats*DATA_W-1:0] bias_flat;

  for (genvar c = 0; c < COLS; c++) begin : g_wconv
    logic [WeightBytes*8-1:0] lane;
    assign lane = w_word_q[(32'(w_sub_q) * COLS + c) * WeightBytes * 8 +: WeightBytes * 8];
    assign w_data_o[c*W_W +: W_W] = patch_i
        ? W_W'($signed(lane[PATCH_WEIGHT_W-1:0])) << PATCH_WEIGHT_SHIFT
        : W_W'($signed(lane[LINEAR_WEIGHT_W-1:0])) << LINEAR_WEIGHT_SHIFT;
  end

  for (genvar i = 0; i < BiasBeats; i++) begin : g_bias_flat
    assign bias_flat[i*DATA_W +: DATA_W] = bias_beats_q[i];
  end
  for (genvar r = 0; r < ROWS; r++) begin : g_bias
    assign w_bias_o[r*B_W +: B_W] = bias_flat[(32'(bias_offset_q) + r * BiasBytes) * 8 +: B_W];
  end

endmodule
