// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// The engine benches' memory port: an engine's engine_mem_req_t /
// engine_mem_rsp_t (req_i / rsp_o) on the flat names that
// tb/components/enginemem.py drives (rd_cmd_*, rd_*, wr_cmd_*, wr_*): cocotb
// does not reach the members of a struct in a Verilator model. An engine
// bench top instantiates it as u_mem and EngineMemory finds the names there,
// so the flat list is written once for every engine bench. The names are
// signals of this module, not ports: the request side is read by Python, the
// response side is driven by Python only (hence undriven in the HDL). No
// register is added. Simulation only.
module engine_mem_tb_port
  import edgemoe_cfg_pkg::*;
(
  input  engine_mem_req_t req_i,
  output engine_mem_rsp_t rsp_o
);

  logic                  rd_cmd_valid_o, rd_ready_o, wr_cmd_valid_o, wr_valid_o;
  logic [63:0]           rd_cmd_addr_o, wr_cmd_addr_o;
  logic [31:0]           rd_cmd_beats_o, wr_cmd_beats_o;
  logic [AXI_DATA_W-1:0] wr_data_o;
  /* verilator lint_off UNDRIVEN */
  logic                  rd_cmd_ready_i, rd_valid_i, wr_cmd_ready_i, wr_ready_i;
  logic [AXI_DATA_W-1:0] rd_data_i;
  /* verilator lint_on UNDRIVEN */

  assign rd_cmd_valid_o = req_i.rd_cmd_valid;
  assign rd_cmd_addr_o  = req_i.rd_cmd_addr;
  assign rd_cmd_beats_o = req_i.rd_cmd_beats;
  assign rd_ready_o     = req_i.rd_ready;
  assign wr_cmd_valid_o = req_i.wr_cmd_valid;
  assign wr_cmd_addr_o  = req_i.wr_cmd_addr;
  assign wr_cmd_beats_o = req_i.wr_cmd_beats;
  assign wr_valid_o     = req_i.wr_valid;
  assign wr_data_o      = req_i.wr_data;

  assign rsp_o = '{
    rd_cmd_ready: rd_cmd_ready_i,
    rd_valid:     rd_valid_i,
    rd_data:      rd_data_i,
    wr_cmd_ready: wr_cmd_ready_i,
    wr_ready:     wr_ready_i
  };

endmodule : engine_mem_tb_port
