// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// Iteration counter of one attention_engine pass: for each group of P queries
// (q0 = 0, P, 2P, ... < T) one step per (key, head, lane), lane fastest:
//   for key in 0..T-1: for head in 0..NH-1: for lane in 0..P-1: one step
// Pass 1 issues a score per step, pass 2 a probability; both use this counter.
//
// Protocol. clear_i (the engine takes a job) restarts at group 0 with
// clear_tokens_i groups' worth of work (0: nothing to run). Between groups the
// counter idles until start_ok_i (the group's inputs are ready) and the pass's
// output buffer is free: taken when a group starts, free again from the cycle
// after released_i (its consumer is done with it; free after clear_i).
// start_o pulses the cycle it starts a group. While a group runs, a step is
// issued (issue_o) in every cycle with go_i (the step's operands and sink are
// ready); issue_o is combinational from go_i, the position outputs are
// registers. row_last_o / key_last_o describe the current position (whether
// or not it is issued); row_end_o and end_o are issue_o at the last step of a
// key row and of the group. After the last group's end (attn_group_counter)
// the counter stays idle until the next clear_i. tokens_i is the running
// job's T (1..T_MAX), held between clear_i and the job's end.
module attn_pass_counter
  import edgemoe_cfg_pkg::*;
#(
  parameter int unsigned P  = ATTN_P,
  parameter int unsigned NH = HEADS,
  parameter int unsigned TW = 16,  // token count width (holds T_MAX + P)
  localparam int unsigned HeadIdxW = HEAD_IDX_W,
  localparam int unsigned LaneIdxW = ATTN_LANE_IDX_W
) (
  input  logic                clk_i,
  input  logic                rst_ni,

  input  logic                clear_i,
  input  logic [TW-1:0]       clear_tokens_i,
  input  logic [TW-1:0]       tokens_i,
  input  logic                start_ok_i,
  input  logic                released_i,
  input  logic                go_i,

  output logic                start_o,
  output logic                issue_o,
  output logic [TW-1:0]       key_o,
  output logic [HeadIdxW-1:0] head_o,
  output logic [LaneIdxW-1:0] lane_o,
  output logic                row_last_o,
  output logic                key_last_o,
  output logic                row_end_o,
  output logic                end_o
);

  // Sizes derived once in the package (hls/geometry.py), which hold for the
  // package's own parameters only.
  if (P != ATTN_P || NH != HEADS) begin : gen_err_pkg_geometry
    $error("attn_pass_counter: parameters differ from edgemoe_cfg_pkg's derived geometry");
  end

  logic          left, run_q, free_q;
  logic [TW-1:0] key_q;
  logic [HeadIdxW-1:0] head_q;
  logic [LaneIdxW-1:0] lane_q;
  logic [TW-1:0] unused_q0, unused_rows;
  logic          unused_seg;  // one step per group

  assign start_o    = left & ~run_q & free_q & start_ok_i;
  assign issue_o    = run_q & go_i;
  assign row_last_o = (head_q == HeadIdxW'(NH - 1)) & (lane_q == LaneIdxW'(P - 1));
  assign key_last_o = (key_q == tokens_i - TW'(1));
  assign row_end_o  = issue_o & row_last_o;
  assign end_o      = row_end_o & key_last_o;
  assign key_o      = key_q;
  assign head_o     = head_q;
  assign lane_o     = lane_q;

  // Groups left: the next group after each group's end.
  attn_group_counter #(
    .P  (P),
    .TW (TW)
  ) u_group (
    .clk_i,
    .rst_ni,
    .clear_i,
    .clear_tokens_i,
    .tokens_i,
    .step_i         (end_o),
    .active_o       (left),
    .seg_o          (unused_seg),
    .q0_o           (unused_q0),
    .rows_o         (unused_rows)
  );

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      run_q  <= 1'b0;
      free_q <= 1'b1;
      key_q  <= '0;
      head_q <= '0;
      lane_q <= '0;
    end else if (clear_i) begin
      run_q  <= 1'b0;
      free_q <= 1'b1;
      key_q  <= '0;
      head_q <= '0;
      lane_q <= '0;
    end else begin
      if (start_o) begin
        run_q  <= 1'b1;
        free_q <= 1'b0;
      end else if (released_i) begin
        free_q <= 1'b1;
      end
      if (issue_o) begin
        if (lane_q == LaneIdxW'(P - 1)) begin
          lane_q <= '0;
          head_q <= (head_q == HeadIdxW'(NH - 1)) ? '0 : head_q + HeadIdxW'(1);
        end else begin
          lane_q <= lane_q + LaneIdxW'(1);
        end
        if (row_end_o) begin
          key_q <= end_o ? '0 : key_q + TW'(1);
        end
        if (end_o) begin
          run_q <= 1'b0;
        end
      end
    end
  end

  // Every group runs the same steps: its first query and size do not matter.
  logic unused_group;
  assign unused_group = ^{unused_q0, unused_rows, unused_seg};

endmodule
