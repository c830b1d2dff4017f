// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// Reciprocal square-root unit: 1/sqrt(x) for x > 0 as a normalised mantissa
// and a scale, bit-exact with golden.approx.rsqrt.rsqrt_parts.
//
// Input : x, an unsigned IN_W-bit raw value of a fixed-point format with
//         IN_FRAC fraction bits (real value x * 2**-IN_FRAC); the LayerNorm
//         unit feeds formats.ln_var (var + eps; the package defaults).
// Output: per lane one OUT_W-bit word {scale, mant}:
//           mant  = out[MANT_W-1:0]        unsigned, M = MANT_BITS fraction bits,
//                                          in [2**(M-1), 2**M] for every x > 0
//                                          (every mantissa checked, package parameters)
//           scale = out[OUT_W-1:MANT_W]    two's complement, SCALE_W bits
//         with 1/sqrt(x) = mant * 2**(scale - M).
//         x = 0 is outside the domain (the golden model raises): the unit
//         returns the all-zero word (mant = 0 never occurs for x > 0).
//
// Arithmetic (golden/approx/rsqrt.py; F = IN_FRAC, S = STEP_LOG2, G = 10):
//   p     = leading-one position of x;  e = floor((p - F) / 2);  scale = -e
//   m     = floor(x * 2**M / 2**(F + 2e))           (even shift) m in [2**M, 2**(M+2))
//   i     = (m >> (M-S)) - 2**S, r = m[M-S-1:0]      (ROM of 3 * 2**S + 1 entries)
//   y     = (T[i]*2**(M-S) + (T[i+1]-T[i])*r + 2**(sh-1)) >> sh,  sh = TABLE_BITS - S
//   NEWTON_STEPS times:
//     y2  = (y*y + 2**(M-1)) >> M
//     d   = (2**(2M) - m*y2 + 2**(M-G-1)) >>> (M-G)       (M+G fraction bits)
//     y   = y + ((y*d + 2**(M+G)) >>> (M+G+1))            (y * d / 2)
//   Intermediate widths follow from m < 2**(M+2) and y < 2**(M+1) alone, so
//   the datapath is exact for every input; given the seed accuracy
//   (|1 - m*y*y| < 2**-9) synthesis could narrow d to M+2 bits.
// Shared with recip_unit: nr_normalise (p, m, scale; ROOT = 2), nr_seed (the
// interpolated seed y) and nr_newton_update (d and the update of y; ROOT = 2).
// This unit adds the table geometry (the segment index i) and the products
// y*y, m*y2.
//
// Timing: LATENCY = 5 + 5 * NEWTON_STEPS register stages (10 with the package
// defaults): a beat accepted on clock edge k is presented on out_data_o after
// edge k + LATENCY. One beat per cycle. All stages advance together under a
// global enable (lockstep_pipe_ctrl); the pipeline stalls only when its last
// stage holds a result the sink does not take (in_ready_o = !(out_valid_o &&
// !out_ready_i), a combinational path from out_ready_i). No loss or
// duplication under backpressure. LANES independent lanes share one handshake.
module rsqrt_unit
  import edgemoe_cfg_pkg::*;
