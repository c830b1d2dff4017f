// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// Beat-in-row and row-in-block position of attention_engine's data streams:
// a block of rows_i rows of ROW_BEATS beats each, one step per beat. The
// loader counts the beats of a read segment with it, the writer those of a
// group's output rows.
//
// Protocol. clear_i (the engine takes a job) returns to beat 0 of row 0. step_i
// (a beat moves) advances the beat, and at a row's last beat the row, and at
// the block's last beat wraps both to 0 for the next block. row_end_o and
// last_o are step_i at the last beat of a row and of the block (combinational);
// rows_i (>= 1) must hold while a block is under way.
module attn_row_counter #(
  parameter int unsigned ROW_BEATS = 1,
  parameter int unsigned TW        = 16,  // row count width
  localparam int unsigned BeatIdxW = (ROW_BEATS > 1) ? $clog2(ROW_BEATS) : 1
) (
  input  logic                clk_i,
  input  logic                rst_ni,

  input  logic                clear_i,
  input  logic                step_i,
  input  logic [TW-1:0]       rows_i,

  output logic [BeatIdxW-1:0] beat_o,
  output logic [TW-1:0]       row_o,
  output logic                row_end_o,
  output logic                last_o
);

  logic [BeatIdxW-1:0] beat_q;
  logic [TW-1:0]       row_q;

  assign beat_o    = beat_q;
  assign row_o     = row_q;
  assign row_end_o = step_i & (beat_q == BeatIdxW'(ROW_BEATS - 1));
  assign last_o    = row_end_o & (row_q == rows_i - TW'(1));

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      beat_q <= '0;
      row_q  <= '0;
    end else if (clear_i) begin
      beat_q <= '0;
      row_q  <= '0;
    end else if (step_i) begin
      beat_q <= row_end_o ? '0 : beat_q + BeatIdxW'(1);
      if (row_end_o) begin
        row_q <= last_o ? '0 : row_q + TW'(1);
      end
    end
  end

endmodule
