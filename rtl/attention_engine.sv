// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// Attention engine (Edge-MoE ideas 1 and 2): Y = softmax(Q K^T * 2**SCALE) V
// per head, bit-exact with golden.stages.attention.attention.
//
// Job: Q, K, V, Y are (T x D) feature rows at job_{q,k,v,y}_addr_i (every row
// RowBeats whole beats, element i in bits [i*LaneW +: LaneW], sign-extended),
// T = job_tokens_i queries = keys (1..T_MAX; 0 finishes at once with no
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
//   stats  : per head (max, sum) of P rows; recip_unit (P lanes, one beat per
//            head) gives 1/s as (mant, scale).
//   pass 2 : V rows 0..T-1 in one read command into the row buffers; per key,
//            P x HEADS probabilities, one per cycle (attn_prob_unit: exp of
//            score - max times the reciprocal, one rounding to prob), each
//            multiplied into the HEAD_DIM accumulators of its (lane, head):
//            acc += p * V[key, head] exact (AccW bits), no rounding.
//   write  : the group's valid rows, one write command, each element rounded
//            once: sat((acc + 2**(PF-1)) >>> PF) (AP_RND, AP_SAT).
// So K and V are read exactly once per group: ceil(T/P) * T rows each.
//
// Softmax statistics: one softmax_stats_unit per head, fed as the scores are
// produced. The unit takes one key beat (P scores) per cycle and treats rows
// one after another, so the heads, whose scores interleave key by key, need
// either one unit each or a replay of the buffered scores per head after
// pass 1 (HEADS x T extra cycles per group, 12 % of pass 1 on m3vit and
// latency before pass 2 can start). One unit per head keeps the schedule
// free of that phase: the statistics are ready about 10 cycles after the
// last key. The cost is HEADS P-lane exp pipelines that run at 1/(P x HEADS)
// of their rate; pass 2 needs only one exp per cycle (attn_prob_unit).
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
// memory stalls): m3vit T=129 108,606 cycles against 105,264 for the MAC
// bound over ceil(T/P) x P lanes (99,846 for 2 T^2 D / HEAD_DIM) and
// 108,360 read beats; the remaining gap is the Q rows of each group, which
// load behind the group's V rows. The rb_drain guard below matters only when
// three key rows take fewer cycles (3 x P x HEADS) than the pass-2 latency
// and the loader keeps up (few beats per row), e.g. P = 1 with 256-bit beats
// on tiny: the bench's tiny-P variant builds that and a mutant without it.
//
// Counters: the read commands and the loader step through the (Q, K, V)
// segments of each group with one attn_seg_counter each, the loader and the
// writer count beats and rows with attn_row_counter, and pass 1 and pass 2
// walk (key, head, lane) with one attn_pass_counter each.
//
// The accumulator holds sum_j p_j * V[j] with p in prob (unsigned P_W bits)
// and V features: AccW = X_W + P_W + 1 bits hold it whenever a row's
// probabilities sum below 2 (they sum to 1 within T * 2**-P_FRAC plus the
// reciprocal's error), the sizing golden's weighted_values assumes.
//
// Storage: the query cache, row buffers and score buffer are read
// combinationally (distributed RAM or registers); a block-RAM score buffer
// would add one register before attn_prob_unit. The accumulators (P x D x
// AccW) are registers, cleared when a job is taken and after each write.
//
// done_o pulses in the cycle the job's last write beat is accepted; job_ready_o
// is high again from the next cycle. A job of 0 tokens issues no command and
// pulses done_o one cycle after it is taken. The job handshake, done_o and the
// write commands (one per group) are engine_job_ctrl's.
module attention_engine
  import edgemoe_cfg_pkg::*;
