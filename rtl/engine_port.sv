// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// Engine port: what every engine on the kernel's engine memory port shares
// (linear_engine, layernorm_engine, attention_engine, residual_engine). It
// takes the typed memory port (mem_req_t / mem_rsp_t: engine_mem_req_t /
// engine_mem_rsp_t of edgemoe_cfg_pkg, protocol in tb/enginemem.py) and the
// job port, and gives the engine the port's fields by name:
//   read commands  rd_cmd_* (issued by the engine as it likes),
//   read data      rd_valid_o / rd_ready_i / rd_data_o,
//   write commands from wr_req_* through engine_job_ctrl, which also owns the
//                  job handshake and done_o (its header: the timing),
//   write data     wr_valid_i / wr_ready_o / wr_data_i, offered only while
//                  wr_open_o, wr_last_i marking each command's last beat.
// Every field passes straight through (no register, no gating), so the
// engine's valid/ready timing on the port is its own.
module engine_port
  import edgemoe_cfg_pkg::*;
#(
  parameter int unsigned DATA_W = AXI_DATA_W,
  // Memory port types: the package's, or the same fields for other DATA_W.
  parameter type mem_req_t = engine_mem_req_t,
  parameter type mem_rsp_t = engine_mem_rsp_t
) (
  input  logic              clk_i,
  input  logic              rst_ni,

  // Job (engine_job_ctrl).
  input  logic              job_valid_i,
  output logic              job_ready_o,
  input  logic [31:0]       job_beats_i,     // write beats of the whole job
  output logic              job_take_o,      // the job is taken in this cycle
  output logic              busy_o,
  output logic              done_o,

  // Read commands and data.
  input  logic              rd_cmd_valid_i,
  output logic              rd_cmd_ready_o,
  input  logic [63:0]       rd_cmd_addr_i,
  input  logic [31:0]       rd_cmd_beats_i,
  output logic              rd_valid_o,
  input  logic              rd_ready_i,
  output logic [DATA_W-1:0] rd_data_o,

  // Write commands (engine_job_ctrl) and data.
  input  logic              wr_req_i,        // the engine has a command to issue
  input  logic [63:0]       wr_req_addr_i,
  input  logic [31:0]       wr_req_beats_i,
  output logic              wr_open_o,       // a command is open: data beats may go
  input  logic              wr_valid_i,
  output logic              wr_ready_o,
  input  logic [DATA_W-1:0] wr_data_i,
  input  logic              wr_last_i,       // the beat is its command's last

  // Memory port: engine_mem_req_t / engine_mem_rsp_t (edgemoe_cfg_pkg).
  output mem_req_t          mem_req_o,
  input  mem_rsp_t          mem_rsp_i
);

  if ($bits(mem_req_t) != 196 + DATA_W || $bits(mem_rsp_t) != 4 + DATA_W) begin : gen_err_mem_t
    $error("engine_port: mem_req_t/mem_rsp_t do not carry DATA_W = %0d bit beats", DATA_W);
  end

  logic        wr_cmd_valid;
  logic [63:0] wr_cmd_addr;
  logic [31:0] wr_cmd_beats;

  assign mem_req_o = '{
    rd_cmd_valid: rd_cmd_valid_i,
    rd_cmd_addr:  rd_cmd_addr_i,
    rd_cmd_beats: rd_cmd_beats_i,
    rd_ready:     rd_ready_i,
    wr_cmd_valid: wr_cmd_valid,
    wr_cmd_addr:  wr_cmd_addr,
    wr_cmd_beats: wr_cmd_beats,
    wr_valid:     wr_valid_i,
    wr_data:      wr_data_i
  };
  assign rd_cmd_ready_o = mem_rsp_i.rd_cmd_ready;
  assign rd_valid_o     = mem_rsp_i.rd_valid;
  assign rd_data_o      = mem_rsp_i.rd_data;
  assign wr_ready_o     = mem_rsp_i.wr_ready;

  engine_job_ctrl u_job (
    .clk_i,
    .rst_ni,
    .job_valid_i,
    .job_ready_o,
    .job_beats_i,
    .job_take_o,
    .busy_o,
    .done_o,
    .wr_req_i,
    .wr_req_addr_i,
    .wr_req_beats_i,
    .wr_cmd_valid_o (wr_cmd_valid),
    .wr_cmd_ready_i (mem_rsp_i.wr_cmd_ready),
    .wr_cmd_addr_o  (wr_cmd_addr),
    .wr_cmd_beats_o (wr_cmd_beats),
    .wr_open_o,
    .wr_fire_i      (wr_valid_i & mem_rsp_i.wr_ready),
    .wr_cmd_last_i  (wr_last_i)
  );

endmodule
