// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// Attention engine (Edge-MoE ideas 1 and 2): Y = softmax(Q K^T * 2**SCALE) V
// per head, bit-exact with golden.stages.attention.attention.
//
// Job (engine_job_t): Q, K, V, Y are (T x D) feature rows at job.a, .b, .c
// and .y (every row RowBeats whole beats, element i in bits [i*LaneW +: LaneW],
// sign-extended), T = job.tokens queries = keys (1..T_MAX; 0 finishes at once with no
// traffic, larger values are clamped to T_MAX).
//
// Schedule (golden.stages.attention module docstring). The queries go in
// groups of P (the last one holds T mod P, its idle lanes computed on zero
// queries and never written). Per group:
//   Q load : the group's rows, one read command, rounded to attn_qk and cached
//            (lanes x D).
//   pass 1 : K rows 0..T-1 in one read command, each row rounded to attn_qk
//            into one of three row buffers; per key, P x HEADS scores, one
//            per cycle (attn_score_unit: HEAD_DIM exact MACs, one rounding),
//            written to the score buffer (HEADS x T_MAX words of P scores)
//            and, as a beat of P scores, to that head's softmax_stats_unit.
//   stats  : per head (max, sum) of P rows; nr_core (1/x, P lanes, one beat per
//            head) gives 1/s as (mant, scale).
//   pass 2 : V rows 0..T-1 in one read command into the row buffers; per key,
//            P x HEADS probabilities, one per cycle (attn_prob_unit: exp of
//            score - max times the reciprocal, one rounding to prob), each
//            multiplied into the HEAD_DIM accumulators of its (lane, head):
//            acc += p * V[key, head] exact (ATTN_ACC_W bits), no rounding.
//   write  : the group's valid rows, one write command, each element rounded
//            once: sat((acc + 2**(PF-1)) >>> PF) (AP_RND, AP_SAT).
// So K and V are read exactly once per group: ceil(T/P) * T rows each.
//
// Modules, one job each:
//   attn_operand_loader     read commands; query cache and row buffers
//   attn_score_pass         pass 1 and the score buffer
//   attn_softmax_statistics per-head statistics and their reciprocals
//   attn_value_pass         pass 2, its MACs and the accumulators
//   attn_output_writer      the rounded output rows of each group
// This top holds the job (engine_port: the memory port, the job handshake,
// done_o and the write commands) and the hand-over between them.
//
// Overlap. Read commands are issued in job order (Q0, K0, V0, Q1, K1, ...)
// as fast as they are taken; data is accepted in the same order: Q rows once
// the previous group's pass 1 has finished with the query cache, K/V rows
// into whichever row buffer is free. Pass 1 of group g+1 starts as soon as
// pass 2 of group g has read the score buffer, overlapping g's last MACs and
// its write; pass 2 of g+1 waits for the accumulators to be written. No read
// ever waits for a later read (every wait is on compute fed by earlier data).
//
// Rates: one score (HEAD_DIM MACs) per cycle in pass 1, one probability
// (HEAD_DIM MACs) per cycle in pass 2, so a key row takes
// max(RowBeats, P x HEADS) cycles per pass. Three row buffers keep the read
// port busy while a V row waits ~11 cycles for its last MAC. Measured (no
// memory stalls): m3vit T=129 108,605 cycles against 105,264 for the MAC
// bound over ceil(T/P) x P lanes (99,846 for 2 T^2 D / HEAD_DIM) and
// 108,360 read beats; the remaining gap is the Q rows of each group, which
// load behind the group's V rows. (When the row buffers' rb_drain guard
// matters: attn_operand_loader.)
//
// Counters: the read commands and the loader step through the (Q, K, V)
// segments of each group with one attn_group_counter (SEGS = 3) each, the
// loader and the writer count beats and rows with attn_row_counter, and pass 1
// and pass 2 walk (key, head, lane) with one attn_pass_counter each.
//
// done_o pulses in the cycle the job's last write beat is accepted; job_ready_o
// is high again from the next cycle. A job of 0 tokens issues no command and
// pulses done_o one cycle after it is taken. The job handshake, done_o and the
// write commands (one per group) are engine_port's.
module attention_engine
  import edgemoe_cfg_pkg::*;
