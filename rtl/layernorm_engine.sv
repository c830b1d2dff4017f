// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// LayerNorm engine: normalises a (tokens x DIM) tensor of feature rows out
// of memory into another, bit-exact with golden.layernorm.layernorm applied to
// every row. All arithmetic is layernorm_unit's (see its header); this module
// moves data between the kernel's memory ports and the unit.
//
// Memory layout (hls/memory_map.py): features are FEATURE_W-bit raw values in
// FeatLaneW-bit lanes (FEATURE_W rounded up to 8/16/32/64, sign-extended),
// gamma and beta NORM_W-bit raw values in NormLaneW-bit lanes; element i of a
// row is lane i of the row's beats, every row starts on a beat and is a whole
// number of beats, so the x and y tensors are contiguous: RowBeats beats per
// row. gamma and beta are one row of DIM elements each (NormBeats beats).
//
// Unit geometry: LANES = AXI_DATA_W / FeatLaneW features per unit beat, so the unit
// consumes one memory beat of features per cycle, and a row is
// RowBeats = DIM / LANES unit beats. A unit parameter beat
// {beta[LANES-1..0], gamma[LANES-1..0]} holds LANES of each; one memory beat of
// gamma (or beta) holds PrmPerBeat = NormLanes / LANES parameter beats' worth.
//
// Job (one at a time; job_ready_o = idle; fields taken with the handshake; of
// engine_job_t, a: x, (tokens x DIM) feature rows; b: gamma and c: beta,
// one row of DIM norm elements each; y: the output, (tokens x DIM)
// feature rows; tokens: rows):
//   read commands, issued back to back at the start of the job:
//     1. gamma: NormBeats beats at job.b
//     2. beta:  NormBeats beats at job.c
//     3. x:     tokens * RowBeats beats at job.a (the whole tensor)
//   write command: tokens * RowBeats beats at job.y, issued at the start
//   of the job; output beats are offered only once it has been taken.
//   Read data, in command order: gamma beats are stored in a NormBeats-deep
//   buffer; each beta beat, with the stored gamma beat of the same index, is
//   sent to the unit as PrmPerBeat parameter beats (the beta beat is taken
//   with the last of them); x beats go straight into the unit's input stream
//   (features cut to AXI_DATA_W bits). The unit accepts the parameter load because
//   it is empty at the start of every job (the previous job ended with its last
//   output beat). Reads of later rows run ahead while earlier rows normalise,
//   as far as the unit's ROW_BUFS ring allows; the unit's output goes straight
//   to the write port (sign-extended to FeatLaneW-bit lanes).
//   done_o pulses in the cycle the job's last write beat is accepted; the
//   engine is idle (job_ready_o) from the next cycle. A job of 0 tokens issues
//   no command and pulses done_o one cycle after it is taken. The job
//   handshake, done_o and the write command are engine_port's.
//   No deadlock: every read beat is accepted without waiting for another read
//   (gamma always; beta when the empty unit takes parameters; x when the unit's
//   ring has room, which only needs the write port to drain).
//
// Throughput: per row max(RowBeats, unit statistics latency) cycles (the
// unit's ring overlaps reading, statistics and normalising of three rows);
// the parameter load takes NormBeats + RowBeats cycles at the start of a job.
module layernorm_engine
  import edgemoe_cfg_pkg::*;
