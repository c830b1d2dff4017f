// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// Operand loader of attention_engine: the read commands of a job, and the
// query cache and three row buffers their data go into.
//
// Reads. Per group of P queries (q0 = 0, P, 2P, ... < T) three read
// commands, in job order (Q0, K0, V0, Q1, K1, ...), issued as fast as they are
// taken: the group's Q rows (q_addr_i + q0 rows, one command), K rows 0..T-1
// (k_addr_i) and V rows 0..T-1 (v_addr_i). Every row is ROW_BEATS whole beats,
// element i in bits [i*LaneW +: LaneW], sign-extended. Data is accepted in the
// same order: Q rows once the previous group's pass 1 has finished with the
// query cache (queries_done_i), K/V rows into whichever row buffer is free.
// No read ever waits for a later read.
//
// Query cache: the group's P x D queries rounded to attn_qk (AP_RND, AP_SAT);
// the tail group's idle lanes hold zero queries (as golden does).
// queries_loaded_o: the cache holds the queries of the group pass 1 runs next.
//
// Row buffers: three, so a V row's buffer can wait for its last MAC while the
// next two rows load and compute. A K row is held rounded to attn_qk (in the
// low bits), a V row as features. The buffers fill in turn (write select) and
// are consumed in turn (read select row_sel_o) by pass 1 (a K row is done once
// its last dot product is issued: key_row_done_i) and pass 2 (a V row once
// its last probability has read it in MAC stage 1: value_release_i of
// value_buf_i). row_ready_o: the buffer at row_sel_o holds a row for the
// next issuer. The rb_drain guard matters only when three key rows take fewer
// cycles (3 x P x HEADS) than the pass-2 latency and the loader keeps up (few
// beats per row), e.g. P = 1 with 256-bit beats on tiny: the attention bench's
// tiny-P variant builds that and a mutant without it.
//
// Storage: the query cache and the row buffers are read combinationally
// (distributed RAM or registers): query_o / key_o for pass 1 (HEAD_DIM
// elements of one lane and head, of the buffer at row_sel_o), value_o for the
// MAC of pass 2. clear_i (the engine takes a job, with clear_tokens_i) empties
// everything; tokens_i is the running job's T (1..T_MAX).
module attn_operand_loader
  import edgemoe_cfg_pkg::*;
