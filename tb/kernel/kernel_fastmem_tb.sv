// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// The kernel on the fast memory path: edgemoe_kernel with its m_axi_gmem
// port on axi_dpi_mem (tb/fastmem: an AXI4 slave over a DPI-C buffer that
// Python sees as a NumPy array). The control slave, the clock, the reset and
// the interrupt stay top-level ports (cocotbext-axi's AxiLiteMaster, or the
// bare C++ harness tb/kernel/bare_kernel.cpp, drives them); the sequencer's
// stage-done hook is brought out as ports, so a build that makes only the
// ports public still lets the stage monitor watch every stage.
// Simulation only (DPI-C): never part of rtl/.
module kernel_fastmem_tb
  import edgemoe_cfg_pkg::*;
#(
  parameter int unsigned PAUSE_PCT = 0,
  parameter int unsigned SEED      = 1
) (
  input  logic                   ap_clk,
  input  logic                   ap_rst_n,
  output logic                   interrupt,
  input  logic                   s_axi_control_AWVALID,
  output logic                   s_axi_control_AWREADY,
  input  logic [CTRL_ADDR_W-1:0] s_axi_control_AWADDR,
  input  logic                   s_axi_control_WVALID,
  output logic                   s_axi_control_WREADY,
  input  logic [31:0]            s_axi_control_WDATA,
  input  logic [3:0]             s_axi_control_WSTRB,
  output logic                   s_axi_control_BVALID,
  input  logic                   s_axi_control_BREADY,
  output logic [1:0]             s_axi_control_BRESP,
  input  logic                   s_axi_control_ARVALID,
  output logic                   s_axi_control_ARREADY,
  input  logic [CTRL_ADDR_W-1:0] s_axi_control_ARADDR,
  output logic                   s_axi_control_RVALID,
  input  logic                   s_axi_control_RREADY,
  output logic [31:0]            s_axi_control_RDATA,
  output logic [1:0]             s_axi_control_RRESP,
  // monitor hooks (u_kernel.u_seq)
  output logic                   stage_done_o,
  output logic [31:0]            stage_idx_o,
  output logic [31:0]            image_idx_o,
  output logic [3:0]             fault_o,
  output logic                   irq_o  // = interrupt (C++ renames a port called interrupt)
);

  localparam int unsigned DataW = AXI_DATA_W;

  logic             awvalid, awready, wvalid, wready, wlast, bvalid, bready;
  logic             arvalid, arready, rvalid, rready, rlast;
  logic [63:0]      awaddr, araddr;
  logic [0:0]       awid, arid, bid, rid;
  logic [7:0]       awlen, arlen;
  logic [2:0]       awsize, arsize, awprot, arprot;
  logic [1:0]       awburst, arburst, bresp, rresp;
  logic [3:0]       awcache, arcache, awqos, arqos, awregion, arregion;
  logic             awlock, arlock;
  logic [DataW-1:0] wdata, rdata;
  logic [DataW/8-1:0] wstrb;

  edgemoe_kernel u_kernel (
    .ap_clk, .ap_rst_n, .interrupt,
    .s_axi_control_AWVALID, .s_axi_control_AWREADY, .s_axi_control_AWADDR,
    .s_axi_control_WVALID, .s_axi_control_WREADY, .s_axi_control_WDATA,
    .s_axi_control_WSTRB, .s_axi_control_BVALID, .s_axi_control_BREADY,
    .s_axi_control_BRESP, .s_axi_control_ARVALID, .s_axi_control_ARREADY,
    .s_axi_control_ARADDR, .s_axi_control_RVALID, .s_axi_control_RREADY,
    .s_axi_control_RDATA, .s_axi_control_RRESP,
    .m_axi_gmem_ARVALID(arvalid), .m_axi_gmem_ARREADY(arready), .m_axi_gmem_ARADDR(araddr),
    .m_axi_gmem_ARID(arid), .m_axi_gmem_ARLEN(arlen), .m_axi_gmem_ARSIZE(arsize),
    .m_axi_gmem_ARBURST(arburst), .m_axi_gmem_ARLOCK(arlock), .m_axi_gmem_ARCACHE(arcache),
    .m_axi_gmem_ARPROT(arprot), .m_axi_gmem_ARQOS(arqos), .m_axi_gmem_ARREGION(arregion),
    .m_axi_gmem_RVALID(rvalid), .m_axi_gmem_RREADY(rready), .m_axi_gmem_RDATA(rdata),
    .m_axi_gmem_RLAST(rlast), .m_axi_gmem_RID(rid), .m_axi_gmem_RRESP(rresp),
    .m_axi_gmem_AWVALID(awvalid), .m_axi_gmem_AWREADY(awready), .m_axi_gmem_AWADDR(awaddr),
    .m_axi_gmem_AWID(awid), .m_axi_gmem_AWLEN(awlen), .m_axi_gmem_AWSIZE(awsize),
    .m_axi_gmem_AWBURST(awburst), .m_axi_gmem_AWLOCK(awlock), .m_axi_gmem_AWCACHE(awcache),
    .m_axi_gmem_AWPROT(awprot), .m_axi_gmem_AWQOS(awqos), .m_axi_gmem_AWREGION(awregion),
    .m_axi_gmem_WVALID(wvalid), .m_axi_gmem_WREADY(wready), .m_axi_gmem_WDATA(wdata),
    .m_axi_gmem_WSTRB(wstrb), .m_axi_gmem_WLAST(wlast), .m_axi_gmem_BVALID(bvalid),
    .m_axi_gmem_BREADY(bready), .m_axi_gmem_BID(bid), .m_axi_gmem_BRESP(bresp)
  );

  axi_dpi_mem #(
    .DATA_W(DataW), .ADDR_W(64), .ID_W(1), .PAUSE_PCT(PAUSE_PCT), .SEED(SEED)
  ) u_mem (
    .clk_i(ap_clk), .rst_ni(ap_rst_n),
    .m_axi_gmem_AWVALID(awvalid), .m_axi_gmem_AWREADY(awready), .m_axi_gmem_AWADDR(awaddr),
    .m_axi_gmem_AWID(awid), .m_axi_gmem_AWLEN(awlen), .m_axi_gmem_AWSIZE(awsize),
    .m_axi_gmem_AWBURST(awburst), .m_axi_gmem_WVALID(wvalid), .m_axi_gmem_WREADY(wready),
    .m_axi_gmem_WDATA(wdata), .m_axi_gmem_WSTRB(wstrb), .m_axi_gmem_WLAST(wlast),
    .m_axi_gmem_BVALID(bvalid), .m_axi_gmem_BREADY(bready), .m_axi_gmem_BID(bid),
    .m_axi_gmem_BRESP(bresp), .m_axi_gmem_ARVALID(arvalid), .m_axi_gmem_ARREADY(arready),
    .m_axi_gmem_ARADDR(araddr), .m_axi_gmem_ARID(arid), .m_axi_gmem_ARLEN(arlen),
    .m_axi_gmem_ARSIZE(arsize), .m_axi_gmem_ARBURST(arburst), .m_axi_gmem_RVALID(rvalid),
    .m_axi_gmem_RREADY(rready), .m_axi_gmem_RDATA(rdata), .m_axi_gmem_RLAST(rlast),
    .m_axi_gmem_RID(rid), .m_axi_gmem_RRESP(rresp),
    .fault_o
  );

  assign irq_o        = interrupt;
  assign stage_done_o = u_kernel.u_seq.stage_done_o;
  assign stage_idx_o  = u_kernel.u_seq.stage_idx_o;
  assign image_idx_o  = u_kernel.u_seq.image_idx_o;

  logic unused;
  assign unused = ^{awlock, awcache, awprot, awqos, awregion, arlock, arcache, arprot, arqos,
                    arregion};

endmodule : kernel_fastmem_tb
