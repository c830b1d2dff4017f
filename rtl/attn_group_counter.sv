// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// Query-group walk of attention_engine: a job's T queries go in groups of P
// (q0 = 0, P, 2P, ... < T), the last group holding the T mod P tail, and each
// group takes SEGS steps (seg_o = 0 .. SEGS-1). The reads walk it with SEGS = 3
// (per group its Q rows, then K rows 0..T-1, then V rows 0..T-1: the loader's
// read-command issuer steps once per command, its loader once per finished
// segment of data); both passes (attn_pass_counter) and the output writer
// with SEGS = 1 (one step per group).
//
// Protocol. clear_i (the engine takes a job) returns to segment 0 of group 0,
// with active_o = (clear_tokens_i != 0). step_i moves to the next segment, from
// a group's last segment to the next group; after the last segment of the last
// group (q0 + P >= tokens_i) active_o falls until the next clear_i. q0_o is the
// group's first query, rows_o its queries min(P, tokens_i - q0_o)
// (combinational). tokens_i is the running job's T, held between clear_i and
// the job's end.
module attn_group_counter
  import edgemoe_cfg_pkg::*;
#(
  parameter int unsigned P    = ATTN_P,
  parameter int unsigned TW   = 16,  // token count width (holds T_MAX + P)
  parameter int unsigned SEGS = 1,   // steps per group
  parameter int unsigned SegW = (SEGS > 1) ? $clog2(SEGS) : 1
) (
  input  logic            clk_i,
  input  logic            rst_ni,

  input  logic            clear_i,
  input  logic [TW-1:0]   clear_tokens_i,
  input  logic [TW-1:0]   tokens_i,
  input  logic            step_i,

  output logic            active_o,
  output logic [SegW-1:0] seg_o,
  output logic [TW-1:0]   q0_o,
  output logic [TW-1:0]   rows_o
);

  if (SEGS < 1) begin : gen_err_segs
    $error("attn_group_counter: SEGS must be at least 1");
  end

  logic            active_q;
  logic [TW-1:0]   q0_q;
  logic [SegW-1:0] seg_q;
  logic            last_seg;

  assign active_o = active_q;
  assign q0_o     = q0_q;
  assign seg_o    = seg_q;
  assign rows_o   = (tokens_i - q0_q >= TW'(P)) ? TW'(P) : tokens_i - q0_q;
  assign last_seg = (seg_q == SegW'(SEGS - 1));

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      active_q <= 1'b0;
      q0_q     <= '0;
      seg_q    <= '0;
    end else if (clear_i) begin
      active_q <= (clear_tokens_i != '0);
      q0_q     <= '0;
      seg_q    <= '0;
    end else if (step_i) begin
      seg_q <= last_seg ? '0 : seg_q + SegW'(1);
      if (last_seg) begin
        q0_q <= q0_q + TW'(P);
        // The last group: q0 + P >= T.
        if (q0_q + TW'(P) >= tokens_i) begin
          active_q <= 1'b0;
        end
      end
    end
  end

endmodule