#(
  parameter int unsigned D       = DIM,
  parameter int unsigned NH      = HEADS,
  parameter int unsigned P       = ATTN_P,
  parameter int unsigned DATA_W  = AXI_DATA_W,
  parameter int unsigned X_W     = FEATURE_W,
  parameter int unsigned X_FRAC  = FEATURE_FRAC,
  parameter int unsigned QK_W    = ATTN_QK_W,
  parameter int unsigned QK_FRAC = ATTN_QK_FRAC,
  parameter int unsigned TW      = 16,  // token count width (holds T_MAX + P)
  localparam int unsigned HD       = HEAD_DIM,
  localparam int unsigned LaneIdxW = ATTN_LANE_IDX_W,
  localparam int unsigned HeadIdxW = HEAD_IDX_W,
  localparam int unsigned BufW     = 2
) (
  input  logic                clk_i,
  input  logic                rst_ni,

  input  logic                clear_i,
  input  logic [TW-1:0]       clear_tokens_i,
  input  logic [TW-1:0]       tokens_i,
  input  logic [63:0]         q_addr_i,
  input  logic [63:0]         k_addr_i,
  input  logic [63:0]         v_addr_i,

  output logic                rd_cmd_valid_o,
  input  logic                rd_cmd_ready_i,
  output logic [63:0]         rd_cmd_addr_o,
  output logic [31:0]         rd_cmd_beats_o,
  input  logic                rd_valid_i,
  output logic                rd_ready_o,
  input  logic [DATA_W-1:0]   rd_data_i,

  // Query cache.
  output logic                queries_loaded_o,
  input  logic                queries_done_i,
  input  logic [LaneIdxW-1:0] query_lane_i,
  input  logic [HeadIdxW-1:0] query_head_i,
  output logic [HD*QK_W-1:0]  query_o,

  // Row buffers.
  output logic                row_ready_o,
  output logic [BufW-1:0]     row_sel_o,
  input  logic [HeadIdxW-1:0] key_head_i,
  output logic [HD*QK_W-1:0]  key_o,
  input  logic                key_row_done_i,
  input  logic                value_row_issued_i,
  input  logic [BufW-1:0]     value_buf_i,
  input  logic [HeadIdxW-1:0] value_head_i,
  output logic [HD*X_W-1:0]   value_o,
  input  logic                value_release_i
);

  // Sizes derived once in the package (hls/geometry.py), which hold for the
  // package's own parameters only.
  if (D != DIM || NH != HEADS || P != ATTN_P || DATA_W != AXI_DATA_W ||
      X_W != FEATURE_W) begin : gen_err_pkg_geometry
    $error("attn_operand_loader: parameters differ from edgemoe_cfg_pkg's derived geometry");
  end

  localparam int unsigned LaneW    = FEATURE_LANE_BYTES * 8;
  localparam int unsigned EPB      = FEATURE_LANES;
  localparam int unsigned RowBeats = FEATURE_ROW_BEATS;
  localparam int unsigned RowBytes = FEATURE_ROW_BYTES;
  localparam int unsigned BeatIdxW = FEATURE_ROW_BEAT_IDX_W;
  localparam int unsigned QIdxW    = $clog2(P * D);
  localparam int unsigned NBuf     = 3;
  localparam int unsigned RbIdxW   = $clog2(NBuf * D);
  localparam int unsigned QkShift  = X_FRAC - QK_FRAC;

  if (QkShift < 1 || QK_W > X_W) begin : gen_err_qk
    $error("attn_operand_loader: attn_qk must drop fraction bits of the feature format");
  end

  typedef enum logic [1:0] {SegQ = 2'd0, SegK = 2'd1, SegV = 2'd2} seg_e;

  function automatic logic [BufW-1:0] buf_next(logic [BufW-1:0] b);
    return (b == BufW'(NBuf - 1)) ? '0 : b + BufW'(1);
  endfunction

  // Each lane of a read beat rounded to attn_qk (AP_RND, AP_SAT): queries and keys.
  logic [QK_W-1:0] lane_qk [EPB];

  round_sat_lanes #(
    .LANES     (EPB),
    .IN_W      (X_W),
    .IN_STRIDE (LaneW),
    .OUT_W     (QK_W),
    .SHIFT     (QkShift),
    .ROUND     (1'b1)
  ) u_round_qk (
    .in_i  (rd_data_i),
    .out_o (lane_qk)
  );

  ///////////////////
  // Read commands //
  ///////////////////

  logic          cmd_active;
  seg_e          cmd_seg;
  logic [1:0]    cmd_seg_raw;
  logic [TW-1:0] cmd_q0, cmd_group_rows;

  attn_group_counter #(
    .P    (P),
    .TW   (TW),
    .SEGS (3)
  ) u_cmd_seg (
    .clk_i,
    .rst_ni,
    .clear_i,
    .clear_tokens_i,
    .tokens_i,
    .step_i         (rd_cmd_valid_o & rd_cmd_ready_i),
    .active_o       (cmd_active),
    .seg_o          (cmd_seg_raw),
    .q0_o           (cmd_q0),
    .rows_o         (cmd_group_rows)
  );

  assign cmd_seg        = seg_e'(cmd_seg_raw);
  assign rd_cmd_valid_o = cmd_active;
  always_comb begin
    unique case (cmd_seg)
      SegQ:    rd_cmd_addr_o = q_addr_i + 64'(cmd_q0) * 64'(RowBytes);
      SegK:    rd_cmd_addr_o = k_addr_i;
      default: rd_cmd_addr_o = v_addr_i;
    endcase
    rd_cmd_beats_o = 32'(RowBeats) * ((cmd_seg == SegQ) ? 32'(cmd_group_rows) : 32'(tokens_i));
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
  logic [TW-1:0] ld_q0, ld_group_rows, ld_row, ld_rows;
  logic [BeatIdxW-1:0] ld_beat;
  logic          q_loaded_q;  // the cache holds the queries of the group in pass 1 next
  logic          ld_take, ld_row_end, ld_seg_end, ld_rb_fill;

  assign ld_seg     = seg_e'(ld_seg_raw);
  assign ld_rows    = (ld_seg == SegQ) ? ld_group_rows : tokens_i;
  assign rd_ready_o = ld_active & ((ld_seg == SegQ) ? ~q_loaded_q : ~rb_full_q[rb_wsel_q]);
  assign ld_take    = rd_valid_i & rd_ready_o;
  assign ld_rb_fill = ld_row_end & (ld_seg != SegQ);

  attn_group_counter #(
    .P    (P),
    .TW   (TW),
    .SEGS (3)
  ) u_ld_seg (
    .clk_i,
    .rst_ni,
    .clear_i,
    .clear_tokens_i,
    .tokens_i,
    .step_i         (ld_seg_end),
    .active_o       (ld_active),
    .seg_o          (ld_seg_raw),
    .q0_o           (ld_q0),
    .rows_o         (ld_group_rows)
  );

  attn_row_counter #(
    .ROW_BEATS (RowBeats),
    .TW        (TW)
  ) u_ld_pos (
    .clk_i,
    .rst_ni,
    .clear_i,
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
    end else if (clear_i) begin
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
            q_mem[QIdxW'(int'(ld_row) * D + col)] <= lane_qk[e];
          end else if (ld_seg == SegK) begin
            rb_mem[RbIdxW'(int'(rb_wsel_q) * D + col)] <= X_W'($signed(lane_qk[e]));
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

  // Query cache: loaded by the Q segment, free again after pass 1's last issue.
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      q_loaded_q <= 1'b0;
    end else if (clear_i) begin
      q_loaded_q <= 1'b0;
    end else if (ld_seg_end && ld_seg == SegQ) begin
      q_loaded_q <= 1'b1;
    end else if (queries_done_i) begin
      q_loaded_q <= 1'b0;
    end
  end

  assign queries_loaded_o = q_loaded_q;

  // The data side needs the group's rows, not its first query's address.
  logic unused_ld_q0;
  assign unused_ld_q0 = ^ld_q0;

  //////////////////
  // Row buffers  //
  //////////////////

  assign rb_ready = rb_full_q[rb_rsel_q] & ~rb_drain_q[rb_rsel_q];

  always_comb begin
    rb_full_d  = rb_full_q;
    rb_drain_d = rb_drain_q;
    if (value_row_issued_i) begin
      rb_drain_d[rb_rsel_q] = 1'b1;
    end
    if (ld_rb_fill) begin
      rb_full_d[rb_wsel_q] = 1'b1;
    end
    // Pass 1 is done with a K row once its last dot product is issued; pass 2
    // with a V row once its last probability has read it (MAC stage 1).
    if (key_row_done_i) begin
      rb_full_d[rb_rsel_q] = 1'b0;
    end
    if (value_release_i) begin
      rb_full_d[value_buf_i]  = 1'b0;
      rb_drain_d[value_buf_i] = 1'b0;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      rb_full_q  <= '0;
      rb_drain_q <= '0;
      rb_rsel_q  <= '0;
    end else if (clear_i) begin
      rb_full_q  <= '0;
      rb_drain_q <= '0;
      rb_rsel_q  <= '0;
    end else begin
      rb_full_q  <= rb_full_d;
      rb_drain_q <= rb_drain_d;
      if (key_row_done_i || value_row_issued_i) begin
        rb_rsel_q <= buf_next(rb_rsel_q);
      end
    end
  end

  assign row_ready_o = rb_ready;
  assign row_sel_o   = rb_rsel_q;

  ////////////////
  // Read ports //
  ////////////////

  for (genvar n = 0; n < HD; n++) begin : g_read
    assign query_o[n*QK_W +: QK_W] =
        q_mem[QIdxW'(int'(query_lane_i) * D + int'(query_head_i) * HD + n)];
    assign key_o[n*QK_W +: QK_W] =
        rb_mem[RbIdxW'(int'(rb_rsel_q) * D + int'(key_head_i) * HD + n)][QK_W-1:0];
    assign value_o[n*X_W +: X_W] =
        rb_mem[RbIdxW'(int'(value_buf_i) * D + int'(value_head_i) * HD + n)];
  end

endmodule
