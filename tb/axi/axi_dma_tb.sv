// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// Bench top of the DMA bench (tb/axi/): rtl/axi_dma (axi_read_master and
// axi_write_master sharing one AXI4 master port, as the kernel connects them)
// with its engine memory port unpacked into flat command and data ports that
// tb.components.axi.protocol drives, and its AXI4 port on the bench adapter u_gmem
// (tb/axi/axi_gmem_tb_port.sv: the m_axi_gmem_* names for cocotbext-axi's
// AxiRam). Not part of rtl/: wiring only.
module axi_dma_tb
  import edgemoe_cfg_pkg::*;
#(
  parameter int unsigned MAX_OUTSTANDING = 4
) (
  input  logic                clk_i,
  input  logic                rst_ni,

  input  logic                rd_cmd_valid_i,
  output logic                rd_cmd_ready_o,
  input  logic [63:0]         rd_cmd_addr_i,
  input  logic [31:0]         rd_cmd_beats_i,
  output logic                rd_valid_o,
  input  logic                rd_ready_i,
  output logic [AXI_DATA_W-1:0] rd_data_o,
  output logic                rd_last_o,
  output logic                rd_idle_o,
  output logic [1:0]          rd_err_o,

  input  logic                wr_cmd_valid_i,
  output logic                wr_cmd_ready_o,
  input  logic [63:0]         wr_cmd_addr_i,
  input  logic [31:0]         wr_cmd_beats_i,
  input  logic                wr_valid_i,
  output logic                wr_ready_o,
  input  logic [AXI_DATA_W-1:0] wr_data_i,
  output logic                wr_idle_o,
  output logic [1:0]          wr_err_o,

  input  logic                err_clear_i
);

  engine_mem_req_t mem_req;
  engine_mem_rsp_t mem_rsp;
  axi_req_t        axi_req;
  axi_rsp_t        axi_rsp;

  assign mem_req = '{
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
  assign rd_cmd_ready_o = mem_rsp.rd_cmd_ready;
  assign rd_valid_o     = mem_rsp.rd_valid;
  assign rd_data_o      = mem_rsp.rd_data;
  assign wr_cmd_ready_o = mem_rsp.wr_cmd_ready;
  assign wr_ready_o     = mem_rsp.wr_ready;

  axi_dma #(
    .MAX_OUTSTANDING(MAX_OUTSTANDING)
  ) u_dma (
    .clk_i,
    .rst_ni,
    .mem_req_i  (mem_req),
    .mem_rsp_o  (mem_rsp),
    .rd_last_o,
    .rd_idle_o,
    .rd_err_o,
    .wr_idle_o,
    .wr_err_o,
    .err_clear_i,
    .axi_req_o  (axi_req),
    .axi_rsp_i  (axi_rsp)
  );

  axi_gmem_tb_port u_gmem (
    .req_i(axi_req),
    .rsp_o(axi_rsp)
  );

endmodule : axi_dma_tb
