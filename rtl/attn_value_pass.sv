// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// Pass 2 of attention_engine: the probabilities of a group of P queries,
// multiplied into the accumulators of its outputs.
//
// Per V row (in the row buffer at attn_operand_loader's read select), P x
// HEADS probabilities, one per cycle in (key, head, lane) order
// (attn_pass_counter): attn_prob_unit takes score - max (the score from pass
// 1's score buffer, the max and the reciprocal 1/s from the head's softmax
// statistics, selected by head_o and key_o) and makes exp(score - max) times
// the reciprocal, rounded once to prob. Each probability is multiplied into
// the HEAD_DIM accumulators of its (lane, head): MAC stage 1 the HEAD_DIM
// exact products p * V[key, head] (value_i), stage 2 acc += product, exact
// (AccW bits), no rounding. A group starts once its statistics are ready
// (stats_ready_i; stats_taken_o pulses) and the previous group's outputs are
// written (written_i); a step issues while the V row is ready (row_ready_i)
// and the probability unit takes it. value_row_issued_o pulses with the V
// row's last issue, scores_read_o with the group's; value_release_o when the
// row's last probability has read the row buffer (MAC stage 1,
// value_buf_o); group_done_o when the group's last product is accumulated.
//
// The accumulator holds sum_j p_j * V[j] with p in prob (unsigned P_W bits)
// and V features: AccW = X_W + P_W + 1 bits (the package's ATTN_ACC_W) hold
// it whenever a row's probabilities sum below 2 (they sum to 1 within
// T * 2**-P_FRAC plus the reciprocal's error), the sizing golden's
// weighted_values assumes. The
// accumulators (P x D x AccW) are registers, cleared when a job is taken
// (clear_i) and after each write (written_i); the writer reads one beat of
// them at a time combinationally (acc_lane_i, acc_beat_i: acc_o, the
// elements beyond D zero).
module attn_value_pass
  import edgemoe_cfg_pkg::*;
