// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// Linear engine (Edge-MoE idea 4): one linear layer y = [GELU](x @ W.T + b)
// run out of memory on one linear_tile, bit-exact with
// golden.stages.linear.linear; in patch mode the patch embedding, bit-exact
// with golden.stages.patch_embed.patch_embed.
//
// Job (engine_job_t: a = x, b = W, c = b, d = pos, y, tokens = N, k = K,
// m = M, gelu, bias_alt, patch). x (N tokens x K features, feature format), W
// (M rows of K 16-bit weights: linear_weight, or patch_weight in patch mode), b
// (one row of M biases: bias, or attn_bias when bias_alt), y (N x M features).
// Patch mode: x is the image (C, H, W) of pixels (ap_ufixed<8,0>, rows of
// IMAGE_W), pos (TOKENS x M features) the position embedding, K = C*p*p. Every row
// starts on a beat; a row of n elements of e bytes takes ceil(n*e/BB) beats
// (BB = AXI_DATA_W/8 bytes per beat). K must be a multiple of TILE_COLS and M of ROWS
// (the program generator guarantees it); ROWS features are whole beats.
//
// One datapath for both modes. linear_tile runs with
//   W_FRAC = max(LINEAR_WEIGHT_FRAC, PATCH_WEIGHT_FRAC), W_W wide enough for
//   both weight formats shifted to W_FRAC (linear <16,2> raw << 2 = <18,2>;
//   the package's ENGINE_WEIGHT_FRAC and ENGINE_WEIGHT_W);
//   X_FRAC = FEATURE_FRAC, pixels converted exactly (raw << (FEATURE_FRAC -
//   PIXEL_FRAC), zero-extended).
// Shifting an operand left by s multiplies every product, hence the exact
// accumulator, by 2**s and moves the rounding point by s bits: the tile's one
// rounding, floor((acc * 2**s + 2**(S+s-1)) / 2**(S+s)), equals golden's
// floor((acc + 2**(S-1)) / 2**S), and the bias is aligned by the tile to the
// shifted fraction bits, so the output bits are golden's.
//
// Patch mode. Token 0's output is pos[0] unchanged. Token t >= 1 is patch t-1
// (its K = C*p*p pixels in (c, r, col) order; linear_read_scheduler addresses
// them). Output
//   y[t] = sat(tile[t] + pos[t]),  tile[t] = sat(round(acc[t]))
// equals golden's single rounding sat(round(acc + pos << s)): pos is a whole
// number of output LSBs, so round half up commutes with adding it, and the
// tile's own saturation never acts in patch mode, because
//   |acc| <= C*p*p * max_pixel * max|patch_weight| + max|bias|
//          = 768 * (255/256) * 0.5 + 16 = 398.5 < 2**(FEATURE int bits - 1) = 512
// (checked at elaboration, gen_err_patch_sat, for the configuration's formats).
// Bias format bias and no GELU in patch mode, whatever the job says.
//
// Structure. linear_read_scheduler issues the single read stream (its header:
// the schedule, which overlaps loading the next tile's weights with the
// current tile's last tokens, and the patch addressing); linear_read_router
// remembers what each command returns and routes the data: weight and bias
// rows to linear_weight_stager (staging RAM, push into the tile's weight
// port), feature / pixel rows to linear_feature_feed (a stream_gearbox per
// mode, to the tile's feature port), pos rows to linear_output_writer, which
// takes the tile's results, adds pos in patch mode and writes each token. Job
// fields only one submodule uses are latched there, shared ones here.
//
// Writes. One command of ROWS*FEATURE lane bytes / BB beats per token, the
// command accepted before its first data beat. done_o pulses in the cycle the
// job's last write beat is accepted; job_ready_o is high when idle (from the
// cycle after done_o). The job handshake, done_o (a count of the job's
// N * M / FEATURE_LANES write beats) and the write commands are
// engine_port's. Jobs need N >= 1 (patch: N >= 2), K >= TILE_COLS, M >= ROWS.
module linear_engine
  import edgemoe_cfg_pkg::*;
