// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// AXI4 burst planner, one per direction of axi_dma (AR for reads, AW for
// writes): takes a command (byte address, length in beats) and emits the INCR
// bursts it is cut into, one per handshake on the burst port, which drives an
// AXI4 address channel (chan_t: axi_ar_chan_t or axi_aw_chan_t) directly:
// burst_valid_o is a register, loaded again in the cycle burst_ready_i takes
// it, so back-to-back bursts go out every cycle.
//
// Bursts: full-width beats (DATA_W/8 bytes each, AxSIZE = log2(DATA_W/8)) of
// at most 256 beats that never cross a 4 KiB boundary: burst = min(beats
// left, 256, beats left in the current page). Up to MAX_OUTSTANDING bursts
// are in flight (loaded into the burst register, done_i not yet pulsed for
// them), across command boundaries; done_i pulses once per burst, in burst
// order, when the burst completes (RLAST / BRESP). ID 0 only.
//
// Data order: the bursts taken on the burst port wait in a FIFO, oldest
// first, until data_done_i (the last data beat of the oldest: RLAST, WLAST);
// data_len_o and data_last_o give the oldest one's AxLEN and whether it is
// the last burst of its command, so the data channel needs no count of its own.
//
// Commands: cmd_addr_i must be beat aligned; its low address bits are
// ignored (the transfer starts at the beat holding the address) and error
// code 1 is raised. A command of 0 beats is accepted and does nothing. A new
// command is accepted once the previous one has issued its last burst
// (cmd_ready_o = no bursts left to issue).
//
// Errors: err_o holds the first error since reset / err_clear_i, sticky:
// 0 none, 1 misaligned command address, otherwise the first SLVERR (2) or
// DECERR (3) seen on resp_i while resp_valid_i is high.
//
// idle_o: no command in progress and no burst in flight.
module axi_burst_planner
  import edgemoe_cfg_pkg::*;
