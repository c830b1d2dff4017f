// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// Reciprocal unit: 1/x for x > 0 as a normalised mantissa and a scale,
// bit-exact with golden.approx.reciprocal.reciprocal_parts.
//
// Input : x, an unsigned IN_W-bit raw value of a fixed-point format with
//         IN_FRAC fraction bits (real value x * 2**-IN_FRAC); the softmax
//         engine feeds formats.softmax_sum (the package defaults).
// Output: per lane one OUT_W-bit word {scale, mant}:
//           mant  = out[MANT_W-1:0]        unsigned, M = MANT_BITS fraction bits,
//                                          in [2**(M-1), 2**M] for every x > 0
//                                          (every mantissa checked, package parameters)
//           scale = out[OUT_W-1:MANT_W]    two's complement, SCALE_W bits
//         with 1/x = mant * 2**(scale - M).
//         x = 0 is outside the domain (the golden model raises): the unit
//         returns the all-zero word (mant = 0 never occurs for x > 0).
//
// Arithmetic (golden/approx/reciprocal.py; S = STEP_LOG2, G = 10 guard bits):
//   p     = leading-one position of x;  scale = IN_FRAC - p
//   m     = floor(x * 2**M / 2**p)                    m in [2**M, 2**(M+1))
//   i     = m[M-1:M-S], r = m[M-S-1:0]
//   y     = (T[i]*2**(M-S) + (T[i+1]-T[i])*r + 2**(sh-1)) >> sh,  sh = TABLE_BITS - S
//   NEWTON_STEPS times:
//     d   = (2**(2M) - m*y + 2**(M-G-1)) >>> (M-G)        (M+G fraction bits)
//     y   = y + ((y*d + 2**(M+G-1)) >>> (M+G))
//   Intermediate widths follow from m < 2**(M+1) and y < 2**(M+1) alone, so
//   the datapath is exact for every input; given the seed accuracy
//   (|1 - m*y| < 2**-9) synthesis could narrow d to M+2 bits.
// Shared with rsqrt_unit: nr_normalise (p, m, scale; ROOT = 1), nr_seed (the
// interpolated seed y) and nr_newton_update (d and the update of y; ROOT = 1).
// This unit adds the table geometry (the segment index i) and the product m*y.
//
// Timing: LATENCY = 5 + 4 * NEWTON_STEPS register stages (9 with the package
// defaults): a beat accepted on clock edge k is presented on out_data_o after
// edge k + LATENCY. One beat per cycle. All stages advance together under a
// global enable (lockstep_pipe_ctrl); the pipeline stalls only when its last
// stage holds a result the sink does not take (in_ready_o = !(out_valid_o &&
// !out_ready_i), a combinational path from out_ready_i). No loss or
// duplication under backpressure. LANES independent lanes share one handshake.
module recip_unit
  import edgemoe_cfg_pkg::*;
#(
  parameter int unsigned LANES        = 1,
  parameter int unsigned IN_W         = SOFTMAX_SUM_W,
  parameter int          IN_FRAC      = SOFTMAX_SUM_FRAC,
  parameter int unsigned MANT_BITS    = RECIP_MANT_BITS,
  parameter int unsigned STEP_LOG2    = RECIP_STEP_LOG2,
  parameter int unsigned TABLE_BITS   = RECIP_TABLE_BITS,
  parameter int unsigned NEWTON_STEPS = RECIP_NEWTON_STEPS,
  parameter int unsigned SCALE_W      = 8,
  parameter string       ROM_FILE     = RECIP_ROM_FILE,
  // Derived: do not override.
  localparam int unsigned MANT_W      = MANT_BITS + 1,
  localparam int unsigned OUT_W       = SCALE_W + MANT_W,
  localparam int unsigned LATENCY     = 5 + 4 * NEWTON_STEPS
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
  localparam int unsigned Entries   = (2 ** STEP_LOG2) + 1;
  localparam int unsigned AddrW     = STEP_LOG2 + 1;
  localparam int unsigned MW        = M + 1;               // m in [2**M, 2**(M+1))
  localparam int unsigned YW        = M + 1;               // y in [2**(M-1), 2**M]
  localparam int unsigned MyW       = MW + YW;             // m*y < 2**(2M+2)
  localparam int unsigned NumStages = LATENCY;

  // Elaboration-time checks of the geometry (the shared modules check theirs).
  if (STEP_LOG2 == RECIP_STEP_LOG2 && Entries != RECIP_ENTRIES) begin : gen_err_entries
    $error("recip_unit: table geometry disagrees with edgemoe_cfg_pkg::RECIP_ENTRIES");
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
    // Stages 1-2: normalise, m = floor(x * 2**M / 2**p), scale = IN_FRAC - p.
    // side_q[n-2] holds the side band of stage n (loaded by ld[n-1]).
    side_t side_q [NumStages-1];

    nr_normalise #(
      .IN_W      (IN_W),
      .IN_FRAC   (IN_FRAC),
      .MANT_BITS (M),
      .ROOT      (1),
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

    // Stages 3-5: the seed, interpolated in segment i = m[M-1:M-S] of [1, 2).
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
      .idx_i  ({1'b0, side_q[0].m[M-1:LowW]}),
      .frac_i (side_q[0].m[LowW-1:0]),
      .seed_o (y_q[0])
    );

    // Newton-Raphson steps, four stages each: step k occupies stages b+1..b+4
    // (b = 5 + 4k), loaded by ld[B..B+3].
    for (genvar k = 0; k < NEWTON_STEPS; k++) begin : g_newton
      localparam int unsigned B = 5 + 4 * k;

      // Stage b+1: m * y.
      logic [MyW-1:0] my_q;
      logic [YW-1:0]  ya_q;

      always_ff @(posedge clk_i) begin
        if (ld[B]) begin
          my_q <= MyW'(side_q[B-2].m) * MyW'(y_q[k]);
          ya_q <= y_q[k];
        end
      end

      // Stages b+2..b+4: y += y * (1 - m*y), rounded.
      nr_newton_update #(
        .MANT_BITS (M),
        .PROD_W    (MyW),
        .ROOT      (1)
      ) u_update (
        .clk_i,
        .ld_i   (ld[B+3:B+1]),
        .prod_i (my_q),
        .y_i    (ya_q),
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
