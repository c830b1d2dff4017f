// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// The kernel's DMA: one engine memory port (mem_req_i / mem_rsp_o,
// engine_mem_req_t / engine_mem_rsp_t of the package) onto one AXI4 master
// port (axi_req_o / axi_rsp_i, axi_req_t / axi_rsp_t), with a read and a write
// direction that share nothing but the port.
//
// Commands (byte address, length in beats; rd_cmd_* and wr_cmd_* of the
// engine port): each direction cuts its commands into INCR bursts of
// full-width beats in its own axi_burst_planner (AR for reads, AW for writes:
// at most 256 beats, never across a 4 KiB boundary, up to MAX_OUTSTANDING
// bursts in flight across command boundaries, ID 0 only, so data returns in
// order). cmd_addr must be beat aligned: the low address bits of a misaligned
// command are ignored (the transfer starts at the beat holding the address)
// and error code 1 is raised. A command of 0 beats is accepted and does
// nothing. A new command is accepted once the previous one of its direction
// has issued its last burst.
//
// Read data: R beats pass straight through (rd_valid = RVALID, RREADY =
// rd_ready, no buffering); rd_last_o marks the last beat of each command.
//
// Write data: W beats of a burst are sent only after its AW handshake (never
// before the address), in burst order; WLAST marks beat AWLEN of each burst.
// The data stream passes straight through while a burst is open (WVALID =
// wr_valid, wr_ready = WREADY, WSTRB all ones): the producer supplies exactly
// the commanded number of beats, in command order. BREADY is always high.
//
// Status, per direction: idle (no command in progress and no burst in flight:
// every RLAST / write response received) and err, the first error since
// reset / err_clear_i, sticky: 0 none, 1 misaligned command address, 2
// SLVERR, 3 DECERR (RRESP / BRESP). Nothing stops on an error: every beat is
// still delivered or sent (read data is whatever the slave returned), so
// nothing hangs.
module axi_dma
  import edgemoe_cfg_pkg::*;