#(
  // The geometry (D = DIM, HEADS, P = ATTN_P, AXI_DATA_W), the feature and
  // probability widths and the reciprocal format are the package's (its derived
  // sizes hold for those only); T_MAX and the other formats are passed to the
  // submodules.
  parameter int unsigned T_MAX   = TOKENS,
  parameter int unsigned X_FRAC  = FEATURE_FRAC,
  parameter int unsigned QK_W    = ATTN_QK_W,
  parameter int unsigned QK_FRAC = ATTN_QK_FRAC,
  parameter int unsigned P_FRAC  = PROB_FRAC,
  parameter int unsigned S_W     = SOFTMAX_SUM_W
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

  localparam int unsigned HD       = HEAD_DIM;
  localparam int unsigned LaneW    = FEATURE_LANE_BYTES * 8;
  localparam int unsigned EPB      = FEATURE_LANES;
  localparam int unsigned RowBeats = FEATURE_ROW_BEATS;
  localparam int unsigned TW       = $clog2(T_MAX + ATTN_P + 1);  // token counts and q0 + P
  localparam int unsigned LaneIdxW = ATTN_LANE_IDX_W;
  localparam int unsigned HeadIdxW = HEAD_IDX_W;
  localparam int unsigned BeatIdxW = FEATURE_ROW_BEAT_IDX_W;
  localparam int unsigned BufW     = 2;  // selects one of the three row buffers

  if (DIM % HEADS != 0 || AXI_DATA_W % LaneW != 0 || EPB < 1) begin : gen_err_geometry
    $error("attention_engine: DIM must split into heads and a beat hold whole lanes");
  end
  if (FEATURE_RND != 1 || FEATURE_SAT != 1 || ATTN_QK_RND != 1 || ATTN_QK_SAT != 1 ||
      PROB_RND != 1) begin : gen_err_modes
    $error("attention_engine: the datapath rounds half up and saturates (AP_RND, AP_SAT)");
  end

  /////////
  // Job //
  /////////

  logic [63:0]   q_addr_q, k_addr_q, v_addr_q, y_addr_q;
  logic [TW-1:0] tokens_q, tokens_in;
  logic [31:0]   job_beats;

  assign tokens_in = (port_i.job.tokens > 16'(T_MAX)) ? TW'(T_MAX) : TW'(port_i.job.tokens);
  assign job_beats = 32'(RowBeats) * 32'(tokens_in);

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      q_addr_q <= '0;
      k_addr_q <= '0;
      v_addr_q <= '0;
      y_addr_q <= '0;
      tokens_q <= '0;
    end else if (port_i.take) begin
      q_addr_q <= port_i.job.a;
      k_addr_q <= port_i.job.b;
      v_addr_q <= port_i.job.c;
      y_addr_q <= port_i.job.y;
      tokens_q <= tokens_in;
    end
  end

  // Hand-over between the modules (named after what they carry).
  logic                           queries_loaded, queries_done, row_ready, key_row_done;
  logic                           value_row_issued, value_release, scores_read;
  logic                           stats_valid, stats_ready, stats_last, stats_done, stats_taken;
  logic                           group_done, group_written, wr_request;
  logic [BufW-1:0]                row_sel, value_buf;
  logic [LaneIdxW-1:0]            score_lane;
  logic [HeadIdxW-1:0]            score_head, stats_head, value_head, prob_head;
  logic [TW-1:0]                  prob_key, out_lane;
  logic [BeatIdxW-1:0]            out_beat;
  logic [HD*QK_W-1:0]             query, key;
  logic [HD*FEATURE_W-1:0]        value;
  logic [ATTN_P*FEATURE_W-1:0]    stats_scores, score_word, max_word;
  logic [ATTN_P*RECIP_WORD_W-1:0] recip_word;
  logic [EPB*ATTN_ACC_W-1:0]      acc_beat;
  logic [63:0]                    wr_request_addr, rd_cmd_addr;
  logic [31:0]                    wr_request_beats, rd_cmd_beats;
  logic                           rd_cmd_valid, rd_ready, wr_valid;
  logic [AXI_DATA_W-1:0]          wr_data;

  // To engine_port: the job's beats, read commands (the loader's), the write
  // command of each group and its beats (the writer's).
  assign port_o = '{job_beats: job_beats, rd_cmd_valid: rd_cmd_valid, rd_cmd_addr: rd_cmd_addr,
                    rd_cmd_beats: rd_cmd_beats, rd_ready: rd_ready, wr_req: wr_request,
                    wr_req_addr: wr_request_addr, wr_req_beats: wr_request_beats,
                    wr_valid: wr_valid, wr_data: wr_data, wr_last: group_written};

  /////////////////////////////////////
  // Reads, query cache, row buffers //
  /////////////////////////////////////

  attn_operand_loader #(
    .X_FRAC  (X_FRAC),
    .QK_W    (QK_W),
    .QK_FRAC (QK_FRAC),
    .TW      (TW)
  ) u_loader (
    .clk_i,
    .rst_ni,
    .clear_i            (port_i.take),
    .clear_tokens_i     (tokens_in),
    .tokens_i           (tokens_q),
    .q_addr_i           (q_addr_q),
    .k_addr_i           (k_addr_q),
    .v_addr_i           (v_addr_q),
    .rd_cmd_valid_o     (rd_cmd_valid),
    .rd_cmd_ready_i     (port_i.rd_cmd_ready),
    .rd_cmd_addr_o      (rd_cmd_addr),
    .rd_cmd_beats_o     (rd_cmd_beats),
    .rd_valid_i         (port_i.rd_valid),
    .rd_ready_o         (rd_ready),
    .rd_data_i          (port_i.rd_data),
    .queries_loaded_o   (queries_loaded),
    .queries_done_i     (queries_done),
    .query_lane_i       (score_lane),
    .query_head_i       (score_head),
    .query_o            (query),
    .row_ready_o        (row_ready),
    .row_sel_o          (row_sel),
    .key_head_i         (score_head),
    .key_o              (key),
    .key_row_done_i     (key_row_done),
    .value_row_issued_i (value_row_issued),
    .value_buf_i        (value_buf),
    .value_head_i       (value_head),
    .value_o            (value),
    .value_release_i    (value_release)
  );

  ////////////
  // Pass 1 //
  ////////////

  attn_score_pass #(
    .T_MAX   (T_MAX),
    .X_FRAC  (X_FRAC),
    .QK_W    (QK_W),
    .QK_FRAC (QK_FRAC),
    .TW      (TW)
  ) u_pass1 (
    .clk_i,
    .rst_ni,
    .clear_i          (port_i.take),
    .clear_tokens_i   (tokens_in),
    .tokens_i         (tokens_q),
    .queries_loaded_i (queries_loaded),
    .row_ready_i      (row_ready),
    .lane_o           (score_lane),
    .head_o           (score_head),
    .query_i          (query),
    .key_i            (key),
    .key_row_done_o   (key_row_done),
    .queries_done_o   (queries_done),
    .stats_valid_o    (stats_valid),
    .stats_ready_i    (stats_ready),
    .stats_head_o     (stats_head),
    .stats_last_o     (stats_last),
    .stats_scores_o   (stats_scores),
    .scores_read_i    (scores_read),
    .score_head_i     (prob_head),
    .score_key_i      (prob_key),
    .score_word_o     (score_word)
  );

  ////////////////////////
  // Softmax statistics //
  ////////////////////////

  attn_softmax_statistics #(
    .S_W       (S_W),
    .MANT_BITS (RECIP_MANT_BITS),
    .SCALE_W   (RECIP_SCALE_W)
  ) u_stats (
    .clk_i,
    .rst_ni,
    .clear_i     (port_i.take),
    .in_valid_i  (stats_valid),
    .in_ready_o  (stats_ready),
    .in_head_i   (stats_head),
    .in_last_i   (stats_last),
    .in_scores_i (stats_scores),
    .ready_o     (stats_done),
    .taken_i     (stats_taken),
    .head_i      (prob_head),
    .max_o       (max_word),
    .recip_o     (recip_word)
  );

  ////////////
  // Pass 2 //
  ////////////

  attn_value_pass #(
    .P_W       (PROB_W),
    .P_FRAC    (P_FRAC),
    .MANT_BITS (RECIP_MANT_BITS),
    .SCALE_W   (RECIP_SCALE_W),
    .TW        (TW)
  ) u_pass2 (
    .clk_i,
    .rst_ni,
    .clear_i            (port_i.take),
    .clear_tokens_i     (tokens_in),
    .tokens_i           (tokens_q),
    .stats_ready_i      (stats_done),
    .stats_taken_o      (stats_taken),
    .head_o             (prob_head),
    .key_o              (prob_key),
    .score_word_i       (score_word),
    .max_word_i         (max_word),
    .recip_word_i       (recip_word),
    .scores_read_o      (scores_read),
    .row_ready_i        (row_ready),
    .row_sel_i          (row_sel),
    .value_row_issued_o (value_row_issued),
    .value_buf_o        (value_buf),
    .value_head_o       (value_head),
    .value_i            (value),
    .value_release_o    (value_release),
    .group_done_o       (group_done),
    .written_i          (group_written),
    .acc_lane_i         (out_lane),
    .acc_beat_i         (out_beat),
    .acc_o              (acc_beat)
  );

  ////////////
  // Writer //
  ////////////

  attn_output_writer #(
    .P_W    (PROB_W),
    .P_FRAC (P_FRAC),
    .TW     (TW)
  ) u_writer (
    .clk_i,
    .rst_ni,
    .clear_i        (port_i.take),
    .tokens_i       (tokens_q),
    .y_addr_i       (y_addr_q),
    .group_done_i   (group_done),
    .group_end_o    (group_written),
    .acc_lane_o     (out_lane),
    .acc_beat_o     (out_beat),
    .acc_i          (acc_beat),
    .wr_req_o       (wr_request),
    .wr_req_addr_o  (wr_request_addr),
    .wr_req_beats_o (wr_request_beats),
    .wr_open_i      (port_i.wr_open),
    .wr_valid_o     (wr_valid),
    .wr_ready_i     (port_i.wr_ready),
    .wr_data_o      (wr_data)
  );

  logic unused_busy;  // every state is cleared by the job take, not by busy or done
  assign unused_busy = port_i.busy ^ port_i.done;
  logic unused_job;  // the fields of other ops
  assign unused_job = ^{port_i.job.d, port_i.job.k, port_i.job.m, port_i.job.gelu,
                        port_i.job.bias_alt, port_i.job.patch};

endmodule
