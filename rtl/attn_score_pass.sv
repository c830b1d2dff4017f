// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// Pass 1 of attention_engine: the scores of a group of P queries and the
// score buffer.
//
// Per key row (in the row buffer at attn_operand_loader's read select), P x
// HEADS scores, one per cycle in (key, head, lane) order (attn_pass_counter):
// attn_score_unit takes the HEAD_DIM attn_qk elements of the lane's query and
// of the key (query_i / key_i, selected by lane_o and head_o) and makes
// sum q*k, scaled by 2**SCALE, rounded once to the feature format. A group
// starts once its queries are cached (queries_loaded_i) and pass 2 has read
// the previous group's scores (scores_read_i); a step issues while the key
// row is ready (row_ready_i) and the score unit takes it. key_row_done_o
// pulses with the key row's last issue, queries_done_o with the group's.
//
// Each (key, head)'s P scores are collected into one beat, which goes at once
// to the score buffer and, as a beat of P scores, to that head's softmax
// statistics (stats_*: valid/ready, head, last key of the row); the score
// unit's output stalls only while that head's statistics cannot take the
// beat. The score buffer (HEADS x T_MAX words of P scores) is read
// combinationally (score_word_o, for pass 2; distributed RAM or registers: a
// block-RAM score buffer would add one register before attn_prob_unit).
// clear_i (the engine takes a job, with clear_tokens_i) restarts at group 0;
// tokens_i is the running job's T (1..T_MAX).
module attn_score_pass
  import edgemoe_cfg_pkg::*;
