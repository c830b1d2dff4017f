// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// Read scheduler of linear_engine: the job's single stream of read commands,
// in the order the engine consumes their data.
//
// Schedule. For each tile of ROWS outputs (m0 = tile * ROWS): the ROWS weight
// rows and the ROWS biases are read into a staging RAM (row-major, as they
// come), then pushed to the tile block-major (block j: rows 0..ROWS-1);
// then the N tokens' input rows are streamed through the tile (patch mode:
// for each token its pos row, then its C*p pixel segments) and each token's
// ROWS outputs are written as one command at y + t*pitch(M) + m0*4. The
// single read stream is ordered so that the next tile's weights are read
// before the current tile's last T tokens, T chosen so that those tokens'
// reads take at least as long as the staging-to-tile push: the push into the
// tile's free bank overlaps the current tile's tail, and the next tile's
// tokens find their weights loaded. Reads are therefore back to back; the
// engine is read-bandwidth bound (x beats carry DATA_W/32 features, the tile
// takes COLS per cycle).
//
// Commands. A weight row: w + (m0 + r) * pitch(K weights). The biases: the
// beats holding b[m0 .. m0 + ROWS - 1], from the beat of b[m0] on
// (cmd_offset_o: its byte in that beat). A token: in linear mode its input row
// x + t * pitch(K features); in patch mode its pos row pos + t * pitch(M) +
// m0 * 4 (ROWS features), then, for t >= 1, its pixel segments.
//
// Patch mode. Token t >= 1 is patch t-1 at (py, px) = divmod(t-1,
// IMAGE_W/PATCH); its K = C*p*p inputs in (c, r, col) order are
// image[c, py*p + r, px*p + col]: the p pixels at byte px*p of image row
// c*IMAGE_H + py*p + r, read with one command per (c, r) (part of one beat
// when p < BB, p/BB whole beats otherwise; cmd_offset_o: the segment's byte
// in its first beat).
//
// Commands are offered on cmd_* (valid/ready); cmd_weight_o, cmd_bias_o and
// cmd_pos_o say what a command reads (features or pixels when none is set).
module linear_read_scheduler
  import edgemoe_cfg_pkg::*;