#(
  parameter int unsigned LANES        = 1,
  parameter int unsigned IN_W         = LN_VAR_W,
  parameter int          IN_FRAC      = LN_VAR_FRAC,
  parameter int unsigned MANT_BITS    = RSQRT_MANT_BITS,
  parameter int unsigned STEP_LOG2    = RSQRT_STEP_LOG2,
  parameter int unsigned TABLE_BITS   = RSQRT_TABLE_BITS,
  parameter int unsigned NEWTON_STEPS = RSQRT_NEWTON_STEPS,
  parameter int unsigned SCALE_W      = 8,
  parameter string       ROM_FILE     = RSQRT_ROM_FILE,
  // Derived: do not override.
  localparam int unsigned MANT_W      = MANT_BITS + 1,
  localparam int unsigned OUT_W       = SCALE_W + MANT_W,
  localparam int unsigned LATENCY     = 5 + 5 * NEWTON_STEPS
) (
  input  logic                   clk_i,
  input  logic                   rst_ni,

  input  logic                   in_valid_i,
  output logic                   in_ready_o,
  input  logic [LANES*IN_W-1:0]  in_data_i,

  output logic                   out_valid_o,
  input  logic                   out_ready_i,
  output logic [LANES*OUT_W-1:0] out_data_o
);

  //////////////////////
  // Derived geometry //
  //////////////////////

  localparam int unsigned M         = MANT_BITS;
  localparam int unsigned LowW      = M - STEP_LOG2;       // interpolation fraction bits
  localparam int unsigned Entries   = 3 * (2 ** STEP_LOG2) + 1;
  localparam int unsigned AddrW     = STEP_LOG2 + 2;
  localparam int unsigned MW        = M + 2;               // m in [2**M, 2**(M+2))
  localparam int unsigned YW        = M + 1;               // y in [2**(M-1), 2**M]
  // Newton: y*y < 2**(2M+2), y2 < 2**(M+3), m*y2 < 2**(2M+5).
  localparam int unsigned YyW       = 2 * YW + 1;
  localparam int unsigned Y2W       = YyW - M;
  localparam int unsigned My2W      = MW + Y2W;
  localparam int unsigned NumStages = LATENCY;

  localparam logic [YyW-1:0] Y2Half = YyW'(1) << (M - 1);

  // Elaboration-time checks of the geometry (the shared modules check theirs).
  if (STEP_LOG2 == RSQRT_STEP_LOG2 && Entries != RSQRT_ENTRIES) begin : gen_err_entries
    $error("rsqrt_unit: table geometry disagrees with edgemoe_cfg_pkg::RSQRT_ENTRIES");
  end

  ///////////////////////////
  // Handshake and enables //
  ///////////////////////////

  logic [NumStages-1:0] ld;  // ld[n-1]: the registers of stage n load

  lockstep_pipe_ctrl #(
    .STAGES (NumStages)
  ) u_pipe_ctrl (
    .clk_i,
    .rst_ni,
    .in_valid_i,
    .in_ready_o,
    .out_valid_o,
    .out_ready_i,
    .ld_o        (ld)
  );

  ///////////
  // Lanes //
  ///////////

  // What travels alongside the arithmetic from stage 2 on.
  typedef struct packed {
    logic [MW-1:0]      m;
    logic [SCALE_W-1:0] scale;
    logic               zero;
  } side_t;

  for (genvar l = 0; l < LANES; l++) begin : g_lane
    // Registers are named after their stage n (1-based); ld[n-1] loads stage n.
    // Stages 1-2: normalise by an even shift, m = floor(x * 2**M / 2**(F + 2e)),
    // scale = -e.
    // side_q[n-2] holds the side band of stage n (loaded by ld[n-1]).
    side_t side_q [NumStages-1];

    nr_normalise #(
      .IN_W      (IN_W),
      .IN_FRAC   (IN_FRAC),
      .MANT_BITS (M),
      .ROOT      (2),
      .SCALE_W   (SCALE_W)
    ) u_normalise (
      .clk_i,
      .ld_i    (ld[1:0]),
      .x_i     (in_data_i[l*IN_W +: IN_W]),
      .m_o     (side_q[0].m),
      .scale_o (side_q[0].scale),
      .zero_o  (side_q[0].zero)
    );

    for (genvar j = 2; j < NumStages; j++) begin : g_side
      always_ff @(posedge clk_i) begin
        if (ld[j]) begin
          side_q[j-1] <= side_q[j-2];
        end
      end
    end

    // Stages 3-5: the seed, interpolated in segment i = (m >> (M-S)) - 2**S of [1, 4).
    logic [YW-1:0] y_q [NEWTON_STEPS+1];  // y_q[k]: the iterate after k Newton steps

    nr_seed #(
      .MANT_BITS  (M),
      .STEP_LOG2  (STEP_LOG2),
      .TABLE_BITS (TABLE_BITS),
      .ENTRIES    (Entries),
      .ADDR_W     (AddrW),
      .ROM_FILE   (ROM_FILE)
    ) u_seed (
      .clk_i,
      .ld_i   (ld[4:2]),
      .idx_i  (side_q[0].m[M+1:LowW] - AddrW'(2 ** STEP_LOG2)),
      .frac_i (side_q[0].m[LowW-1:0]),
      .seed_o (y_q[0])
    );

    // Newton-Raphson steps, five stages each: step k occupies stages b+1..b+5
    // (b = 5 + 5k), loaded by ld[B..B+4].
    for (genvar k = 0; k < NEWTON_STEPS; k++) begin : g_newton
      localparam int unsigned B = 5 + 5 * k;

      // Stage b+1: y * y.
      logic [YyW-1:0] yy_q;
      logic [YW-1:0]  ya_q;

      always_ff @(posedge clk_i) begin
        if (ld[B]) begin
          yy_q <= YyW'(y_q[k]) * YyW'(y_q[k]);
          ya_q <= y_q[k];
        end
      end

      // Stage b+2: y2 = y*y rounded half up to M fraction bits, times m.
      logic [YyW-1:0]  yy_r;
      logic [My2W-1:0] my2_q;
      logic [YW-1:0]   yb_q;

      assign yy_r = yy_q + Y2Half;

      logic unused_yy;
      assign unused_yy = ^yy_r[M-1:0];

      always_ff @(posedge clk_i) begin
        if (ld[B+1]) begin
          my2_q <= My2W'(side_q[B-1].m) * My2W'(yy_r[YyW-1:M]);
          yb_q  <= ya_q;
        end
      end

      // Stages b+3..b+5: y += y * (1 - m*y2) / 2, rounded.
      nr_newton_update #(
        .MANT_BITS (M),
        .PROD_W    (My2W),
        .ROOT      (2)
      ) u_update (
        .clk_i,
        .ld_i   (ld[B+4:B+2]),
        .prod_i (my2_q),
        .y_i    (yb_q),
        .y_o    (y_q[k+1])
      );
    end

    // Output: {scale, mant}, all zero for x = 0.
    side_t side_out;
    assign side_out = side_q[NumStages-2];

    logic unused_side;
    assign unused_side = ^side_out.m;

    assign out_data_o[l*OUT_W +: OUT_W] = side_out.zero ? '0 : {side_out.scale, y_q[NEWTON_STEPS]};
  end

endmodule