#(
  parameter int unsigned DATA_W          = AXI_DATA_W,
  parameter int unsigned ADDR_W          = AXI_ADDR_W,
  parameter int unsigned LEN_W           = 32,  // width of cmd_beats_i
  parameter int unsigned MAX_OUTSTANDING = 4,
  parameter type         chan_t          = axi_ar_chan_t
) (
  input  logic              clk_i,
  input  logic              rst_ni,

  // Command stream: cmd_beats_i beats from byte address cmd_addr_i.
  input  logic              cmd_valid_i,
  output logic              cmd_ready_o,
  input  logic [ADDR_W-1:0] cmd_addr_i,
  input  logic [LEN_W-1:0]  cmd_beats_i,

  // Burst stream (an AXI4 AR or AW channel).
  output logic              burst_valid_o,
  input  logic              burst_ready_i,
  output chan_t             burst_o,

  // The oldest burst taken whose data is not complete.
  output logic              data_valid_o,
  output logic [7:0]        data_len_o,    // its AxLEN: beats - 1
  output logic              data_last_o,   // the last burst of its command
  input  logic              data_done_i,   // its last data beat

  // Completion of the oldest burst in flight, and responses to check.
  input  logic              done_i,
  input  logic              resp_valid_i,
  input  logic [1:0]        resp_i,

  // Status.
  output logic              idle_o,
  output logic [1:0]        err_o,
  input  logic              err_clear_i
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

  if (DATA_W < 32 || DATA_W > 1024 || (DATA_W & (DATA_W - 1)) != 0) begin : gen_err_data_w
    $error("axi_burst_planner: DATA_W must be a power of two in 32..1024");
  end
  if (LEN_W < 9 || LEN_W > ADDR_W) begin : gen_err_len_w
    $error("axi_burst_planner: LEN_W must be in 9..ADDR_W");
  end
  if (MAX_OUTSTANDING < 1) begin : gen_err_outstanding
    $error("axi_burst_planner: MAX_OUTSTANDING must be at least 1");
  end
  if ($bits(burst_o.addr) != ADDR_W) begin : gen_err_chan_t
    $error("axi_burst_planner: chan_t does not carry ADDR_W = %0d address bits", ADDR_W);
  end

  ///////////////////////
  // Command splitting //
  ///////////////////////

  logic [ADDR_W-1:0] addr_q;    // byte address of the next burst (beat aligned)
  logic [LEN_W-1:0]  left_q;    // beats of the command not yet issued
  logic [OutW-1:0]   outst_q;   // bursts issued whose done_i has not come
  logic              valid_q;
  logic [ADDR_W-1:0] burst_addr_q;
  logic [7:0]        burst_len_q;
  logic              burst_last_q;

  logic [CntW-1:0]   page_left;  // beats from addr_q to the end of its 4 KiB page
  logic [CntW-1:0]   left_sat;   // min(left_q, MaxBurstBeats)
  logic [CntW-1:0]   burst;      // beats of the next burst
  logic              issue;      // load the next burst into the burst register
  logic              cmd_take;

  assign page_left = CntW'(PageBeats) - CntW'(addr_q[11:OffW]);
  assign left_sat  = (left_q >= LEN_W'(MaxBurstBeats)) ? CntW'(MaxBurstBeats) : CntW'(left_q);
  assign burst     = (left_sat < page_left) ? left_sat : page_left;

  assign issue = (left_q != '0) && (outst_q < OutW'(MAX_OUTSTANDING)) &&
                 (!valid_q || burst_ready_i);

  assign cmd_ready_o = (left_q == '0);
  assign cmd_take    = cmd_valid_i && cmd_ready_o;

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
      valid_q      <= 1'b0;
      burst_addr_q <= '0;
      burst_len_q  <= '0;
      burst_last_q <= 1'b0;
    end else if (issue) begin
      valid_q      <= 1'b1;
      burst_addr_q <= addr_q;
      burst_len_q  <= 8'(burst - CntW'(1));
      burst_last_q <= (left_q == LEN_W'(burst));
    end else if (burst_ready_i) begin
      valid_q <= 1'b0;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      outst_q <= '0;
    end else if (issue && !done_i) begin
      outst_q <= outst_q + OutW'(1);
    end else if (!issue && done_i) begin
      outst_q <= outst_q - OutW'(1);
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
      if (resp_valid_i && resp_i[1]) begin
        err_q <= resp_i;
      end else if (cmd_take && cmd_beats_i != '0 && cmd_addr_i[OffW-1:0] != '0) begin
        err_q <= 2'd1;
      end
    end
  end

  ////////////////////////////////////////
  // Bursts taken, in order, until data //
  ////////////////////////////////////////

  // Never more entries than bursts in flight (MAX_OUTSTANDING); sync_fifo
  // wants a power of two.
  localparam int unsigned FifoDepth = (MAX_OUTSTANDING > 2) ? 2 ** $clog2(MAX_OUTSTANDING) : 2;

  logic unused_fifo_full;

  sync_fifo #(
    .WIDTH(9),
    .DEPTH(FifoDepth)
  ) u_data_order (
    .clk_i,
    .rst_ni,
    .push_i (valid_q && burst_ready_i),
    .data_i ({burst_len_q, burst_last_q}),
    .pop_i  (data_done_i),
    .full_o (unused_fifo_full),
    .valid_o(data_valid_o),
    .data_o ({data_len_o, data_last_o})
  );

  /////////////
  // Outputs //
  /////////////

  assign burst_valid_o = valid_q;
  // INCR bursts of full-width beats; cache 4'b0011: normal, non-cacheable,
  // bufferable (the Vitis default); ID, lock, prot, QoS and region 0.
  assign burst_o = '{addr: burst_addr_q, len: burst_len_q, size: 3'(OffW), burst: 2'b01,
                     cache: 4'b0011, default: '0};

  assign idle_o = (left_q == '0) && (outst_q == '0);
  assign err_o  = err_q;

endmodule : axi_burst_planner
