// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// Output writer of linear_engine: each token's ROWS results from the
// linear_tile become one write command of TokenBeats = ROWS * lane(X_W) /
// (DATA_W/8) whole beats at y + t * row_pitch_i + m0 * lane bytes (token t of
// the tile of outputs m0 .. m0 + ROWS - 1; tiles follow one another, tokens_i
// tokens each, from job_y_addr_i on).
//
// Patch mode adds the position embedding, saturating: the pos row of each
// token arrives as TokenBeats read beats (pos_*, buffered in a sync_fifo of
// POS_DEPTH beats) and output beat i is sat(tile[i] + pos[i]) lane by lane.
// Token 0 of each tile has no tile result: its beats are pos alone.
//
// Writes. A token's results are held (one buffer) until its command, offered
// through engine_port (cmd_req_o, cmd_addr_o, cmd_beats_o), is taken
// (cmd_open_i): beats then go on wr_*, wr_last_o on the command's last beat.
// The next token's results are taken once the buffer is written out.
module linear_output_writer
  import edgemoe_cfg_pkg::*;
#(
  parameter int unsigned ROWS      = TILE_ROWS,
  parameter int unsigned DATA_W    = AXI_DATA_W,
  parameter int unsigned X_W       = FEATURE_W,
  // Position-embedding beats buffered (patch mode).
  parameter int unsigned POS_DEPTH = 16
) (
  input  logic                clk_i,
  input  logic                rst_ni,

  // The job: taken in the cycle of job_take_i; its fields hold while busy_i.
  input  logic                job_take_i,
  input  logic [63:0]         job_y_addr_i,
  input  logic                busy_i,
  input  logic                patch_i,      // add pos; token 0 is pos alone
  input  logic [15:0]         tokens_i,     // tokens per tile
  input  logic [31:0]         row_pitch_i,  // bytes from one token's outputs to the next

  // The tile's results, one beat of ROWS features per token.
  input  logic                in_valid_i,
  output logic                in_ready_o,
  input  logic [ROWS*X_W-1:0] in_data_i,

  // Position-embedding read beats (patch mode).
  input  logic                pos_valid_i,
  output logic                pos_ready_o,
  input  logic [DATA_W-1:0]   pos_data_i,

  // Write commands (to engine_port) and data.
  output logic                cmd_req_o,
  output logic [63:0]         cmd_addr_o,
  output logic [31:0]         cmd_beats_o,
  input  logic                cmd_open_i,
  output logic                wr_valid_o,
  input  logic                wr_ready_i,
  output logic [DATA_W-1:0]   wr_data_o,
  output logic                wr_last_o     // the command's last beat
);

  // Sizes derived once in the package (hls/geometry.py), which hold for the
  // package's own parameters only.
  if (DATA_W != AXI_DATA_W || X_W != FEATURE_W) begin : gen_err_pkg_geometry
    $error("linear_output_writer: parameters differ from edgemoe_cfg_pkg's derived geometry");
  end

  localparam int unsigned BeatBytes  = BEAT_BYTES;
  localparam int unsigned LaneBytes  = FEATURE_LANE_BYTES;
  localparam int unsigned Lanes      = FEATURE_LANES;
  // Output: ROWS features per token, TokenBeats whole beats.
  localparam int unsigned TokenBeats = ROWS * LaneBytes / BeatBytes;
  localparam int unsigned BeatW      = (TokenBeats > 1) ? $clog2(TokenBeats) : 1;

  if ((ROWS * LaneBytes) % BeatBytes != 0 || TokenBeats < 1) begin : gen_err_ob
    $error("linear_engine: ROWS features must be whole beats");
  end
  if (POS_DEPTH < TokenBeats) begin : gen_err_depth
    $error("linear_engine: POS_DEPTH must hold one token (sync_fifo checks powers of two)");
  end

  ////////////////////////////////
  // Position embedding FIFO    //
  ////////////////////////////////

  logic              pos_full, pos_pop, pos_valid;
  logic [DATA_W-1:0] pos_head;

  assign pos_ready_o = ~pos_full;

  sync_fifo #(
    .WIDTH (DATA_W),
    .DEPTH (POS_DEPTH)
  ) u_pos (
    .clk_i,
    .rst_ni,
    .push_i  (pos_valid_i & pos_ready_o),
    .data_i  (pos_data_i),
    .pop_i   (pos_pop),
    .full_o  (pos_full),
    .valid_o (pos_valid),
    .data_o  (pos_head)
  );

  ////////////
  // Writes //
  ////////////

  logic [ROWS*X_W-1:0] result_q;        // the token's ROWS results
  logic                result_valid_q;
  logic [BeatW-1:0]    beat_q;          // beat of the token's command
  logic [15:0]         token_q;         // token of the tile
  logic [63:0]         addr_q;          // the token's command address
  logic [63:0]         tile_addr_q;     // token 0's, of the current tile
  logic                load_pos_only, load;
  logic                wr_fire, last_beat;

  // Patch token 0: no tile result, the beat is pos alone.
  assign load_pos_only = busy_i & ~result_valid_q & patch_i & (token_q == 16'd0);
  assign in_ready_o    = ~result_valid_q & ~(patch_i & (token_q == 16'd0));
  assign load          = load_pos_only | (in_valid_i & in_ready_o);

  assign wr_valid_o    = result_valid_q & cmd_open_i & (~patch_i | pos_valid);
  assign wr_fire       = wr_valid_o & wr_ready_i;
  assign pos_pop       = wr_fire & patch_i;
  assign last_beat     = beat_q == BeatW'(TokenBeats - 1);
  assign wr_last_o     = last_beat;

  // One write command of TokenBeats beats per buffered token.
  assign cmd_req_o     = result_valid_q;
  assign cmd_addr_o    = addr_q;
  assign cmd_beats_o   = 32'(TokenBeats);

  // Data: ROWS results, TokenBeats beats; patch mode adds pos, saturating.
  for (genvar l = 0; l < Lanes; l++) begin : g_lane
    logic signed [X_W-1:0] result, pos;
    logic signed [X_W:0]   sum;
    logic [X_W-1:0]        saturated;
    assign result = $signed(result_q[(32'(beat_q) * Lanes + l) * X_W +: X_W]);
    assign pos    = patch_i ? $signed(pos_head[l*LaneBytes*8 +: X_W]) : '0;
    assign sum    = (X_W + 1)'(result) + (X_W + 1)'(pos);

    round_sat #(
      .IN_W  (X_W + 1),
      .OUT_W (X_W),
      .SHIFT (0),
      .ROUND (1'b0)
    ) u_saturate (
      .in_i  (sum),
      .out_o (saturated)
    );
    assign wr_data_o[l*LaneBytes*8 +: LaneBytes*8] = (LaneBytes * 8)'($signed(saturated));
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      result_valid_q <= 1'b0;
      beat_q         <= '0;
      token_q        <= '0;
      addr_q         <= '0;
      tile_addr_q    <= '0;
    end else begin
      if (job_take_i) begin
        token_q     <= '0;
        addr_q      <= job_y_addr_i;
        tile_addr_q <= job_y_addr_i;
      end
      if (load) begin
        result_valid_q <= 1'b1;
      end
      if (wr_fire) begin
        beat_q <= last_beat ? '0 : beat_q + BeatW'(1);
        if (last_beat) begin
          result_valid_q <= 1'b0;
          if (token_q == tokens_i - 16'd1) begin
            token_q     <= '0;
            addr_q      <= tile_addr_q + 64'(ROWS * LaneBytes);
            tile_addr_q <= tile_addr_q + 64'(ROWS * LaneBytes);
          end else begin
            token_q <= token_q + 16'd1;
            addr_q  <= addr_q + 64'(row_pitch_i);
          end
        end
      end
    end
  end

  always_ff @(posedge clk_i) begin
    if (load) begin
      result_q <= load_pos_only ? '0 : in_data_i;
    end
  end

endmodule
