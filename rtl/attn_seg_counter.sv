// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// Segment sequence of attention_engine's reads: per group of P queries
// (q0 = 0, P, 2P, ... < T) three segments, its Q rows, then K rows 0..T-1,
// then V rows 0..T-1. The read-command issuer steps it once per command, the
// loader once per finished segment of data; both use this counter.
//
// Protocol. clear_i (the engine takes a job) restarts at segment Q of group 0,
// active_o = (clear_tokens_i != 0). step_i (only while active_o) moves to the
// next segment; after the V segment of the last group (q0 + P >= tokens_i)
// active_o falls until the next clear_i. seg_o: 0 Q, 1 K, 2 V; q0_o and
// rows_o: the group's first query and its queries (attn_group_counter).
// tokens_i is the running job's T, held between clear_i and the job's end.
module attn_seg_counter
  import edgemoe_cfg_pkg::*;
#(
  parameter int unsigned P  = ATTN_P,
  parameter int unsigned TW = 16  // token count width (holds T_MAX + P)
) (
  input  logic          clk_i,
  input  logic          rst_ni,

  input  logic          clear_i,
  input  logic [TW-1:0] clear_tokens_i,
  input  logic [TW-1:0] tokens_i,
  input  logic          step_i,

  output logic          active_o,
  output logic [1:0]    seg_o,
  output logic [TW-1:0] q0_o,
  output logic [TW-1:0] rows_o
);

  localparam logic [1:0] SegQ = 2'd0;
  localparam logic [1:0] SegK = 2'd1;
  localparam logic [1:0] SegV = 2'd2;

  logic [1:0] seg_q;

  assign seg_o = seg_q;

  // The group moves on after its V segment.
  attn_group_counter #(
    .P  (P),
    .TW (TW)
  ) u_group (
    .clk_i,
    .rst_ni,
    .clear_i,
    .clear_tokens_i,
    .tokens_i,
    .next_i         (step_i & (seg_q == SegV)),
    .active_o,
    .q0_o,
    .rows_o
  );

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      seg_q <= SegQ;
    end else if (clear_i) begin
      seg_q <= SegQ;
    end else if (step_i) begin
      unique case (seg_q)
        SegQ:    seg_q <= SegK;
        SegK:    seg_q <= SegV;
        default: seg_q <= SegQ;
      endcase
    end
  end

endmodule
