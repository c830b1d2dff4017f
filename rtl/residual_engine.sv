// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// Residual engine: y = sat(a + b) of two (tokens x DIM) feature tensors in
// memory, bit-exact with golden.stages.residual.residual_add.
//
// Arithmetic per feature (raw FEATURE_W-bit two's complement values, same
// fraction bits, so no rounding): s = a + b exact in FEATURE_W + 1 bits, then
// saturated to [-2**(FEATURE_W-1), 2**(FEATURE_W-1) - 1] (AP_SAT).
//
// Memory layout (hls/memory_map.py): features in FeatLaneW-bit lanes
// (FEATURE_W rounded up to 8/16/32/64, sign-extended), LANES = AXI_DATA_W /
// FeatLaneW per beat; every row starts on a beat and is RowBeats beats, so a
// tensor is contiguous and a chunk of rows is one command.
//
// Job (one at a time; job_ready_o = idle; fields taken with the handshake; of
// engine_job_t, a and b: the two inputs and y: the output, (tokens x DIM)
// feature rows each; tokens: rows):
//   the tokens are cut into chunks of CHUNK_ROWS rows (the last one shorter
//   when tokens % CHUNK_ROWS != 0). Read commands, issued back to back as fast
//   as they are taken (no limit on outstanding commands): chunk 0 of a, chunk
//   0 of b, chunk 1 of a, chunk 1 of b, ... One write command for the whole
//   output (tokens * RowBeats beats at job.y) is issued at the start of
//   the job; output beats are offered only once it has been taken.
//   Read data come back in command order: a beats are stored in a buffer of
//   one chunk (always accepted); each b beat is added lane by lane to the a
//   beat of the same index and lands in the output register (accepted while
//   that register is empty or being drained: only the write port can stall
//   it). One buffer suffices: the a beats of chunk c+1 arrive only after every
//   b beat of chunk c has been consumed. The engine therefore never needs a
//   read to complete before it accepts another read beat (no deadlock).
//   done_o pulses in the cycle the job's last write beat is accepted; the
//   engine is idle (job_ready_o) from the next cycle. A job of 0 tokens issues
//   no command and pulses done_o one cycle after it is taken. The job
//   handshake, done_o and the write command are engine_port's (port_i, port_o).
//
// Throughput: one output beat per two read beats; the read port is the limit
// (2 * tokens * RowBeats cycles plus a few cycles of latency per job).
module residual_engine
  import edgemoe_cfg_pkg::*;
