// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// Lockstep pipeline control: the valid/ready handshake of a pipeline of STAGES
// register stages that advance together under one enable (gelu_unit,
// exp_unit, layernorm_normalise).
//
// valid_q[s] marks stage s + 1 as holding a beat. The pipe moves (pipe_en)
// unless its last stage holds a result the sink does not take, so
// in_ready_o = !(out_valid_o && !out_ready_i), a combinational path from
// out_ready_i; out_valid_o is the last stage's valid bit. Latency: STAGES
// cycles from an accepted input beat to out_valid_o (with out_ready_i high);
// throughput: one beat per cycle, no loss or duplication under backpressure.
//
// ld_o[s] is the load enable of the registers of stage s + 1: the pipe moves
// and the stage feeding it (the input for s = 0) holds a valid beat. The data
// registers need no reset: only the valid bits have one.
module lockstep_pipe_ctrl #(
  parameter int unsigned STAGES = 2
) (
  input  logic              clk_i,
  input  logic              rst_ni,

  input  logic              in_valid_i,
  output logic              in_ready_o,

  output logic              out_valid_o,
  input  logic              out_ready_i,

  output logic [STAGES-1:0] ld_o
);

  if (STAGES < 2) begin : gen_err_stages
    $error("lockstep_pipe_ctrl: STAGES must be at least 2");
  end

  logic [STAGES-1:0] valid_q;
  logic              pipe_en;

  assign pipe_en     = ~(valid_q[STAGES-1] & ~out_ready_i);
  assign in_ready_o  = pipe_en;
  assign out_valid_o = valid_q[STAGES-1];

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      valid_q <= '0;
    end else if (pipe_en) begin
      valid_q <= {valid_q[STAGES-2:0], in_valid_i};
    end
  end

  assign ld_o = {STAGES{pipe_en}} & {valid_q[STAGES-2:0], in_valid_i};

endmodule