#(
  parameter int unsigned D       = DIM,
  parameter int unsigned NH      = HEADS,
  parameter int unsigned T_MAX   = TOKENS,
  parameter int unsigned P       = ATTN_P,
  parameter int unsigned X_W     = FEATURE_W,
  parameter int unsigned X_FRAC  = FEATURE_FRAC,
  parameter int unsigned QK_W    = ATTN_QK_W,
  parameter int unsigned QK_FRAC = ATTN_QK_FRAC,
  parameter int unsigned TW      = $clog2(T_MAX + P + 1),  // token count width
  localparam int unsigned HD       = HEAD_DIM,
  localparam int unsigned LaneIdxW = ATTN_LANE_IDX_W,
  localparam int unsigned HeadIdxW = HEAD_IDX_W
) (
  input  logic                clk_i,
  input  logic                rst_ni,

  input  logic                clear_i,
  input  logic [TW-1:0]       clear_tokens_i,
  input  logic [TW-1:0]       tokens_i,

  // Operands: the query cache and the row buffers (attn_operand_loader).
  input  logic                queries_loaded_i,
  input  logic                row_ready_i,
  output logic [LaneIdxW-1:0] lane_o,
  output logic [HeadIdxW-1:0] head_o,
  input  logic [HD*QK_W-1:0]  query_i,
  input  logic [HD*QK_W-1:0]  key_i,
  output logic                key_row_done_o,
  output logic                queries_done_o,

  // Score beats to the softmax statistics.
  output logic                stats_valid_o,
  input  logic                stats_ready_i,
  output logic [HeadIdxW-1:0] stats_head_o,
  output logic                stats_last_o,
  output logic [P*X_W-1:0]    stats_scores_o,

  // Score buffer, for pass 2.
  input  logic                scores_read_i,
  input  logic [HeadIdxW-1:0] score_head_i,
  input  logic [TW-1:0]       score_key_i,
  output logic [P*X_W-1:0]    score_word_o
);

  // Sizes derived once in the package (hls/geometry.py), which hold for the
  // package's own parameters only.
  if (D != DIM || NH != HEADS || P != ATTN_P) begin : gen_err_pkg_geometry
    $error("attn_score_pass: parameters differ from edgemoe_cfg_pkg's derived geometry");
  end

  localparam int unsigned SbIdxW = (NH * T_MAX > 1) ? $clog2(NH * T_MAX) : 1;
  localparam int unsigned KeyW   = (T_MAX > 1) ? $clog2(T_MAX) : 1;
  localparam int unsigned ScTagW = KeyW + HeadIdxW + LaneIdxW + 1;

  logic [TW-1:0]       p1_key;
  logic [HeadIdxW-1:0] p1_h;
  logic [LaneIdxW-1:0] p1_lane;
  logic                p1_row_last, p1_key_last, p1_issue, p1_row_end, p1_end, p1_start;

  logic                sc_in_ready, sc_out_valid, sc_out_ready;
  logic [ScTagW-1:0]   sc_in_tag, sc_out_tag;
  logic [X_W-1:0]      sc_score;

  attn_pass_counter #(
    .P  (P),
    .NH (NH),
    .TW (TW)
  ) u_p1_pos (
    .clk_i,
    .rst_ni,
    .clear_i,
    .clear_tokens_i,
    .tokens_i,
    .start_ok_i     (queries_loaded_i),
    .released_i     (scores_read_i),
    .go_i           (row_ready_i & sc_in_ready),
    .start_o        (p1_start),
    .issue_o        (p1_issue),
    .key_o          (p1_key),
    .head_o         (p1_h),
    .lane_o         (p1_lane),
    .row_last_o     (p1_row_last),
    .key_last_o     (p1_key_last),
    .row_end_o      (p1_row_end),
    .end_o          (p1_end)
  );

  assign lane_o         = p1_lane;
  assign head_o         = p1_h;
  assign key_row_done_o = p1_row_end;
  assign queries_done_o = p1_end;
  assign sc_in_tag      = {KeyW'(p1_key), p1_h, p1_lane, p1_key_last};

  attn_score_unit #(
    .N        (HD),
    .QK_W     (QK_W),
    .QK_FRAC  (QK_FRAC),
    .OUT_W    (X_W),
    .OUT_FRAC (X_FRAC),
    .TAG_W    (ScTagW)
  ) u_score (
    .clk_i,
    .rst_ni,
    .in_valid_i  (p1_issue),
    .in_ready_o  (sc_in_ready),
    .in_q_i      (query_i),
    .in_k_i      (key_i),
    .in_tag_i    (sc_in_tag),
    .out_valid_o (sc_out_valid),
    .out_ready_i (sc_out_ready),
    .out_score_o (sc_score),
    .out_tag_o   (sc_out_tag)
  );

  // Collect each (key, head)'s P scores into one beat: score buffer + stats.
  logic [KeyW-1:0]     so_key;
  logic [HeadIdxW-1:0] so_h;
  logic [LaneIdxW-1:0] so_lane;
  logic                so_last;
  logic [X_W-1:0]      col_q [P];
  logic [P*X_W-1:0]    st_beat;
  logic                so_beat, so_push;

  assign {so_key, so_h, so_lane, so_last} = sc_out_tag;
  assign so_beat      = (so_lane == LaneIdxW'(P - 1));
  assign sc_out_ready = ~so_beat | stats_ready_i;
  assign so_push      = sc_out_valid & so_beat & stats_ready_i;

  for (genvar l = 0; l < P; l++) begin : g_st_beat
    assign st_beat[l*X_W +: X_W] = (l == P - 1) ? sc_score : col_q[l];
  end

  always_ff @(posedge clk_i) begin
    if (sc_out_valid && !so_beat) begin
      col_q[so_lane] <= sc_score;
    end
  end

  assign stats_valid_o  = sc_out_valid & so_beat;
  assign stats_head_o   = so_h;
  assign stats_last_o   = so_last;
  assign stats_scores_o = st_beat;

  //////////////////
  // Score buffer //
  //////////////////

  logic [P*X_W-1:0] sbuf [NH*T_MAX];

  always_ff @(posedge clk_i) begin
    if (so_push) begin
      sbuf[SbIdxW'(int'(so_h) * T_MAX + int'(so_key))] <= st_beat;
    end
  end

  assign score_word_o = sbuf[SbIdxW'(int'(score_head_i) * T_MAX + int'(score_key_i))];

  // Pass 1 takes only its key rows' ends from its counter.
  logic unused_pos;
  assign unused_pos = p1_row_last ^ p1_start;

endmodule
