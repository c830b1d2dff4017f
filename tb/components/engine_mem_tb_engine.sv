// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// The mirror of engine_mem_tb_port: the engine side of an engine memory port
// played by Python, for a bench whose DUT is the memory (the DMA bench,
// tb/axi/axi_dma_tb.sv). The request (req_o, engine_mem_req_t) is gathered from
// flat names that tb.components.axi.protocol drives, the response (rsp_i,
// engine_mem_rsp_t) is put on flat names it reads; cocotb does not reach the
// members of a struct in a Verilator model. The names are those of the memory
// side's view (rd_cmd_valid_i .. wr_data_i in, rd_cmd_ready_o .. wr_ready_o
// out) and are signals of this module, not ports: a bench top instantiates it
// as u_eng. No register is added. Simulation only.
module engine_mem_tb_engine
  import edgemoe_cfg_pkg::*;
(
  output engine_mem_req_t req_o,
  input  engine_mem_rsp_t rsp_i
);

  /* verilator lint_off UNDRIVEN */
  logic                  rd_cmd_valid_i, rd_ready_i, wr_cmd_valid_i, wr_valid_i;
  logic [63:0]           rd_cmd_addr_i, wr_cmd_addr_i;
  logic [31:0]           rd_cmd_beats_i, wr_cmd_beats_i;
  logic [AXI_DATA_W-1:0] wr_data_i;
  /* verilator lint_on UNDRIVEN */
  logic                  rd_cmd_ready_o, rd_valid_o, wr_cmd_ready_o, wr_ready_o;
  logic [AXI_DATA_W-1:0] rd_data_o;

  assign req_o = '{
    rd_cmd_valid: rd_cmd_valid_i,
    rd_cmd_addr:  rd_cmd_addr_i,
    rd_cmd_beats: rd_cmd_beats_i,
    rd_ready:     rd_ready_i,
    wr_cmd_valid: wr_cmd_valid_i,
    wr_cmd_addr:  wr_cmd_addr_i,
    wr_cmd_beats: wr_cmd_beats_i,
    wr_valid:     wr_valid_i,
    wr_data:      wr_data_i
  };

  assign rd_cmd_ready_o = rsp_i.rd_cmd_ready;
  assign rd_valid_o     = rsp_i.rd_valid;
  assign rd_data_o      = rsp_i.rd_data;
  assign wr_cmd_ready_o = rsp_i.wr_cmd_ready;
  assign wr_ready_o     = rsp_i.wr_ready;

endmodule : engine_mem_tb_engine
