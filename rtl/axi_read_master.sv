// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// AXI4 read DMA: a command stream of (byte address, length in beats) in, a
// stream of DATA_W-bit beats out, through an AXI4 master port: axi_req_o /
// axi_rsp_i (axi_req_t / axi_rsp_t of the package, hls/generate.py), of which
// it drives AR and RREADY only (AW, W and BREADY stay 0; rtl/axi_dma.sv joins
// it with the write master on one port).
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
  parameter int unsigned ADDR_W          = AXI_ADDR_W,
  parameter int unsigned LEN_W           = 32,  // width of cmd_beats_i
  parameter int unsigned MAX_OUTSTANDING = 4,
  parameter type         req_t           = axi_req_t,
  parameter type         rsp_t           = axi_rsp_t
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

  // AXI4 master port (AR and R).
  output req_t              axi_req_o,
  input  rsp_t              axi_rsp_i
);

  //////////////
  // Geometry //
  //////////////

  localparam int unsigned OffW = $clog2(DATA_W / 8);
  localparam int unsigned PtrW = (MAX_OUTSTANDING > 1) ? $clog2(MAX_OUTSTANDING) : 1;

  if ($bits(axi_rsp_i.r.data) != DATA_W || $bits(axi_req_o.ar.addr) != ADDR_W) begin : gen_err_axi_t
    $error("axi_read_master: axi_req_t/axi_rsp_t do not carry DATA_W = %0d, ADDR_W = %0d",
           DATA_W, ADDR_W);
  end

  ///////////////////////
  // Command splitting //
  ///////////////////////

  logic              ar_valid, ar_hs, ar_last;
  logic [ADDR_W-1:0] ar_addr;
  logic [7:0]        ar_len;
  logic              r_hs, r_done;

  assign ar_hs  = ar_valid && axi_rsp_i.ar_ready;
  assign r_hs   = axi_rsp_i.r_valid && out_ready_i;
  assign r_done = r_hs && axi_rsp_i.r.last;

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
    .burst_valid_o(ar_valid),
    .burst_ready_i(axi_rsp_i.ar_ready),
    .burst_addr_o (ar_addr),
    .burst_len_o  (ar_len),
    .burst_last_o (ar_last),
    .done_i       (r_done),
    .resp_valid_i (r_hs),
    .resp_i       (axi_rsp_i.r.resp),
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

  always_comb begin
    axi_req_o          = '0;  // AW, W, BREADY: the write master's
    axi_req_o.ar_valid = ar_valid;
    // INCR bursts of full-width beats; cache 4'b0011: normal, non-cacheable,
    // bufferable (the Vitis default); ID, lock, prot, QoS and region 0.
    axi_req_o.ar       = '{addr: ar_addr, len: ar_len, size: 3'(OffW), burst: 2'b01,
                           cache: 4'b0011, default: '0};
    axi_req_o.r_ready  = out_ready_i;
  end

  assign out_valid_o = axi_rsp_i.r_valid;
  assign out_data_o  = axi_rsp_i.r.data;
  assign out_last_o  = axi_rsp_i.r.last && last_q[rptr_q];

  // Unused: the write channels' responses and the R ID (always 0).
  logic unused_rsp;
  assign unused_rsp = ^{axi_rsp_i.aw_ready, axi_rsp_i.w_ready, axi_rsp_i.b_valid, axi_rsp_i.b,
                        axi_rsp_i.r.id};

endmodule : axi_read_master
