// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// Bench top of layernorm_engine (tb/layernorm_residual_engines): the engine, its job ports passed
// straight through, and its memory port on tb/components/engine_mem_tb_port.sv
// (u_mem: the flat names tb/components/enginemem.py drives). No register is
// added.
module layernorm_engine_tb
  import edgemoe_cfg_pkg::*;
(
  input  logic                  clk_i,
  input  logic                  rst_ni,
  input  logic                  job_valid_i,
  output logic                  job_ready_o,
  input  logic [63:0]           job_x_addr_i,
  input  logic [63:0]           job_gamma_addr_i,
  input  logic [63:0]           job_beta_addr_i,
  input  logic [63:0]           job_y_addr_i,
  input  logic [15:0]           job_tokens_i,
  output logic                  done_o
);

  engine_mem_req_t mem_req;
  engine_mem_rsp_t mem_rsp;

  layernorm_engine u_dut (
    .clk_i,
    .rst_ni,
    .job_valid_i,
    .job_ready_o,
    .job_x_addr_i,
    .job_gamma_addr_i,
    .job_beta_addr_i,
    .job_y_addr_i,
    .job_tokens_i,
    .done_o,
    .mem_req_o(mem_req),
    .mem_rsp_i(mem_rsp)
  );

  engine_mem_tb_port u_mem (
    .req_i(mem_req),
    .rsp_o(mem_rsp)
  );

endmodule : layernorm_engine_tb
