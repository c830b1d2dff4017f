// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// AXI4 read DMA: a command stream of (byte address, length in beats) in, a
// stream of DATA_W-bit beats out, through an AXI4 master port named as Vitis
// HLS names it (m_axi_gmem_*).
//
// Bursts: every command is cut into INCR bursts of full-width beats
// (ARSIZE = log2(DATA_W/8)) of at most 256 beats that never cross a 4 KiB
// boundary: burst = min(beats left, 256, beats left in the current page).
// Up to MAX_OUTSTANDING bursts are in flight (issued on AR, RLAST not yet
// received), across command boundaries; ID 0 only, so data returns in order.
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

  localparam int unsigned BeatBytes     = DATA_W / 8;
  localparam int unsigned OffW          = $clog2(BeatBytes);
  localparam int unsigned PageBeats     = 4096 / BeatBytes;  // beats per 4 KiB page
  localparam int unsigned MaxBurstBeats = 256;               // AXI4 INCR limit
  localparam int unsigned CntW          = 13;                // holds 0..4096 beats
  localparam int unsigned OutW          = $clog2(MAX_OUTSTANDING + 1);
  localparam int unsigned PtrW          = (MAX_OUTSTANDING > 1) ? $clog2(MAX_OUTSTANDING) : 1;

  if (DATA_W < 32 || DATA_W > 1024 || (DATA_W & (DATA_W - 1)) != 0) begin : gen_err_data_w
    $error("axi_read_master: DATA_W must be a power of two in 32..1024");
  end
  if (LEN_W < 9 || LEN_W > ADDR_W) begin : gen_err_len_w
    $error("axi_read_master: LEN_W must be in 9..ADDR_W");
  end
  if (MAX_OUTSTANDING < 1) begin : gen_err_outstanding
    $error("axi_read_master: MAX_OUTSTANDING must be at least 1");
  end

  ///////////////////////
  // Command splitting //
  ///////////////////////

  logic [ADDR_W-1:0] addr_q;    // byte address of the next burst (beat aligned)
  logic [LEN_W-1:0]  left_q;    // beats of the command not yet issued
  logic [OutW-1:0]   outst_q;   // bursts issued whose RLAST has not come back
  logic              ar_valid_q;
  logic [ADDR_W-1:0] ar_addr_q;
  logic [7:0]        ar_len_q;

  logic [CntW-1:0]   page_left;  // beats from addr_q to the end of its 4 KiB page
  logic [CntW-1:0]   left_sat;   // min(left_q, MaxBurstBeats)
  logic [CntW-1:0]   burst;      // beats of the next burst
  logic              issue;      // load the next burst into the AR register
  logic              cmd_take;
  logic              r_hs, r_done;

  assign page_left = CntW'(PageBeats) - CntW'(addr_q[11:OffW]);
  assign left_sat  = (left_q >= LEN_W'(MaxBurstBeats)) ? CntW'(MaxBurstBeats) : CntW'(left_q);
  assign burst     = (left_sat < page_left) ? left_sat : page_left;

  assign issue = (left_q != '0) && (outst_q < OutW'(MAX_OUTSTANDING)) &&
                 (!ar_valid_q || m_axi_gmem_ARREADY);

  assign cmd_ready_o = (left_q == '0);
  assign cmd_take    = cmd_valid_i && cmd_ready_o;

  assign r_hs   = m_axi_gmem_RVALID && m_axi_gmem_RREADY;
  assign r_done = r_hs && m_axi_gmem_RLAST;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      addr_q <= '0;
      left_q <= '0;
    end else if (cmd_take) begin
      addr_q <= {cmd_addr_i[ADDR_W-1:OffW], {OffW{1'b0}}};
      left_q <= cmd_beats_i;
    end else if (issue) begin
      addr_q <= addr_q + (ADDR_W'(burst) << OffW);
      left_q <= left_q - LEN_W'(burst);
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      ar_valid_q <= 1'b0;
      ar_addr_q  <= '0;
      ar_len_q   <= '0;
    end else if (issue) begin
      ar_valid_q <= 1'b1;
      ar_addr_q  <= addr_q;
      ar_len_q   <= 8'(burst - CntW'(1));
    end else if (m_axi_gmem_ARREADY) begin
      ar_valid_q <= 1'b0;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      outst_q <= '0;
    end else if (issue && !r_done) begin
      outst_q <= outst_q + OutW'(1);
    end else if (!issue && r_done) begin
      outst_q <= outst_q - OutW'(1);
    end
  end

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
      if (issue) begin
        last_q[wptr_q] <= (left_q == LEN_W'(burst));
        wptr_q         <= next_ptr(wptr_q);
      end
      if (r_done) begin
        rptr_q <= next_ptr(rptr_q);
      end
    end
  end

  ////////////
  // Errors //
  ////////////

  logic [1:0] err_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      err_q <= 2'd0;
    end else if (err_clear_i) begin
      err_q <= 2'd0;
    end else if (err_q == 2'd0) begin
      if (r_hs && m_axi_gmem_RRESP[1]) begin
        err_q <= m_axi_gmem_RRESP;
      end else if (cmd_take && cmd_beats_i != '0 && cmd_addr_i[OffW-1:0] != '0) begin
        err_q <= 2'd1;
      end
    end
  end

  /////////////
  // Outputs //
  /////////////

  assign m_axi_gmem_ARVALID  = ar_valid_q;
  assign m_axi_gmem_ARADDR   = ar_addr_q;
  assign m_axi_gmem_ARID     = '0;
  assign m_axi_gmem_ARLEN    = ar_len_q;
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

  assign idle_o = (left_q == '0) && (outst_q == '0);
  assign err_o  = err_q;

  logic unused_rid;
  assign unused_rid = ^m_axi_gmem_RID;

endmodule : axi_read_master
