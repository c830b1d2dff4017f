// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// The AXI4 master port m_axi_gmem as Vitis HLS names it: the request bundle
// (req_i, axi_req_t of the package) out on the flat m_axi_gmem_* outputs, the
// flat inputs gathered into the response bundle (rsp_o, axi_rsp_t). The one
// place where the structs meet the flat names: edgemoe_kernel's boundary, and
// the benches' adapter (tb/axi/axi_gmem_tb_port.sv) whose flat names
// cocotbext-axi's AxiBus drives. Wiring only.
module axi_gmem_flat
  import edgemoe_cfg_pkg::*;
#(
  parameter type req_t = axi_req_t,
  parameter type rsp_t = axi_rsp_t
) (
  input  req_t                  req_i,
  output rsp_t                  rsp_o,

  // Write address channel.
  output logic                  m_axi_gmem_AWVALID,
  input  logic                  m_axi_gmem_AWREADY,
  output logic [AXI_ADDR_W-1:0] m_axi_gmem_AWADDR,
  output logic [AXI_ID_W-1:0]   m_axi_gmem_AWID,
  output logic [AXI_LEN_W-1:0]  m_axi_gmem_AWLEN,
  output logic [2:0]            m_axi_gmem_AWSIZE,
  output logic [1:0]            m_axi_gmem_AWBURST,
  output logic                  m_axi_gmem_AWLOCK,
  output logic [3:0]            m_axi_gmem_AWCACHE,
  output logic [2:0]            m_axi_gmem_AWPROT,
  output logic [3:0]            m_axi_gmem_AWQOS,
  output logic [3:0]            m_axi_gmem_AWREGION,
  // Write data channel.
  output logic                  m_axi_gmem_WVALID,
  input  logic                  m_axi_gmem_WREADY,
  output logic [AXI_DATA_W-1:0] m_axi_gmem_WDATA,
  output logic [AXI_STRB_W-1:0] m_axi_gmem_WSTRB,
  output logic                  m_axi_gmem_WLAST,
  // Write response channel.
  input  logic                  m_axi_gmem_BVALID,
  output logic                  m_axi_gmem_BREADY,
  input  logic [AXI_ID_W-1:0]   m_axi_gmem_BID,
  input  logic [1:0]            m_axi_gmem_BRESP,
  // Read address channel.
  output logic                  m_axi_gmem_ARVALID,
  input  logic                  m_axi_gmem_ARREADY,
  output logic [AXI_ADDR_W-1:0] m_axi_gmem_ARADDR,
  output logic [AXI_ID_W-1:0]   m_axi_gmem_ARID,
  output logic [AXI_LEN_W-1:0]  m_axi_gmem_ARLEN,
  output logic [2:0]            m_axi_gmem_ARSIZE,
  output logic [1:0]            m_axi_gmem_ARBURST,
  output logic                  m_axi_gmem_ARLOCK,
  output logic [3:0]            m_axi_gmem_ARCACHE,
  output logic [2:0]            m_axi_gmem_ARPROT,
  output logic [3:0]            m_axi_gmem_ARQOS,
  output logic [3:0]            m_axi_gmem_ARREGION,
  // Read data channel.
  input  logic                  m_axi_gmem_RVALID,
  output logic                  m_axi_gmem_RREADY,
  input  logic [AXI_DATA_W-1:0] m_axi_gmem_RDATA,
  input  logic                  m_axi_gmem_RLAST,
  input  logic [AXI_ID_W-1:0]   m_axi_gmem_RID,
  input  logic [1:0]            m_axi_gmem_RRESP
);

  // Request: every field out, in the order of axi_aw_chan_t .. axi_ar_chan_t.
  assign m_axi_gmem_AWVALID  = req_i.aw_valid;
  assign m_axi_gmem_AWADDR   = req_i.aw.addr;
  assign m_axi_gmem_AWID     = req_i.aw.id;
  assign m_axi_gmem_AWLEN    = req_i.aw.len;
  assign m_axi_gmem_AWSIZE   = req_i.aw.size;
  assign m_axi_gmem_AWBURST  = req_i.aw.burst;
  assign m_axi_gmem_AWLOCK   = req_i.aw.lock;
  assign m_axi_gmem_AWCACHE  = req_i.aw.cache;
  assign m_axi_gmem_AWPROT   = req_i.aw.prot;
  assign m_axi_gmem_AWQOS    = req_i.aw.qos;
  assign m_axi_gmem_AWREGION = req_i.aw.region;
  assign m_axi_gmem_WVALID   = req_i.w_valid;
  assign m_axi_gmem_WDATA    = req_i.w.data;
  assign m_axi_gmem_WSTRB    = req_i.w.strb;
  assign m_axi_gmem_WLAST    = req_i.w.last;
  assign m_axi_gmem_BREADY   = req_i.b_ready;
  assign m_axi_gmem_ARVALID  = req_i.ar_valid;
  assign m_axi_gmem_ARADDR   = req_i.ar.addr;
  assign m_axi_gmem_ARID     = req_i.ar.id;
  assign m_axi_gmem_ARLEN    = req_i.ar.len;
  assign m_axi_gmem_ARSIZE   = req_i.ar.size;
  assign m_axi_gmem_ARBURST  = req_i.ar.burst;
  assign m_axi_gmem_ARLOCK   = req_i.ar.lock;
  assign m_axi_gmem_ARCACHE  = req_i.ar.cache;
  assign m_axi_gmem_ARPROT   = req_i.ar.prot;
  assign m_axi_gmem_ARQOS    = req_i.ar.qos;
  assign m_axi_gmem_ARREGION = req_i.ar.region;
  assign m_axi_gmem_RREADY   = req_i.r_ready;

  // Response: the readies, B and R.
  assign rsp_o = '{
    aw_ready: m_axi_gmem_AWREADY,
    ar_ready: m_axi_gmem_ARREADY,
    w_ready:  m_axi_gmem_WREADY,
    b_valid:  m_axi_gmem_BVALID,
    b:        '{id: m_axi_gmem_BID, resp: m_axi_gmem_BRESP},
    r_valid:  m_axi_gmem_RVALID,
    r:        '{id: m_axi_gmem_RID, data: m_axi_gmem_RDATA, resp: m_axi_gmem_RRESP,
                last: m_axi_gmem_RLAST}
  };

endmodule : axi_gmem_flat
