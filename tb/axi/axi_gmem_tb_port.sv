// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// The benches' m_axi_gmem: an AXI4 master port given as structs (req_i /
// rsp_o, axi_req_t / axi_rsp_t of the package) on the flat Vitis names that
// cocotbext-axi's AxiBus expects (m_axi_gmem_AWVALID, ...), through
// axi_gmem_flat (generated with the package: hls/axi_port.py), the mapping
// the kernel's boundary uses. A bench top
// instantiates it as u_gmem and Python finds the bus there
// (tb.components.axi.protocol.gmem_bus): the flat list is written here once for every
// bench instead of in each top's ports. The names are signals of this module,
// not ports: the outputs of the mapping are read by Python, its inputs are
// driven by Python only (hence undriven in the HDL). Simulation only.
module axi_gmem_tb_port
  import edgemoe_cfg_pkg::*;
(
  input  axi_req_t req_i,
  output axi_rsp_t rsp_o
);

  /* verilator lint_off UNDRIVEN */
  logic                  m_axi_gmem_AWVALID, m_axi_gmem_AWREADY, m_axi_gmem_AWLOCK;
  logic [AXI_ADDR_W-1:0] m_axi_gmem_AWADDR;
  logic [AXI_ID_W-1:0]   m_axi_gmem_AWID;
  logic [AXI_LEN_W-1:0]  m_axi_gmem_AWLEN;
  logic [2:0]            m_axi_gmem_AWSIZE, m_axi_gmem_AWPROT;
  logic [1:0]            m_axi_gmem_AWBURST;
  logic [3:0]            m_axi_gmem_AWCACHE, m_axi_gmem_AWQOS, m_axi_gmem_AWREGION;
  logic                  m_axi_gmem_WVALID, m_axi_gmem_WREADY, m_axi_gmem_WLAST;
  logic [AXI_DATA_W-1:0] m_axi_gmem_WDATA;
  logic [AXI_STRB_W-1:0] m_axi_gmem_WSTRB;
  logic                  m_axi_gmem_BVALID, m_axi_gmem_BREADY;
  logic [AXI_ID_W-1:0]   m_axi_gmem_BID;
  logic [1:0]            m_axi_gmem_BRESP;
  logic                  m_axi_gmem_ARVALID, m_axi_gmem_ARREADY, m_axi_gmem_ARLOCK;
  logic [AXI_ADDR_W-1:0] m_axi_gmem_ARADDR;
  logic [AXI_ID_W-1:0]   m_axi_gmem_ARID;
  logic [AXI_LEN_W-1:0]  m_axi_gmem_ARLEN;
  logic [2:0]            m_axi_gmem_ARSIZE, m_axi_gmem_ARPROT;
  logic [1:0]            m_axi_gmem_ARBURST;
  logic [3:0]            m_axi_gmem_ARCACHE, m_axi_gmem_ARQOS, m_axi_gmem_ARREGION;
  logic                  m_axi_gmem_RVALID, m_axi_gmem_RREADY, m_axi_gmem_RLAST;
  logic [AXI_DATA_W-1:0] m_axi_gmem_RDATA;
  logic [AXI_ID_W-1:0]   m_axi_gmem_RID;
  logic [1:0]            m_axi_gmem_RRESP;
  /* verilator lint_on UNDRIVEN */

  axi_gmem_flat u_flat (.*);

endmodule : axi_gmem_tb_port
