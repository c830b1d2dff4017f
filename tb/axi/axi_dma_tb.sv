// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// Bench top of the DMA bench (tb/axi/): rtl/axi_read_master and
// rtl/axi_write_master sharing one AXI4 master port m_axi_gmem_* (the read
// master drives AR/R, the write master AW/W/B), as a kernel top would
// connect them. Not part of rtl/: it only wires the two masters together.
module axi_dma_tb
  import edgemoe_cfg_pkg::*;
#(
  parameter int unsigned DATA_W          = AXI_DATA_W,
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
  output logic [DATA_W-1:0]   rd_data_o,
  output logic                rd_last_o,
  output logic                rd_idle_o,
  output logic [1:0]          rd_err_o,

  input  logic                wr_cmd_valid_i,
  output logic                wr_cmd_ready_o,
  input  logic [63:0]         wr_cmd_addr_i,
  input  logic [31:0]         wr_cmd_beats_i,
  input  logic                wr_valid_i,
  output logic                wr_ready_o,
  input  logic [DATA_W-1:0]   wr_data_i,
  output logic                wr_idle_o,
  output logic [1:0]          wr_err_o,

  input  logic                err_clear_i,

  output logic                m_axi_gmem_AWVALID,
  input  logic                m_axi_gmem_AWREADY,
  output logic [63:0]         m_axi_gmem_AWADDR,
  output logic [0:0]          m_axi_gmem_AWID,
  output logic [7:0]          m_axi_gmem_AWLEN,
  output logic [2:0]          m_axi_gmem_AWSIZE,
  output logic [1:0]          m_axi_gmem_AWBURST,
  output logic                m_axi_gmem_AWLOCK,
  output logic [3:0]          m_axi_gmem_AWCACHE,
  output logic [2:0]          m_axi_gmem_AWPROT,
  output logic [3:0]          m_axi_gmem_AWQOS,
  output logic [3:0]          m_axi_gmem_AWREGION,
  output logic                m_axi_gmem_WVALID,
  input  logic                m_axi_gmem_WREADY,
  output logic [DATA_W-1:0]   m_axi_gmem_WDATA,
  output logic [DATA_W/8-1:0] m_axi_gmem_WSTRB,
  output logic                m_axi_gmem_WLAST,
  input  logic                m_axi_gmem_BVALID,
  output logic                m_axi_gmem_BREADY,
  input  logic [0:0]          m_axi_gmem_BID,
  input  logic [1:0]          m_axi_gmem_BRESP,
  output logic                m_axi_gmem_ARVALID,
  input  logic                m_axi_gmem_ARREADY,
  output logic [63:0]         m_axi_gmem_ARADDR,
  output logic [0:0]          m_axi_gmem_ARID,
  output logic [7:0]          m_axi_gmem_ARLEN,
  output logic [2:0]          m_axi_gmem_ARSIZE,
  output logic [1:0]          m_axi_gmem_ARBURST,
  output logic                m_axi_gmem_ARLOCK,
  output logic [3:0]          m_axi_gmem_ARCACHE,
  output logic [2:0]          m_axi_gmem_ARPROT,
  output logic [3:0]          m_axi_gmem_ARQOS,
  output logic [3:0]          m_axi_gmem_ARREGION,
  input  logic                m_axi_gmem_RVALID,
  output logic                m_axi_gmem_RREADY,
  input  logic [DATA_W-1:0]   m_axi_gmem_RDATA,
  input  logic                m_axi_gmem_RLAST,
  input  logic [0:0]          m_axi_gmem_RID,
  input  logic [1:0]          m_axi_gmem_RRESP
);

  axi_read_master #(
    .DATA_W         (DATA_W),
    .MAX_OUTSTANDING(MAX_OUTSTANDING)
  ) u_rd (
    .clk_i, .rst_ni,
    .cmd_valid_i(rd_cmd_valid_i), .cmd_ready_o(rd_cmd_ready_o),
    .cmd_addr_i (rd_cmd_addr_i),  .cmd_beats_i(rd_cmd_beats_i),
    .out_valid_o(rd_valid_o), .out_ready_i(rd_ready_i), .out_data_o(rd_data_o),
    .out_last_o (rd_last_o),
    .idle_o(rd_idle_o), .err_o(rd_err_o), .err_clear_i,
    .m_axi_gmem_ARVALID, .m_axi_gmem_ARREADY, .m_axi_gmem_ARADDR, .m_axi_gmem_ARID,
    .m_axi_gmem_ARLEN, .m_axi_gmem_ARSIZE, .m_axi_gmem_ARBURST, .m_axi_gmem_ARLOCK,
    .m_axi_gmem_ARCACHE, .m_axi_gmem_ARPROT, .m_axi_gmem_ARQOS, .m_axi_gmem_ARREGION,
    .m_axi_gmem_RVALID, .m_axi_gmem_RREADY, .m_axi_gmem_RDATA, .m_axi_gmem_RLAST,
    .m_axi_gmem_RID, .m_axi_gmem_RRESP
  );

  axi_write_master #(
    .DATA_W         (DATA_W),
    .MAX_OUTSTANDING(MAX_OUTSTANDING)
  ) u_wr (
    .clk_i, .rst_ni,
    .cmd_valid_i(wr_cmd_valid_i), .cmd_ready_o(wr_cmd_ready_o),
    .cmd_addr_i (wr_cmd_addr_i),  .cmd_beats_i(wr_cmd_beats_i),
    .in_valid_i (wr_valid_i), .in_ready_o(wr_ready_o), .in_data_i(wr_data_i),
    .idle_o(wr_idle_o), .err_o(wr_err_o), .err_clear_i,
    .m_axi_gmem_AWVALID, .m_axi_gmem_AWREADY, .m_axi_gmem_AWADDR, .m_axi_gmem_AWID,
    .m_axi_gmem_AWLEN, .m_axi_gmem_AWSIZE, .m_axi_gmem_AWBURST, .m_axi_gmem_AWLOCK,
    .m_axi_gmem_AWCACHE, .m_axi_gmem_AWPROT, .m_axi_gmem_AWQOS, .m_axi_gmem_AWREGION,
    .m_axi_gmem_WVALID, .m_axi_gmem_WREADY, .m_axi_gmem_WDATA, .m_axi_gmem_WSTRB,
    .m_axi_gmem_WLAST,
    .m_axi_gmem_BVALID, .m_axi_gmem_BREADY, .m_axi_gmem_BID, .m_axi_gmem_BRESP
  );

endmodule : axi_dma_tb