#(
  // The geometry (AXI_DATA_W, DIM) is the package's: its derived sizes hold
  // for those only.
  // Rows per read command (and rows of the a buffer): about 64 beats of
  // 32-bit lanes, at least one row.
  parameter int unsigned CHUNK_ROWS = (DIM * 32 / AXI_DATA_W >= 64 ||
                                       DIM * 32 / AXI_DATA_W == 0) ? 1 :
                                      64 / (DIM * 32 / AXI_DATA_W)
) (
  input  logic        clk_i,
  input  logic        rst_ni,

  // Its side of engine_port (engine_slot): the job, its take and the memory
  // responses in; the job's beats, read commands and write beats out.
  input  engine_rsp_t port_i,
  output engine_req_t port_o
);

  //////////////////////
  // Derived geometry //
  //////////////////////

  localparam int unsigned FeatW      = FEATURE_W;
  localparam int unsigned FeatLaneW  = FEATURE_LANE_BYTES * 8;
  localparam int unsigned LANES      = FEATURE_LANES;
  localparam int unsigned RowBeats   = FEATURE_ROW_BEATS;
  localparam int unsigned ChunkBeats = CHUNK_ROWS * RowBeats;
  localparam int unsigned BeatW      = (ChunkBeats > 1) ? $clog2(ChunkBeats) : 1;
  localparam int unsigned ChunkBytes = ChunkBeats * BEAT_BYTES;
  localparam logic signed [FeatW:0] SumMin = -((FeatW + 1)'(1) << (FeatW - 1));
  localparam logic signed [FeatW:0] SumMax = ~SumMin;

  if (AXI_DATA_W % FeatLaneW != 0 || DIM % LANES != 0) begin : gen_err_feat
    $error("residual_engine: a feature row must be a whole number of beats");
  end
  if (CHUNK_ROWS < 1 || CHUNK_ROWS > 65535) begin : gen_err_chunk
    $error("residual_engine: CHUNK_ROWS must be in 1..65535");
  end

  ///////////
  // State //
  ///////////

  logic [31:0] job_total;
  logic [63:0] a_addr_q, b_addr_q, y_addr_q;
  logic [31:0] total_q;       // tokens * RowBeats
  // Command side: rows not yet commanded (for both a and b), a or b next.
  logic [15:0] cmd_rows_q;
  logic        cmd_b_q;
  // Data side: rows of a/b chunks not yet received, a or b beats, beat index.
  logic [15:0] dat_rows_q;
  logic        dat_b_q;
  logic [BeatW-1:0] dat_beat_q;

  logic [15:0] cmd_chunk_rows, dat_chunk_rows;
  logic [31:0] cmd_beats;
  logic [BeatW-1:0] dat_last_beat;
  logic rd_cmd_valid, rd_ready, wr_valid, wr_hs;  // to port_o: below
  logic [63:0] rd_cmd_addr;
  logic [31:0] rd_cmd_beats;
  logic rd_cmd_hs, rd_hs, dat_chunk_end;
  logic out_valid_q, out_load;
  logic [AXI_DATA_W-1:0] out_data_q, sum, wr_data;

  assign job_total      = 32'(port_i.job.tokens) * 32'(RowBeats);
  assign cmd_chunk_rows = (cmd_rows_q > 16'(CHUNK_ROWS)) ? 16'(CHUNK_ROWS) : cmd_rows_q;
  assign dat_chunk_rows = (dat_rows_q > 16'(CHUNK_ROWS)) ? 16'(CHUNK_ROWS) : dat_rows_q;
  assign cmd_beats      = 32'(cmd_chunk_rows) * 32'(RowBeats);
  assign dat_last_beat  = BeatW'(32'(dat_chunk_rows) * 32'(RowBeats) - 32'd1);

  assign rd_cmd_hs     = rd_cmd_valid & port_i.rd_cmd_ready;
  assign rd_hs         = port_i.rd_valid & rd_ready;
  assign wr_hs         = wr_valid & port_i.wr_ready;
  assign dat_chunk_end = rd_hs & (dat_beat_q == dat_last_beat);
  assign out_load      = rd_hs & dat_b_q;

  // To engine_port: the job's beats, read commands, the one write command of
  // the job (at y, the whole output) and its beats.
  assign port_o = '{job_beats: job_total, rd_cmd_valid: rd_cmd_valid, rd_cmd_addr: rd_cmd_addr,
                    rd_cmd_beats: rd_cmd_beats, rd_ready: rd_ready, wr_req: 1'b1,
                    wr_req_addr: y_addr_q, wr_req_beats: total_q, wr_valid: wr_valid,
                    wr_data: wr_data, wr_last: 1'b0};

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      a_addr_q      <= '0;
      b_addr_q      <= '0;
      y_addr_q      <= '0;
      total_q       <= '0;
      cmd_rows_q    <= '0;
      cmd_b_q       <= 1'b0;
      dat_rows_q    <= '0;
      dat_b_q       <= 1'b0;
      dat_beat_q    <= '0;
      out_valid_q   <= 1'b0;
    end else begin
      if (port_i.take) begin
        a_addr_q      <= port_i.job.a;
        b_addr_q      <= port_i.job.b;
        y_addr_q      <= port_i.job.y;
        total_q       <= job_total;
        cmd_rows_q    <= port_i.job.tokens;
        cmd_b_q       <= 1'b0;
        dat_rows_q    <= port_i.job.tokens;
        dat_b_q       <= 1'b0;
        dat_beat_q    <= '0;
      end
      // Read commands: a chunk, then the same chunk of b.
      if (rd_cmd_hs) begin
        cmd_b_q <= ~cmd_b_q;
        if (cmd_b_q) begin
          cmd_rows_q <= cmd_rows_q - cmd_chunk_rows;
          a_addr_q   <= a_addr_q + 64'(ChunkBytes);
          b_addr_q   <= b_addr_q + 64'(ChunkBytes);
        end
      end
      // Read data.
      if (rd_hs) begin
        dat_beat_q <= dat_chunk_end ? '0 : dat_beat_q + BeatW'(1);
      end
      if (dat_chunk_end) begin
        dat_b_q <= ~dat_b_q;
        if (dat_b_q) begin
          dat_rows_q <= dat_rows_q - dat_chunk_rows;
        end
      end
      // Output register.
      if (out_load) begin
        out_valid_q <= 1'b1;
      end else if (wr_hs) begin
        out_valid_q <= 1'b0;
      end
    end
  end

  ///////////////////
  // Read commands //
  ///////////////////

  assign rd_cmd_valid = port_i.busy & (cmd_rows_q != '0);
  assign rd_cmd_addr  = cmd_b_q ? b_addr_q : a_addr_q;
  assign rd_cmd_beats = cmd_beats;

  ///////////////////////////
  // a buffer and the add  //
  ///////////////////////////

  logic [AXI_DATA_W-1:0] a_mem [ChunkBeats];
  logic [AXI_DATA_W-1:0] a_beat;

  always_ff @(posedge clk_i) begin
    if (rd_hs && !dat_b_q) begin
      a_mem[dat_beat_q] <= port_i.rd_data;
    end
  end

  assign a_beat = a_mem[dat_beat_q];

  always_comb begin
    sum = '0;
    for (int l = 0; l < int'(LANES); l++) begin
      logic signed [FeatW:0] s;
      s = (FeatW + 1)'($signed(a_beat[l*FeatLaneW +: FeatW])) +
          (FeatW + 1)'($signed(port_i.rd_data[l*FeatLaneW +: FeatW]));
      s = (s > SumMax) ? SumMax : (s < SumMin) ? SumMin : s;
      sum[l*FeatLaneW +: FeatLaneW] = FeatLaneW'(s);
    end
  end

  always_ff @(posedge clk_i) begin
    if (out_load) begin
      out_data_q <= sum;
    end
  end

  // a beats are always taken; a b beat when the output register can take it.
  assign rd_ready = port_i.busy & (~dat_b_q | ~out_valid_q | wr_hs);
  assign wr_valid = out_valid_q & port_i.wr_open;
  assign wr_data  = out_data_q;

  logic unused_job;  // the fields of other ops, and done (no state waits for it)
  assign unused_job = ^{port_i.job.c, port_i.job.d, port_i.job.k, port_i.job.m,
                        port_i.job.gelu, port_i.job.bias_alt, port_i.job.patch, port_i.done};

endmodule