#(
  // The geometry (AXI_DATA_W, DIM) is the package's: its derived sizes hold
  // for those only.
  parameter int unsigned ROW_BUFS   = 3,
  parameter int unsigned DIV_UNROLL = 16
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
  localparam int unsigned GbW        = NORM_W;
  localparam int unsigned FeatLaneW  = FEATURE_LANE_BYTES * 8;
  localparam int unsigned NormLaneW  = NORM_LANE_BYTES * 8;
  localparam int unsigned LANES      = FEATURE_LANES;
  localparam int unsigned NormLanes  = NORM_LANES;
  localparam int unsigned PrmPerBeat = NormLanes / LANES;
  localparam int unsigned RowBeats   = FEATURE_ROW_BEATS;
  localparam int unsigned NormBeats  = NORM_ROW_BEATS;
  localparam int unsigned NbW        = (NormBeats > 1) ? $clog2(NormBeats) : 1;
  localparam int unsigned SubW       = (PrmPerBeat > 1) ? $clog2(PrmPerBeat) : 1;

  if (AXI_DATA_W % FeatLaneW != 0 || DIM % LANES != 0) begin : gen_err_feat
    $error("layernorm_engine: a feature row must be a whole number of beats");
  end
  if (AXI_DATA_W % NormLaneW != 0 || DIM % NormLanes != 0 ||
      NormLanes % LANES != 0) begin : gen_err_norm
    $error("layernorm_engine: a gamma/beta row must be a whole number of beats");
  end

  ///////////
  // State //
  ///////////

  typedef enum logic [1:0] {
    RdGamma = 2'd0,
    RdBeta  = 2'd1,
    RdX     = 2'd2,
    RdNone  = 2'd3
  } rd_e;

  logic [31:0] job_total;
  logic [63:0] x_addr_q, gamma_addr_q, beta_addr_q, y_addr_q;
  logic [31:0] total_q;       // tokens * RowBeats
  rd_e         cmd_q;         // next read command
  rd_e         ph_q;          // where the next read beat goes
  logic [NbW-1:0]  nb_q;      // gamma/beta beat index
  logic [SubW-1:0] sub_q;     // parameter beat within a beta beat

  logic rd_cmd_valid, rd_ready, wr_valid, rd_cmd_hs, rd_hs;  // to port_o: below
  logic [63:0] rd_cmd_addr;
  logic [31:0] rd_cmd_beats;
  logic [AXI_DATA_W-1:0] wr_data;
  logic gamma_hs, prm_hs, nb_last, sub_last;

  assign job_total   = 32'(port_i.job.tokens) * 32'(RowBeats);
  assign rd_cmd_hs   = rd_cmd_valid & port_i.rd_cmd_ready;
  assign rd_hs       = port_i.rd_valid & rd_ready;
  assign nb_last     = (nb_q == NbW'(NormBeats - 1));
  assign sub_last    = (sub_q == SubW'(PrmPerBeat - 1));
  assign gamma_hs    = rd_hs & (ph_q == RdGamma);

  // To engine_port: the job's beats, read commands, the one write command of
  // the job (at y, the whole output) and its beats.
  assign port_o = '{job_beats: job_total, rd_cmd_valid: rd_cmd_valid, rd_cmd_addr: rd_cmd_addr,
                    rd_cmd_beats: rd_cmd_beats, rd_ready: rd_ready, wr_req: 1'b1,
                    wr_req_addr: y_addr_q, wr_req_beats: total_q, wr_valid: wr_valid,
                    wr_data: wr_data, wr_last: 1'b0};

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      x_addr_q      <= '0;
      gamma_addr_q  <= '0;
      beta_addr_q   <= '0;
      y_addr_q      <= '0;
      total_q       <= '0;
      cmd_q         <= RdNone;
      ph_q          <= RdNone;
      nb_q          <= '0;
      sub_q         <= '0;
    end else begin
      if (port_i.take) begin
        x_addr_q      <= port_i.job.a;
        gamma_addr_q  <= port_i.job.b;
        beta_addr_q   <= port_i.job.c;
        y_addr_q      <= port_i.job.y;
        total_q       <= job_total;
        nb_q          <= '0;
        sub_q         <= '0;
        if (port_i.job.tokens != '0) begin
          cmd_q <= RdGamma;
          ph_q  <= RdGamma;
        end
      end
      // Read commands: gamma, beta, x.
      if (rd_cmd_hs) begin
        unique case (cmd_q)
          RdGamma: cmd_q <= RdBeta;
          RdBeta:  cmd_q <= RdX;
          default: cmd_q <= RdNone;
        endcase
      end
      // Read data routing.
      if (gamma_hs) begin
        nb_q <= nb_last ? '0 : nb_q + NbW'(1);
        if (nb_last) begin
          ph_q <= RdBeta;
        end
      end
      if (prm_hs) begin
        sub_q <= sub_last ? '0 : sub_q + SubW'(1);
        if (sub_last) begin
          nb_q <= nb_last ? '0 : nb_q + NbW'(1);
          if (nb_last) begin
            ph_q <= RdX;
          end
        end
      end
      // The end of the job.
      if (port_i.done) begin
        cmd_q <= RdNone;
        ph_q  <= RdNone;
      end
    end
  end

  ///////////////////
  // Read commands //
  ///////////////////

  assign rd_cmd_valid = port_i.busy & (cmd_q != RdNone);
  always_comb begin
    unique case (cmd_q)
      RdGamma: begin
        rd_cmd_addr  = gamma_addr_q;
        rd_cmd_beats = 32'(NormBeats);
      end
      RdBeta: begin
        rd_cmd_addr  = beta_addr_q;
        rd_cmd_beats = 32'(NormBeats);
      end
      default: begin
        rd_cmd_addr  = x_addr_q;
        rd_cmd_beats = total_q;
      end
    endcase
  end

  ////////////////////////////////////
  // gamma buffer and prm beats     //
  ////////////////////////////////////

  logic [AXI_DATA_W-1:0] gamma_mem [NormBeats];

  always_ff @(posedge clk_i) begin
    if (gamma_hs) begin
      gamma_mem[nb_q] <= port_i.rd_data;
    end
  end

  logic                   prm_valid, prm_ready;
  logic [2*LANES*GbW-1:0] prm_data;
  logic [AXI_DATA_W-1:0]  gamma_beat;

  assign gamma_beat = gamma_mem[nb_q];
  assign prm_valid  = port_i.rd_valid & (ph_q == RdBeta);
  assign prm_hs     = prm_valid & prm_ready;

  always_comb begin
    prm_data = '0;
    for (int l = 0; l < int'(LANES); l++) begin
      prm_data[l*GbW +: GbW] =
          gamma_beat[(int'(sub_q) * int'(LANES) + l) * int'(NormLaneW) +: GbW];
      prm_data[(int'(LANES) + l)*GbW +: GbW] =
          port_i.rd_data[(int'(sub_q) * int'(LANES) + l) * int'(NormLaneW) +: GbW];
    end
  end

  //////////////////////
  // Features in, out //
  //////////////////////

  logic                   in_valid, in_ready;
  logic [LANES*FeatW-1:0] in_data;
  logic                   out_valid, out_ready;
  logic [LANES*FeatW-1:0] out_data;

  assign in_valid = port_i.rd_valid & (ph_q == RdX);

  always_comb begin
    for (int l = 0; l < int'(LANES); l++) begin
      in_data[l*FeatW +: FeatW] = port_i.rd_data[l*FeatLaneW +: FeatW];
    end
  end

  always_comb begin
    unique case (ph_q)
      RdGamma: rd_ready = port_i.busy;
      RdBeta:  rd_ready = prm_ready & sub_last;
      RdX:     rd_ready = in_ready;
      default: rd_ready = 1'b0;
    endcase
  end

  // Output beats only after the write command has been taken.
  assign wr_valid = out_valid & port_i.wr_open;
  assign out_ready  = port_i.wr_ready & port_i.wr_open;

  always_comb begin
    for (int l = 0; l < int'(LANES); l++) begin
      wr_data[l*FeatLaneW +: FeatLaneW] =
          FeatLaneW'($signed(out_data[l*FeatW +: FeatW]));
    end
  end

  layernorm_unit #(
    .LANES      (LANES),
    .ROW_LEN    (DIM),
    .ROW_BUFS   (ROW_BUFS),
    .DIV_UNROLL (DIV_UNROLL)
  ) u_layernorm (
    .clk_i,
    .rst_ni,
    .in_valid_i  (in_valid),
    .in_ready_o  (in_ready),
    .in_data_i   (in_data),
    .prm_valid_i (prm_valid),
    .prm_ready_o (prm_ready),
    .prm_data_i  (prm_data),
    .out_valid_o (out_valid),
    .out_ready_i (out_ready),
    .out_data_o  (out_data)
  );

  logic unused_job;  // the fields of other ops
  assign unused_job = ^{port_i.job.d, port_i.job.k, port_i.job.m, port_i.job.gelu,
                        port_i.job.bias_alt, port_i.job.patch};

endmodule
