// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// The kernel on the fast memory path: edgemoe_kernel with its m_axi_gmem
// port (gathered into axi_req_t / axi_rsp_t) on axi_dpi_mem (tb/fastmem: an AXI4 slave over a DPI-C buffer that
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

  // Split for Verilator: as one variable each, a request field depending on a
  // response field (through the kernel) and back (in axi_dpi_mem) would look
  // like a combinational loop (UNOPTFLAT) and slow the model down.
  axi_req_t gmem_req /* verilator split_var */;
  axi_rsp_t gmem_rsp /* verilator split_var */;

  // m_axi_gmem: the kernel's flat Vitis names into the structs of axi_dpi_mem.
  edgemoe_kernel u_kernel (
    .ap_clk, .ap_rst_n, .interrupt,
    .s_axi_control_AWVALID, .s_axi_control_AWREADY, .s_axi_control_AWADDR,
    .s_axi_control_WVALID, .s_axi_control_WREADY, .s_axi_control_WDATA,
    .s_axi_control_WSTRB, .s_axi_control_BVALID, .s_axi_control_BREADY,
    .s_axi_control_BRESP, .s_axi_control_ARVALID, .s_axi_control_ARREADY,
    .s_axi_control_ARADDR, .s_axi_control_RVALID, .s_axi_control_RREADY,
    .s_axi_control_RDATA, .s_axi_control_RRESP,
    .m_axi_gmem_AWVALID(gmem_req.aw_valid), .m_axi_gmem_AWREADY(gmem_rsp.aw_ready),
    .m_axi_gmem_AWADDR(gmem_req.aw.addr), .m_axi_gmem_AWID(gmem_req.aw.id),
    .m_axi_gmem_AWLEN(gmem_req.aw.len), .m_axi_gmem_AWSIZE(gmem_req.aw.size),
    .m_axi_gmem_AWBURST(gmem_req.aw.burst), .m_axi_gmem_AWLOCK(gmem_req.aw.lock),
    .m_axi_gmem_AWCACHE(gmem_req.aw.cache), .m_axi_gmem_AWPROT(gmem_req.aw.prot),
    .m_axi_gmem_AWQOS(gmem_req.aw.qos), .m_axi_gmem_AWREGION(gmem_req.aw.region),
    .m_axi_gmem_WVALID(gmem_req.w_valid), .m_axi_gmem_WREADY(gmem_rsp.w_ready),
    .m_axi_gmem_WDATA(gmem_req.w.data), .m_axi_gmem_WSTRB(gmem_req.w.strb),
    .m_axi_gmem_WLAST(gmem_req.w.last), .m_axi_gmem_BVALID(gmem_rsp.b_valid),
    .m_axi_gmem_BREADY(gmem_req.b_ready), .m_axi_gmem_BID(gmem_rsp.b.id),
    .m_axi_gmem_BRESP(gmem_rsp.b.resp),
    .m_axi_gmem_ARVALID(gmem_req.ar_valid), .m_axi_gmem_ARREADY(gmem_rsp.ar_ready),
    .m_axi_gmem_ARADDR(gmem_req.ar.addr), .m_axi_gmem_ARID(gmem_req.ar.id),
    .m_axi_gmem_ARLEN(gmem_req.ar.len), .m_axi_gmem_ARSIZE(gmem_req.ar.size),
    .m_axi_gmem_ARBURST(gmem_req.ar.burst), .m_axi_gmem_ARLOCK(gmem_req.ar.lock),
    .m_axi_gmem_ARCACHE(gmem_req.ar.cache), .m_axi_gmem_ARPROT(gmem_req.ar.prot),
    .m_axi_gmem_ARQOS(gmem_req.ar.qos), .m_axi_gmem_ARREGION(gmem_req.ar.region),
    .m_axi_gmem_RVALID(gmem_rsp.r_valid), .m_axi_gmem_RREADY(gmem_req.r_ready),
    .m_axi_gmem_RDATA(gmem_rsp.r.data), .m_axi_gmem_RLAST(gmem_rsp.r.last),
    .m_axi_gmem_RID(gmem_rsp.r.id), .m_axi_gmem_RRESP(gmem_rsp.r.resp)
  );

  axi_dpi_mem #(
    .PAUSE_PCT(PAUSE_PCT), .SEED(SEED)
  ) u_mem (
    .clk_i(ap_clk), .rst_ni(ap_rst_n), .req_i(gmem_req), .rsp_o(gmem_rsp), .fault_o
  );

  assign irq_o        = interrupt;
  assign stage_done_o = u_kernel.u_seq.stage_done_o;
  assign stage_idx_o  = u_kernel.u_seq.stage_idx_o;
  assign image_idx_o  = u_kernel.u_seq.image_idx_o;

endmodule : kernel_fastmem_tb