#(
  parameter int unsigned ROWS   = TILE_ROWS,
  parameter int unsigned COLS   = TILE_COLS,
  parameter int unsigned DATA_W = AXI_DATA_W,
  parameter int unsigned X_W    = FEATURE_W,
  parameter int unsigned B_W    = TILE_BIAS_W,
  localparam int unsigned OffW  = BEAT_OFFSET_W
) (
  input  logic            clk_i,
  input  logic            rst_ni,

  // The job (linear_engine's engine_job_t: a x, b W, c bias, d pos; tokens,
  // k, m, patch), its fields taken in the cycle of job_take_i.
  input  logic            job_take_i,
  input  engine_job_t     job_i,
  // The job's fields held by linear_engine (from the cycle after the take).
  input  logic [15:0]     tokens_i,
  input  logic            patch_i,
  input  logic [31:0]     row_pitch_i,   // bytes of a row of M features

  // Read commands.
  output logic            cmd_valid_o,
  input  logic            cmd_ready_i,
  output logic [63:0]     cmd_addr_o,
  output logic [15:0]     cmd_beats_o,
  output logic [OffW-1:0] cmd_offset_o,
  output logic            cmd_weight_o,  // a weight row
  output logic            cmd_bias_o,    // a tile's biases
  output logic            cmd_pos_o      // a position-embedding row
);

  // Sizes derived once in the package (hls/geometry.py), which hold for the
  // package's own parameters only.
  if (DATA_W != AXI_DATA_W || X_W != FEATURE_W || B_W != TILE_BIAS_W) begin : gen_err_pkg_geometry
    $error("linear_read_scheduler: parameters differ from edgemoe_cfg_pkg's derived geometry");
  end

  localparam int unsigned BeatBytes      = BEAT_BYTES;
  localparam int unsigned FeatBytes      = FEATURE_LANE_BYTES;
  localparam int unsigned BiasBytes      = BIAS_LANE_BYTES;
  localparam int unsigned PixelBytes     = PIXEL_LANE_BYTES;
  localparam int unsigned FeatsPerBeat   = FEATURE_LANES;
  localparam int unsigned WeightsPerBeat = WEIGHT_LANES;
  localparam int unsigned PatchK         = PATCH_K;
  localparam int unsigned PixelBeats     = (PATCH * PixelBytes + BeatBytes - 1) / BeatBytes;
  localparam int unsigned ImagePitch     = ((IMAGE_W * PixelBytes + BeatBytes - 1) / BeatBytes)
                                           * BeatBytes;
  localparam int unsigned GridW          = IMAGE_W / PATCH;
  // Output: ROWS features per token, TokenBeats whole beats (a pos row too).
  localparam int unsigned TokenBeats     = ROWS * FeatBytes / BeatBytes;
  // Tokens read after the next tile's weights (T in the header): their reads
  // outlast the push of ROWS * K / COLS weight beats into the tile (plus one
  // for latency).
  localparam int unsigned AheadLinear    = (ROWS * FeatsPerBeat + COLS - 1) / COLS + 1;
  localparam int unsigned PushPatch      = ROWS * PatchK / COLS;
  localparam int unsigned TokenPatch     = TokenBeats + CHANNELS * PATCH * PixelBeats;
  localparam int unsigned AheadPatch     = (PushPatch + TokenPatch - 1) / TokenPatch + 1;

  if (PatchK % COLS != 0 || IMAGE_W % PATCH != 0) begin : gen_err_patch_geo
    $error("linear_engine: patch geometry");
  end

  ////////////////////////////////////
  // Job fields only the reads need //
  ////////////////////////////////////

  logic [63:0] x_base_q;
  logic [15:0] tiles_q;         // M / ROWS
  logic [15:0] weights_at_q;    // the token before which the next tile's weights go
  logic [15:0] x_beats_q, w_beats_q;
  logic [31:0] x_pitch_q, w_pitch_q;

  logic [15:0] job_x_beats, job_w_beats, job_ahead;

  assign job_x_beats = 16'((32'(job_i.k) + FeatsPerBeat - 1) / FeatsPerBeat);
  assign job_w_beats = 16'((32'(job_i.k) + WeightsPerBeat - 1) / WeightsPerBeat);
  assign job_ahead   = job_i.patch ? 16'(AheadPatch) : 16'(AheadLinear);

  always_ff @(posedge clk_i) begin
    if (job_take_i) begin
      x_base_q     <= job_i.a;
      tiles_q      <= 16'(32'(job_i.m) / ROWS);
      weights_at_q <= (job_i.tokens > job_ahead) ? job_i.tokens - job_ahead : 16'd0;
      x_beats_q    <= job_x_beats;
      w_beats_q    <= job_w_beats;
      x_pitch_q    <= 32'(job_x_beats) * BeatBytes;
      w_pitch_q    <= 32'(job_w_beats) * BeatBytes;
    end
  end

  /////////////////////////////
  // Read commands, in order //
  /////////////////////////////

  typedef enum logic [1:0] {IssueIdle, IssueWeights, IssueTokens} issue_e;

  issue_e       state_q;
  logic [15:0]  tile_q, token_q, weight_row_q;
  logic         next_weights_q;  // the next tile's weights are issued
  logic         pos_issued_q;    // patch: this token's pos row is issued
  logic [15:0]  channel_q, patch_row_q, patch_x_q, patch_y_q;
  logic [63:0]  w_ptr_q, b_ptr_q, x_ptr_q, pos_ptr_q, pos_base_q;

  logic         cmd_fire, weights_due;
  logic         token_end, tile_end;

  // The next of two 16-bit positions counted minor fastest, minor wrapping
  // after minor_last: {major, minor} (c and r of a patch's rows; the patch
  // grid's y and x).
  function automatic logic [31:0] next_pair(logic [15:0] major, logic [15:0] minor,
                                            logic [15:0] minor_last);
    return (minor == minor_last) ? {major + 16'd1, 16'd0} : {major, minor + 16'd1};
  endfunction

  // Pixel segment of (c, r) of the current patch.
  logic [31:0]  pixel_row;
  logic [31:0]  pixel_byte;
  logic [63:0]  pixel_addr;
  assign pixel_row  = 32'(channel_q) * IMAGE_H + 32'(patch_y_q) * PATCH + 32'(patch_row_q);
  assign pixel_byte = 32'(patch_x_q) * (PATCH * PixelBytes);
  assign pixel_addr = x_base_q + 64'(pixel_row) * ImagePitch
                      + 64'({pixel_byte[31:OffW], {OffW{1'b0}}});

  // Bias of a tile: ROWS lanes from b_ptr, possibly mid-beat.
  logic [OffW-1:0] bias_offset;
  assign bias_offset = b_ptr_q[OffW-1:0];

  assign weights_due = (state_q == IssueTokens) && !next_weights_q && (token_q == weights_at_q)
                       && (tile_q + 16'd1 < tiles_q);

  always_comb begin
    cmd_valid_o  = 1'b0;
    cmd_weight_o = 1'b0;
    cmd_bias_o   = 1'b0;
    cmd_pos_o    = 1'b0;
    cmd_addr_o   = x_ptr_q;
    cmd_beats_o  = x_beats_q;
    cmd_offset_o = '0;
    if (state_q == IssueWeights) begin
      cmd_valid_o = 1'b1;
      if (weight_row_q < 16'(ROWS)) begin
        cmd_weight_o = 1'b1;
        cmd_addr_o   = w_ptr_q;
        cmd_beats_o  = w_beats_q;
      end else begin
        cmd_bias_o   = 1'b1;
        cmd_addr_o   = {b_ptr_q[63:OffW], {OffW{1'b0}}};
        cmd_beats_o  = 16'((32'(bias_offset) + ROWS * BiasBytes + BeatBytes - 1) / BeatBytes);
        cmd_offset_o = bias_offset;
      end
    end else if (state_q == IssueTokens && !weights_due) begin
      cmd_valid_o = 1'b1;
      // Linear mode: the token's feature row (the defaults).
      if (patch_i && !pos_issued_q) begin
        cmd_pos_o    = 1'b1;
        cmd_addr_o   = pos_ptr_q;
        cmd_beats_o  = 16'(TokenBeats);
      end else if (patch_i) begin
        cmd_addr_o   = pixel_addr;
        cmd_beats_o  = 16'(PixelBeats);
        cmd_offset_o = pixel_byte[OffW-1:0];
      end
    end
  end

  assign cmd_fire = cmd_valid_o & cmd_ready_i;

  // The command ending a token / a tile.
  assign token_end = !patch_i || (token_q == 16'd0) ||
                     (pos_issued_q && channel_q == 16'(CHANNELS - 1)
                      && patch_row_q == 16'(PATCH - 1));
  assign tile_end  = token_end && (token_q == tokens_i - 16'd1);

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q <= IssueIdle;
      {tile_q, token_q, weight_row_q, next_weights_q, pos_issued_q,
       channel_q, patch_row_q, patch_x_q, patch_y_q} <= '0;
      {w_ptr_q, b_ptr_q, x_ptr_q, pos_ptr_q, pos_base_q} <= '0;
    end else if (job_take_i) begin
      state_q <= IssueWeights;
      {tile_q, token_q, weight_row_q, next_weights_q, pos_issued_q,
       channel_q, patch_row_q, patch_x_q, patch_y_q} <= '0;
      w_ptr_q    <= job_i.b;
      b_ptr_q    <= job_i.c;
      x_ptr_q    <= job_i.a;
      pos_ptr_q  <= job_i.d;
      pos_base_q <= job_i.d;
    end else if (weights_due) begin
      state_q        <= IssueWeights;
      next_weights_q <= 1'b1;
    end else if (cmd_fire) begin
      if (state_q == IssueWeights) begin
        if (weight_row_q < 16'(ROWS)) begin
          weight_row_q <= weight_row_q + 16'd1;
          w_ptr_q      <= w_ptr_q + 64'(w_pitch_q);
        end else begin
          weight_row_q <= '0;
          b_ptr_q      <= b_ptr_q + 64'(ROWS * BiasBytes);
          state_q      <= IssueTokens;
        end
      end else begin
        // A token command.
        if (patch_i && !pos_issued_q && token_q != 16'd0) begin
          pos_issued_q <= 1'b1;
        end else if (patch_i && pos_issued_q && !token_end) begin
          {channel_q, patch_row_q} <= next_pair(channel_q, patch_row_q, 16'(PATCH - 1));
        end
        if (token_end) begin
          pos_issued_q <= 1'b0;
          channel_q    <= '0;
          patch_row_q  <= '0;
          if (tile_end) begin
            token_q        <= '0;
            tile_q         <= tile_q + 16'd1;
            next_weights_q <= 1'b0;
            patch_x_q      <= '0;
            patch_y_q      <= '0;
            x_ptr_q        <= x_base_q;
            pos_ptr_q      <= pos_base_q + 64'(ROWS * FeatBytes);
            pos_base_q     <= pos_base_q + 64'(ROWS * FeatBytes);
            if (tile_q + 16'd1 == tiles_q) begin
              state_q <= IssueIdle;
            end
          end else begin
            token_q   <= token_q + 16'd1;
            x_ptr_q   <= x_ptr_q + 64'(x_pitch_q);
            pos_ptr_q <= pos_ptr_q + 64'(row_pitch_i);
            // Token 1 is patch (0, 0); later tokens step along the grid.
            if (token_q != 16'd0) begin
              {patch_y_q, patch_x_q} <= next_pair(patch_y_q, patch_x_q, 16'(GridW - 1));
            end
          end
        end
      end
    end
  end

  logic unused_job;  // the fields the writer and the tile take
  assign unused_job = ^{job_i.y, job_i.gelu, job_i.bias_alt};

endmodule