#(
  parameter int unsigned D         = DIM,
  parameter int unsigned NH        = HEADS,
  parameter int unsigned T_MAX     = TOKENS,
  parameter int unsigned P         = ATTN_P,
  parameter int unsigned DATA_W    = AXI_DATA_W,
  parameter int unsigned X_W       = FEATURE_W,
  parameter int unsigned X_FRAC    = FEATURE_FRAC,
  parameter int unsigned QK_W      = ATTN_QK_W,
  parameter int unsigned QK_FRAC   = ATTN_QK_FRAC,
  parameter int unsigned P_W       = PROB_W,
  parameter int unsigned P_FRAC    = PROB_FRAC,
  parameter int unsigned S_W       = SOFTMAX_SUM_W,
  parameter int unsigned MANT_BITS = RECIP_MANT_BITS
) (
  input  logic              clk_i,
  input  logic              rst_ni,

  input  logic              job_valid_i,
  output logic              job_ready_o,
  input  logic [63:0]       job_q_addr_i,
  input  logic [63:0]       job_k_addr_i,
  input  logic [63:0]       job_v_addr_i,
  input  logic [63:0]       job_y_addr_i,
  input  logic [15:0]       job_tokens_i,
  output logic              done_o,

  output logic              rd_cmd_valid_o,
  input  logic              rd_cmd_ready_i,
  output logic [63:0]       rd_cmd_addr_o,
  output logic [31:0]       rd_cmd_beats_o,
  input  logic              rd_valid_i,
  output logic              rd_ready_o,
  input  logic [DATA_W-1:0] rd_data_i,

  output logic              wr_cmd_valid_o,
  input  logic              wr_cmd_ready_i,
  output logic [63:0]       wr_cmd_addr_o,
  output logic [31:0]       wr_cmd_beats_o,
  output logic              wr_valid_o,
  input  logic              wr_ready_i,
  output logic [DATA_W-1:0] wr_data_o
);

  //////////////////////
  // Derived geometry //
  //////////////////////

  localparam int unsigned HD       = D / NH;
  localparam int unsigned LaneW    = (X_W <= 8) ? 8 : (X_W <= 16) ? 16 : (X_W <= 32) ? 32 : 64;
  localparam int unsigned EPB      = DATA_W / LaneW;
  localparam int unsigned RowBeats = (D + EPB - 1) / EPB;
  localparam int unsigned RowBytes = RowBeats * DATA_W / 8;
  localparam int unsigned TW       = $clog2(T_MAX + P + 1);  // token counts and q0 + P
  localparam int unsigned LaneIdxW = (P > 1) ? $clog2(P) : 1;
  localparam int unsigned HeadIdxW = (NH > 1) ? $clog2(NH) : 1;
  localparam int unsigned BeatIdxW = (RowBeats > 1) ? $clog2(RowBeats) : 1;
  localparam int unsigned QIdxW    = $clog2(P * D);
  // Row buffers: three, so a V row's buffer can wait for its last MAC while
  // the next two rows load and compute.
  localparam int unsigned NBuf     = 3;
  localparam int unsigned BufW     = 2;
  localparam int unsigned RbIdxW   = $clog2(NBuf * D);
  localparam int unsigned SbIdxW   = (NH * T_MAX > 1) ? $clog2(NH * T_MAX) : 1;
  localparam int unsigned QkShift  = X_FRAC - QK_FRAC;
  localparam int unsigned DiffW    = X_W + 1;
  localparam int unsigned ScaleW   = 8;
  localparam int unsigned RcW      = ScaleW + MANT_BITS + 1;
  localparam int unsigned AccW     = X_W + P_W + 1;
  localparam int unsigned MacW     = X_W + P_W + 1;  // p (P_W + sign) times V (X_W)

  if (QkShift < 1 || QK_W > X_W) begin : gen_err_qk
    $error("attention_engine: attn_qk must drop fraction bits of the feature format");
  end
  if (D % NH != 0 || DATA_W % LaneW != 0 || EPB < 1) begin : gen_err_geometry
    $error("attention_engine: D must split into heads and a beat hold whole lanes");
  end
  if (FEATURE_RND != 1 || FEATURE_SAT != 1 || ATTN_QK_RND != 1 || ATTN_QK_SAT != 1 ||
      PROB_RND != 1) begin : gen_err_modes
    $error("attention_engine: the datapath rounds half up and saturates (AP_RND, AP_SAT)");
  end

  typedef enum logic [1:0] {SegQ = 2'd0, SegK = 2'd1, SegV = 2'd2} seg_e;

  function automatic logic [BufW-1:0] buf_next(logic [BufW-1:0] b);
    return (b == BufW'(NBuf - 1)) ? '0 : b + BufW'(1);
  endfunction

  // Signed rounding by a right shift (half up) and saturation into OW bits.
  function automatic logic [X_W-1:0] round_feature(logic signed [AccW-1:0] acc);
    logic signed [AccW:0] r;
    logic signed [AccW:0] hi, lo;
    hi = (AccW + 1)'((64'd1 << (X_W - 1)) - 64'd1);
    lo = -hi - (AccW + 1)'(1);
    r  = ((AccW + 1)'(acc) + ((AccW + 1)'(1) <<< (P_FRAC - 1))) >>> P_FRAC;
    if (r > hi) begin
      return hi[X_W-1:0];
    end else if (r < lo) begin
      return lo[X_W-1:0];
    end
    return r[X_W-1:0];
  endfunction

  function automatic logic [QK_W-1:0] round_qk(logic [X_W-1:0] x);
    logic signed [X_W:0] r;
    logic signed [X_W:0] hi, lo;
    hi = (X_W + 1)'((64'd1 << (QK_W - 1)) - 64'd1);
    lo = -hi - (X_W + 1)'(1);
    r  = ($signed({x[X_W-1], x}) + ((X_W + 1)'(1) <<< (QkShift - 1))) >>> QkShift;
    if (r > hi) begin
      return hi[QK_W-1:0];
    end else if (r < lo) begin
      return lo[QK_W-1:0];
    end
    return r[QK_W-1:0];
  endfunction

  /////////
  // Job //
  /////////

  logic          busy, job_take, wr_open, wr_fire;
  logic [63:0]   q_addr_q, k_addr_q, v_addr_q, y_addr_q;
  logic [TW-1:0] tokens_q, tokens_in;
  logic [31:0]   job_beats;

  assign tokens_in = (job_tokens_i > 16'(T_MAX)) ? TW'(T_MAX) : TW'(job_tokens_i);
  assign job_beats = 32'(RowBeats) * 32'(tokens_in);

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      q_addr_q <= '0;
      k_addr_q <= '0;
      v_addr_q <= '0;
      y_addr_q <= '0;
      tokens_q <= '0;
    end else if (job_take) begin
      q_addr_q <= job_q_addr_i;
      k_addr_q <= job_k_addr_i;
      v_addr_q <= job_v_addr_i;
      y_addr_q <= job_y_addr_i;
      tokens_q <= tokens_in;
    end
  end

  // Queries of the group starting at q0.
  function automatic logic [TW-1:0] group_rows(logic [TW-1:0] q0, logic [TW-1:0] t);
    return (t - q0 >= TW'(P)) ? TW'(P) : t - q0;
  endfunction

  ///////////////////
  // Read commands //
  ///////////////////

  logic          cmd_active;
  seg_e          cmd_seg;
  logic [1:0]    cmd_seg_raw;
  logic [TW-1:0] cmd_q0;

  attn_seg_counter #(
    .P  (P),
    .TW (TW)
  ) u_cmd_seg (
    .clk_i,
    .rst_ni,
    .clear_i        (job_take),
    .clear_tokens_i (tokens_in),
    .tokens_i       (tokens_q),
    .step_i         (rd_cmd_valid_o & rd_cmd_ready_i),
    .active_o       (cmd_active),
    .seg_o          (cmd_seg_raw),
    .q0_o           (cmd_q0)
  );

  assign cmd_seg        = seg_e'(cmd_seg_raw);
  assign rd_cmd_valid_o = cmd_active;
  always_comb begin
    unique case (cmd_seg)
      SegQ:    rd_cmd_addr_o = q_addr_q + 64'(cmd_q0) * 64'(RowBytes);
      SegK:    rd_cmd_addr_o = k_addr_q;
      default: rd_cmd_addr_o = v_addr_q;
    endcase
    rd_cmd_beats_o = 32'(RowBeats) * ((cmd_seg == SegQ) ? 32'(group_rows(cmd_q0, tokens_q))
                                                        : 32'(tokens_q));
  end

  ////////////
  // Loader //
  ////////////

  // Query cache (attn_qk) and the row buffers (K rounded to attn_qk in the
  // low bits, or V as features).
  logic [QK_W-1:0] q_mem  [P*D];
  logic [X_W-1:0]  rb_mem [NBuf*D];
  logic [NBuf-1:0] rb_full_q, rb_full_d;
  // Pass 2 has issued every probability of the V row in a buffer, whose MAC
  // has not yet read it: not a row for the next issuer.
  logic [NBuf-1:0] rb_drain_q, rb_drain_d;
  logic            rb_ready;
  logic [BufW-1:0] rb_wsel_q, rb_rsel_q;

  logic          ld_active;
  seg_e          ld_seg;
  logic [1:0]    ld_seg_raw;
  logic [TW-1:0] ld_q0, ld_row, ld_rows;
  logic [BeatIdxW-1:0] ld_beat;
  logic          q_loaded_q;  // the cache holds the queries of the group in pass 1 next
  logic          ld_take, ld_row_end, ld_seg_end, ld_rb_fill;

  assign ld_seg     = seg_e'(ld_seg_raw);
  assign ld_rows    = (ld_seg == SegQ) ? group_rows(ld_q0, tokens_q) : tokens_q;
  assign rd_ready_o = ld_active & ((ld_seg == SegQ) ? ~q_loaded_q : ~rb_full_q[rb_wsel_q]);
  assign ld_take    = rd_valid_i & rd_ready_o;
  assign ld_rb_fill = ld_row_end & (ld_seg != SegQ);

  attn_seg_counter #(
    .P  (P),
    .TW (TW)
  ) u_ld_seg (
    .clk_i,
    .rst_ni,
    .clear_i        (job_take),
    .clear_tokens_i (tokens_in),
    .tokens_i       (tokens_q),
    .step_i         (ld_seg_end),
    .active_o       (ld_active),
    .seg_o          (ld_seg_raw),
    .q0_o           (ld_q0)
  );

  attn_row_counter #(
    .ROW_BEATS (RowBeats),
    .TW        (TW)
  ) u_ld_pos (
    .clk_i,
    .rst_ni,
    .clear_i   (job_take),
    .step_i    (ld_take),
    .rows_i    (ld_rows),
    .beat_o    (ld_beat),
    .row_o     (ld_row),
    .row_end_o (ld_row_end),
    .last_o    (ld_seg_end)
  );

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      rb_wsel_q <= '0;
    end else if (job_take) begin
      rb_wsel_q <= '0;
    end else if (ld_rb_fill) begin
      rb_wsel_q <= buf_next(rb_wsel_q);
    end
  end

  // Element writes: EPB lanes of the beat to their columns.
  always_ff @(posedge clk_i) begin
    if (ld_take) begin
      for (int unsigned e = 0; e < EPB; e++) begin
        logic [X_W-1:0] x;
        int unsigned    col;
        x   = rd_data_i[e*LaneW +: X_W];
        col = int'(ld_beat) * EPB + e;
        if (col < D) begin
          if (ld_seg == SegQ) begin
            q_mem[QIdxW'(int'(ld_row) * D + col)] <= round_qk(x);
          end else if (ld_seg == SegK) begin
            rb_mem[RbIdxW'(int'(rb_wsel_q) * D + col)] <= X_W'($signed(round_qk(x)));
          end else begin
            rb_mem[RbIdxW'(int'(rb_wsel_q) * D + col)] <= x;
          end
        end
      end
      // The tail group's idle lanes compute on zero queries (as golden does).
      if (ld_seg_end && ld_seg == SegQ) begin
        for (int unsigned l = 0; l < P; l++) begin
          if (TW'(l) >= ld_rows) begin
            for (int unsigned c = 0; c < D; c++) begin
              q_mem[QIdxW'(l * D + c)] <= '0;
            end
          end
        end
      end
    end
  end

  ////////////
  // Pass 1 //
  ////////////

  localparam int unsigned KeyW   = (T_MAX > 1) ? $clog2(T_MAX) : 1;
  localparam int unsigned ScTagW = KeyW + HeadIdxW + LaneIdxW + 1;

  logic                sbuf_free_q;
  logic [TW-1:0]       p1_key;
  logic [HeadIdxW-1:0] p1_h;
  logic [LaneIdxW-1:0] p1_lane;
  logic                p1_row_last, p1_key_last, p1_issue, p1_row_end, p1_end, p1_start;

  logic                sc_in_ready, sc_out_valid, sc_out_ready;
  logic [HD*QK_W-1:0]  sc_q, sc_k;
  logic [ScTagW-1:0]   sc_in_tag, sc_out_tag;
  logic [X_W-1:0]      sc_score;

  assign rb_ready = rb_full_q[rb_rsel_q] & ~rb_drain_q[rb_rsel_q];

  attn_pass_counter #(
    .P  (P),
    .NH (NH),
    .TW (TW)
  ) u_p1_pos (
    .clk_i,
    .rst_ni,
    .clear_i        (job_take),
    .clear_tokens_i (tokens_in),
    .tokens_i       (tokens_q),
    .start_ok_i     (q_loaded_q & sbuf_free_q),
    .go_i           (rb_ready & sc_in_ready),
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

  for (genvar n = 0; n < HD; n++) begin : g_sc_operands
    assign sc_q[n*QK_W +: QK_W] = q_mem[QIdxW'(int'(p1_lane) * D + int'(p1_h) * HD + n)];
    assign sc_k[n*QK_W +: QK_W] =
        rb_mem[RbIdxW'(int'(rb_rsel_q) * D + int'(p1_h) * HD + n)][QK_W-1:0];
  end
  assign sc_in_tag = {KeyW'(p1_key), p1_h, p1_lane, p1_key_last};

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
    .in_q_i      (sc_q),
    .in_k_i      (sc_k),
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
  logic [NH-1:0]       st_in_valid, st_in_ready, st_out_valid;
  logic                so_beat, so_push;

  assign {so_key, so_h, so_lane, so_last} = sc_out_tag;
  assign so_beat      = (so_lane == LaneIdxW'(P - 1));
  assign sc_out_ready = ~so_beat | st_in_ready[so_h];
  assign so_push      = sc_out_valid & so_beat & st_in_ready[so_h];

  for (genvar l = 0; l < P; l++) begin : g_st_beat
    assign st_beat[l*X_W +: X_W] = (l == P - 1) ? sc_score : col_q[l];
  end

  always_ff @(posedge clk_i) begin
    if (sc_out_valid && !so_beat) begin
      col_q[so_lane] <= sc_score;
    end
  end

  logic [P*X_W-1:0] sbuf [NH*T_MAX];

  always_ff @(posedge clk_i) begin
    if (so_push) begin
      sbuf[SbIdxW'(int'(so_h) * T_MAX + int'(so_key))] <= st_beat;
    end
  end

  ///////////////////////////
  // Softmax statistics    //
  ///////////////////////////

  logic [P*X_W-1:0] st_max_q [NH];
  logic [P*S_W-1:0] st_sum_q [NH];
  logic [NH-1:0]    st_have_q;

  for (genvar h = 0; h < NH; h++) begin : g_stats
    logic [P*(X_W+S_W)-1:0] st_out;

    assign st_in_valid[h] = sc_out_valid & so_beat & (so_h == HeadIdxW'(h));

    softmax_stats_unit #(
      .P      (P),
      .DATA_W (X_W),
      .SUM_W  (S_W)
    ) u_stats (
      .clk_i,
      .rst_ni,
      .in_valid_i  (st_in_valid[h]),
      .in_ready_o  (st_in_ready[h]),
      .in_data_i   ({so_last, st_beat}),
      .out_valid_o (st_out_valid[h]),
      .out_ready_i (1'b1),
      .out_data_o  (st_out)
    );

    always_ff @(posedge clk_i) begin
      if (st_out_valid[h]) begin
        st_max_q[h] <= st_out[P*X_W-1:0];
        st_sum_q[h] <= st_out[P*(X_W+S_W)-1:P*X_W];
      end
    end
  end

  // Reciprocals of the sums, one P-lane beat per head.
  logic                rc_feed_q, rc_in_ready, rc_out_valid, stats_ready_q;
  logic [HeadIdxW-1:0] rc_in_h_q, rc_out_h_q;
  logic [P*RcW-1:0]    rc_out;
  logic [P*RcW-1:0]    recip_q [NH];
  logic                rc_start, rc_take, rc_done;

  assign rc_start = (&st_have_q) & ~rc_feed_q;
  assign rc_take  = rc_feed_q & rc_in_ready;
  assign rc_done  = rc_out_valid & (rc_out_h_q == HeadIdxW'(NH - 1));

  recip_unit #(
    .LANES     (P),
    .IN_W      (S_W),
    .MANT_BITS (MANT_BITS),
    .SCALE_W   (ScaleW)
  ) u_recip (
    .clk_i,
    .rst_ni,
    .in_valid_i  (rc_feed_q),
    .in_ready_o  (rc_in_ready),
    .in_data_i   (st_sum_q[rc_in_h_q]),
    .out_valid_o (rc_out_valid),
    .out_ready_i (1'b1),
    .out_data_o  (rc_out)
  );

  always_ff @(posedge clk_i) begin
    if (rc_out_valid) begin
      recip_q[rc_out_h_q] <= rc_out;
    end
  end

  ////////////
  // Pass 2 //
  ////////////

  // Tag: {row buffer, head, lane, last of the key row, last of the group}.
  localparam int unsigned PbTagW = BufW + HeadIdxW + LaneIdxW + 2;

  logic                acc_free_q;
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
  logic [P*X_W-1:0]    p2_sword, p2_mword;
  logic [P*RcW-1:0]    p2_rword;

  attn_pass_counter #(
    .P  (P),
    .NH (NH),
    .TW (TW)
  ) u_p2_pos (
    .clk_i,
    .rst_ni,
    .clear_i        (job_take),
    .clear_tokens_i (tokens_in),
    .tokens_i       (tokens_q),
    .start_ok_i     (stats_ready_q & acc_free_q),
    .go_i           (rb_ready & pb_in_ready),
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

  assign p2_sword  = sbuf[SbIdxW'(int'(p2_h) * T_MAX + int'(p2_key))];
  assign p2_mword  = st_max_q[p2_h];
  assign p2_rword  = recip_q[p2_h];
  assign p2_score  = p2_sword[p2_lane*X_W +: X_W];
  assign p2_max    = p2_mword[p2_lane*X_W +: X_W];
  assign pb_rc     = p2_rword[p2_lane*RcW +: RcW];
  assign pb_diff   = DiffW'($signed(p2_score)) - DiffW'($signed(p2_max));
  assign pb_in_tag = {rb_rsel_q, p2_h, p2_lane, p2_row_last, p2_row_last & p2_key_last};

  attn_prob_unit #(
    .DIFF_W    (DiffW),
    .MANT_BITS (MANT_BITS),
    .SCALE_W   (ScaleW),
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
  logic signed [MacW-1:0] mac_prod_q [HD];
  logic [BufW-1:0]     po_buf;
  logic                po_row_last, po_group_last;
  logic [HeadIdxW-1:0] po_h;
  logic [LaneIdxW-1:0] po_lane;
  logic                mac_release;

  assign {po_buf, po_h, po_lane, po_row_last, po_group_last} = pb_out_tag;
  assign mac_release = pb_out_valid & po_row_last;

  for (genvar n = 0; n < HD; n++) begin : g_mac
    always_ff @(posedge clk_i) begin
      if (pb_out_valid) begin
        mac_prod_q[n] <= MacW'($signed({1'b0, pb_prob})) *
                         MacW'($signed(rb_mem[RbIdxW'(int'(po_buf) * D + int'(po_h) * HD + n)]));
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

  logic signed [AccW-1:0] acc_q [P*D];
  logic                   acc_clear;

  always_ff @(posedge clk_i) begin
    if (acc_clear) begin
      for (int unsigned i = 0; i < P * D; i++) begin
        acc_q[i] <= '0;
      end
    end else if (mac_v_q) begin
      for (int unsigned n = 0; n < HD; n++) begin
        acc_q[QIdxW'(int'(mac_lane_q) * D + int'(mac_h_q) * HD + n)] <=
            acc_q[QIdxW'(int'(mac_lane_q) * D + int'(mac_h_q) * HD + n)] +
            AccW'(mac_prod_q[n]);
      end
    end
  end

  //////////////////
  // Row buffers  //
  //////////////////

  always_comb begin
    rb_full_d  = rb_full_q;
    rb_drain_d = rb_drain_q;
    if (p2_row_end) begin
      rb_drain_d[rb_rsel_q] = 1'b1;
    end
    if (ld_rb_fill) begin
      rb_full_d[rb_wsel_q] = 1'b1;
    end
    // Pass 1 is done with a K row once its last dot product is issued; pass 2
    // with a V row once its last probability has read it (MAC stage 1).
    if (p1_row_end) begin
      rb_full_d[rb_rsel_q] = 1'b0;
    end
    if (mac_release) begin
      rb_full_d[po_buf]  = 1'b0;
      rb_drain_d[po_buf] = 1'b0;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      rb_full_q  <= '0;
      rb_drain_q <= '0;
      rb_rsel_q  <= '0;
    end else if (job_take) begin
      rb_full_q  <= '0;
      rb_drain_q <= '0;
      rb_rsel_q  <= '0;
    end else begin
      rb_full_q  <= rb_full_d;
      rb_drain_q <= rb_drain_d;
      if (p1_row_end || p2_row_end) begin
        rb_rsel_q <= buf_next(rb_rsel_q);
      end
    end
  end

  ////////////
  // Writer //
  ////////////

  logic                wr_run_q;
  logic [TW-1:0]       wr_q0_q, wr_lane;
  logic [BeatIdxW-1:0] wr_beat;
  logic                wr_row_end, wr_end;

  // Job handshake, done pulse and the write command of each group.
  engine_job_ctrl u_job (
    .clk_i,
    .rst_ni,
    .job_valid_i,
    .job_ready_o,
    .job_beats_i    (job_beats),
    .job_take_o     (job_take),
    .busy_o         (busy),
    .done_o,
    .wr_req_i       (wr_run_q),
    .wr_req_addr_i  (y_addr_q + 64'(wr_q0_q) * 64'(RowBytes)),
    .wr_req_beats_i (32'(RowBeats) * 32'(group_rows(wr_q0_q, tokens_q))),
    .wr_cmd_valid_o,
    .wr_cmd_ready_i,
    .wr_cmd_addr_o,
    .wr_cmd_beats_o,
    .wr_open_o      (wr_open),
    .wr_fire_i      (wr_fire),
    .wr_cmd_last_i  (wr_end)
  );

  assign wr_valid_o = wr_open;
  assign wr_fire    = wr_valid_o & wr_ready_i;
  assign acc_clear  = job_take | wr_end;

  attn_row_counter #(
    .ROW_BEATS (RowBeats),
    .TW        (TW)
  ) u_wr_pos (
    .clk_i,
    .rst_ni,
    .clear_i   (job_take),
    .step_i    (wr_fire),
    .rows_i    (group_rows(wr_q0_q, tokens_q)),
    .beat_o    (wr_beat),
    .row_o     (wr_lane),
    .row_end_o (wr_row_end),
    .last_o    (wr_end)
  );

  always_comb begin
    wr_data_o = '0;
    for (int unsigned e = 0; e < EPB; e++) begin
      int unsigned col;
      col = int'(wr_beat) * EPB + e;
      if (col < D) begin
        wr_data_o[e*LaneW +: LaneW] =
            LaneW'($signed(round_feature(acc_q[QIdxW'(int'(wr_lane) * D + col)])));
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wr_run_q <= 1'b0;
      wr_q0_q  <= '0;
    end else if (job_take) begin
      wr_run_q <= 1'b0;
      wr_q0_q  <= '0;
    end else begin
      if (mac_last_q) begin
        wr_run_q <= 1'b1;
      end
      if (wr_end) begin
        wr_run_q <= 1'b0;
        wr_q0_q  <= wr_q0_q + TW'(P);
      end
    end
  end

  // Pass 1 takes only its key rows' ends from its counter, the writer only the
  // group's end; every state is cleared by the job take, not by busy.
  logic unused_pos;
  assign unused_pos = p1_row_last ^ wr_row_end ^ busy;

  ///////////////////////////////
  // Group hand-over flags     //
  ///////////////////////////////

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      q_loaded_q    <= 1'b0;
      sbuf_free_q   <= 1'b1;
      st_have_q     <= '0;
      rc_feed_q     <= 1'b0;
      rc_in_h_q     <= '0;
      rc_out_h_q    <= '0;
      stats_ready_q <= 1'b0;
      acc_free_q    <= 1'b1;
    end else if (job_take) begin
      q_loaded_q    <= 1'b0;
      sbuf_free_q   <= 1'b1;
      st_have_q     <= '0;
      rc_feed_q     <= 1'b0;
      rc_in_h_q     <= '0;
      rc_out_h_q    <= '0;
      stats_ready_q <= 1'b0;
      acc_free_q    <= 1'b1;
    end else begin
      // Query cache: loaded by the Q segment, free again after pass 1's last issue.
      if (ld_seg_end && ld_seg == SegQ) begin
        q_loaded_q <= 1'b1;
      end else if (p1_end) begin
        q_loaded_q <= 1'b0;
      end
      // Score buffer: written by pass 1, read by pass 2's issue.
      if (p1_start) begin
        sbuf_free_q <= 1'b0;
      end else if (p2_end) begin
        sbuf_free_q <= 1'b1;
      end
      // Statistics of every head, then their reciprocals.
      for (int unsigned h = 0; h < NH; h++) begin
        if (st_out_valid[h]) begin
          st_have_q[h] <= 1'b1;
        end
      end
      if (rc_start) begin
        st_have_q <= '0;
        rc_feed_q <= 1'b1;
      end
      if (rc_take) begin
        rc_in_h_q <= (rc_in_h_q == HeadIdxW'(NH - 1)) ? '0 : rc_in_h_q + HeadIdxW'(1);
        if (rc_in_h_q == HeadIdxW'(NH - 1)) begin
          rc_feed_q <= 1'b0;
        end
      end
      if (rc_out_valid) begin
        rc_out_h_q <= rc_done ? '0 : rc_out_h_q + HeadIdxW'(1);
      end
      if (rc_done) begin
        stats_ready_q <= 1'b1;
      end else if (p2_start) begin
        stats_ready_q <= 1'b0;
      end
      // Accumulators: taken by pass 2, free again once written.
      if (p2_start) begin
        acc_free_q <= 1'b0;
      end else if (wr_end) begin
        acc_free_q <= 1'b1;
      end
    end
  end

endmodule