#(
  parameter int unsigned ROWS       = TILE_ROWS,
  // The tile's columns (TILE_COLS), AXI_DATA_W and the feature and bias
  // formats are the package's (its derived sizes hold for those only); ROWS, K
  // and the tile's weight format are passed to the submodules.
  // Read commands outstanding (issued, data not all taken).
  parameter int unsigned DESC_DEPTH = 16,
  // Position-embedding beats buffered (patch mode).
  parameter int unsigned POS_DEPTH  = 16
) (
  input  logic        clk_i,
  input  logic        rst_ni,

  // Its side of engine_port (engine_slot): the job, its take and the memory
  // responses in; the job's beats, read commands and write beats out.
  input  engine_rsp_t port_i,
  output engine_req_t port_o
);

  //////////////////////
  // Derived geometry //
  //////////////////////

  // The tile's accumulator never saturates in patch mode (see header): the
  // largest |acc| in the tile's accumulator LSBs, against the saturation
  // threshold 2**(FEATURE_W - 1) output LSBs minus half an LSB.
  localparam int unsigned AccFrac = FEATURE_FRAC + ENGINE_WEIGHT_FRAC;
  function automatic bit patch_can_saturate();
    longint unsigned pix, w, b, acc, lim;
    pix = ((longint'(1) << PIXEL_W) - 1) << PIXEL_SHIFT;
    w   = (longint'(1) << (PATCH_WEIGHT_W - 1)) << PATCH_WEIGHT_SHIFT;
    b   = (longint'(1) << (BIAS_W - 1)) << (AccFrac - BIAS_FRAC);
    acc = longint'(PATCH_K) * pix * w + b;
    lim = (longint'(1) << (FEATURE_W - 1 + AccFrac - FEATURE_FRAC))
          - (longint'(1) << (AccFrac - FEATURE_FRAC - 1));
    return acc >= lim;
  endfunction

  if (patch_can_saturate()) begin : gen_err_patch_sat
    $error("linear_engine: the patch accumulator can saturate before pos is added");
  end
  if (PATCH_WEIGHT_SIGNED == 0 || LINEAR_WEIGHT_SIGNED == 0 || PIXEL_SIGNED != 0) begin : gen_err_sign
    $error("linear_engine: signed weights and unsigned pixels expected");
  end
  if (LINEAR_WEIGHT_LANE_BYTES != PATCH_WEIGHT_LANE_BYTES) begin : gen_err_we
    $error("linear_engine: linear and patch weights must have the same lane size");
  end

  ////////////////
  // Job fields //
  ////////////////

  // The accepted job's fields that the tile and the stager, feed and writer
  // use (the read scheduler latches those only it needs).
  logic [15:0] tokens_q, blocks_q, tile_tokens_q;
  logic [31:0] row_pitch_q;
  logic        gelu_q, bias_alt_q, patch_q;
  logic [15:0] job_row_beats;

  assign job_row_beats = 16'((32'(port_i.job.m) + FEATURE_LANES - 1) / FEATURE_LANES);

  always_ff @(posedge clk_i) begin
    if (port_i.take) begin
      tokens_q      <= port_i.job.tokens;
      blocks_q      <= 16'(32'(port_i.job.k) / TILE_COLS);
      tile_tokens_q <= port_i.job.patch ? port_i.job.tokens - 16'd1 : port_i.job.tokens;
      row_pitch_q   <= 32'(job_row_beats) * BEAT_BYTES;
      gelu_q        <= port_i.job.gelu & ~port_i.job.patch;
      bias_alt_q    <= port_i.job.bias_alt & ~port_i.job.patch;
      patch_q       <= port_i.job.patch;
    end
  end

  ///////////
  // Reads //
  ///////////

  logic                     cmd_valid, cmd_ready;
  logic                     cmd_weight, cmd_bias, cmd_pos;
  logic [15:0]              cmd_beats;
  logic [BEAT_OFFSET_W-1:0] cmd_offset;
  logic                     rd_cmd_valid, rd_ready;  // to port_o (end of file)
  logic [63:0]              rd_cmd_addr;

  linear_read_scheduler #(
    .ROWS (ROWS)
  ) u_scheduler (
    .clk_i,
    .rst_ni,
    .job_take_i     (port_i.take),
    .job_i          (port_i.job),
    .tokens_i       (tokens_q),
    .patch_i        (patch_q),
    .row_pitch_i    (row_pitch_q),
    .cmd_valid_o    (cmd_valid),
    .cmd_ready_i    (cmd_ready),
    .cmd_addr_o     (rd_cmd_addr),
    .cmd_beats_o    (cmd_beats),
    .cmd_offset_o   (cmd_offset),
    .cmd_weight_o   (cmd_weight),
    .cmd_bias_o     (cmd_bias),
    .cmd_pos_o      (cmd_pos)
  );

  logic                     weight_valid, bias_valid, stage_ready;
  logic                     feature_valid, feature_ready;
  logic                     pos_valid, pos_ready;
  logic [15:0]              beat;
  logic                     beat_last;
  logic [BEAT_OFFSET_W-1:0] beat_offset;

  linear_read_router #(
    .DEPTH (DESC_DEPTH)
  ) u_router (
    .clk_i,
    .rst_ni,
    .cmd_valid_i     (cmd_valid),
    .cmd_ready_o     (cmd_ready),
    .cmd_weight_i    (cmd_weight),
    .cmd_bias_i      (cmd_bias),
    .cmd_pos_i       (cmd_pos),
    .cmd_beats_i     (cmd_beats),
    .cmd_offset_i    (cmd_offset),
    .rd_cmd_valid_o  (rd_cmd_valid),
    .rd_cmd_ready_i  (port_i.rd_cmd_ready),
    .rd_valid_i      (port_i.rd_valid),
    .rd_ready_o      (rd_ready),
    .weight_valid_o  (weight_valid),
    .bias_valid_o    (bias_valid),
    .stage_ready_i   (stage_ready),
    .feature_valid_o (feature_valid),
    .feature_ready_i (feature_ready),
    .pos_valid_o     (pos_valid),
    .pos_ready_i     (pos_ready),
    .beat_o          (beat),
    .beat_last_o     (beat_last),
    .beat_offset_o   (beat_offset)
  );

  ////////////////////////////////////////
  // Weights and features into the tile //
  ////////////////////////////////////////

  logic                                 w_valid, w_ready, w_last;
  logic [TILE_COLS*ENGINE_WEIGHT_W-1:0] w_data;
  logic [ROWS*TILE_BIAS_W-1:0]          w_bias;

  linear_weight_stager #(
    .ROWS (ROWS)
  ) u_stager (
    .clk_i,
    .rst_ni,
    .job_take_i     (port_i.take),
    .patch_i        (patch_q),
    .blocks_i       (blocks_q),
    .weight_valid_i (weight_valid),
    .bias_valid_i   (bias_valid),
    .ready_o        (stage_ready),
    .data_i         (port_i.rd_data),
    .beat_i         (beat),
    .last_i         (beat_last),
    .offset_i       (beat_offset),
    .w_valid_o      (w_valid),
    .w_ready_i      (w_ready),
    .w_data_o       (w_data),
    .w_last_o       (w_last),
    .w_bias_o       (w_bias)
  );

  logic                           x_valid, x_ready, x_last, x_tile_last;
  logic [TILE_COLS*FEATURE_W-1:0] x_data;

  linear_feature_feed u_feed (
    .clk_i,
    .rst_ni,
    .job_take_i      (port_i.take),
    .busy_i          (port_i.busy),
    .patch_i         (patch_q),
    .blocks_i        (blocks_q),
    .tile_tokens_i   (tile_tokens_q),
    .in_valid_i      (feature_valid),
    .in_ready_o      (feature_ready),
    .in_data_i       (port_i.rd_data),
    .in_offset_i     (beat_offset),
    .out_valid_o     (x_valid),
    .out_ready_i     (x_ready),
    .out_data_o      (x_data),
    .out_last_o      (x_last),
    .out_tile_last_o (x_tile_last)
  );

  //////////////
  // The tile //
  //////////////

  logic                      y_valid, y_ready;
  logic [ROWS*FEATURE_W-1:0] y_data;

  linear_tile #(
    .ROWS   (ROWS),
    .MAX_K  (ENGINE_MAX_K),
    .W_W    (ENGINE_WEIGHT_W),
    .W_FRAC (ENGINE_WEIGHT_FRAC),
    .ACC_W  (ENGINE_TILE_ACC_W)
  ) u_tile (
    .clk_i,
    .rst_ni,
    .w_valid_i      (w_valid),
    .w_ready_o      (w_ready),
    .w_data_i       (w_data),
    .w_last_i       (w_last),
    .w_bias_i       (w_bias),
    .w_bias_alt_i   (bias_alt_q),
    .w_gelu_i       (gelu_q),
    .in_valid_i     (x_valid),
    .in_ready_o     (x_ready),
    .in_data_i      (x_data),
    .in_last_i      (x_last),
    .in_tile_last_i (x_tile_last),
    .out_valid_o    (y_valid),
    .out_ready_i    (y_ready),
    .out_data_o     (y_data)
  );

  ////////////
  // Writes //
  ////////////

  logic        wr_req, wr_last, wr_valid;
  logic [63:0] wr_req_addr;
  logic [31:0] wr_req_beats;
  logic [AXI_DATA_W-1:0] wr_data;

  linear_output_writer #(
    .ROWS      (ROWS),
    .POS_DEPTH (POS_DEPTH)
  ) u_writer (
    .clk_i,
    .rst_ni,
    .job_take_i   (port_i.take),
    .job_y_addr_i (port_i.job.y),
    .busy_i       (port_i.busy),
    .patch_i      (patch_q),
    .tokens_i     (tokens_q),
    .row_pitch_i  (row_pitch_q),
    .in_valid_i   (y_valid),
    .in_ready_o   (y_ready),
    .in_data_i    (y_data),
    .pos_valid_i  (pos_valid),
    .pos_ready_o  (pos_ready),
    .pos_data_i   (port_i.rd_data),
    .cmd_req_o    (wr_req),
    .cmd_addr_o   (wr_req_addr),
    .cmd_beats_o  (wr_req_beats),
    .cmd_open_i   (port_i.wr_open),
    .wr_valid_o   (wr_valid),
    .wr_ready_i   (port_i.wr_ready),
    .wr_data_o    (wr_data),
    .wr_last_o    (wr_last)
  );

  // To engine_port: the job's beats (done_o comes with the N * M /
  // FEATURE_LANES-th write beat), read commands, the write command of each
  // buffered token and its beats.
  assign port_o = '{job_beats: 32'(port_i.job.tokens) * 32'(job_row_beats),
                    rd_cmd_valid: rd_cmd_valid, rd_cmd_addr: rd_cmd_addr,
                    rd_cmd_beats: 32'(cmd_beats), rd_ready: rd_ready, wr_req: wr_req,
                    wr_req_addr: wr_req_addr, wr_req_beats: wr_req_beats, wr_valid: wr_valid,
                    wr_data: wr_data, wr_last: wr_last};

  logic unused_done;  // no state waits for the done pulse: the writer counts the job's beats
  assign unused_done = port_i.done;

endmodule
