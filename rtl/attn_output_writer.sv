// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// Output writer of attention_engine: the rows of each group of P queries,
// from its accumulators to memory.
//
// Once a group's last product is accumulated (group_done_i), the writer asks
// for one write command (wr_req_o: the group's valid rows at y_addr_i + q0
// rows, RowBeats beats each; engine_port issues it) and, while that
// command is open (wr_open_i), offers the rows beat by beat, each element
// rounded once from its accumulator (acc_lane_o, acc_beat_o: acc_i):
// sat((acc + 2**(PF-1)) >>> PF) (AP_RND, AP_SAT), in LaneW-bit lanes,
// sign-extended, zero beyond D. group_end_o pulses with the group's last beat
// accepted (its accumulators may be cleared and reused). clear_i (the engine
// takes a job) restarts at group 0; tokens_i is the running job's T.
module attn_output_writer
  import edgemoe_cfg_pkg::*;
#(
  parameter int unsigned D      = DIM,
  parameter int unsigned P      = ATTN_P,
  parameter int unsigned DATA_W = AXI_DATA_W,
  parameter int unsigned X_W    = FEATURE_W,
  parameter int unsigned P_W    = PROB_W,
  parameter int unsigned P_FRAC = PROB_FRAC,
  parameter int unsigned TW     = 16,  // token count width (holds T_MAX + P)
  localparam int unsigned AccW     = ATTN_ACC_W,
  localparam int unsigned LaneW    = FEATURE_LANE_BYTES * 8,
  localparam int unsigned EPB      = FEATURE_LANES,
  localparam int unsigned RowBeats = FEATURE_ROW_BEATS,
  localparam int unsigned BeatIdxW = FEATURE_ROW_BEAT_IDX_W
) (
  input  logic                clk_i,
  input  logic                rst_ni,

  input  logic                clear_i,
  input  logic [TW-1:0]       tokens_i,
  input  logic [63:0]         y_addr_i,

  input  logic                group_done_i,
  output logic                group_end_o,
  output logic [TW-1:0]       acc_lane_o,
  output logic [BeatIdxW-1:0] acc_beat_o,
  input  logic [EPB*AccW-1:0] acc_i,

  // Write commands (engine_port) and data.
  output logic                wr_req_o,
  output logic [63:0]         wr_req_addr_o,
  output logic [31:0]         wr_req_beats_o,
  input  logic                wr_open_i,
  output logic                wr_valid_o,
  input  logic                wr_ready_i,
  output logic [DATA_W-1:0]   wr_data_o
);

  // Sizes derived once in the package (hls/geometry.py), which hold for the
  // package's own parameters only.
  if (D != DIM || DATA_W != AXI_DATA_W || X_W != FEATURE_W ||
      P_W != PROB_W) begin : gen_err_pkg_geometry
    $error("attn_output_writer: parameters differ from edgemoe_cfg_pkg's derived geometry");
  end

  localparam int unsigned RowBytes = FEATURE_ROW_BYTES;

  // Each accumulator rounded once into the feature format (AP_RND, AP_SAT).
  logic [X_W-1:0] lane_feature [EPB];

  round_sat_lanes #(
    .LANES (EPB),
    .IN_W  (AccW),
    .OUT_W (X_W),
    .SHIFT (P_FRAC),
    .ROUND (1'b1)
  ) u_round_feature (
    .in_i  (acc_i),
    .out_o (lane_feature)
  );

  logic                wr_run_q;
  logic [TW-1:0]       wr_q0, wr_rows, wr_lane;
  logic [BeatIdxW-1:0] wr_beat;
  logic                wr_fire, wr_row_end, wr_end, wr_groups_left;
  logic                wr_seg;  // one step per group: always 0

  assign wr_req_o       = wr_run_q;
  assign wr_req_addr_o  = y_addr_i + 64'(wr_q0) * 64'(RowBytes);
  assign wr_req_beats_o = 32'(RowBeats) * 32'(wr_rows);
  assign wr_valid_o     = wr_open_i;
  assign wr_fire        = wr_valid_o & wr_ready_i;
  assign group_end_o    = wr_end;
  assign acc_lane_o     = wr_lane;
  assign acc_beat_o     = wr_beat;

  // The group written: the next one after each group's last beat. The writer
  // runs when pass 2 hands it a group (group_done_i), so it never asks whether
  // groups are left.
  attn_group_counter #(
    .P  (P),
    .TW (TW)
  ) u_wr_group (
    .clk_i,
    .rst_ni,
    .clear_i,
    .clear_tokens_i (tokens_i),
    .tokens_i,
    .step_i         (wr_end),
    .active_o       (wr_groups_left),
    .seg_o          (wr_seg),
    .q0_o           (wr_q0),
    .rows_o         (wr_rows)
  );

  attn_row_counter #(
    .ROW_BEATS (RowBeats),
    .TW        (TW)
  ) u_wr_pos (
    .clk_i,
    .rst_ni,
    .clear_i,
    .step_i    (wr_fire),
    .rows_i    (wr_rows),
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
        wr_data_o[e*LaneW +: LaneW] = LaneW'($signed(lane_feature[e]));
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wr_run_q <= 1'b0;
    end else if (clear_i) begin
      wr_run_q <= 1'b0;
    end else if (wr_end) begin
      wr_run_q <= 1'b0;
    end else if (group_done_i) begin
      wr_run_q <= 1'b1;
    end
  end

  // The writer takes only the group's end from its counters.
  logic unused_pos;
  assign unused_pos = wr_row_end ^ wr_groups_left ^ wr_seg;

endmodule
