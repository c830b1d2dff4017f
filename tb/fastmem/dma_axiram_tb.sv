// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// The AxiRam reference of the fast memory path (tb/fastmem/): dma_fastmem_tb's
// copy engine (tb/axi/axi_dma_tb, i.e. rtl/axi_read_master and
// rtl/axi_write_master, the read stream looped into the write stream) with
// the m_axi_gmem_* port left open for cocotbext-axi's AxiRam, and the same
// counters. Same RTL and same traffic as dma_fastmem_tb, so the speeds of
// AxiRam, axi_dpi_mem and the bare harness compare directly. Simulation only.
module dma_axiram_tb
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
  output logic                rd_idle_o,
  output logic [1:0]          rd_err_o,

  input  logic                wr_cmd_valid_i,
  output logic                wr_cmd_ready_o,
  input  logic [63:0]         wr_cmd_addr_i,
  input  logic [31:0]         wr_cmd_beats_i,
  output logic                wr_idle_o,
  output logic [1:0]          wr_err_o,

  input  logic                err_clear_i,
  output logic [3:0]          fault_o,        // always 0 (AxiRam checks the protocol)
  output logic [63:0]         cycles_o,       // clock cycles since reset
  output logic [63:0]         beats_o,        // W beats accepted since reset
  output logic [63:0]         rd_bursts_o,    // AR handshakes since reset
  output logic [63:0]         wr_bursts_o,    // AW handshakes since reset

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

  logic              s_valid, s_ready, s_last;
  logic [DATA_W-1:0] s_data;

  axi_dma_tb #(
    .DATA_W         (DATA_W),
    .MAX_OUTSTANDING(MAX_OUTSTANDING)
  ) u_dma (
    .*,
    .rd_valid_o(s_valid), .rd_ready_i(s_ready), .rd_data_o(s_data), .rd_last_o(s_last),
    .wr_valid_i(s_valid), .wr_ready_o(s_ready), .wr_data_i(s_data)
  );

  assign fault_o = '0;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      cycles_o    <= '0;
      beats_o     <= '0;
      rd_bursts_o <= '0;
      wr_bursts_o <= '0;
    end else begin
      cycles_o <= cycles_o + 64'd1;
      if (m_axi_gmem_WVALID && m_axi_gmem_WREADY) beats_o <= beats_o + 64'd1;
      if (m_axi_gmem_ARVALID && m_axi_gmem_ARREADY) rd_bursts_o <= rd_bursts_o + 64'd1;
      if (m_axi_gmem_AWVALID && m_axi_gmem_AWREADY) wr_bursts_o <= wr_bursts_o + 64'd1;
    end
  end

  logic unused;
  assign unused = s_last;

endmodule : dma_axiram_tb
