// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// AXI4 read DMA: a command stream of (byte address, length in beats) in, a
// stream of DATA_W-bit beats out, through an AXI4 master port named as Vitis
// HLS names it (m_axi_gmem_*).
//
// Bursts (axi_burst_planner): every command is cut into INCR bursts of
// full-width beats (ARSIZE = log2(DATA_W/8)) of at most 256 beats that never
// cross a 4 KiB boundary: burst = min(beats left, 256, beats left in the
// current page). Up to MAX_OUTSTANDING bursts are in flight (issued on AR,
// RLAST not yet received), across command boundaries; ID 0 only, so data
// returns in order.
//
// Commands: cmd_addr_i must be beat aligned; the low address bits of a
// misaligned command are ignored (the transfer starts at the beat holding
// the address) and error code 1 is raised. A command of 0 beats is accepted
// and does nothing. A new command is accepted once the previous one has
// issued its last burst (cmd_ready_o = no bursts left to issue).
//
// Data: R beats pass straight through (out_valid_o = RVALID, RREADY =
// out_ready_i, no buffering); out_last_o marks the last beat of each command.
//
// Errors: err_o holds the first error since reset / err_clear_i, sticky:
// 0 none, 1 misaligned command address, 2 SLVERR, 3 DECERR (RRESP). An
// error response does not stop anything: every beat of the transfer is still
// delivered (its data is whatever the slave returned) so nothing hangs.
//
// idle_o: no command in progress and no burst in flight.
module axi_read_master
  import edgemoe_cfg_pkg::*;
#(
  parameter int unsigned DATA_W          = AXI_DATA_W,
  parameter int unsigned ADDR_W          = 64,
  parameter int unsigned ID_W            = 1,
  parameter int unsigned LEN_W           = 32,  // width of cmd_beats_i
  parameter int unsigned MAX_OUTSTANDING = 4
) (
  input  logic              clk_i,
  input  logic              rst_ni,

  // Command stream: read cmd_beats_i beats from byte address cmd_addr_i.
  input  logic              cmd_valid_i,
  output logic              cmd_ready_o,
  input  logic [ADDR_W-1:0] cmd_addr_i,
  input  logic [LEN_W-1:0]  cmd_beats_i,

  // Data stream.
  output logic              out_valid_o,
  input  logic              out_ready_i,
  output logic [DATA_W-1:0] out_data_o,
  output logic              out_last_o,

  // Status.
  output logic              idle_o,
  output logic [1:0]        err_o,
  input  logic              err_clear_i,

  // AXI4 master: read address channel.
  output logic              m_axi_gmem_ARVALID,
  input  logic              m_axi_gmem_ARREADY,
  output logic [ADDR_W-1:0] m_axi_gmem_ARADDR,
  output logic [ID_W-1:0]   m_axi_gmem_ARID,
  output logic [7:0]        m_axi_gmem_ARLEN,
  output logic [2:0]        m_axi_gmem_ARSIZE,
  output logic [1:0]        m_axi_gmem_ARBURST,
  output logic              m_axi_gmem_ARLOCK,
  output logic [3:0]        m_axi_gmem_ARCACHE,
  output logic [2:0]        m_axi_gmem_ARPROT,
  output logic [3:0]        m_axi_gmem_ARQOS,
  output logic [3:0]        m_axi_gmem_ARREGION,
  // AXI4 master: read data channel.
  input  logic              m_axi_gmem_RVALID,
  output logic              m_axi_gmem_RREADY,
  input  logic [DATA_W-1:0] m_axi_gmem_RDATA,
  input  logic              m_axi_gmem_RLAST,
  input  logic [ID_W-1:0]   m_axi_gmem_RID,
  input  logic [1:0]        m_axi_gmem_RRESP
);

  //////////////
  // Geometry //
  //////////////

  localparam int unsigned OffW = $clog2(DATA_W / 8);
  localparam int unsigned PtrW = (MAX_OUTSTANDING > 1) ? $clog2(MAX_OUTSTANDING) : 1;

  ///////////////////////
  // Command splitting //
  ///////////////////////

  logic ar_hs, ar_last;
  logic r_hs, r_done;

  assign ar_hs  = m_axi_gmem_ARVALID && m_axi_gmem_ARREADY;
  assign r_hs   = m_axi_gmem_RVALID && m_axi_gmem_RREADY;
  assign r_done = r_hs && m_axi_gmem_RLAST;

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
    .burst_valid_o(m_axi_gmem_ARVALID),
    .burst_ready_i(m_axi_gmem_ARREADY),
    .burst_addr_o (m_axi_gmem_ARADDR),
    .burst_len_o  (m_axi_gmem_ARLEN),
    .burst_last_o (ar_last),
    .done_i       (r_done),
    .resp_valid_i (r_hs),
    .resp_i       (m_axi_gmem_RRESP),
    .idle_o,
    .err_o,
    .err_clear_i
  );

  ///////////////////////////////////////////////////
  // Last-burst-of-command flags, in burst order   //
  ///////////////////////////////////////////////////

  logic [MAX_OUTSTANDING-1:0] last_q;
  logic [PtrW-1:0]            wptr_q, rptr_q;

  function automatic logic [PtrW-1:0] next_ptr(logic [PtrW-1:0] p);
    return (p == PtrW'(MAX_OUTSTANDING - 1)) ? '0 : p + PtrW'(1);
  endfunction

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      last_q <= '0;
      wptr_q <= '0;
      rptr_q <= '0;
    end else begin
      if (ar_hs) begin
        last_q[wptr_q] <= ar_last;
        wptr_q         <= next_ptr(wptr_q);
      end
      if (r_done) begin
        rptr_q <= next_ptr(rptr_q);
      end
    end
  end

  /////////////
  // Outputs //
  /////////////

  assign m_axi_gmem_ARID     = '0;
  assign m_axi_gmem_ARSIZE   = 3'(OffW);
  assign m_axi_gmem_ARBURST  = 2'b01;  // INCR
  assign m_axi_gmem_ARLOCK   = 1'b0;
  assign m_axi_gmem_ARCACHE  = 4'b0011;  // normal, non-cacheable, bufferable (Vitis default)
  assign m_axi_gmem_ARPROT   = 3'b000;
  assign m_axi_gmem_ARQOS    = 4'd0;
  assign m_axi_gmem_ARREGION = 4'd0;

  assign m_axi_gmem_RREADY = out_ready_i;
  assign out_valid_o       = m_axi_gmem_RVALID;
  assign out_data_o        = m_axi_gmem_RDATA;
  assign out_last_o        = m_axi_gmem_RLAST && last_q[rptr_q];

  logic unused_rid;
  assign unused_rid = ^m_axi_gmem_RID;

endmodule : axi_read_master