#(
  parameter int unsigned D         = DIM,
  parameter int unsigned NH        = HEADS,
  parameter int unsigned P         = ATTN_P,
  parameter int unsigned DATA_W    = AXI_DATA_W,
  parameter int unsigned X_W       = FEATURE_W,
  parameter int unsigned P_W       = PROB_W,
  parameter int unsigned P_FRAC    = PROB_FRAC,
  parameter int unsigned MANT_BITS = RECIP_MANT_BITS,
  parameter int unsigned SCALE_W   = RECIP_SCALE_W,
  parameter int unsigned TW        = 16,  // token count width (holds T_MAX + P)
  localparam int unsigned HD       = HEAD_DIM,
  localparam int unsigned LaneIdxW = ATTN_LANE_IDX_W,
  localparam int unsigned HeadIdxW = HEAD_IDX_W,
  localparam int unsigned BufW     = 2,
  localparam int unsigned RcW      = RECIP_WORD_W,
  localparam int unsigned AccW     = ATTN_ACC_W,
  localparam int unsigned EPB      = FEATURE_LANES,
  localparam int unsigned BeatIdxW = FEATURE_ROW_BEAT_IDX_W
) (
  input  logic                clk_i,
  input  logic                rst_ni,

  input  logic                clear_i,
  input  logic [TW-1:0]       clear_tokens_i,
  input  logic [TW-1:0]       tokens_i,

  // Scores (attn_score_pass) and statistics (attn_softmax_statistics).
  input  logic                stats_ready_i,
  output logic                stats_taken_o,
  output logic [HeadIdxW-1:0] head_o,
  output logic [TW-1:0]       key_o,
  input  logic [P*X_W-1:0]    score_word_i,
  input  logic [P*X_W-1:0]    max_word_i,
  input  logic [P*RcW-1:0]    recip_word_i,
  output logic                scores_read_o,

  // V rows (attn_operand_loader).
  input  logic                row_ready_i,
  input  logic [BufW-1:0]     row_sel_i,
  output logic                value_row_issued_o,
  output logic [BufW-1:0]     value_buf_o,
  output logic [HeadIdxW-1:0] value_head_o,
  input  logic [HD*X_W-1:0]   value_i,
  output logic                value_release_o,

  // Accumulators, to the writer.
  output logic                group_done_o,
  input  logic                written_i,
  input  logic [TW-1:0]       acc_lane_i,
  input  logic [BeatIdxW-1:0] acc_beat_i,
  output logic [EPB*AccW-1:0] acc_o
);

  // Sizes derived once in the package (hls/geometry.py), which hold for the
  // package's own parameters only.
  if (D != DIM || NH != HEADS || P != ATTN_P || DATA_W != AXI_DATA_W ||
      X_W != FEATURE_W || P_W != PROB_W || MANT_BITS != RECIP_MANT_BITS ||
      SCALE_W != RECIP_SCALE_W) begin : gen_err_pkg_geometry
    $error("attn_value_pass: parameters differ from edgemoe_cfg_pkg's derived geometry");
  end

  localparam int unsigned QIdxW  = $clog2(P * D);
  localparam int unsigned DiffW  = X_W + 1;
  // Tag: {row buffer, head, lane, last of the key row, last of the group}.
  localparam int unsigned PbTagW = BufW + HeadIdxW + LaneIdxW + 2;

  logic [TW-1:0]       p2_key;
  logic [HeadIdxW-1:0] p2_h;
  logic [LaneIdxW-1:0] p2_lane;
  logic                p2_row_last, p2_key_last, p2_issue, p2_row_end, p2_end, p2_start;

  logic                pb_in_ready, pb_out_valid;
  logic [DiffW-1:0]    pb_diff;
  logic [RcW-1:0]      pb_rc;
  logic [PbTagW-1:0]   pb_in_tag, pb_out_tag;
  logic [P_W-1:0]      pb_prob;
  logic [X_W-1:0]      p2_score, p2_max;

  attn_pass_counter #(
    .P  (P),
    .NH (NH),
    .TW (TW)
  ) u_p2_pos (
    .clk_i,
    .rst_ni,
    .clear_i,
    .clear_tokens_i,
    .tokens_i,
    .start_ok_i     (stats_ready_i),
    .released_i     (written_i),
    .go_i           (row_ready_i & pb_in_ready),
    .start_o        (p2_start),
    .issue_o        (p2_issue),
    .key_o          (p2_key),
    .head_o         (p2_h),
    .lane_o         (p2_lane),
    .row_last_o     (p2_row_last),
    .key_last_o     (p2_key_last),
    .row_end_o      (p2_row_end),
    .end_o          (p2_end)
  );

  assign stats_taken_o      = p2_start;
  assign head_o             = p2_h;
  assign key_o              = p2_key;
  assign scores_read_o      = p2_end;
  assign value_row_issued_o = p2_row_end;

  assign p2_score  = score_word_i[p2_lane*X_W +: X_W];
  assign p2_max    = max_word_i[p2_lane*X_W +: X_W];
  assign pb_rc     = recip_word_i[p2_lane*RcW +: RcW];
  assign pb_diff   = DiffW'($signed(p2_score)) - DiffW'($signed(p2_max));
  assign pb_in_tag = {row_sel_i, p2_h, p2_lane, p2_row_last, p2_row_last & p2_key_last};

  attn_prob_unit #(
    .DIFF_W    (DiffW),
    .MANT_BITS (MANT_BITS),
    .SCALE_W   (SCALE_W),
    .P_W       (P_W),
    .P_FRAC    (P_FRAC),
    .TAG_W     (PbTagW)
  ) u_prob (
    .clk_i,
    .rst_ni,
    .in_valid_i  (p2_issue),
    .in_ready_o  (pb_in_ready),
    .in_diff_i   (pb_diff),
    .in_mant_i   (pb_rc[MANT_BITS:0]),
    .in_scale_i  (pb_rc[RcW-1:MANT_BITS+1]),
    .in_tag_i    (pb_in_tag),
    .out_valid_o (pb_out_valid),
    .out_ready_i (1'b1),
    .out_prob_o  (pb_prob),
    .out_tag_o   (pb_out_tag)
  );

  // MAC stage 1: the HD exact products p * V[key, head]; stage 2: accumulate.
  logic                mac_v_q;
  logic [HeadIdxW-1:0] mac_h_q;
  logic [LaneIdxW-1:0] mac_lane_q;
  logic                mac_last_q;
  // A product p (P_W bits and a sign) times V (X_W) is as wide as the sum.
  logic signed [AccW-1:0] mac_prod_q [HD];
  logic [BufW-1:0]     po_buf;
  logic                po_row_last, po_group_last;
  logic [HeadIdxW-1:0] po_h;
  logic [LaneIdxW-1:0] po_lane;

  assign {po_buf, po_h, po_lane, po_row_last, po_group_last} = pb_out_tag;
  assign value_buf_o     = po_buf;
  assign value_head_o    = po_h;
  assign value_release_o = pb_out_valid & po_row_last;
  assign group_done_o    = mac_last_q;

  for (genvar n = 0; n < HD; n++) begin : g_mac
    always_ff @(posedge clk_i) begin
      if (pb_out_valid) begin
        mac_prod_q[n] <= AccW'($signed({1'b0, pb_prob})) *
                         AccW'($signed(value_i[n*X_W +: X_W]));
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      mac_v_q    <= 1'b0;
      mac_last_q <= 1'b0;
    end else begin
      mac_v_q    <= pb_out_valid;
      mac_last_q <= pb_out_valid & po_group_last;
    end
  end

  always_ff @(posedge clk_i) begin
    if (pb_out_valid) begin
      mac_h_q    <= po_h;
      mac_lane_q <= po_lane;
    end
  end

  //////////////////
  // Accumulators //
  //////////////////

  logic signed [AccW-1:0] acc_q [P*D];
  logic                   acc_clear;

  assign acc_clear = clear_i | written_i;

  always_ff @(posedge clk_i) begin
    if (acc_clear) begin
      for (int unsigned i = 0; i < P * D; i++) begin
        acc_q[i] <= '0;
      end
    end else if (mac_v_q) begin
      for (int unsigned n = 0; n < HD; n++) begin
        acc_q[QIdxW'(int'(mac_lane_q) * D + int'(mac_h_q) * HD + n)] <=
            acc_q[QIdxW'(int'(mac_lane_q) * D + int'(mac_h_q) * HD + n)] +
            mac_prod_q[n];
      end
    end
  end

  always_comb begin
    acc_o = '0;
    for (int unsigned e = 0; e < EPB; e++) begin
      int unsigned col;
      col = int'(acc_beat_i) * EPB + e;
      if (col < D) begin
        acc_o[e*AccW +: AccW] = acc_q[QIdxW'(int'(acc_lane_i) * D + col)];
      end
    end
  end

endmodule
