// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// Bench top of the fast memory path (tb/fastmem/): rtl/axi_read_master and
// rtl/axi_write_master on one m_axi_gmem_* port, served by axi_dpi_mem (a
// DPI-C buffer that Python sees as a NumPy array). The read data stream feeds
// the write data stream directly, so a read command of N beats at SRC plus a
// write command of N beats at DST copies memory with no Python per beat.
// Counters (cycles since reset, W beats written) let cocotb and the bare C++
// harness (tb/fastmem/bare_main.cpp) measure speed. Simulation only.
module dma_fastmem_tb
  import edgemoe_cfg_pkg::*;
#(
  parameter int unsigned DATA_W          = AXI_DATA_W,
  parameter int unsigned MAX_OUTSTANDING = 4,
  parameter int unsigned PAUSE_PCT       = 0,
  parameter int unsigned SEED            = 1
) (
  input  logic        clk_i,
  input  logic        rst_ni,

  input  logic        rd_cmd_valid_i,
  output logic        rd_cmd_ready_o,
  input  logic [63:0] rd_cmd_addr_i,
  input  logic [31:0] rd_cmd_beats_i,
  output logic        rd_idle_o,
  output logic [1:0]  rd_err_o,

  input  logic        wr_cmd_valid_i,
  output logic        wr_cmd_ready_o,
  input  logic [63:0] wr_cmd_addr_i,
  input  logic [31:0] wr_cmd_beats_i,
  output logic        wr_idle_o,
  output logic [1:0]  wr_err_o,

  input  logic        err_clear_i,
  output logic [3:0]  fault_o,        // axi_dpi_mem protocol/range faults (sticky)
  output logic [63:0] cycles_o,       // clock cycles since reset
  output logic [63:0] beats_o,        // W beats accepted since reset
  output logic [63:0] rd_bursts_o,    // AR handshakes since reset
  output logic [63:0] wr_bursts_o     // AW handshakes since reset
);

  logic              awvalid, awready, wvalid, wready, wlast, bvalid, bready;
  logic              arvalid, arready, rvalid, rready, rlast;
  logic [63:0]       awaddr, araddr;
  logic [0:0]        awid, bid, arid, rid;
  logic [7:0]        awlen, arlen;
  logic [2:0]        awsize, arsize, awprot, arprot;
  logic [1:0]        awburst, arburst, bresp, rresp;
  logic              awlock, arlock;
  logic [3:0]        awcache, arcache, awqos, arqos, awregion, arregion;
  logic [DATA_W-1:0] wdata, rdata;
  logic [DATA_W/8-1:0] wstrb;

  logic              s_valid, s_ready, s_last;
  logic [DATA_W-1:0] s_data;

  axi_read_master #(
    .DATA_W         (DATA_W),
    .MAX_OUTSTANDING(MAX_OUTSTANDING)
  ) u_rd (
    .clk_i, .rst_ni,
    .cmd_valid_i(rd_cmd_valid_i), .cmd_ready_o(rd_cmd_ready_o),
    .cmd_addr_i (rd_cmd_addr_i),  .cmd_beats_i(rd_cmd_beats_i),
    .out_valid_o(s_valid), .out_ready_i(s_ready), .out_data_o(s_data), .out_last_o(s_last),
    .idle_o(rd_idle_o), .err_o(rd_err_o), .err_clear_i,
    .m_axi_gmem_ARVALID(arvalid), .m_axi_gmem_ARREADY(arready), .m_axi_gmem_ARADDR(araddr),
    .m_axi_gmem_ARID(arid), .m_axi_gmem_ARLEN(arlen), .m_axi_gmem_ARSIZE(arsize),
    .m_axi_gmem_ARBURST(arburst), .m_axi_gmem_ARLOCK(arlock), .m_axi_gmem_ARCACHE(arcache),
    .m_axi_gmem_ARPROT(arprot), .m_axi_gmem_ARQOS(arqos), .m_axi_gmem_ARREGION(arregion),
    .m_axi_gmem_RVALID(rvalid), .m_axi_gmem_RREADY(rready), .m_axi_gmem_RDATA(rdata),
    .m_axi_gmem_RLAST(rlast), .m_axi_gmem_RID(rid), .m_axi_gmem_RRESP(rresp)
  );

  axi_write_master #(
    .DATA_W         (DATA_W),
    .MAX_OUTSTANDING(MAX_OUTSTANDING)
  ) u_wr (
    .clk_i, .rst_ni,
    .cmd_valid_i(wr_cmd_valid_i), .cmd_ready_o(wr_cmd_ready_o),
    .cmd_addr_i (wr_cmd_addr_i),  .cmd_beats_i(wr_cmd_beats_i),
    .in_valid_i (s_valid), .in_ready_o(s_ready), .in_data_i(s_data),
    .idle_o(wr_idle_o), .err_o(wr_err_o), .err_clear_i,
    .m_axi_gmem_AWVALID(awvalid), .m_axi_gmem_AWREADY(awready), .m_axi_gmem_AWADDR(awaddr),
    .m_axi_gmem_AWID(awid), .m_axi_gmem_AWLEN(awlen), .m_axi_gmem_AWSIZE(awsize),
    .m_axi_gmem_AWBURST(awburst), .m_axi_gmem_AWLOCK(awlock), .m_axi_gmem_AWCACHE(awcache),
    .m_axi_gmem_AWPROT(awprot), .m_axi_gmem_AWQOS(awqos), .m_axi_gmem_AWREGION(awregion),
    .m_axi_gmem_WVALID(wvalid), .m_axi_gmem_WREADY(wready), .m_axi_gmem_WDATA(wdata),
    .m_axi_gmem_WSTRB(wstrb), .m_axi_gmem_WLAST(wlast),
    .m_axi_gmem_BVALID(bvalid), .m_axi_gmem_BREADY(bready), .m_axi_gmem_BID(bid),
    .m_axi_gmem_BRESP(bresp)
  );

  axi_dpi_mem #(
    .DATA_W   (DATA_W),
    .ADDR_W   (64),
    .ID_W     (1),
    .PAUSE_PCT(PAUSE_PCT),
    .SEED     (SEED)
  ) u_mem (
    .clk_i, .rst_ni,
    .m_axi_gmem_AWVALID(awvalid), .m_axi_gmem_AWREADY(awready), .m_axi_gmem_AWADDR(awaddr),
    .m_axi_gmem_AWID(awid), .m_axi_gmem_AWLEN(awlen), .m_axi_gmem_AWSIZE(awsize),
    .m_axi_gmem_AWBURST(awburst),
    .m_axi_gmem_WVALID(wvalid), .m_axi_gmem_WREADY(wready), .m_axi_gmem_WDATA(wdata),
    .m_axi_gmem_WSTRB(wstrb), .m_axi_gmem_WLAST(wlast),
    .m_axi_gmem_BVALID(bvalid), .m_axi_gmem_BREADY(bready), .m_axi_gmem_BID(bid),
    .m_axi_gmem_BRESP(bresp),
    .m_axi_gmem_ARVALID(arvalid), .m_axi_gmem_ARREADY(arready), .m_axi_gmem_ARADDR(araddr),
    .m_axi_gmem_ARID(arid), .m_axi_gmem_ARLEN(arlen), .m_axi_gmem_ARSIZE(arsize),
    .m_axi_gmem_ARBURST(arburst),
    .m_axi_gmem_RVALID(rvalid), .m_axi_gmem_RREADY(rready), .m_axi_gmem_RDATA(rdata),
    .m_axi_gmem_RLAST(rlast), .m_axi_gmem_RID(rid), .m_axi_gmem_RRESP(rresp),
    .fault_o
  );

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      cycles_o    <= '0;
      beats_o     <= '0;
      rd_bursts_o <= '0;
      wr_bursts_o <= '0;
    end else begin
      cycles_o <= cycles_o + 64'd1;
      if (wvalid && wready) beats_o <= beats_o + 64'd1;
      if (arvalid && arready) rd_bursts_o <= rd_bursts_o + 64'd1;
      if (awvalid && awready) wr_bursts_o <= wr_bursts_o + 64'd1;
    end
  end

  logic unused;
  assign unused = ^{s_last, awlock, arlock, awcache, arcache, awprot, arprot, awqos, arqos,
                    awregion, arregion};

endmodule : dma_fastmem_tb
