// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// Fast simulation memory: an AXI4 slave (AR/R/AW/W/B, INCR bursts of
// full-width beats, ID_W-bit IDs echoed) whose storage is the C buffer of
// tb/fastmem/dpi_mem.c, reached through DPI-C imports (one call per beat).
// Python sees the same buffer as a zero-copy NumPy array (tb/components/dpi_memory.py).
// Its port is the master's request/response pair (axi_req_t / axi_rsp_t).
//
// Read: one burst at a time; RDATA comes from a register loaded by a DPI read,
// so R runs at one beat per cycle and the next AR is taken in the cycle the
// last beat of the current burst is loaded (no bubble between bursts).
// Write: one burst at a time on AW/W (one beat per cycle); a write response is
// queued per burst (counter), so B never stalls AW/W.
// RRESP/BRESP: OKAY, or DECERR for a beat outside the buffer (the burst's
// worst response on B).
//
// PAUSE_PCT (0..100, default 0): each cycle ARREADY, AWREADY, WREADY, the
// loading of the next R beat and BVALID are withheld with this probability,
// from an xorshift generator seeded by the +edgemoe_seed=N plusarg, or SEED
// without it (reproducible).
//
// Simulation only (DPI-C): never part of rtl/.
module axi_dpi_mem
  import edgemoe_cfg_pkg::*;
