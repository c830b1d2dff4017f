// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// Query-group position of attention_engine: a job's T queries go in groups of
// P (q0 = 0, P, 2P, ... < T), the last group holding the T mod P tail. The
// read segments (attn_seg_counter), both passes (attn_pass_counter) and the
// output writer walk the groups with it.
//
// Protocol. clear_i (the engine takes a job) returns to group 0, with
// active_o = (clear_tokens_i != 0). next_i moves to the next group; after the
// last group (q0 + P >= tokens_i) active_o falls until the next clear_i.
// q0_o is the group's first query, rows_o its queries min(P, tokens_i - q0_o)
// (combinational). tokens_i is the running job's T, held between clear_i and
// the job's end.
module attn_group_counter
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
  input  logic          next_i,

  output logic          active_o,
  output logic [TW-1:0] q0_o,
  output logic [TW-1:0] rows_o
);

  logic          active_q;
  logic [TW-1:0] q0_q;

  assign active_o = active_q;
  assign q0_o     = q0_q;
  assign rows_o   = (tokens_i - q0_q >= TW'(P)) ? TW'(P) : tokens_i - q0_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      active_q <= 1'b0;
      q0_q     <= '0;
    end else if (clear_i) begin
      active_q <= (clear_tokens_i != '0);
      q0_q     <= '0;
    end else if (next_i) begin
      q0_q <= q0_q + TW'(P);
      // The last group: q0 + P >= T.
      if (q0_q + TW'(P) >= tokens_i) begin
        active_q <= 1'b0;
      end
    end
  end

endmodule
