// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// Softmax statistics of attention_engine: per head, the (max, sum) of the P
// score rows of a group, then the reciprocals of the sums.
//
// One softmax_stats_unit per head, fed as the scores are produced (in_*: a
// beat of P scores of one key, its head, and whether it is the row's last
// key). The unit takes one key beat (P scores) per cycle and treats rows
// one after another, so the heads, whose scores interleave key by key, need
// either one unit each or a replay of the buffered scores per head after
// pass 1 (HEADS x T extra cycles per group, 12 % of pass 1 on m3vit and
// latency before pass 2 can start). One unit per head keeps the schedule
// free of that phase: the statistics are ready about 10 cycles after the
// last key. The cost is HEADS P-lane exp pipelines that run at 1/(P x HEADS)
// of their rate; pass 2 needs only one exp per cycle (attn_prob_unit).
//
// Once every head has its statistics, nr_core (1/x, P lanes, one beat per
// head) gives 1/s as (mant, scale); ready_o rises with the last head's
// reciprocal and falls when pass 2 takes the statistics (taken_i). Pass 2
// reads a head's maxima and reciprocals combinationally (head_i: max_o,
// recip_o). clear_i (the engine takes a job) forgets every group.
module attn_softmax_statistics
  import edgemoe_cfg_pkg::*;
#(
  parameter int unsigned NH        = HEADS,
  parameter int unsigned P         = ATTN_P,
  parameter int unsigned X_W       = FEATURE_W,
  parameter int unsigned S_W       = SOFTMAX_SUM_W,
  parameter int unsigned MANT_BITS = RECIP_MANT_BITS,
  parameter int unsigned SCALE_W   = RECIP_SCALE_W,
  localparam int unsigned HeadIdxW = HEAD_IDX_W,
  localparam int unsigned RcW      = RECIP_WORD_W
) (
  input  logic                clk_i,
  input  logic                rst_ni,

  input  logic                clear_i,

  input  logic                in_valid_i,
  output logic                in_ready_o,
  input  logic [HeadIdxW-1:0] in_head_i,
  input  logic                in_last_i,
  input  logic [P*X_W-1:0]    in_scores_i,

  output logic                ready_o,
  input  logic                taken_i,
  input  logic [HeadIdxW-1:0] head_i,
  output logic [P*X_W-1:0]    max_o,
  output logic [P*RcW-1:0]    recip_o
);

  // Sizes derived once in the package (hls/geometry.py), which hold for the
  // package's own parameters only.
  if (NH != HEADS || MANT_BITS != RECIP_MANT_BITS ||
      SCALE_W != RECIP_SCALE_W) begin : gen_err_pkg_geometry
    $error("attn_softmax_statistics: parameters differ from edgemoe_cfg_pkg's derived geometry");
  end

  logic [P*X_W-1:0] st_max_q [NH];
  logic [P*S_W-1:0] st_sum_q [NH];
  logic [NH-1:0]    st_have_q;
  logic [NH-1:0]    st_in_valid, st_in_ready, st_out_valid;

  assign in_ready_o = st_in_ready[in_head_i];

  for (genvar h = 0; h < NH; h++) begin : g_stats
    logic [P*(X_W+S_W)-1:0] st_out;

    assign st_in_valid[h] = in_valid_i & (in_head_i == HeadIdxW'(h));

    softmax_stats_unit #(
      .P      (P),
      .DATA_W (X_W),
      .SUM_W  (S_W)
    ) u_stats (
      .clk_i,
      .rst_ni,
      .in_valid_i  (st_in_valid[h]),
      .in_ready_o  (st_in_ready[h]),
      .in_data_i   ({in_last_i, in_scores_i}),
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

  nr_core #(
    .ROOT      (1),
    .LANES     (P),
    .IN_W      (S_W),
    .MANT_BITS (MANT_BITS),
    .SCALE_W   (SCALE_W)
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

  // Statistics of every head, then their reciprocals.
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      st_have_q     <= '0;
      rc_feed_q     <= 1'b0;
      rc_in_h_q     <= '0;
      rc_out_h_q    <= '0;
      stats_ready_q <= 1'b0;
    end else if (clear_i) begin
      st_have_q     <= '0;
      rc_feed_q     <= 1'b0;
      rc_in_h_q     <= '0;
      rc_out_h_q    <= '0;
      stats_ready_q <= 1'b0;
    end else begin
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
      end else if (taken_i) begin
        stats_ready_q <= 1'b0;
      end
    end
  end

  assign ready_o = stats_ready_q;
  assign max_o   = st_max_q[head_i];
  assign recip_o = recip_q[head_i];

endmodule
