// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// AXI4 write DMA: a command stream of (byte address, length in beats) and a
// stream of DATA_W-bit beats in, through an AXI4 master port: axi_req_o /
// axi_rsp_i (axi_req_t / axi_rsp_t of the package, hls/generate.py), of which
// it drives AW, W and BREADY only (AR and RREADY stay 0; rtl/axi_dma.sv joins
// it with the read master on one port).
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
  parameter int unsigned ADDR_W          = AXI_ADDR_W,
  parameter int unsigned LEN_W           = 32,  // width of cmd_beats_i
  parameter int unsigned MAX_OUTSTANDING = 4,
  parameter type         req_t           = axi_req_t,
  parameter type         rsp_t           = axi_rsp_t
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

  // AXI4 master port (AW, W and B).
  output req_t                axi_req_o,
  input  rsp_t                axi_rsp_i
);

  //////////////
  // Geometry //
  //////////////

  localparam int unsigned OffW = $clog2(DATA_W / 8);
  localparam int unsigned OutW = $clog2(MAX_OUTSTANDING + 1);
  localparam int unsigned PtrW = (MAX_OUTSTANDING > 1) ? $clog2(MAX_OUTSTANDING) : 1;

  if ($bits(axi_req_o.w.data) != DATA_W || $bits(axi_req_o.aw.addr) != ADDR_W) begin : gen_err_axi_t
    $error("axi_write_master: axi_req_t/axi_rsp_t do not carry DATA_W = %0d, ADDR_W = %0d",
           DATA_W, ADDR_W);
  end

  ///////////////////////
  // Command splitting //
  ///////////////////////

  logic              aw_valid, aw_hs, w_valid, w_last, w_hs, w_done, b_hs;
  logic [ADDR_W-1:0] aw_addr;
  logic [7:0]        aw_len;
  logic              unused_aw_last;

  assign aw_hs = aw_valid && axi_rsp_i.aw_ready;
  assign b_hs  = axi_rsp_i.b_valid;  // BREADY is always high

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
    .burst_valid_o(aw_valid),
    .burst_ready_i(axi_rsp_i.aw_ready),
    .burst_addr_o (aw_addr),
    .burst_len_o  (aw_len),
    .burst_last_o (unused_aw_last),
    .done_i       (b_hs),
    .resp_valid_i (b_hs),
    .resp_i       (axi_rsp_i.b.resp),
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
  assign w_valid = in_valid_i && w_open;
  assign w_last  = (wbeat_q == wlen_q[rptr_q]);
  assign w_hs    = w_valid && axi_rsp_i.w_ready;
  assign w_done  = w_hs && w_last;

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
      wlen_q[wptr_q] <= aw_len;
    end
  end

  /////////////
  // Outputs //
  /////////////

  always_comb begin
    axi_req_o          = '0;  // AR, RREADY: the read master's
    axi_req_o.aw_valid = aw_valid;
    // INCR bursts of full-width beats; cache 4'b0011: normal, non-cacheable,
    // bufferable (the Vitis default); ID, lock, prot, QoS and region 0.
    axi_req_o.aw       = '{addr: aw_addr, len: aw_len, size: 3'(OffW), burst: 2'b01,
                           cache: 4'b0011, default: '0};
    axi_req_o.w_valid  = w_valid;
    axi_req_o.w        = '{data: in_data_i, strb: '1, last: w_last};
    axi_req_o.b_ready  = 1'b1;
  end

  assign in_ready_o = axi_rsp_i.w_ready && w_open;

  // Unused: the read channels' responses and the B ID (always 0).
  logic unused_rsp;
  assign unused_rsp = ^{axi_rsp_i.ar_ready, axi_rsp_i.r_valid, axi_rsp_i.r, axi_rsp_i.b.id};

endmodule : axi_write_master