#(
  parameter int unsigned PAUSE_PCT = 0,
  parameter int unsigned SEED      = 1
) (
  input  logic                clk_i,
  input  logic                rst_ni,

  // The master's port (axi_req_t / axi_rsp_t of the package).
  input  axi_req_t            req_i,
  output axi_rsp_t            rsp_o,

  // Protocol problems seen (sticky): bit 0 non-INCR burst, bit 1 narrow
  // size, bit 2 WLAST mismatch, bit 3 access outside the buffer.
  output logic [3:0]          fault_o
);

  localparam int unsigned DATA_W    = AXI_DATA_W;
  localparam int unsigned ADDR_W    = AXI_ADDR_W;
  localparam int unsigned ID_W      = AXI_ID_W;
  localparam int unsigned BeatBytes = DATA_W / 8;
  localparam int unsigned OffW      = $clog2(BeatBytes);

  import "DPI-C" function int dpi_mem_read_beat(
    input longint unsigned addr, input int nbytes, output bit [DATA_W-1:0] data);
  import "DPI-C" function int dpi_mem_write_beat(
    input longint unsigned addr, input int nbytes, input bit [DATA_W-1:0] data,
    input bit [DATA_W/8-1:0] strb);

  ////////////
  // Pauses //
  ////////////

  logic [31:0] rng_q, seed;
  logic        p_ar, p_r, p_aw, p_w, p_b;

  // The run's seed (tb.simbuild passes +edgemoe_seed=N), else SEED: the pauses
  // follow --sim-seed without a rebuild.
  initial begin
    if (!$value$plusargs("edgemoe_seed=%d", seed)) seed = SEED;
  end

  function automatic logic [31:0] xorshift(logic [31:0] x);
    x = x ^ (x << 13);
    x = x ^ (x >> 17);
    x = x ^ (x << 5);
    return x;
  endfunction

  function automatic logic pause_bit(logic [31:0] x, int salt);
    logic [31:0] h;
    h = xorshift(x ^ (32'h9e37_79b9 * (salt + 1)));
    return (h % 100) < PAUSE_PCT;
  endfunction

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) rng_q <= (seed == 0) ? 32'h1 : seed;
    else if (PAUSE_PCT != 0) rng_q <= xorshift(rng_q);
  end

  if (PAUSE_PCT == 0) begin : gen_no_pause
    assign {p_ar, p_r, p_aw, p_w, p_b} = '0;
  end else begin : gen_pause
    assign p_ar = pause_bit(rng_q, 0);
    assign p_r  = pause_bit(rng_q, 1);
    assign p_aw = pause_bit(rng_q, 2);
    assign p_w  = pause_bit(rng_q, 3);
    assign p_b  = pause_bit(rng_q, 4);
  end

  ////////////
  // Bursts //
  ////////////

  // The open burst of a side (read: beats not yet loaded into R; write: beats
  // not yet taken from W), the same bookkeeping for both.
  typedef struct packed {
    logic              active;
    logic [ADDR_W-1:0] addr;  // the next beat's address
    logic [8:0]        left;  // beats left
    logic [ID_W-1:0]   id;
  } burst_t;

  // A burst opened by its AR/AW handshake: beat-aligned, len + 1 beats.
  function automatic burst_t burst_open(logic [AXI_ADDR_W-1:0] addr,
                                        logic [AXI_LEN_W-1:0] len, logic [ID_W-1:0] id);
    return '{active: 1'b1, addr: {addr[ADDR_W-1:OffW], {OffW{1'b0}}},
             left: {1'b0, len} + 9'd1, id: id};
  endfunction

  // The burst after one beat: the next address, closed after its last beat.
  function automatic burst_t burst_step(burst_t b);
    return '{active: b.active && b.left != 9'd1, addr: b.addr + ADDR_W'(BeatBytes),
             left: b.left - 9'd1, id: b.id};
  endfunction

  //////////
  // Read //
  //////////

  burst_t            rd_q;
  logic              r_valid_q, r_last_q;
  logic [DATA_W-1:0] r_data_q;
  logic [1:0]        r_resp_q;
  logic              ar_ready, r_load, ar_hs;
  logic [3:0]        fault_q;
  logic              rd_fault_q, wr_fault_q;
  bit   [DATA_W-1:0] rd_beat;
  int                rd_status;

  assign r_load = rd_q.active && !p_r && (!r_valid_q || req_i.r_ready);
  assign ar_ready = !p_ar && (!rd_q.active || (r_load && rd_q.left == 9'd1));
  assign ar_hs = req_i.ar_valid && ar_ready;

  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      rd_q        <= '0;
      r_valid_q   <= 1'b0;
      r_last_q    <= 1'b0;
      r_data_q    <= '0;
      r_resp_q    <= 2'b00;
      rd_fault_q  <= 1'b0;
    end else begin
      if (r_load) begin
        rd_status = dpi_mem_read_beat(64'(rd_q.addr), BeatBytes, rd_beat);
        r_valid_q <= 1'b1;
        r_data_q  <= rd_beat;
        r_last_q  <= (rd_q.left == 9'd1);
        r_resp_q  <= (rd_status != 0) ? 2'b11 : 2'b00;
        if (rd_status != 0) rd_fault_q <= 1'b1;
        rd_q <= burst_step(rd_q);
      end else if (req_i.r_ready) begin
        r_valid_q <= 1'b0;
      end
      if (ar_hs) begin
        rd_q <= burst_open(req_i.ar.addr, req_i.ar.len, req_i.ar.id);
      end
    end
  end

  // RID follows the burst the beat in the R register belongs to: the next
  // AR is only taken when the current burst's last beat is being loaded.
  logic [ID_W-1:0] r_id_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) r_id_q <= '0;
    else if (r_load) r_id_q <= rd_q.id;
  end


  ///////////
  // Write //
  ///////////

  burst_t            wr_q;
  logic [1:0]        wr_resp_q;    // worst response of the burst so far
  logic              aw_ready, w_ready, w_hs, aw_hs, w_end;
  int                wr_status;

  // Write responses waiting for B: a small FIFO of (id, resp).
  localparam int unsigned BDepth = 16;
  logic [ID_W+1:0]   b_fifo_q [BDepth];
  logic [4:0]        b_count_q;
  logic [3:0]        b_rptr_q, b_wptr_q;
  logic              b_valid, b_hs;

  assign w_ready  = wr_q.active && !p_w;
  assign w_hs  = req_i.w_valid && w_ready;
  assign w_end = w_hs && wr_q.left == 9'd1;
  assign aw_ready = !p_aw && (b_count_q < 5'(BDepth - 1)) && (!wr_q.active || w_end);
  assign aw_hs = req_i.aw_valid && aw_ready;

  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wr_q        <= '0;
      wr_resp_q   <= 2'b00;
      wr_fault_q  <= 1'b0;
    end else begin
      if (w_hs) begin
        wr_status = dpi_mem_write_beat(64'(wr_q.addr), BeatBytes, req_i.w.data,
                                       req_i.w.strb);
        if (wr_status != 0) begin
          wr_resp_q  <= 2'b11;
          wr_fault_q <= 1'b1;
        end
        if (w_end) b_fifo_q[b_wptr_q] <= {wr_q.id, (wr_status != 0) ? 2'b11 : wr_resp_q};
        wr_q <= burst_step(wr_q);
      end
      if (aw_hs) begin
        wr_q      <= burst_open(req_i.aw.addr, req_i.aw.len, req_i.aw.id);
        wr_resp_q <= 2'b00;
      end
    end
  end

  assign b_hs = b_valid && req_i.b_ready;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      b_count_q <= '0;
      b_rptr_q  <= '0;
      b_wptr_q  <= '0;
    end else begin
      if (w_end) begin
        b_wptr_q <= b_wptr_q + 4'd1;
      end
      if (b_hs) begin
        b_rptr_q <= b_rptr_q + 4'd1;
      end
      if (w_end && !b_hs) b_count_q <= b_count_q + 5'd1;
      else if (!w_end && b_hs) b_count_q <= b_count_q - 5'd1;
    end
  end

  assign b_valid = (b_count_q != '0) && !p_b;

  assign rsp_o = '{
    aw_ready: aw_ready,
    ar_ready: ar_ready,
    w_ready:  w_ready,
    b_valid:  b_valid,
    b:        b_fifo_q[b_rptr_q],
    r_valid:  r_valid_q,
    r:        '{id: r_id_q, data: r_data_q, resp: r_resp_q, last: r_last_q}
  };

  ////////////
  // Checks //
  ////////////

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      fault_q <= '0;
    end else begin
      if (ar_hs && req_i.ar.burst != 2'b01) fault_q[0] <= 1'b1;
      if (aw_hs && req_i.aw.burst != 2'b01) fault_q[0] <= 1'b1;
      if (ar_hs && req_i.ar.size != 3'(OffW)) fault_q[1] <= 1'b1;
      if (aw_hs && req_i.aw.size != 3'(OffW)) fault_q[1] <= 1'b1;
      if (w_hs && (req_i.w.last != (wr_q.left == 9'd1))) fault_q[2] <= 1'b1;
    end
  end

  assign fault_o = {fault_q[3] | rd_fault_q | wr_fault_q, fault_q[2:0]};

  // Unused: the attributes this memory ignores.
  logic unused;
  assign unused = ^{req_i.aw.lock, req_i.aw.cache, req_i.aw.prot, req_i.aw.qos, req_i.aw.region,
                    req_i.ar.lock, req_i.ar.cache, req_i.ar.prot, req_i.ar.qos, req_i.ar.region};

endmodule : axi_dpi_mem
