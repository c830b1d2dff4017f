// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// AXI4 write DMA: a command stream of (byte address, length in beats) and a
// stream of DATA_W-bit beats in, through an AXI4 master port named as Vitis
// HLS names it (m_axi_gmem_*).
//
// Bursts (axi_burst_planner): every command is cut into INCR bursts of
// full-width beats (AWSIZE = log2(DATA_W/8), WSTRB all ones) of at most 256
// beats that never cross a 4 KiB boundary: burst = min(beats left, 256,
// beats left in the current page). Up to MAX_OUTSTANDING bursts are in flight (issued on AW,
// BRESP not yet received), across command boundaries; ID 0 only.
//
// W beats of a burst are sent only after its AW handshake (never before the
// address), in burst order; WLAST marks beat AWLEN of each burst. The data
// stream passes straight through (WVALID = in_valid_i while a burst is
// open, in_ready_o = WREADY while a burst is open): the producer supplies
// exactly the commanded number of beats, in command order.
//
// Commands: cmd_addr_i must be beat aligned; the low address bits of a
// misaligned command are ignored and error code 1 is raised. A command of 0
// beats is accepted and does nothing. A new command is accepted once the
// previous one has issued its last burst.
//
// Errors: err_o holds the first error since reset / err_clear_i, sticky:
// 0 none, 1 misaligned command address, 2 SLVERR, 3 DECERR (BRESP). Nothing
// stops on an error: every burst is still completed, so nothing hangs.
//
// idle_o: no command in progress and every burst's write response received.
module axi_write_master
  import edgemoe_cfg_pkg::*;
