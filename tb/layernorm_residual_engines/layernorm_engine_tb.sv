// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// Bench top of layernorm_engine (tb/layernorm_residual_engines): the engine with its memory
// port (engine_mem_req_t / engine_mem_rsp_t) unpacked into the flat ports
// tb/components/enginemem.py drives (rd_cmd_*, rd_*, wr_cmd_*, wr_*): cocotb does not
// reach the members of a struct port in a Verilator model. Nothing else: the
// job ports pass straight through, and no register is added.
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
  output logic                  done_o,

  output logic                  rd_cmd_valid_o,
  input  logic                  rd_cmd_ready_i,
  output logic [63:0]           rd_cmd_addr_o,
  output logic [31:0]           rd_cmd_beats_o,
  input  logic                  rd_valid_i,
  output logic                  rd_ready_o,
  input  logic [AXI_DATA_W-1:0] rd_data_i,
  output logic                  wr_cmd_valid_o,
  input  logic                  wr_cmd_ready_i,
  output logic [63:0]           wr_cmd_addr_o,
  output logic [31:0]           wr_cmd_beats_o,
  output logic                  wr_valid_o,
  input  logic                  wr_ready_i,
  output logic [AXI_DATA_W-1:0] wr_data_o
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

  assign rd_cmd_valid_o = mem_req.rd_cmd_valid;
  assign rd_cmd_addr_o  = mem_req.rd_cmd_addr;
  assign rd_cmd_beats_o = mem_req.rd_cmd_beats;
  assign rd_ready_o     = mem_req.rd_ready;
  assign wr_cmd_valid_o = mem_req.wr_cmd_valid;
  assign wr_cmd_addr_o  = mem_req.wr_cmd_addr;
  assign wr_cmd_beats_o = mem_req.wr_cmd_beats;
  assign wr_valid_o     = mem_req.wr_valid;
  assign wr_data_o      = mem_req.wr_data;

  assign mem_rsp = '{
    rd_cmd_ready: rd_cmd_ready_i,
    rd_valid:     rd_valid_i,
    rd_data:      rd_data_i,
    wr_cmd_ready: wr_cmd_ready_i,
    wr_ready:     wr_ready_i
  };

endmodule : layernorm_engine_tb