#(
  parameter int unsigned MAX_OUTSTANDING = 4,
  parameter type         mem_req_t       = engine_mem_req_t,
  parameter type         mem_rsp_t       = engine_mem_rsp_t,
  parameter type         req_t           = axi_req_t,
  parameter type         rsp_t           = axi_rsp_t
) (
  input  logic       clk_i,
  input  logic       rst_ni,

  // Engine memory port.
  input  mem_req_t   mem_req_i,
  output mem_rsp_t   mem_rsp_o,

  // Status.
  output logic       rd_last_o,
  output logic       rd_idle_o,
  output logic [1:0] rd_err_o,
  output logic       wr_idle_o,
  output logic [1:0] wr_err_o,
  input  logic       err_clear_i,

  // AXI4 master port.
  output req_t       axi_req_o,
  input  rsp_t       axi_rsp_i
);

  localparam int unsigned LenW = $bits(mem_req_i.rd_cmd_beats);

  if ($bits(axi_rsp_i.r.data) != AXI_DATA_W || $bits(axi_req_o.w.data) != AXI_DATA_W ||
      $bits(mem_req_i.rd_cmd_addr) != AXI_ADDR_W) begin : gen_err_axi_t
    $error("axi_dma: the port types do not carry AXI_DATA_W = %0d, AXI_ADDR_W = %0d",
           AXI_DATA_W, AXI_ADDR_W);
  end

  //////////
  // Read //
  //////////

  axi_ar_chan_t ar;
  logic         ar_valid, r_hs, r_done;
  logic         rd_last;  // the oldest burst is the last of its command
  logic         rd_unused_data_valid;
  logic [7:0]   rd_unused_data_len;

  assign r_hs   = axi_rsp_i.r_valid && mem_req_i.rd_ready;
  assign r_done = r_hs && axi_rsp_i.r.last;

  axi_burst_planner #(
    .LEN_W          (LenW),
    .MAX_OUTSTANDING(MAX_OUTSTANDING),
    .chan_t         (axi_ar_chan_t)
  ) u_rd_planner (
    .clk_i,
    .rst_ni,
    .cmd_valid_i  (mem_req_i.rd_cmd_valid),
    .cmd_ready_o  (mem_rsp_o.rd_cmd_ready),
    .cmd_addr_i   (mem_req_i.rd_cmd_addr),
    .cmd_beats_i  (mem_req_i.rd_cmd_beats),
    .burst_valid_o(ar_valid),
    .burst_ready_i(axi_rsp_i.ar_ready),
    .burst_o      (ar),
    .data_valid_o (rd_unused_data_valid),
    .data_len_o   (rd_unused_data_len),
    .data_last_o  (rd_last),
    .data_done_i  (r_done),
    .done_i       (r_done),
    .resp_valid_i (r_hs),
    .resp_i       (axi_rsp_i.r.resp),
    .idle_o       (rd_idle_o),
    .err_o        (rd_err_o),
    .err_clear_i
  );

  assign mem_rsp_o.rd_valid = axi_rsp_i.r_valid;
  assign mem_rsp_o.rd_data  = axi_rsp_i.r.data;
  assign rd_last_o          = axi_rsp_i.r.last && rd_last;

  ///////////
  // Write //
  ///////////

  axi_aw_chan_t aw;
  logic         aw_valid;
  logic         w_open;    // a burst's W beats may go (its AW was taken)
  logic [7:0]   w_len;     // AWLEN of that burst
  logic [7:0]   wbeat_q;   // its beats already sent
  logic         w_valid, w_last, w_hs, w_done, b_hs, wr_unused_last;

  assign w_valid = mem_req_i.wr_valid && w_open;
  assign w_last  = (wbeat_q == w_len);
  assign w_hs    = w_valid && axi_rsp_i.w_ready;
  assign w_done  = w_hs && w_last;
  assign b_hs    = axi_rsp_i.b_valid;  // BREADY is always high

  axi_burst_planner #(
    .LEN_W          (LenW),
    .MAX_OUTSTANDING(MAX_OUTSTANDING),
    .chan_t         (axi_aw_chan_t)
  ) u_wr_planner (
    .clk_i,
    .rst_ni,
    .cmd_valid_i  (mem_req_i.wr_cmd_valid),
    .cmd_ready_o  (mem_rsp_o.wr_cmd_ready),
    .cmd_addr_i   (mem_req_i.wr_cmd_addr),
    .cmd_beats_i  (mem_req_i.wr_cmd_beats),
    .burst_valid_o(aw_valid),
    .burst_ready_i(axi_rsp_i.aw_ready),
    .burst_o      (aw),
    .data_valid_o (w_open),
    .data_len_o   (w_len),
    .data_last_o  (wr_unused_last),
    .data_done_i  (w_done),
    .done_i       (b_hs),
    .resp_valid_i (b_hs),
    .resp_i       (axi_rsp_i.b.resp),
    .idle_o       (wr_idle_o),
    .err_o        (wr_err_o),
    .err_clear_i
  );

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wbeat_q <= '0;
    end else if (w_done) begin
      wbeat_q <= '0;
    end else if (w_hs) begin
      wbeat_q <= wbeat_q + 8'd1;
    end
  end

  assign mem_rsp_o.wr_ready = axi_rsp_i.w_ready && w_open;

  //////////////
  // The port //
  //////////////

  // The request of each direction (the read one drives AR and RREADY, the
  // write one AW, W and BREADY), joined on the one port.
  req_t rd_req, wr_req;

  always_comb begin
    rd_req          = '0;
    rd_req.ar_valid = ar_valid;
    rd_req.ar       = ar;
    rd_req.r_ready  = mem_req_i.rd_ready;
  end

  always_comb begin
    wr_req          = '0;
    wr_req.aw_valid = aw_valid;
    wr_req.aw       = aw;
    wr_req.w_valid  = w_valid;
    wr_req.w        = '{data: mem_req_i.wr_data, strb: '1, last: w_last};
    wr_req.b_ready  = 1'b1;
  end

  always_comb begin
    axi_req_o          = wr_req;
    axi_req_o.ar       = rd_req.ar;
    axi_req_o.ar_valid = rd_req.ar_valid;
    axi_req_o.r_ready  = rd_req.r_ready;
  end

  // Unused: what each planner reports that its data channel does not need, and
  // the response IDs (always 0).
  logic unused;
  assign unused = ^{rd_unused_data_valid, rd_unused_data_len, wr_unused_last, axi_rsp_i.r.id,
                    axi_rsp_i.b.id, rd_req.aw, rd_req.aw_valid, rd_req.w, rd_req.w_valid,
                    rd_req.b_ready, wr_req.ar, wr_req.ar_valid, wr_req.r_ready};

endmodule : axi_dma