#(
  parameter int unsigned DATA_W          = AXI_DATA_W,
  parameter int unsigned ADDR_W          = 64,
  parameter int unsigned ID_W            = 1,
  parameter int unsigned LEN_W           = 32,  // width of cmd_beats_i
  parameter int unsigned MAX_OUTSTANDING = 4
) (
  input  logic                clk_i,
  input  logic                rst_ni,

  // Command stream: write cmd_beats_i beats to byte address cmd_addr_i.
  input  logic                cmd_valid_i,
  output logic                cmd_ready_o,
  input  logic [ADDR_W-1:0]   cmd_addr_i,
  input  logic [LEN_W-1:0]    cmd_beats_i,

  // Data stream.
  input  logic                in_valid_i,
  output logic                in_ready_o,
  input  logic [DATA_W-1:0]   in_data_i,

  // Status.
  output logic                idle_o,
  output logic [1:0]          err_o,
  input  logic                err_clear_i,

  // AXI4 master: write address channel.
  output logic                m_axi_gmem_AWVALID,
  input  logic                m_axi_gmem_AWREADY,
  output logic [ADDR_W-1:0]   m_axi_gmem_AWADDR,
  output logic [ID_W-1:0]     m_axi_gmem_AWID,
  output logic [7:0]          m_axi_gmem_AWLEN,
  output logic [2:0]          m_axi_gmem_AWSIZE,
  output logic [1:0]          m_axi_gmem_AWBURST,
  output logic                m_axi_gmem_AWLOCK,
  output logic [3:0]          m_axi_gmem_AWCACHE,
  output logic [2:0]          m_axi_gmem_AWPROT,
  output logic [3:0]          m_axi_gmem_AWQOS,
  output logic [3:0]          m_axi_gmem_AWREGION,
  // AXI4 master: write data channel.
  output logic                m_axi_gmem_WVALID,
  input  logic                m_axi_gmem_WREADY,
  output logic [DATA_W-1:0]   m_axi_gmem_WDATA,
  output logic [DATA_W/8-1:0] m_axi_gmem_WSTRB,
  output logic                m_axi_gmem_WLAST,
  // AXI4 master: write response channel.
  input  logic                m_axi_gmem_BVALID,
  output logic                m_axi_gmem_BREADY,
  input  logic [ID_W-1:0]     m_axi_gmem_BID,
  input  logic [1:0]          m_axi_gmem_BRESP
);

  //////////////
  // Geometry //
  //////////////

  localparam int unsigned OffW = $clog2(DATA_W / 8);
  localparam int unsigned OutW = $clog2(MAX_OUTSTANDING + 1);
  localparam int unsigned PtrW = (MAX_OUTSTANDING > 1) ? $clog2(MAX_OUTSTANDING) : 1;

  ///////////////////////
  // Command splitting //
  ///////////////////////

  logic aw_hs, w_hs, w_done, b_hs;
  logic unused_aw_last;

  assign aw_hs = m_axi_gmem_AWVALID && m_axi_gmem_AWREADY;
  assign b_hs  = m_axi_gmem_BVALID && m_axi_gmem_BREADY;

  axi_burst_planner #(
    .DATA_W         (DATA_W),
    .ADDR_W         (ADDR_W),
    .LEN_W          (LEN_W),
    .MAX_OUTSTANDING(MAX_OUTSTANDING)
  ) u_planner (
    .clk_i,
    .rst_ni,
    .cmd_valid_i,
    .cmd_ready_o,
    .cmd_addr_i,
    .cmd_beats_i,
    .burst_valid_o(m_axi_gmem_AWVALID),
    .burst_ready_i(m_axi_gmem_AWREADY),
    .burst_addr_o (m_axi_gmem_AWADDR),
    .burst_len_o  (m_axi_gmem_AWLEN),
    .burst_last_o (unused_aw_last),
    .done_i       (b_hs),
    .resp_valid_i (b_hs),
    .resp_i       (m_axi_gmem_BRESP),
    .idle_o,
    .err_o,
    .err_clear_i
  );

  //////////////////////////////////////////////////////
  // Burst lengths of the accepted AWs, in burst order //
  //////////////////////////////////////////////////////

  logic [7:0]      wlen_q [MAX_OUTSTANDING];
  logic [PtrW-1:0] wptr_q, rptr_q;
  logic [OutW-1:0] wcount_q;   // accepted AWs whose W beats are not all sent
  logic [7:0]      wbeat_q;    // beats of the head burst already sent
  logic            w_open;     // a burst's W beats may go

  function automatic logic [PtrW-1:0] next_ptr(logic [PtrW-1:0] p);
    return (p == PtrW'(MAX_OUTSTANDING - 1)) ? '0 : p + PtrW'(1);
  endfunction

  assign w_open = (wcount_q != '0);
  assign w_hs   = m_axi_gmem_WVALID && m_axi_gmem_WREADY;
  assign w_done = w_hs && m_axi_gmem_WLAST;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wptr_q   <= '0;
      rptr_q   <= '0;
      wcount_q <= '0;
      wbeat_q  <= '0;
    end else begin
      if (aw_hs) begin
        wptr_q <= next_ptr(wptr_q);
      end
      if (w_done) begin
        rptr_q <= next_ptr(rptr_q);
      end
      if (aw_hs && !w_done) begin
        wcount_q <= wcount_q + OutW'(1);
      end else if (!aw_hs && w_done) begin
        wcount_q <= wcount_q - OutW'(1);
      end
      if (w_done) begin
        wbeat_q <= '0;
      end else if (w_hs) begin
        wbeat_q <= wbeat_q + 8'd1;
      end
    end
  end

  always_ff @(posedge clk_i) begin
    if (aw_hs) begin
      wlen_q[wptr_q] <= m_axi_gmem_AWLEN;
    end
  end

  /////////////
  // Outputs //
  /////////////

  assign m_axi_gmem_AWID     = '0;
  assign m_axi_gmem_AWSIZE   = 3'(OffW);
  assign m_axi_gmem_AWBURST  = 2'b01;  // INCR
  assign m_axi_gmem_AWLOCK   = 1'b0;
  assign m_axi_gmem_AWCACHE  = 4'b0011;  // normal, non-cacheable, bufferable (Vitis default)
  assign m_axi_gmem_AWPROT   = 3'b000;
  assign m_axi_gmem_AWQOS    = 4'd0;
  assign m_axi_gmem_AWREGION = 4'd0;

  assign m_axi_gmem_WVALID = in_valid_i && w_open;
  assign m_axi_gmem_WDATA  = in_data_i;
  assign m_axi_gmem_WSTRB  = '1;
  assign m_axi_gmem_WLAST  = (wbeat_q == wlen_q[rptr_q]);
  assign in_ready_o        = m_axi_gmem_WREADY && w_open;

  assign m_axi_gmem_BREADY = 1'b1;

  logic unused_bid;
  assign unused_bid = ^m_axi_gmem_BID;

endmodule : axi_write_master
